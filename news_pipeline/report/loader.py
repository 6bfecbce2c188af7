"""Where the page templates come from: a user's folder first, then the packaged ones."""

from __future__ import annotations

from pathlib import Path

import jinja2

TEMPLATES_DIR = Path(__file__).parent / "templates"


def template_loader(templates_dir: Path | None) -> jinja2.BaseLoader:
    """The user's folder first (a template of the same name wins), then the packaged ones."""
    packaged = jinja2.FileSystemLoader(TEMPLATES_DIR)
    if templates_dir is None:
        return packaged
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(templates_dir), packaged])
