"""Shared vocabulary of the pipeline: day windows, statuses, exclusion reasons and the
column contracts between stages.

Every stage module imports from here instead of repeating string literals, so a
column rename is one edit and the contract between two stages can be read in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class DayWindow:
    """One calendar day in the partition's timezone, as an aware [start, end) interval."""

    day: date
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, time(0), tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=self.tz)

    @property
    def start_utc(self) -> datetime:
        """Window start as naive UTC, the form published_at is stored in."""
        return self.start.astimezone(UTC).replace(tzinfo=None)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC).replace(tzinfo=None)

    def contains(self, moment: datetime) -> bool:
        """True when an aware datetime falls inside the window."""
        return self.start <= moment < self.end

    @classmethod
    def from_key(cls, partition_key: str, timezone: str) -> DayWindow:
        return cls(date.fromisoformat(partition_key), timezone)


def to_naive_utc(moment: datetime) -> datetime:
    """Normalise an aware datetime to naive UTC (naive input is taken as UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


# ---- record kinds and fetch statuses (raw_articles.status) -------------------------------

RECORD_FEED = "feed"  # one row per source listing fetch (feed, list page, sitemap)
RECORD_ITEM = "item"  # one row per item the source listed

STATUS_OK = "ok"
STATUS_HTTP_ERROR = "http_error"
STATUS_TIMEOUT = "timeout"
STATUS_TOO_LARGE = "too_large"
STATUS_BLOCKED = "blocked"
STATUS_NOT_HTML = "not_html"
STATUS_PARSE_ERROR = "parse_error"
STATUS_OUT_OF_WINDOW = "out_of_window"
STATUS_FETCH_ERROR = "fetch_error"  # connection refused, DNS, TLS, bad redirect chain
# Listed items that are not fetched, so that every listed item still has its row: an item
# the listing gave no fetchable link (empty, javascript:, file:, absurdly long; `url` is then
# "<listing URL>#item-<position>" and `error` says why), and an item whose GUID repeats an
# earlier item's under another link (`error` holds the kept item's URL; excluded later as
# duplicate_url).
STATUS_NO_LINK = "no_link"
STATUS_DUPLICATE_GUID = "duplicate_guid"
FETCH_STATUSES = (
    STATUS_OK,
    STATUS_HTTP_ERROR,
    STATUS_TIMEOUT,
    STATUS_TOO_LARGE,
    STATUS_BLOCKED,
    STATUS_NOT_HTML,
    STATUS_PARSE_ERROR,
    STATUS_OUT_OF_WINDOW,
    STATUS_FETCH_ERROR,
    STATUS_NO_LINK,
    STATUS_DUPLICATE_GUID,
)

# ---- exclusion reasons, exactly as report.json names them (CONTRACT.md) -------------------

REASON_DUPLICATE_URL = "duplicate_url"
REASON_OFF_TOPIC = "off_topic"
REASON_NO_TEXT = "no_text"
REASON_FETCH_FAILED = "fetch_failed"
REASON_OUT_OF_WINDOW = "out_of_window"
REASON_SEEN_BEFORE = "seen_before"
EXCLUSION_REASONS = (
    REASON_DUPLICATE_URL,
    REASON_OFF_TOPIC,
    REASON_NO_TEXT,
    REASON_FETCH_FAILED,
    REASON_OUT_OF_WINDOW,
    REASON_SEEN_BEFORE,
)

CATEGORY_IDS = (
    "models",
    "agents",
    "multimodal",
    "robotics",
    "compute",
    "business",
    "policy",
    "research",
    "other",
)
TIERS = ("headline", "section", "brief")

# ---- column contracts ------------------------------------------------------------------
# published_at / fetched_at are naive UTC datetimes; partition_date is the naive local date
# of the partition (the DuckDB IO manager drops time zones from its partition filter).

RAW_ARTICLES_SCHEMA: dict[str, pl.DataType] = {
    "partition_date": pl.Date(),
    "record_kind": pl.String(),
    "source": pl.String(),
    "source_type": pl.String(),
    "source_language": pl.String(),
    "source_weight": pl.Float64(),
    "feed_url": pl.String(),
    "url": pl.String(),
    "guid": pl.String(),
    "listed_title": pl.String(),
    "listed_summary": pl.String(),
    "published_at": pl.Datetime("us"),
    "published_at_source": pl.String(),
    "status": pl.String(),
    "error": pl.String(),
    "http_status": pl.Int32(),
    "final_url": pl.String(),
    "content_type": pl.String(),
    "declared_charset": pl.String(),
    "etag": pl.String(),
    "last_modified": pl.String(),
    "fetched_at": pl.Datetime("us"),
    "elapsed_ms": pl.Float64(),
    "from_cache": pl.Boolean(),
    # The body itself is in the BodyStore under this hash (see body_store.py).
    "content_hash": pl.String(),
}

CLEANED_ARTICLES_SCHEMA: dict[str, pl.DataType] = {
    "partition_date": pl.Date(),
    "record_kind": pl.String(),
    "article_id": pl.String(),
    "source": pl.String(),
    "source_weight": pl.Float64(),
    "url": pl.String(),
    "final_url": pl.String(),
    "listed_title": pl.String(),
    "published_at": pl.Datetime("us"),
    "published_at_source": pl.String(),
    "title": pl.String(),
    "author": pl.String(),
    "description": pl.String(),
    "site_name": pl.String(),
    "page_canonical_url": pl.String(),
    "text": pl.String(),
    "text_source": pl.String(),
    "text_chars": pl.Int64(),
    "language": pl.String(),
    "script": pl.String(),
    "mojibake_repaired": pl.Boolean(),
    "excluded_reason": pl.String(),
    "excluded_detail": pl.String(),
}

DEDUPED_STORIES_EXTRA_SCHEMA: dict[str, pl.DataType] = {
    "canonical_url": pl.String(),
    "text_hash": pl.String(),
    "story_id": pl.String(),
    "is_lead": pl.Boolean(),
    "story_size": pl.Int64(),
    "match_reason": pl.String(),
    # dedupe fingerprints, kept so later partitions can match without re-shingling:
    # MinHash signature of the text, and title tokens (t:), title+lead anchors (a:) and
    # whole-text facts (f:) for the same-event and new-development rules; the version says
    # which algorithm and settings made them (stale ones are recomputed)
    "minhash_signature": pl.List(pl.UInt32()),
    "fingerprint_terms": pl.List(pl.String()),
    "fingerprint_version": pl.String(),
    # a new development of a story reported on an earlier day: that story and its day
    "continues_story_id": pl.String(),
    "continues_partition_date": pl.Date(),
}
DEDUPED_STORIES_SCHEMA: dict[str, pl.DataType] = {
    **CLEANED_ARTICLES_SCHEMA,
    **DEDUPED_STORIES_EXTRA_SCHEMA,
}

CATEGORIZED_ITEMS_SCHEMA: dict[str, pl.DataType] = {
    "partition_date": pl.Date(),
    "story_id": pl.String(),
    "title": pl.String(),
    "url": pl.String(),
    "lead_article_id": pl.String(),
    "source": pl.String(),
    "published_at": pl.Datetime("us"),
    "language": pl.String(),
    "category": pl.String(),
    "category_evidence": pl.List(pl.String()),
    "ai_relevance": pl.Float64(),
    "off_topic": pl.Boolean(),
    "importance": pl.Float64(),
    "tier": pl.String(),
    "summary": pl.String(),
    "key_facts": pl.List(pl.String()),
    "source_count": pl.Int64(),
    "article_count": pl.Int64(),
    # the earlier story this one develops (deduped_stories), and the day that reported it
    "continues_story_id": pl.String(),
    "continues_partition_date": pl.Date(),
}


# The editor's verdict per story (news_pipeline/editor): what daily_report prints. `title`
# and `summary` are the editor's when summary_source is "llm", else categorized_items' own.
SUMMARY_SOURCES = ("llm", "extractive")
EDITED_STORIES_SCHEMA: dict[str, pl.DataType] = {
    "partition_date": pl.Date(),
    "story_id": pl.String(),
    "title": pl.String(),
    "summary": pl.String(),
    "insight": pl.String(),
    "summary_source": pl.String(),
    # edited | cached | rejected | failed | over_budget | not_configured | off_topic
    "outcome": pl.String(),
    # why a story kept its extractive text: the rejection or failure kind (null otherwise)
    "reason": pl.String(),
    "detail": pl.String(),
    "cache_hit": pl.Boolean(),
    "requests": pl.Int64(),
    "prompt_tokens": pl.Int64(),
    "completion_tokens": pl.Int64(),
    "instructions_removed": pl.Int64(),
    "model": pl.String(),
    "prompt_version": pl.String(),
    "cache_key": pl.String(),
}


def empty_frame(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Select and cast a frame to a column contract, adding missing columns as nulls.

    The IO manager returns a column-less frame for zero partitions; this gives every
    stage the same typed shape to work on.
    """
    columns = []
    for name, dtype in schema.items():
        if name in frame.columns:
            columns.append(pl.col(name).cast(dtype))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    if frame.width == 0:
        return empty_frame(schema)
    return frame.select(columns)
