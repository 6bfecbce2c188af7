"""Row factories shared by the tests: one valid row of each stage's table, with overrides.

Each returns a dict with every column of the stage's contract in news_pipeline/schema.py;
`frame_of` turns a list of them into a conforming polars frame.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from news_pipeline import schema

DAY = date(2026, 2, 15)
MOMENT = datetime(2026, 2, 15, 2, 30)


def frame_of(rows: list[dict[str, Any]], columns: dict[str, pl.DataType]) -> pl.DataFrame:
    return schema.conform(pl.DataFrame(rows, schema=columns), columns)


def raw_item(**overrides: Any) -> dict[str, Any]:
    row = dict.fromkeys(schema.RAW_ARTICLES_SCHEMA)
    row.update(
        partition_date=DAY,
        record_kind=schema.RECORD_ITEM,
        source="site-a",
        source_type="rss",
        source_language="zh",
        source_weight=1.0,
        feed_url="http://127.0.0.1/feed.xml",
        url="http://127.0.0.1/a/1.html",
        listed_title="豆包大模型2.0发布",
        published_at=MOMENT,
        status=schema.STATUS_OK,
        http_status=200,
        from_cache=False,
    )
    row.update(overrides)
    return row


def raw_feed(**overrides: Any) -> dict[str, Any]:
    return (
        raw_item(record_kind=schema.RECORD_FEED, url="http://127.0.0.1/feed.xml", listed_title=None)
        | overrides
    )


def cleaned_item(**overrides: Any) -> dict[str, Any]:
    row = dict.fromkeys(schema.CLEANED_ARTICLES_SCHEMA)
    row.update(
        partition_date=DAY,
        record_kind=schema.RECORD_ITEM,
        article_id="a1",
        source="site-a",
        source_weight=1.0,
        url="http://127.0.0.1/a/1.html",
        listed_title="豆包大模型2.0发布",
        published_at=MOMENT,
        title="豆包大模型2.0发布",
        text="字节跳动发布豆包大模型2.0系列。",
        text_source="page",
        text_chars=16,
        language="zh",
        script="Hans",
        mojibake_repaired=False,
    )
    row.update(overrides)
    return row


def deduped_item(**overrides: Any) -> dict[str, Any]:
    row = dict.fromkeys(schema.DEDUPED_STORIES_SCHEMA)
    row.update(cleaned_item())
    row.update(
        canonical_url="http://127.0.0.1/a/1.html",
        story_id="s1",
        is_lead=True,
        story_size=1,
        match_reason="lead",
    )
    row.update(overrides)
    return row


def categorized_story(**overrides: Any) -> dict[str, Any]:
    row = dict.fromkeys(schema.CATEGORIZED_ITEMS_SCHEMA)
    row.update(
        partition_date=DAY,
        story_id="s1",
        title="豆包大模型2.0发布",
        url="http://127.0.0.1/a/1.html",
        lead_article_id="a1",
        source="site-a",
        published_at=MOMENT,
        language="zh",
        category="models",
        category_evidence=["发布"],
        ai_relevance=1.0,
        off_topic=False,
        importance=5.0,
        tier="headline",
        summary="字节跳动发布豆包大模型2.0系列。",
        key_facts=[],
        source_count=1,
        article_count=1,
    )
    row.update(overrides)
    return row
