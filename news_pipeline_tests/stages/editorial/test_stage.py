"""categorize_stories: a row per story, lead fields, site furniture, order, progress (stage.py)."""

from __future__ import annotations

import random

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from news_pipeline import schema
from news_pipeline.editorial import Taxonomy, categorize_stories, stage
from news_pipeline_tests.stages.editorial.deduped_rows import (
    article,
    frame,
    story_with_sources,
)


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


def test_output_is_deterministic_under_row_order(taxonomy: Taxonomy) -> None:
    rows = [row for n in range(1, 7) for row in story_with_sources(f"s{n}", 1 + n % 3)]
    rows.append(article("z", "z", title="Lakers win", text="LeBron scored.", language="en"))
    first = categorize_stories(frame(rows), taxonomy)
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    second = categorize_stories(frame(shuffled), taxonomy)
    assert_frame_equal(first, second)


class ProgressRecorder:
    """A `ProgressReporter` that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int]] = []

    def __call__(self, done: int, total: int, failed: int) -> None:
        self.calls.append((done, total, failed))


def test_progress_counts_stories_and_ends_at_total(taxonomy: Taxonomy) -> None:
    rows = [row for n in range(1, 4) for row in story_with_sources(f"s{n}", n)]
    rows.append(
        article("gone", "g", title="重复的文章", text="大模型。", excluded_reason="seen_before")
    )
    progress = ProgressRecorder()
    out = categorize_stories(frame(rows), taxonomy, progress=progress)
    # Seven articles, one of them excluded, make three stories: one call as each is finished.
    assert out.height == 3
    assert progress.calls == [(1, 3, 0), (2, 3, 0), (3, 3, 0)]


def test_progress_of_an_input_without_stories_ends_at_zero(taxonomy: Taxonomy) -> None:
    progress = ProgressRecorder()
    categorize_stories(
        schema.empty_frame(schema.DEDUPED_STORIES_SCHEMA), taxonomy, progress=progress
    )
    assert progress.calls == [(0, 0, 0)]


def test_a_large_day_split_between_forked_workers_gives_the_serial_result(
    taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    slogan = "本站精选每日要闻推荐给各位读者朋友。"
    rows = [row for n in range(1, 41) for row in story_with_sources(f"s{n:02}", 1 + n % 4)]
    rows += [
        article(
            f"f{n}",
            f"f{n}",
            title=f"宇树发布第{n}款机器狗",
            text=slogan + f"宇树科技发布了第{n}款四足机器狗。",
        )
        for n in range(5)
    ]
    serial = categorize_stories(frame(rows), taxonomy)
    monkeypatch.setattr(stage, "PARALLEL_MIN_STORIES", 2)
    monkeypatch.setattr(stage, "worker_count", lambda: 2)
    progress = ProgressRecorder()
    parallel = categorize_stories(frame(rows), taxonomy, progress=progress)
    assert_frame_equal(parallel, serial)
    assert serial.height == 45
    # batches, not stories: the workers' chunks were used
    assert len(progress.calls) < serial.height
    assert progress.calls[-1] == (45, 45, 0)
    assert slogan not in " ".join(parallel["summary"].to_list())
