"""A new development says which story it continues: report.json's `continues`, and in both
pages a 后续 / Update mark with a relative link to the earlier day's report at that story."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from news_pipeline.report import render_daily_report
from news_pipeline_tests.factories import (
    DAY,
    categorized_frame,
    categorized_row,
    deduped_frame,
    deduped_row,
)

EARLIER_DAY = date(2026, 2, 12)
EARLIER_STORY = "s0123456789abcdef"
LINK = f"../2026-02-12/report.html#story-{EARLIER_STORY}"


def render(tmp_path: Path, language: str, continues: str | None):
    categorized = categorized_frame(
        [
            categorized_row(
                continues_story_id=continues,
                continues_partition_date=EARLIER_DAY if continues else None,
            )
        ]
    )
    deduped = deduped_frame([deduped_row()])
    _, paths = render_daily_report(
        categorized,
        deduped,
        day=DAY,
        timezone="Asia/Shanghai",
        generated_at=datetime(2026, 2, 14, 23, 0, tzinfo=UTC),
        out_dir=tmp_path / language,
        language=language,
    )
    return paths


@pytest.mark.parametrize(("language", "label"), [("zh", "后续"), ("en", "Update")])
def test_development_is_marked_and_links_the_earlier_report(
    tmp_path: Path, language: str, label: str
) -> None:
    paths = render(tmp_path, language, EARLIER_STORY)
    story = json.loads(paths.json.read_text("utf-8"))["stories"][0]
    assert story["continues"] == EARLIER_STORY
    html = paths.html.read_text("utf-8")
    assert f'<span class="tag update">{label}</span> <a href="{LINK}">' in html
    markdown = paths.markdown.read_text("utf-8")
    assert f"**{label}** · [" in markdown and f"]({LINK})" in markdown


def test_every_story_has_the_key_null_when_it_continues_nothing(tmp_path: Path) -> None:
    paths = render(tmp_path, "zh", None)
    story = json.loads(paths.json.read_text("utf-8"))["stories"][0]
    assert "continues" in story and story["continues"] is None
    assert "后续" not in paths.html.read_text("utf-8")
