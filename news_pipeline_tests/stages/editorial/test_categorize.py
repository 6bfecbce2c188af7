"""Taxonomy, classification, importance and tiers (news_pipeline/categorize.py)."""

from __future__ import annotations

import importlib.util
import math
import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from news_pipeline import schema
from news_pipeline.editorial.categorize import (
    CategorizeSettings,
    Taxonomy,
    categorize_stories,
    classify_story,
    compute_importance,
    load_taxonomy,
)
from news_pipeline_tests.paths import REPO_ROOT as ROOT

DAY = date(2026, 2, 16)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


def article(
    story_id: str,
    article_id: str,
    *,
    title: str,
    text: str,
    source: str = "ithome",
    is_lead: bool = True,
    day: date = DAY,
    published_at: datetime | None = None,
    source_weight: float | None = 1.0,
    language: str = "zh",
    excluded_reason: str | None = None,
) -> dict[str, Any]:
    url = f"https://news.example.com/{article_id}?utm_source=feed"
    return {
        "partition_date": day,
        "record_kind": "item",
        "article_id": article_id,
        "source": source,
        "source_weight": source_weight,
        "url": url,
        "title": title,
        "text": text,
        "text_chars": len(text),
        "language": language,
        "published_at": published_at or datetime.combine(day, datetime.min.time()),
        "excluded_reason": excluded_reason,
        "canonical_url": f"https://news.example.com/{article_id}",
        "story_id": story_id,
        "is_lead": is_lead,
        "story_size": 1,
        "match_reason": "lead" if is_lead else "same_event",
    }


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return schema.conform(pl.DataFrame(rows), schema.DEDUPED_STORIES_SCHEMA)


# ---- taxonomy -----------------------------------------------------------------------------


def test_default_taxonomy_has_contract_ids_and_bilingual_names(taxonomy: Taxonomy) -> None:
    assert taxonomy.category_ids() == list(schema.CATEGORY_IDS)
    names = taxonomy.display_names()
    assert names["models"] == {"zh": "模型", "en": "Models"}
    assert all(name["zh"] and name["en"] for name in names.values())
    assert taxonomy.ai_terms.zh and taxonomy.ai_terms.en
    assert taxonomy.entity_weights["OpenAI"] == 1.0


def test_taxonomy_override_file_replaces_default(tmp_path: Path) -> None:
    custom = tmp_path / "taxonomy.yaml"
    custom.write_text(
        """
ai_terms: {zh: [人工智能], en: [AI]}
categories:
  - id: gadgets
    names: {zh: 硬件, en: Gadgets}
    keywords: {zh: [耳机, 手表], en: [earbuds, smartwatch]}
  - id: other
    names: {zh: 其他, en: Other}
""",
        encoding="utf-8",
    )
    replaced = load_taxonomy(custom)
    assert replaced.category_ids() == ["gadgets", "other"]
    assert replaced.display_names()["gadgets"] == {"zh": "硬件", "en": "Gadgets"}

    rows = [
        article("s1", "a1", title="AI smartwatch reads your mood", text="The AI smartwatch..."),
        article("s2", "a2", title="阿里发布千问3.5大模型", text="人工智能大模型，参数3970亿。"),
    ]
    out = categorize_stories(frame(rows), replaced)
    assert dict(zip(out["story_id"], out["category"], strict=True)) == {
        "s1": "gadgets",
        "s2": "other",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "ai_terms: {en: [AI]}\ncategories:\n  - {id: x, names: {zh: 甲, en: X}}\n",
            "other",
        ),
        (
            "ai_terms: {en: [AI]}\ncategories:\n  - {id: other, names: {zh: 甲, en: X}}\n"
            "  - {id: other, names: {zh: 乙, en: Y}}\n",
            "duplicate",
        ),
        (
            "ai_terms: {en: [AI]}\nentity_weights: {OpenAI: 3}\n"
            "categories:\n  - {id: other, names: {zh: 甲, en: X}}\n",
            "between 0 and 1",
        ),
    ],
)
def test_bad_taxonomy_files_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_taxonomy(path)


