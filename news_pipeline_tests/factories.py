"""Rows of the stage tables for tests: sensible defaults, any column overridden by keyword.

Every factory returns a dict with each column of its contract in `news_pipeline.schema` (None
where no default applies) and refuses a key that is not a column, so a misspelt override fails
instead of passing silently. `deduped_frame` and `categorized_frame` type the rows exactly as
the contract does. Timestamps are naive UTC, as in the tables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import polars as pl

from news_pipeline import schema

DAY = date(2026, 2, 14)
PUBLISHED_AT = datetime(2026, 2, 14, 2, 0)  # 10:00 on DAY in Asia/Shanghai
SOURCE = "example"
URL = "https://news.example.com/a/1"
TITLE = "Example Lab releases an open-weight model"
STORY_ID = "story-1"


def _row(
    contract: Mapping[str, pl.DataType], defaults: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    unknown = sorted(set(overrides) - set(contract))
    if unknown:
        raise KeyError(f"not columns of the contract: {unknown}")
    row: dict[str, Any] = dict.fromkeys(contract)
    row.update(defaults)
    row.update(overrides)
    return row


def _article_id(source: str, url: str) -> str:
    return "a" + hashlib.sha1(f"{source}\n{url}".encode()).hexdigest()[:15]


def raw_row(**overrides: Any) -> dict[str, Any]:
    """One `raw_articles` item row: by default listed, fetched and stored (status ok)."""
    source = overrides.get("source", SOURCE)
    defaults = {
        "partition_date": DAY,
        "record_kind": schema.RECORD_ITEM,
        "source": source,
        "source_type": "rss",
        "source_language": "en",
        "source_weight": 1.0,
        "feed_url": "https://news.example.com/feed.xml",
        "url": URL,
        "listed_title": TITLE,
        "published_at": PUBLISHED_AT,
        "status": schema.STATUS_OK,
        "http_status": 200,
        "from_cache": False,
    }
    return _row(schema.RAW_ARTICLES_SCHEMA, defaults, overrides)


def raw_feed_row(**overrides: Any) -> dict[str, Any]:
    """One `raw_articles` feed row: a source's listing, fetched (status ok) by default."""
    defaults = {
        "partition_date": DAY,
        "record_kind": schema.RECORD_FEED,
        "source": SOURCE,
        "source_type": "rss",
        "url": "https://news.example.com/feed.xml",
        "status": schema.STATUS_OK,
        "http_status": 200,
        "from_cache": False,
    }
    return _row(schema.RAW_ARTICLES_SCHEMA, defaults, overrides)


def cleaned_row(**overrides: Any) -> dict[str, Any]:
    """One `cleaned_articles` item row: an extracted article unless given an excluded_reason."""
    excluded = overrides.get("excluded_reason") is not None
    source = overrides.get("source", SOURCE)
    url = overrides.get("url", URL)
    title = overrides.get("listed_title", TITLE)
    text = None if excluded else f"{title}. The article body, a few sentences long."
    defaults = {
        "partition_date": DAY,
        "record_kind": schema.RECORD_ITEM,
        "article_id": _article_id(source, url),
        "source": source,
        "source_weight": 1.0,
        "url": url,
        "final_url": url,
        "listed_title": title,
        "title": title,
        "published_at": PUBLISHED_AT,
        "text": text,
        "text_source": None if excluded else "page",
        "text_chars": None if text is None else len(text),
        "language": "en",
        "mojibake_repaired": False,
    }
    return _row(schema.CLEANED_ARTICLES_SCHEMA, defaults, overrides)


