"""report.json against CONTRACT.md: its exact shape, story order, and that nothing is lost."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from news_pipeline import schema
from news_pipeline.report import (
    Report,
    ReportAccountingError,
    build_report,
    counts_by_category,
    counts_by_tier,
)
from news_pipeline_tests.stages.report.sample_day import (
    DAY,
    DAY_ITEMS,
    DAY_STORIES,
    EXPECTED_ARTICLES,
    EXPECTED_EXCLUDED,
    EXPECTED_ORDER,
    EXPECTED_STATS,
    GENERATED_AT,
    ITHOME,
    SINA,
    TIMEZONE,
    frames,
    item,
    render_day,
    utc,
)

# ---- report.json ----------------------------------------------------------------------------


def test_report_json_has_exactly_the_contract_shape(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    data = json.loads(paths.json.read_text(encoding="utf-8"))

    assert set(data) == {
        "date",
        "timezone",
        "generated_at",
        "stories",
        "excluded",
        "stats",
        "sources",
    }
    assert data["sources"] == []  # filled by the pipeline from source_health
    assert data["date"] == "2026-02-14"
    assert data["timezone"] == TIMEZONE
    assert datetime.fromisoformat(data["generated_at"]) == datetime.fromisoformat(
        "2026-02-15T07:30:00+08:00"
    )
    story_keys = {
        "story_id",
        "title",
        "url",
        "category",
        "tier",
        "importance",
        "summary",
        "summary_source",
        "insight",
        "published_at",
        "articles",
        "continues",
    }
    for entry in data["stories"]:
        assert set(entry) == story_keys
        for key in story_keys - {"importance", "articles", "continues", "insight"}:
            assert isinstance(entry[key], str), key
        assert entry["continues"] is None or entry["continues"].startswith("s")
        assert entry["summary_source"] == "extractive" and entry["insight"] is None
        assert isinstance(entry["importance"], int | float)
        assert not isinstance(entry["importance"], bool)
        assert entry["category"] in schema.CATEGORY_IDS
        assert entry["tier"] in ("headline", "section", "brief")
        assert datetime.fromisoformat(entry["published_at"]).utcoffset() == timedelta(hours=8)
        for article in entry["articles"]:
            assert set(article) == {"url", "source", "title"}
            assert all(isinstance(value, str) and value for value in article.values())
    for entry in data["excluded"]:
        assert set(entry) == {"url", "source", "reason", "detail"}
        assert all(isinstance(value, str) for value in entry.values())
        assert entry["reason"] in schema.EXCLUSION_REASONS
    assert data["stats"] == EXPECTED_STATS
    assert sorted(p.name for p in paths.json.parent.iterdir()) == [
        "report.html",
        "report.json",
        "report.md",
    ]
    assert all(type(value) is int for value in data["stats"].values())
    assert Report.model_validate(data).model_dump(mode="json") == data


def test_stories_are_ordered_by_importance_with_all_their_articles(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    data = json.loads(paths.json.read_text(encoding="utf-8"))

    assert [s["story_id"] for s in data["stories"]] == EXPECTED_ORDER
    importances = [s["importance"] for s in data["stories"]]
    assert importances == sorted(importances, reverse=True)
    articles = {
        s["story_id"]: [(a["source"], a["url"]) for a in s["articles"]] for s in data["stories"]
    }
    assert articles == EXPECTED_ARTICLES
    qwen = data["stories"][0]
    assert qwen["published_at"] == "2026-02-14T10:10:00+08:00"
    assert qwen["url"] == f"{ITHOME}/0/922/114.htm"
    assert qwen["articles"][1]["title"] == "Qwen3.5 开源：3970 亿参数"


def test_nothing_is_lost_every_item_appears_exactly_once(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    data = json.loads(paths.json.read_text(encoding="utf-8"))

    placed = Counter(
        [(a["source"], a["url"]) for s in data["stories"] for a in s["articles"]]
        + [(e["source"], e["url"]) for e in data["excluded"]]
    )
    window_start = utc(16, day=13)
    must_appear = [
        (row["source"], row["url"])
        for row in DAY_ITEMS
        if row["record_kind"] == "item"
        and not (row["excluded_reason"] == "out_of_window" and row["published_at"] < window_start)
    ]
    assert len(must_appear) == EXPECTED_STATS["listed"]
    for key in must_appear:
        assert placed[key] == 1, key
    assert (f"{ITHOME}/lastweek.htm") not in {url for _, url in placed}
    excluded = {(e["source"], e["url"], e["reason"]) for e in data["excluded"]}
    assert excluded == EXPECTED_EXCLUDED
    feed_entry = next(e for e in data["excluded"] if e["source"] == "deadsite")
    assert "feed" in feed_entry["detail"] and "HTTP 503" in feed_entry["detail"]
    duplicate = next(e for e in data["excluded"] if e["reason"] == "duplicate_url")
    assert duplicate["detail"] == f"{ITHOME}/0/922/114.htm"


def test_an_item_without_story_or_reason_is_an_error_not_a_silent_loss() -> None:
    orphan = item("sina", f"{SINA}/orphan.shtml", "无主条目", utc(3))
    categorized, deduped = frames([*DAY_ITEMS, orphan], DAY_STORIES)
    with pytest.raises(ReportAccountingError, match="orphan"):
        build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)


def test_counts_by_category_and_tier() -> None:
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    report = build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)

    assert counts_by_tier(report) == {"headline": 2, "section": 2, "brief": 1}
    assert counts_by_category(report) == {
        "models": 2,
        "compute": 1,
        "robotics": 1,
        "agents": 1,
    }


def test_an_out_of_window_item_says_when_it_was_published() -> None:
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    report = build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)
    late = next(e for e in report.excluded if e.reason == "out_of_window")

    assert late.url == f"{ITHOME}/tomorrow.htm"
    assert "2026-02-15T01:00:00+08:00" in late.detail