# ---- classification -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("蚂蚁开源万亿参数模型Ling-2.5-1T", "新模型支持100万Token上下文，激活参数63B。", "models"),
        ("Unitree humanoid robots flip on stage", "The robots ran in formation.", "robotics"),
        ("可灵3.0上线，视频生成时长提升到15秒", "快手的视频生成模型新增原生音频。", "multimodal"),
        ("Voice actor sues AI startup over cloned voice", "The lawsuit says...", "policy"),
        ("具身智能公司完成10亿元融资", "本轮融资由多家机构领投，估值翻倍。", "business"),
    ],
)
def test_classify_story_picks_category_with_evidence(
    taxonomy: Taxonomy, title: str, body: str, expected: str
) -> None:
    result = classify_story(title, body, taxonomy)
    assert result.category == expected
    assert result.evidence
    assert not result.off_topic


def test_longer_term_wins_over_the_term_inside_it(taxonomy: Taxonomy) -> None:
    # "fine-tuning" (models) contains "fine"; it must not read as a policy fine.
    result = classify_story("Fine-tuning recipe for open-weight LLMs", "", taxonomy)
    assert result.category == "models"
    assert "fine-tuning" in result.evidence


def test_non_ai_story_is_off_topic(taxonomy: Taxonomy) -> None:
    result = classify_story("国足世预赛客场告负", "比赛第80分钟对手打进制胜球。", taxonomy)
    assert result.off_topic
    assert result.ai_relevance == 0.0


def test_labelled_set_meets_accuracy_floor(taxonomy: Taxonomy) -> None:
    spec = importlib.util.spec_from_file_location(
        "eval_categorize", ROOT / "scripts/eval_categorize.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_categorize"] = module
    spec.loader.exec_module(module)
    stories = module.load_labelled_set()
    assert len(stories) >= 120
    languages = {story.lang for story in stories}
    assert languages == {"zh", "en"}
    categories = {story.category for story in stories if not story.off_topic}
    assert categories == set(schema.CATEGORY_IDS)

    overall = module.evaluate(stories, taxonomy)
    assert overall.accuracy >= 0.85
    assert overall.off_topic_total >= 10
    assert overall.off_topic_recall >= 0.90
    assert overall.ai_false_off_topic_rate <= 0.03
    holdout = module.evaluate([s for s in stories if s.split == "holdout"], taxonomy)
    assert holdout.on_topic_total >= 30
    assert holdout.accuracy >= 0.85


# ---- categorize_stories -------------------------------------------------------------------


def test_empty_and_column_less_input_give_typed_empty_output(taxonomy: Taxonomy) -> None:
    for empty in (pl.DataFrame(), schema.empty_frame(schema.DEDUPED_STORIES_SCHEMA)):
        out = categorize_stories(empty, taxonomy)
        assert out.schema == pl.Schema(schema.CATEGORIZED_ITEMS_SCHEMA)
        assert out.height == 0


def test_one_row_per_story_with_lead_fields_and_counts(taxonomy: Taxonomy) -> None:
    lead_text = (
        "阿里巴巴推出千问3.5系列大模型，共有3970亿参数，每次只激活170亿。"
        "接口价格约为同级模型的1/18。责任编辑：张三。"
    )
    rows = [
        article("q", "a1", title="阿里发布千问3.5大模型", text=lead_text, source="ithome"),
        article(
            "q",
            "a2",
            title="千问3.5开源",
            text="千问3.5开源，总参数3970亿。",
            is_lead=False,
            source="qbitai",
        ),
        article(
            "q",
            "a3",
            title="千问3.5来了",
            text="阿里的千问3.5大模型发布。",
            is_lead=False,
            source="qbitai",
        ),
        article("x", "a4", title="国足客场告负", text="比赛第80分钟对手进球。", source="sports"),
        article("gone", "a5", title="重复的文章", text="大模型。", excluded_reason="duplicate_url"),
    ]
    out = categorize_stories(frame(rows), taxonomy)
    assert out.schema == pl.Schema(schema.CATEGORIZED_ITEMS_SCHEMA)
    assert sorted(out["story_id"]) == ["q", "x"]
    story = out.filter(pl.col("story_id") == "q").row(0, named=True)
    assert story["title"] == "阿里发布千问3.5大模型"
    assert story["url"] == "https://news.example.com/a1"
    assert story["lead_article_id"] == "a1"
    assert story["source"] == "ithome"
    assert story["category"] == "models"
    assert story["source_count"] == 2
    assert story["article_count"] == 3
    assert story["tier"] == "headline"
    assert "责任编辑" not in story["summary"]
    assert story["summary"].startswith("阿里巴巴推出千问3.5系列大模型")
    assert any("3970亿" in fact for fact in story["key_facts"])
    off = out.filter(pl.col("story_id") == "x").row(0, named=True)
    assert off["off_topic"] is True
    assert off["tier"] is None


