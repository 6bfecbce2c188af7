"""HTML output: the jinja environment of report.html, autoescaping everything from feeds.

A template must never mark feed text `|safe`. The view's URLs have already passed
`safe_url` (None when not absolute http(s): the templates then show text without a link); a
template that takes a URL from anywhere else filters it with `|safe_url`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from news_pipeline.report.loader import template_loader
from news_pipeline.report.untrusted import safe_url

if TYPE_CHECKING:
    from news_pipeline.report.view import ReportView

HTML_TEMPLATE = "report.html.j2"


def html_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """Jinja for HTML with autoescape on; use `url|safe_url` for every href."""
    env = jinja2.Environment(
        loader=template_loader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


def render_html(view: ReportView, templates_dir: Path | None = None) -> str:
    template = html_environment(templates_dir).get_template(HTML_TEMPLATE)
    return template.render(view=view, t=view.t)
