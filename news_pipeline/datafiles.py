"""Where the package's data files live: word lists, taxonomy, patterns, example sources."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(name: str) -> Path:
    """The path of a bundled data file, e.g. ``data_path("taxonomy.yaml")``."""
    return DATA_DIR / name