def test_sentence_shared_by_different_stories_stays_out_of_summaries(taxonomy: Taxonomy) -> None:
    slogan = "本站精选每日要闻推荐给各位读者朋友。"
    rows = [
        article(
            "a", "a", title="宇树发布新款机器狗", text=slogan + "宇树科技发布了新款四足机器狗。"
        ),
        article("b", "b", title="智谱上线GLM-5", text=slogan + "智谱正式上线了新一代大模型GLM-5。"),
    ]
    out = categorize_stories(frame(rows), taxonomy)
    summaries = dict(zip(out["story_id"], out["summary"], strict=True))
    assert summaries == {
        "a": "宇树科技发布了新款四足机器狗。",
        "b": "智谱正式上线了新一代大模型GLM-5。",
    }


def _story_with_sources(story_id: str, sources: int, day: date = DAY) -> list[dict[str, Any]]:
    """An AI story covered by `sources` outlets: more outlets, more importance."""
    return [
        article(
            story_id,
            f"{story_id}-{index}",
            title=f"机器人公司{story_id}发布新款人形机器人",
            text="这款人形机器人可以完成叠衣服等家务。",
            source=f"outlet{index}",
            is_lead=index == 0,
            day=day,
        )
        for index in range(sources)
    ]


@pytest.mark.parametrize(("requested", "expected"), [(3, 3), (4, 4), (5, 5), (1, 3), (9, 5)])
def test_headline_count_is_clamped_and_ordered(
    taxonomy: Taxonomy, requested: int, expected: int
) -> None:
    rows = [row for n in range(1, 9) for row in _story_with_sources(f"s{n}", n)]
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
    rows = [row for n in range(1, 5) for row in _story_with_sources(f"a{n}", n)]
    rows += [row for n in range(1, 5) for row in _story_with_sources(f"b{n}", n, second_day)]
    out = categorize_stories(frame(rows), taxonomy, CategorizeSettings(headline_count=3))
    for day in (DAY, second_day):
        day_rows = out.filter(pl.col("partition_date") == day)
        assert day_rows["tier"].to_list().count("headline") == 3
    assert out["partition_date"].to_list() == [DAY] * 4 + [second_day] * 4


def test_importance_formula_by_hand() -> None:
    value = compute_importance(
        source_weights={"a": 1.0, "b": 2.0},
        entity_factor=0.5,
        signal_factor=1.0,
        recency=0.5,
        text_chars=2000,
    )
    expected = 3.0 * math.log(4.0) + 2.0 * 0.5 + 1.5 * 1.0 + 0.5 * 0.5 + 0.5 * 0.5
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


def test_output_is_deterministic_under_row_order(taxonomy: Taxonomy) -> None:
    rows = [row for n in range(1, 7) for row in _story_with_sources(f"s{n}", 1 + n % 3)]
    rows.append(article("z", "z", title="Lakers win", text="LeBron scored.", language="en"))
    first = categorize_stories(frame(rows), taxonomy)
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    second = categorize_stories(frame(shuffled), taxonomy)
    assert_frame_equal(first, second)
