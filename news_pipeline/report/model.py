"""report.json: exactly the CONTRACT.md shape, assembled from one partition's rows.

`Report` is precisely what report.json holds (no extra keys); everything the pages show on
top of it lives in `view.ReportView` and never reaches the JSON file.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import polars as pl
from pydantic import BaseModel, ConfigDict

from news_pipeline import schema
from news_pipeline.report.untrusted import as_text

Tier = Literal["headline", "section", "brief"]
SummarySource = Literal["llm", "extractive"]
ExclusionReason = Literal[
    "duplicate_url", "off_topic", "no_text", "fetch_failed", "out_of_window", "seen_before"
]

# ---- report.json: exactly the CONTRACT.md shape --------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportArticle(_Strict):
    url: str
    source: str
    title: str


class ReportStory(_Strict):
    story_id: str
    title: str
    url: str
    category: str
    tier: Tier
    importance: float
    summary: str
    summary_source: SummarySource = "extractive"
    insight: str | None = None
    published_at: str
    articles: list[ReportArticle]
    # the story_id of the earlier story this one develops, null when it continues nothing
    continues: str | None


class ReportExcluded(_Strict):
    url: str
    source: str
    reason: ExclusionReason
    detail: str


class ReportStats(_Strict):
    listed: int
    fetched: int
    extracted: int
    stories: int
    excluded: int


class ReportSource(_Strict):
    """One configured source's health on the day (news_pipeline.health)."""

    name: str
    listed: int
    fetched: int
    failed: int
    status: Literal["ok", "degraded", "failing"]
    failing_days: int


class Report(_Strict):
    date: str
    timezone: str
    generated_at: str
    stories: list[ReportStory]
    excluded: list[ReportExcluded]
    stats: ReportStats
    sources: list[ReportSource] = []


class ReportAccountingError(ValueError):
    """The inputs would make the report lose an item (CONTRACT.md: nothing is lost)."""


# ---- building the report -------------------------------------------------------------------

_FAILED_FEED_DETAIL = "feed listing could not be read"
# Said when the upstream stage gave no detail; the pages leave these out (the label says it).
DEFAULT_DETAILS: dict[str, str] = {
    schema.REASON_DUPLICATE_URL: "same canonical URL as another item of the day",
    schema.REASON_NO_TEXT: "no article text could be extracted",
    schema.REASON_FETCH_FAILED: "the article page could not be fetched",
    schema.REASON_OUT_OF_WINDOW: "published outside the day's window",
    schema.REASON_SEEN_BEFORE: "already reported on a previous day",
}
_REASON_ORDER = {reason: index for index, reason in enumerate(schema.EXCLUSION_REASONS)}
_UNREACHABLE_FETCH = (schema.REASON_FETCH_FAILED, schema.REASON_OUT_OF_WINDOW)


def _local_iso(moment: datetime, tz: ZoneInfo) -> str:
    """A naive-UTC timestamp as ISO 8601 with the partition timezone's offset."""
    return moment.replace(tzinfo=UTC).astimezone(tz).isoformat(timespec="seconds")


def _importance(value: Any) -> float:
    if value is None or not math.isfinite(float(value)):
        return 0.0
    return round(float(value), 4)


def article_title(row: Mapping[str, Any]) -> str:
    """The title the source listed, else the page's title, else the URL."""
    return as_text(row.get("listed_title") or row.get("title") or row.get("url")).strip()


def _member_sort_key(row: Mapping[str, Any]) -> tuple[bool, datetime, str, str]:
    """Lead article first, then by publish time, source and URL (stable across runs)."""
    published = row.get("published_at") or datetime.max
    return (not row.get("is_lead"), published, as_text(row.get("source")), as_text(row.get("url")))


def _default_detail(row: Mapping[str, Any], tz: ZoneInfo) -> str:
    """What to say when the upstream stage left no detail: the publish time, if it explains."""
    reason = row["excluded_reason"]
    if reason == schema.REASON_OUT_OF_WINDOW and row["published_at"] is not None:
        return f"published {_local_iso(row['published_at'], tz)}, outside the day's window"
    return DEFAULT_DETAILS.get(reason, "")


def _accounted_items(deduped: pl.DataFrame, window: schema.DayWindow) -> pl.DataFrame:
    """Item rows the report must account for: all but out-of-window items dated before it."""
    items = deduped.filter(pl.col("record_kind").ne_missing(schema.RECORD_FEED))
    before_window = (
        (pl.col("excluded_reason") == schema.REASON_OUT_OF_WINDOW)
        & pl.col("published_at").is_not_null()
        & (pl.col("published_at") < window.start_utc)
    )
    return items.filter(~before_window.fill_null(False))


def _edited_text(edited: pl.DataFrame | None) -> dict[str, dict[str, Any]]:
    """story_id -> the editor's title, summary and insight, for stories it wrote."""
    if edited is None:
        return {}
    edited = schema.conform(edited, schema.EDITED_STORIES_SCHEMA)
    return {
        row["story_id"]: row
        for row in edited.filter(pl.col("summary_source") == "llm").iter_rows(named=True)
    }


