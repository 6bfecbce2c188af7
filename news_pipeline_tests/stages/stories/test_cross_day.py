"""The cross-day rule: seen_before within the lookback, new developments, the window."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from news_pipeline.schema import (
    DEDUPED_STORIES_SCHEMA,
    REASON_DUPLICATE_URL,
    REASON_SEEN_BEFORE,
    conform,
)
from news_pipeline.stories import DedupeSettings, dedupe_articles
from news_pipeline.stories.cross_day import earlier_stories
from news_pipeline_tests.stages.stories.articles import DAY, frame, item

QWEN_TITLE = "阿里发布 Qwen3.5：3970 亿参数、激活 170 亿"
QWEN_TEXT = (
    "阿里巴巴今日开源千问 Qwen3.5，总参数 3970 亿，每次推理激活 170 亿参数。"
    "阿里称部署显存降低 60%，推理吞吐最高提升 19 倍，API 价格为每百万 Tokens 0.8 元。"
)


def day_rows(day: date, article_id: str, url: str, title: str, text: str) -> pl.DataFrame:
    return frame([item(article_id, url, title, text, partition_date=day)])


def test_republication_within_lookback_is_seen_before() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    later = DAY + timedelta(days=7)
    again = dedupe_articles(
        day_rows(later, "b", "https://36kr.com/p/2", QWEN_TITLE, "转载自IT之家。\n" + QWEN_TEXT),
        first,
    )
    assert again["excluded_reason"].to_list() == [REASON_SEEN_BEFORE]
    assert again["excluded_detail"].to_list() == first["story_id"].to_list()


def test_story_older_than_lookback_is_reported_again() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    later = DAY + timedelta(days=8)
    again = dedupe_articles(
        day_rows(later, "b", "https://36kr.com/p/2", QWEN_TITLE, QWEN_TEXT), first
    )
    assert again["excluded_reason"].to_list() == [None]
    assert again["is_lead"].to_list() == [True]


def test_new_development_is_a_new_story() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    follow_up = dedupe_articles(
        day_rows(
            DAY + timedelta(days=1),
            "b",
            "https://ithome.com/0/2.htm",
            "Qwen3.5 登顶 LMArena 开源榜，阿里宣布 Qwen3.5-Max 下周上线",
            "阿里巴巴的 Qwen3.5 在 LMArena 开源模型榜单排名第一，得分 1452。"
            "阿里同时宣布 Qwen3.5-Max 将于下周上线，总参数 3970 亿的开源版本下载量已破 200 万。",
        ),
        first,
    )
    assert follow_up["excluded_reason"].to_list() == [None]
    # it says which story it develops, and the day that reported it
    assert follow_up["continues_story_id"].to_list() == first["story_id"].to_list()
    assert follow_up["continues_partition_date"].to_list() == [DAY]


def test_plain_repeat_continues_nothing() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    again = dedupe_articles(
        day_rows(DAY + timedelta(days=2), "b", "https://36kr.com/p/2", QWEN_TITLE, QWEN_TEXT),
        first,
    )
    assert again["excluded_detail"].to_list() == first["story_id"].to_list()
    assert again["continues_story_id"].to_list() == [None]


def test_unrelated_story_continues_nothing() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    other = dedupe_articles(
        day_rows(
            DAY + timedelta(days=1),
            "b",
            "https://ithome.com/0/3.htm",
            "云栖动力完成 12 亿元 B 轮融资",
            "人形机器人公司云栖动力宣布完成 12 亿元 B 轮融资，资金用于量产。",
        ),
        first,
    )
    assert other["excluded_reason"].to_list() == [None]
    assert other["continues_story_id"].to_list() == [None]


def test_previous_rows_that_were_excluded_are_not_matched() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    hidden = first.with_columns(pl.lit(REASON_SEEN_BEFORE).alias("excluded_reason"))
    again = dedupe_articles(
        day_rows(DAY + timedelta(days=1), "b", "https://36kr.com/p/2", QWEN_TITLE, QWEN_TEXT),
        hidden,
    )
    assert again["excluded_reason"].to_list() == [None]


# ---- the window ---------------------------------------------------------------------------

# one unrelated story per partition, for the days between a story and its republication
OTHER_STORIES = [
    ("Lumora ships a sleep ring", "The startup Lumora began selling a ring that tracks sleep."),
    ("Vandermeer opens a welding lab", "Vandermeer Robotics opened a lab for welding arms."),
    ("Kestrel Maps adds hiking routes", "Kestrel Maps now stores trail maps for offline use."),
    ("Orvieto Bank tests voice checks", "Orvieto Bank asks callers to confirm by voice."),
    ("Pellham Games delays its racer", "Pellham Games moved its racing game to next spring."),
    ("Tidewater Labs shares protein data", "Tidewater Labs released folded protein shapes."),
    ("Norrland Grid forecasts wind", "Norrland Grid predicts the output of its wind farms."),
]


def reported_days(days: int) -> pl.DataFrame:
    """deduped_stories of ``days`` partitions from DAY, each deduped with the earlier ones'
    rows as history: the Qwen story on DAY, then one other story a day."""
    history = dedupe_articles(
        day_rows(DAY, "qwen", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    for offset, (title, text) in enumerate(OTHER_STORIES[: days - 1], start=1):
        url = f"https://example.com/day/{offset}"
        rows = day_rows(DAY + timedelta(days=offset), f"other-{offset}", url, title, text)
        history = pl.concat([history, dedupe_articles(rows, history)], how="vertical_relaxed")
    return history


@pytest.mark.parametrize(("days_later", "seen"), [(7, True), (8, False)])
def test_lookback_is_the_seven_days_before_the_partition(days_later: int, seen: bool) -> None:
    # 7 days later: 6 partitions lie between the story and its republication
    history = reported_days(days_later)
    assert history["partition_date"].n_unique() == days_later
    assert history["excluded_reason"].is_null().all()
    assert history["story_id"].n_unique() == days_later
    republication = day_rows(
        DAY + timedelta(days=days_later),
        "again",
        "https://36kr.com/p/2",
        QWEN_TITLE,
        "转载自IT之家。\n" + QWEN_TEXT,
    )
    again = dedupe_articles(republication, history).row(0, named=True)
    if seen:
        assert again["excluded_reason"] == REASON_SEEN_BEFORE
        assert again["excluded_detail"] == history.row(0, named=True)["story_id"]
    else:
        assert again["excluded_reason"] is None
        assert again["is_lead"] is True


def test_earlier_stories_are_the_reported_rows_of_the_lookback() -> None:
    def stored(article_id: str, days_before: int, **extra: object) -> dict[str, object]:
        row = item(
            article_id,
            f"https://example.com/{article_id}",
            article_id,
            article_id,
            partition_date=DAY - timedelta(days=days_before),
            story_id="s" + article_id,
        )
        row.update(extra)
        return row

    history = conform(
        pl.DataFrame(
            [
                stored("today", 0),
                stored("one", 1),
                stored("seven", 7),
                stored("eight", 8),
                stored("tomorrow", -1),
                stored("repeat", 3, excluded_reason=REASON_SEEN_BEFORE),
                stored("copy", 3, excluded_reason=REASON_DUPLICATE_URL, story_id=None),
                stored("feed", 3, record_kind="feed", story_id=None),
            ]
        ),
        DEDUPED_STORIES_SCHEMA,
    )
    settings = DedupeSettings()
    earlier = earlier_stories(history, DAY, settings)
    assert sorted(earlier["article_id"].to_list()) == ["one", "seven"]
    assert earlier_stories(history, None, settings).height == 0
    shorter = earlier_stories(history, DAY, DedupeSettings(lookback_days=3))
    assert shorter["article_id"].to_list() == ["one"]
