"""The daily report: report.json (the CONTRACT.md shape), and report.md / report.html rendered
from jinja2 templates that a user can override from a folder of their own.

Modules: `model` (report.json and build_report), `view` (what the templates read), `markdown`
and `html` (escaping and the jinja environments), `i18n` (the zh/en fixed text from
data/report_text.yaml), `files` (writing the three files), `archive` (index.html and the
Atom and JSON feeds over every day on disk). Everything from a feed is
untrusted (`untrusted`): escaped in both formats, and only http(s) URLs become links.
"""

from news_pipeline.report.archive import ArchivePaths, report_title, write_archive
from news_pipeline.report.files import (
    ReportPaths,
    render_daily_report,
    report_json,
    write_report,
    write_view,
)
from news_pipeline.report.html import html_environment, render_html
from news_pipeline.report.i18n import Language, format_day, format_moment
from news_pipeline.report.markdown import (
    markdown_environment,
    markdown_preview,
    md_escape,
    md_link,
    render_markdown,
)
from news_pipeline.report.model import (
    Report,
    ReportAccountingError,
    ReportArticle,
    ReportExcluded,
    ReportSource,
    ReportStats,
    ReportStory,
    build_report,
    counts_by_category,
    counts_by_tier,
)
from news_pipeline.report.untrusted import plain_text, safe_url
from news_pipeline.report.view import ReportView, build_report_view

__all__ = [
    "ArchivePaths",
    "Language",
    "Report",
    "ReportAccountingError",
    "ReportArticle",
    "ReportExcluded",
    "ReportPaths",
    "ReportSource",
    "ReportStats",
    "ReportStory",
    "ReportView",
    "build_report",
    "build_report_view",
    "counts_by_category",
    "counts_by_tier",
    "format_day",
    "format_moment",
    "html_environment",
    "markdown_environment",
    "markdown_preview",
    "md_escape",
    "md_link",
    "plain_text",
    "render_daily_report",
    "render_html",
    "render_markdown",
    "report_json",
    "report_title",
    "safe_url",
    "write_archive",
    "write_report",
    "write_view",
]