def build_report(
    categorized: pl.DataFrame,
    deduped: pl.DataFrame,
    day: date,
    timezone: str,
    generated_at: datetime,
    edited: pl.DataFrame | None = None,
) -> Report:
    """Assemble report.json for one partition from its categorized stories and deduped rows.

    `edited` (the partition's edited_stories rows) gives the editor's title, summary and
    insight of the stories whose summary_source is "llm"; the others keep categorized's own.
    Raises ReportAccountingError when an item row has neither an exclusion reason nor a
    categorized story, or a story has no member article: the report would then lose an item.
    """
    categorized = schema.conform(categorized, schema.CATEGORIZED_ITEMS_SCHEMA)
    deduped = schema.conform(deduped, schema.DEDUPED_STORIES_SCHEMA)
    window = schema.DayWindow(day, timezone)
    tz = window.tz
    items = _accounted_items(deduped, window)

    members: dict[str, list[dict[str, Any]]] = {}
    excluded: list[ReportExcluded] = []
    for row in items.iter_rows(named=True):
        reason = row["excluded_reason"]
        if reason is not None:
            excluded.append(
                ReportExcluded(
                    url=as_text(row["url"]),
                    source=as_text(row["source"]),
                    reason=reason,
                    detail=as_text(row["excluded_detail"]) or _default_detail(row, tz),
                )
            )
        elif row["story_id"] is not None:
            members.setdefault(row["story_id"], []).append(row)
        else:
            raise ReportAccountingError(
                f"item {row['url']!r} from {row['source']!r} has no story and no exclusion reason"
            )

    for row in deduped.filter(
        (pl.col("record_kind") == schema.RECORD_FEED) & pl.col("excluded_reason").is_not_null()
    ).iter_rows(named=True):
        cause = as_text(row["excluded_detail"])
        excluded.append(
            ReportExcluded(
                url=as_text(row["url"] or row["final_url"]),
                source=as_text(row["source"]),
                reason=schema.REASON_FETCH_FAILED,
                detail=f"{_FAILED_FEED_DETAIL}: {cause}" if cause else _FAILED_FEED_DETAIL,
            )
        )

    stories: list[ReportStory] = []
    ordered = categorized.with_columns(
        pl.col("importance").fill_nan(0.0).fill_null(0.0).alias("_rank")
    ).sort(["_rank", "story_id"], descending=[True, False])
    seen: set[str] = set()
    edited_text = _edited_text(edited)
    for row in ordered.iter_rows(named=True):
        story_id = row["story_id"]
        if story_id in seen:
            raise ReportAccountingError(f"story {story_id!r} is listed twice in categorized")
        seen.add(story_id)
        story_members = sorted(members.pop(story_id, []), key=_member_sort_key)
        if row["off_topic"]:
            relevance = row["ai_relevance"]
            reason_detail = f"story {story_id}: not about AI"
            if relevance is not None:
                reason_detail += f" (AI relevance {relevance:.2f})"
            excluded.extend(
                ReportExcluded(
                    url=as_text(member["url"]),
                    source=as_text(member["source"]),
                    reason=schema.REASON_OFF_TOPIC,
                    detail=reason_detail,
                )
                for member in story_members
            )
            continue
        if not story_members:
            raise ReportAccountingError(f"story {story_id!r} has no member article")
        published = row["published_at"] or min(
            (m["published_at"] for m in story_members if m["published_at"] is not None),
            default=window.start_utc,
        )
        editor = edited_text.get(story_id)
        text = editor or row
        stories.append(
            ReportStory(
                story_id=story_id,
                title=as_text(text["title"]).strip() or article_title(story_members[0]),
                url=as_text(row["url"]) or as_text(story_members[0]["url"]),
                category=row["category"] or "other",
                tier=row["tier"] or "brief",
                importance=_importance(row["importance"]),
                summary=as_text(text["summary"]),
                summary_source="llm" if editor else "extractive",
                insight=(as_text(editor["insight"]) or None) if editor else None,
                published_at=_local_iso(published, tz),
                articles=[
                    ReportArticle(
                        url=as_text(m["url"]), source=as_text(m["source"]), title=article_title(m)
                    )
                    for m in story_members
                ],
                continues=row["continues_story_id"] or None,
            )
        )
    if members:
        orphans = sorted(members)[:5]
        raise ReportAccountingError(f"items belong to stories missing from categorized: {orphans}")

    excluded.sort(key=lambda e: (_REASON_ORDER[e.reason], e.source, e.url))
    reasons = items["excluded_reason"]
    fetched = int((~reasons.is_in(_UNREACHABLE_FETCH)).fill_null(True).sum())
    no_text = int((reasons == schema.REASON_NO_TEXT).fill_null(False).sum())
    if generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=UTC)
    return Report(
        date=day.isoformat(),
        timezone=timezone,
        generated_at=generated_at.astimezone(tz).isoformat(timespec="seconds"),
        stories=stories,
        excluded=excluded,
        stats=ReportStats(
            listed=items.height,
            fetched=fetched,
            extracted=fetched - no_text,
            stories=len(stories),
            excluded=len(excluded),
        ),
    )


# ---- counts for materialization metadata ---------------------------------------------------


def counts_by_category(report: Report) -> dict[str, int]:
    """Stories per category id, most first (for materialization metadata)."""
    counts = Counter(story.category for story in report.stories)
    return dict(counts.most_common())


def counts_by_tier(report: Report) -> dict[str, int]:
    """Stories per tier, in tier order; tiers without stories are listed with 0."""
    counts = Counter(story.tier for story in report.stories)
    return {tier: counts[tier] for tier in schema.TIERS}
