"""The editor's text in the report: report.json, Markdown and HTML (report/model.py, view.py,
templates), with the model's output treated as untrusted as any feed's."""

from __future__ import annotations

import json
from pathlib import Path

from news_pipeline.report import render_daily_report
from news_pipeline_tests.factories import edited_frame, edited_row
from news_pipeline_tests.stages.report.sample_day import (
    DAY,
    DAY_ITEMS,
    DAY_STORIES,
    GENERATED_AT,
    TIMEZONE,
    frames,
)

HOSTILE_INSIGHT = (
    "开源降低门槛 <script>alert(1)</script> [点我](javascript:alert(1)) {{< shortcode >}}"
)


def _render(tmp_path: Path, language: str = "zh"):
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    edited = edited_frame(
        [
            edited_row(
                partition_date=DAY,
                story_id="qwen",
                title="阿里开源千问3.5：总参数3970亿",
                summary="阿里开源千问3.5，每次只激活170亿参数。",
                insight=HOSTILE_INSIGHT,
            ),
            edited_row(
                partition_date=DAY,
                story_id="unitree",
                title="模型写的标题不应出现",
                summary="模型写的摘要不应出现。",
                insight=None,
                summary_source="extractive",
                outcome="rejected",
                reason="ungrounded_number",
            ),
        ]
    )
    return render_daily_report(
        categorized,
        deduped,
        day=DAY,
        timezone=TIMEZONE,
        generated_at=GENERATED_AT,
        out_dir=tmp_path,
        language=language,
        edited=edited,
    )


def test_report_json_takes_the_editors_text_only_where_it_was_used(tmp_path: Path) -> None:
    _, paths = _render(tmp_path)
    stories = {s["story_id"]: s for s in json.loads(paths.json.read_text("utf-8"))["stories"]}
    qwen = stories["qwen"]
    assert qwen["title"] == "阿里开源千问3.5：总参数3970亿"
    assert qwen["summary_source"] == "llm" and qwen["insight"] == HOSTILE_INSIGHT
    assert [a["title"] for a in qwen["articles"]] == [
        "阿里发布 Qwen3.5",
        "Qwen3.5 开源：3970 亿参数",
    ]
    unitree = stories["unitree"]
    assert unitree["title"] == "宇树机器人春晚集群表演"
    assert (unitree["summary_source"], unitree["insight"]) == ("extractive", None)
    assert stories["doubao"]["summary_source"] == "extractive"


def test_pages_mark_the_model_summary_print_the_insight_and_escape_it(tmp_path: Path) -> None:
    _, paths = _render(tmp_path)
    markdown = paths.markdown.read_text("utf-8")
    html = paths.html.read_text("utf-8")
    assert "阿里开源千问3.5，每次只激活170亿参数。 （AI 摘要）" in markdown
    assert "**为何值得关注**：开源降低门槛" in markdown
    assert markdown.count("（AI 摘要）") == 1 and markdown.count("为何值得关注") == 1
    assert "阿里开源千问3.5，每次只激活170亿参数。 （AI 摘要）\n\n**为何值得关注**" in markdown
    assert "<script>" not in markdown and "[点我](javascript" not in markdown
    assert "\\[点我\\](javascript" in markdown and "{{<" not in markdown
    assert '<p class="insight"><strong>为何值得关注</strong>' in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    english = _render(tmp_path / "en", "en")[1].markdown.read_text("utf-8")
    assert "(AI summary)" in english and "**Why it matters**: " in english
