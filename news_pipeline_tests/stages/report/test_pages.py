"""report.md and report.html: the digest layout, front matter, both languages, the user's
taxonomy, an empty day and the metadata preview."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import yaml

from news_pipeline.datafiles import data_path
from news_pipeline.report import (
    build_report,
    format_day,
    format_moment,
    markdown_preview,
    render_daily_report,
    write_report,
)
from news_pipeline.report.i18n import REPORT_TEXT_FILE, ReportText
from news_pipeline_tests.stages.report.parsing import front_matter, markdown_tokens, parse_page
from news_pipeline_tests.stages.report.sample_day import (
    DAY,
    DAY_ITEMS,
    DAY_STORIES,
    GENERATED_AT,
    ITHOME,
    TIMEZONE,
    feed,
    frames,
    render_day,
)

# ---- Markdown -----------------------------------------------------------------------------


def test_markdown_front_matter_parses_for_jekyll_and_hugo(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    markdown = paths.markdown.read_text(encoding="utf-8")
    meta = front_matter(markdown)

    assert {"title", "date", "categories", "tags", "summary"} <= set(meta)
    assert "2026年2月14日" in meta["title"]
    assert meta["date"] == DAY
    assert isinstance(meta["categories"], list) and isinstance(meta["tags"], list)
    assert "模型" in meta["tags"] and "机器人" in meta["tags"]
    assert meta["summary"].splitlines() == [
        "- 阿里发布 Qwen3.5 系列大模型",
        "- 字节发布豆包大模型 2.0",
    ]


def test_markdown_structure_follows_the_digest_layout(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    markdown = paths.markdown.read_text(encoding="utf-8")
    tokens = markdown_tokens(markdown)
    headings = [
        (tokens[i].tag, tokens[i + 1].content)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
    ]
    level2 = [text for tag, text in headings if tag == "h2"]
    # headlines first, then category sections in taxonomy order, the brief tail, the appendix
    assert level2 == ["今日要闻", "机器人", "算力与基础设施", "更多动态", "未收录条目"]
    assert [text for tag, text in headings if tag == "h1"] == ["AI 日报：2026年2月14日 星期六"]
    body = markdown.split("## 机器人")[0]
    assert "- 总参数 3970 亿" in body  # key facts of a headline story
    assert (
        "[Qwen3.5 开源：3970 亿参数](https://tech.sina.example/qwen35.shtml) — sina · 11:00" in body
    )
    assert "- [微信上线 AI 拜年歌](https://tech.sina.example/wechat.shtml) — sina" in markdown
    assert "### 重复链接 (1)" in markdown and "### 与 AI 无关 (2)" in markdown
    assert "列出 13 · 抓取 11 · 提取正文 10 · 合并 1" in markdown


# ---- HTML ---------------------------------------------------------------------------------


def test_html_is_a_standalone_page_with_chart_and_collapsed_appendix(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    html = paths.html.read_text(encoding="utf-8")
    page = parse_page(html)

    assert html.startswith("<!DOCTYPE html>")
    assert page.tags["style"] == 1 and page.tags["link"] == 0 and page.tags["script"] == 0
    assert "prefers-color-scheme: dark" in html and 'name="viewport"' in html
    assert '<html lang="zh-CN">' in html
    bars = re.findall(r'bar-label">([^<]+)</span>.*?width: (\d+)%.*?bar-count">(\d+)<', html)
    assert bars == [
        ("模型", "100", "2"),
        ("智能体与应用", "50", "1"),
        ("机器人", "50", "1"),
        ("算力与基础设施", "50", "1"),
    ]
    appendix = html[html.index("<details") : html.index("</details>")]
    assert "https://dead.example/feed" in appendix and "抓取失败 (2)" in appendix
    text = "".join(page.text)
    for title in ("阿里发布 Qwen3.5 系列大模型", "字节发布豆包大模型 2.0", "微信上线 AI 拜年歌"):
        assert title in text


# ---- languages, overrides, empty day ------------------------------------------------------


def test_dates_are_formatted_per_language() -> None:
    assert format_day(date(2026, 2, 15), "zh") == "2026年2月15日 星期日"
    assert format_day(date(2026, 2, 15), "en") == "Sunday, 15 February 2026"
    moment = datetime(2026, 2, 15, 9, 5)
    assert format_moment(moment, date(2026, 2, 15), "zh") == "09:05"
    assert format_moment(moment, date(2026, 2, 14), "zh") == "2月15日 09:05"
    assert format_moment(moment, date(2026, 2, 14), "en") == "15 Feb 09:05"


def test_a_label_missing_from_one_language_is_refused_when_loaded() -> None:
    data = yaml.safe_load(data_path(REPORT_TEXT_FILE).read_text(encoding="utf-8"))
    ReportText.model_validate(data)
    del data["languages"]["en"]["text"]["more_news"]
    with pytest.raises(ValueError, match="en lacks labels \\['more_news'\\]"):
        ReportText.model_validate(data)


def test_english_and_chinese_reports_use_their_own_fixed_text(tmp_path: Path) -> None:
    _, zh = render_day(tmp_path, DAY_ITEMS, DAY_STORIES, language="zh")
    _, en = render_day(tmp_path, DAY_ITEMS, DAY_STORIES, language="en")
    zh_md, en_md = zh.markdown.read_text("utf-8"), en.markdown.read_text("utf-8")
    en_html = en.html.read_text("utf-8")

    for fixed in ("今日要闻", "更多动态", "未收录条目", "2026年2月14日 星期六"):
        assert fixed in zh_md and fixed not in en_md
    for fixed in ("Top stories", "More news", "Excluded items", "Saturday, 14 February 2026"):
        assert fixed in en_md and fixed not in zh_md
    assert "## Robotics" in en_md and "## Compute" in en_md
    assert '<html lang="en">' in en_html and "Top stories" in en_html
    assert front_matter(en_md)["title"] == "AI Daily: Saturday, 14 February 2026"
    assert zh.json.read_text("utf-8") == en.json.read_text("utf-8")


def test_an_empty_day_renders_valid_files(tmp_path: Path) -> None:
    for categorized, deduped in (
        (pl.DataFrame(), pl.DataFrame()),
        frames([feed("ithome", f"{ITHOME}/rss.xml")], []),
    ):
        _, paths = render_daily_report(
            categorized,
            deduped,
            day=DAY,
            timezone=TIMEZONE,
            generated_at=GENERATED_AT,
            out_dir=tmp_path / "empty",
            language="en",
        )
        data = json.loads(paths.json.read_text("utf-8"))
        assert data["stories"] == [] and data["excluded"] == []
        assert data["stats"] == {
            "listed": 0,
            "fetched": 0,
            "extracted": 0,
            "stories": 0,
            "excluded": 0,
        }
        markdown = paths.markdown.read_text("utf-8")
        meta = front_matter(markdown)
        assert meta["summary"] == "" and meta["date"] == DAY
        assert "No AI news qualified for this day." in markdown
        page = parse_page(paths.html.read_text("utf-8"))
        assert "No AI news qualified for this day." in "".join(page.text)


def test_markdown_preview_lists_the_top_stories() -> None:
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    report = build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)
    preview = markdown_preview(report, max_stories=2)

    assert "1. [阿里发布 Qwen3.5 系列大模型](https://www.ithome.example/0/922/114.htm)" in preview
    assert "2. [字节发布豆包大模型 2.0]" in preview
    assert not re.search(r"^3\. ", preview, re.M) and "3 more" in preview


def test_write_report_follows_a_user_taxonomy_order_and_names(tmp_path: Path) -> None:
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    report = build_report(
        categorized, deduped, day=DAY, timezone=TIMEZONE, generated_at=GENERATED_AT
    )
    user_taxonomy = {
        "compute": {"zh": "芯片", "en": "Chips & clouds"},
        "robotics": {"zh": "机器人", "en": "Robots"},
    }
    paths = write_report(
        report,
        out_dir=tmp_path / "taxonomy",
        language="en",
        category_names=user_taxonomy,
        categorized=categorized,
        deduped=deduped,
    )
    markdown = paths.markdown.read_text("utf-8")
    sections = re.findall(r"^## (.+)$", markdown, re.M)

    assert sections == [
        "Top stories",
        "Chips &amp; clouds",
        "Robots",
        "More news",
        "Excluded items",
    ]
    assert "*Models · 10:10*" in markdown  # not in the user's file: the default name is used
    assert "ithome · 10:10" in markdown