def deduped_row(**overrides: Any) -> dict[str, Any]:
    """One `deduped_stories` item row.

    By default a fetched, extracted article that is the lead (and only member) of story
    "story-1". Given an `excluded_reason`, the defaults become an excluded item: no text, no
    story (pass them explicitly to have them anyway). The story fields (lead flag, size, match
    reason) default to those of a lead when the row has a story, else None. `title` defaults
    to `listed_title`, `final_url` and `canonical_url` to `url`.
    """
    excluded = overrides.get("excluded_reason") is not None
    source = overrides.get("source", SOURCE)
    url = overrides.get("url", URL)
    title = overrides.get("listed_title", TITLE)
    text = None if excluded else f"{title}. The article body, a few sentences long."
    story_id = None if excluded else STORY_ID
    in_story = overrides.get("story_id", story_id) is not None
    defaults = {
        "partition_date": DAY,
        "record_kind": schema.RECORD_ITEM,
        "article_id": _article_id(source, url),
        "source": source,
        "source_weight": 1.0,
        "url": url,
        "final_url": url,
        "canonical_url": url,
        "listed_title": title,
        "title": title,
        "published_at": PUBLISHED_AT,
        "text": text,
        "text_chars": None if text is None else len(text),
        "language": "en",
        "story_id": story_id,
        "is_lead": True if in_story else None,
        "story_size": 1 if in_story else None,
        "match_reason": "lead" if in_story else None,
    }
    return _row(schema.DEDUPED_STORIES_SCHEMA, defaults, overrides)


def feed_row(**overrides: Any) -> dict[str, Any]:
    """One `deduped_stories` feed row: a source's listing fetch (failed when given a reason)."""
    defaults = {
        "partition_date": DAY,
        "record_kind": schema.RECORD_FEED,
        "source": SOURCE,
        "url": "https://news.example.com/feed.xml",
    }
    return _row(schema.DEDUPED_STORIES_SCHEMA, defaults, overrides)


def categorized_row(**overrides: Any) -> dict[str, Any]:
    """One `categorized_items` row: by default story "story-1", an on-topic `models` headline.

    With `off_topic=True` the defaults become those of an off-topic story (no tier, low AI
    relevance).
    """
    off_topic = bool(overrides.get("off_topic", False))
    defaults = {
        "partition_date": DAY,
        "story_id": STORY_ID,
        "title": TITLE,
        "url": URL,
        "source": SOURCE,
        "published_at": PUBLISHED_AT,
        "language": "en",
        "category": "models",
        "category_evidence": [],
        "ai_relevance": 0.05 if off_topic else 0.9,
        "off_topic": off_topic,
        "importance": 5.0,
        "tier": None if off_topic else "headline",
        "summary": "",
        "key_facts": [],
        "source_count": 1,
        "article_count": 1,
    }
    return _row(schema.CATEGORIZED_ITEMS_SCHEMA, defaults, overrides)


def edited_row(**overrides: Any) -> dict[str, Any]:
    """One `edited_stories` row: by default story "story-1" written by the editor (llm)."""
    defaults = {
        "partition_date": DAY,
        "story_id": STORY_ID,
        "title": TITLE,
        "summary": "Example Lab released an open-weight model on Friday.",
        "insight": "Open weights let anyone run the model.",
        "summary_source": "llm",
        "outcome": "edited",
        "cache_hit": False,
        "requests": 1,
        "prompt_tokens": 500,
        "completion_tokens": 80,
        "instructions_removed": 0,
        "model": "test-model",
    }
    return _row(schema.EDITED_STORIES_SCHEMA, defaults, overrides)


def _frame(rows: Iterable[Mapping[str, Any]], contract: dict[str, pl.DataType]) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows), schema=contract)
    return schema.conform(frame, contract)


def raw_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A `raw_articles` frame of factory rows, typed as the contract."""
    return _frame(rows, schema.RAW_ARTICLES_SCHEMA)


def cleaned_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A `cleaned_articles` frame of factory rows, typed as the contract."""
    return _frame(rows, schema.CLEANED_ARTICLES_SCHEMA)


def deduped_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A `deduped_stories` frame of factory rows, typed as the contract."""
    return _frame(rows, schema.DEDUPED_STORIES_SCHEMA)


def categorized_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A `categorized_items` frame of factory rows, typed as the contract."""
    return _frame(rows, schema.CATEGORIZED_ITEMS_SCHEMA)


def edited_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """An `edited_stories` frame of factory rows, typed as the contract."""
    return _frame(rows, schema.EDITED_STORIES_SCHEMA)
