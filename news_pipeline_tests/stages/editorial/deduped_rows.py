"""Rows of `deduped_stories` written by hand, as the editorial stage receives them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from news_pipeline import schema

DAY = date(2026, 2, 16)


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
    """One article row of story `story_id`, as dedupe leaves it (`is_lead`: the story's lead)."""
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
    """The rows in the columns and types of the deduped_stories asset."""
    return schema.conform(pl.DataFrame(rows), schema.DEDUPED_STORIES_SCHEMA)


def story_with_sources(story_id: str, sources: int, day: date = DAY) -> list[dict[str, Any]]:
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
