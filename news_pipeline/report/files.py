"""Writing one partition's report.md, report.html and report.json, each atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from news_pipeline.report.html import render_html
from news_pipeline.report.i18n import Language
from news_pipeline.report.markdown import render_markdown
from news_pipeline.report.model import Report, build_report
from news_pipeline.report.view import ReportView, build_report_view


@dataclass(frozen=True)
class ReportPaths:
    markdown: Path
    html: Path
    json: Path


def report_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_view(
    view: ReportView, out_dir: Path, *, templates_dir: Path | None = None
) -> ReportPaths:
    """Render the three files into out_dir (created if missing); all are rendered first, so a
    template error leaves the previous files in place."""
    markdown = render_markdown(view, templates_dir)
    html = render_html(view, templates_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(
        markdown=out_dir / "report.md", html=out_dir / "report.html", json=out_dir / "report.json"
    )
    _write_atomically(paths.json, report_json(view.report))
    _write_atomically(paths.markdown, markdown)
    _write_atomically(paths.html, html)
    return paths


def write_report(
    report: Report,
    *,
    out_dir: Path,
    language: Language = "zh",
    category_names: Mapping[str, Mapping[str, str]] | None = None,
    categorized: pl.DataFrame | None = None,
    deduped: pl.DataFrame | None = None,
    templates_dir: Path | None = None,
) -> ReportPaths:
    """Write report.md, report.html and report.json for one partition.

    `categorized` supplies key facts and `deduped` the per-article publish times (both the
    same partition's rows given to build_report); without them the pages simply omit those.
    """
    view = build_report_view(
        report, categorized, deduped, language=language, category_names=category_names
    )
    return write_view(view, out_dir, templates_dir=templates_dir)


def render_daily_report(
    categorized: pl.DataFrame,
    deduped: pl.DataFrame,
    *,
    day: date,
    timezone: str,
    generated_at: datetime,
    out_dir: Path,
    language: Language = "zh",
    category_names: Mapping[str, Mapping[str, str]] | None = None,
    templates_dir: Path | None = None,
    edited: pl.DataFrame | None = None,
) -> tuple[ReportView, ReportPaths]:
    """build_report + build_report_view + write_view for one partition, in one call."""
    report = build_report(categorized, deduped, day, timezone, generated_at, edited)
    view = build_report_view(
        report, categorized, deduped, language=language, category_names=category_names
    )
    return view, write_view(view, out_dir, templates_dir=templates_dir)
