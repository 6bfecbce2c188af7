"""daily_report: report.json, report.md and report.html of one day."""

from news_pipeline.report.render import (
    Report,
    build_report,
    counts_by_category,
    counts_by_tier,
    markdown_preview,
    write_report,
)

__all__ = [
    "Report",
    "build_report",
    "counts_by_category",
    "counts_by_tier",
    "markdown_preview",
    "write_report",
]
