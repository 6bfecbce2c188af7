"""The importance formula and the tiers it decides (importance.py)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest

from news_pipeline.editorial import (
    CategorizeSettings,
    Taxonomy,
    categorize_stories,
    compute_importance,
)
from news_pipeline_tests.stages.editorial.deduped_rows import (
    DAY,
    article,
    frame,
    story_with_sources,
)


def test_importance_formula_by_hand() -> None:
    value = compute_importance(
        source_weights={"a": 1.0, "b": 2.0},
        entity_factor=0.5,
        signal_factor=1.0,
        recency=0.5,
        text_chars=2000,
        languages=2,
        follow_ups=3,
    )
    expected = (
        4.0 * math.log(4.0)
        + 1.0 * (2 - 1)
        + 0.5 * math.log(1 + 3)
        + 0.5
        + 1.0
        + 0.5 * 0.5
        + 0.5 * 0.5
    )
    assert value == pytest.approx(expected, abs=1e-4)


def test_importance_rises_with_weight_entities_signals_and_lateness(taxonomy: Taxonomy) -> None:
    def single(story_id: str, title: str, weight: float = 1.0, hour_utc: int = 2) -> dict[str, Any]:
        return article(
            story_id,
            story_id,
            title=title,
            text="这款机器人可以完成家务。",
            source_weight=weight,
            published_at=datetime(2026, 2, 15, 16) + timedelta(hours=hour_utc),
        )

    rows = [
        single("plain", "一家公司展示了机器人"),
        single("heavy", "一家公司展示了机器人", weight=2.0),
        single("entity", "OpenAI展示了机器人"),
        single("signal", "一家公司发布了机器人"),
        single("late", "一家公司展示了机器人", hour_utc=22),
    ]
    out = categorize_stories(frame(rows), taxonomy)
    importance = dict(zip(out["story_id"], out["importance"], strict=True))
    for stronger in ("heavy", "entity", "signal", "late"):
        assert importance[stronger] > importance["plain"], stronger


def test_recency_uses_the_partition_timezone(taxonomy: Taxonomy) -> None:
    # 15:30 UTC on Feb 16 is 23:30 on Feb 16 in Shanghai but 10:30 in New York.
    row = article(
        "r",
        "r",
        title="机器人公司发布新品",
        text="这款机器人会做家务。",
        published_at=datetime(2026, 2, 16, 15, 30),
    )
    shanghai = categorize_stories(frame([row]), taxonomy, timezone="Asia/Shanghai")
    new_york = categorize_stories(frame([row]), taxonomy, timezone="America/New_York")
    difference = shanghai["importance"][0] - new_york["importance"][0]
    assert difference == pytest.approx(0.5 * (23.5 - 10.5) / 24.0, abs=1e-3)


@pytest.mark.parametrize(("requested", "expected"), [(3, 3), (4, 4), (5, 5), (1, 3), (9, 5)])
def test_headline_count_is_clamped_and_ordered(
    taxonomy: Taxonomy, requested: int, expected: int
) -> None:
    rows = [row for n in range(1, 9) for row in story_with_sources(f"s{n}", n)]
    settings = CategorizeSettings(headline_count=requested, section_importance_floor=6.0)
    out = categorize_stories(frame(rows), taxonomy, settings)
    assert out["tier"].to_list().count("headline") == expected
    importances = out["importance"].to_list()
    assert importances == sorted(importances, reverse=True)
    # Eight outlets is the biggest story, then seven, ...
    assert out["story_id"].to_list() == [f"s{n}" for n in range(8, 0, -1)]
    tiers = out["tier"].to_list()
    assert tiers[:expected] == ["headline"] * expected
    for tier, importance in zip(tiers[expected:], importances[expected:], strict=True):
        assert tier == ("section" if importance >= 6.0 else "brief")
    assert "brief" in tiers


def test_tiers_are_assigned_per_day(taxonomy: Taxonomy) -> None:
    second_day = DAY + timedelta(days=1)
    rows = [row for n in range(1, 5) for row in story_with_sources(f"a{n}", n)]
    rows += [row for n in range(1, 5) for row in story_with_sources(f"b{n}", n, second_day)]
    out = categorize_stories(frame(rows), taxonomy, CategorizeSettings(headline_count=3))
    for day in (DAY, second_day):
        day_rows = out.filter(pl.col("partition_date") == day)
        assert day_rows["tier"].to_list().count("headline") == 3
    assert out["partition_date"].to_list() == [DAY] * 4 + [second_day] * 4


def _covered(story_id: str, reports: list[tuple[str, str, str, str | None]]) -> list[dict]:
    """One story reported by several outlets: (source, title, language, script) each."""
    rows = []
    for index, (source, title, language, script) in enumerate(reports):
        row = article(
            story_id,
            f"{story_id}-{index}",
            title=title,
            text=title,
            source=source,
            is_lead=index == 0,
            language=language,
        )
        rows.append({**row, "script": script})
    return rows


def test_a_story_from_four_sites_in_three_languages_is_a_headline(taxonomy: Taxonomy) -> None:
    late = datetime(2026, 2, 16, 15)  # 23:00 in Shanghai: the freshest single-source stories
    loud = [
        article(
            f"loud{n}",
            f"loud{n}",
            title=f"OpenAI与英伟达发布新模型并完成{n + 1}0亿美元融资",
            text="OpenAI发布新模型，英伟达参与融资，估值再创新高。" * 60,
            source=f"wire{n}",
            published_at=late,
        )
        for n in range(6)
    ]
    quiet = _covered(
        "quiet",
        [
            ("site-a", "云雀智能开源Tarn-R1模型", "zh", "hans"),
            ("site-b", "雲雀智能開源Tarn-R1模型", "zh", "hant"),
            ("site-c", "Skylark open-sources the Tarn-R1 model", "en", None),
            ("site-d", "Tarn-R1模型开源，参数700亿", "zh", "hans"),
        ],
    )
    out = categorize_stories(frame([*loud, *quiet]), taxonomy)
    ranked = out.sort("importance", descending=True)
    assert ranked["story_id"][0] == "quiet"
    assert out.filter(pl.col("story_id") == "quiet")["tier"].item() == "headline"


def test_importance_does_not_hinge_on_the_gazetteer(taxonomy: Taxonomy) -> None:
    known = article("known", "known", title="OpenAI发布新模型", text="OpenAI发布了新模型。")
    unknown = article(
        "unknown", "unknown", title="云雀智能发布新模型", text="云雀智能发布了新模型。"
    )
    out = categorize_stories(frame([known, unknown]), taxonomy)
    importance = dict(zip(out["story_id"], out["importance"], strict=True))
    assert 0 <= importance["known"] - importance["unknown"] <= 0.5
