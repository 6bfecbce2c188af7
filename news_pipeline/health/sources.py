"""Per source and day: listed, fetched, failed, a status and how long it has been failing.

- `failing`: the listing (feed, list page, sitemap) could not be fetched or parsed that day.
- `degraded`: the listing was read, but something is off: some of its listings failed, at
  least half of the pages it tried to fetch failed, it gave no item in the day's window for
  `quiet_days` days in a row (a feed that answers but has quietly stopped), or no listing of
  it was recorded that day at all.
- `ok`: otherwise.

`failing_days` counts the consecutive days, this one included, whose listing failed; a day
without any record of the source ends the run of days. Everything is read from the stored
raw_articles rows of the day and the `history_days` before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from news_pipeline import schema

SOURCE_STATUSES = ("ok", "degraded", "failing")
# Days of raw_articles before the partition that the streaks are counted over.
HISTORY_DAYS = 30
QUIET_DAYS = 3
RAW_COLUMNS = ["partition_date", "record_kind", "source", "status", "error"]
_NOT_FAILURES = (schema.STATUS_OK, schema.STATUS_OUT_OF_WINDOW, schema.STATUS_DUPLICATE_GUID)
_NOT_IN_WINDOW = (schema.STATUS_OUT_OF_WINDOW, schema.STATUS_DUPLICATE_GUID)

HEALTH_COLUMNS: dict[str, pl.DataType] = {
    "partition_date": pl.Date(),
    "source": pl.String(),
    "listed": pl.Int64(),
    "fetched": pl.Int64(),
    "failed": pl.Int64(),
    "listing_status": pl.String(),
    "listing_error": pl.String(),
    "status": pl.String(),
    "failing_days": pl.Int64(),
    "quiet_days": pl.Int64(),
    "reason": pl.String(),
}


class HealthSettings(BaseModel):
    """When a source counts as degraded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quiet_days: int = Field(default=QUIET_DAYS, ge=1)
    failed_share: float = Field(default=0.5, gt=0, le=1)


def _daily_counts(raw: pl.DataFrame) -> dict[tuple[date, str], dict[str, Any]]:
    """One entry per (day, source) that has any row: item counts and the listing outcome."""
    raw = schema.conform(raw, schema.RAW_ARTICLES_SCHEMA)
    if raw.is_empty():
        return {}
    items = pl.col("record_kind") == schema.RECORD_ITEM
    feeds = pl.col("record_kind") == schema.RECORD_FEED
    status = pl.col("status")
    counts = raw.group_by("partition_date", "source").agg(
        items.sum().cast(pl.Int64).alias("listed"),
        (items & (status == schema.STATUS_OK)).sum().cast(pl.Int64).alias("fetched"),
        (items & ~status.is_in(_NOT_FAILURES)).sum().cast(pl.Int64).alias("failed"),
        (items & ~status.is_in(_NOT_IN_WINDOW)).sum().cast(pl.Int64).alias("in_window"),
        feeds.sum().cast(pl.Int64).alias("listings"),
        (feeds & (status == schema.STATUS_OK)).sum().cast(pl.Int64).alias("listings_ok"),
        status.filter(feeds & (status != schema.STATUS_OK)).first().alias("listing_failure"),
        pl.col("error").filter(feeds & (status != schema.STATUS_OK)).first().alias("error"),
    )
    return {(row["partition_date"], row["source"]): row for row in counts.iter_rows(named=True)}


def _listing_failed(entry: dict[str, Any] | None) -> bool:
    return entry is not None and entry["listings"] > 0 and entry["listings_ok"] == 0


def _quiet(entry: dict[str, Any] | None) -> bool:
    return entry is not None and entry["listings_ok"] > 0 and entry["in_window"] == 0


def _streak(
    counts: dict[tuple[date, str], dict[str, Any]],
    source: str,
    day: date,
    earliest: date,
    test: Callable[[dict[str, Any] | None], bool],
) -> int:
    """Consecutive days back from `day` (included) on which `test` holds."""
    days = 0
    while day >= earliest and test(counts.get((day, source))):
        days += 1
        day -= timedelta(days=1)
    return days


def _status(
    entry: dict[str, Any] | None, quiet_days: int, settings: HealthSettings
) -> tuple[str, str | None]:
    if entry is None or entry["listings"] == 0:
        return "degraded", "no listing of this source was recorded for the day"
    if entry["listings_ok"] == 0:
        return "failing", entry["listing_failure"]
    if entry["listings_ok"] < entry["listings"]:
        failed = entry["listings"] - entry["listings_ok"]
        return "degraded", f"{failed} of {entry['listings']} listings failed"
    attempted = entry["fetched"] + entry["failed"]
    if entry["failed"] and entry["failed"] >= settings.failed_share * attempted:
        return "degraded", f"{entry['failed']} of {attempted} pages failed"
    if quiet_days >= settings.quiet_days:
        return "degraded", f"no item in the day's window for {quiet_days} days"
    return "ok", None


def source_health(
    raw: pl.DataFrame,
    days: Sequence[date],
    sources: Sequence[str],
    *,
    history_days: int = HISTORY_DAYS,
    settings: HealthSettings | None = None,
) -> pl.DataFrame:
    """Health of every configured source on each of `days`, from `raw` (raw_articles rows of
    those days and of the `history_days` before the first; other rows are ignored)."""
    settings = settings or HealthSettings()
    counts = _daily_counts(raw)
    rows = []
    for day in sorted(set(days)):
        earliest = day - timedelta(days=history_days)
        for source in dict.fromkeys(sources):
            entry = counts.get((day, source))
            failing_days = _streak(counts, source, day, earliest, _listing_failed)
            quiet_days = _streak(counts, source, day, earliest, _quiet)
            status, reason = _status(entry, quiet_days, settings)
            if status == "failing" and entry is not None and entry["error"]:
                reason = f"{reason}: {entry['error']}"
            rows.append(
                {
                    "partition_date": day,
                    "source": source,
                    "listed": entry["listed"] if entry else 0,
                    "fetched": entry["fetched"] if entry else 0,
                    "failed": entry["failed"] if entry else 0,
                    "listing_status": None
                    if entry is None or not entry["listings"]
                    else (entry["listing_failure"] or schema.STATUS_OK),
                    "listing_error": entry["error"] if entry else None,
                    "status": status,
                    "failing_days": failing_days,
                    "quiet_days": quiet_days,
                    "reason": reason,
                }
            )
    return pl.DataFrame(rows, schema=HEALTH_COLUMNS)


def report_sources(health: pl.DataFrame, day: date) -> list[dict[str, Any]]:
    """report.json's `sources` for one day, in the order of the health rows (CONTRACT.md)."""
    if health.width == 0:
        return []
    health = schema.conform(health, HEALTH_COLUMNS).filter(pl.col("partition_date") == day)
    return [
        {
            "name": row["source"],
            "listed": row["listed"],
            "fetched": row["fetched"],
            "failed": row["failed"],
            "status": row["status"],
            "failing_days": row["failing_days"],
        }
        for row in health.iter_rows(named=True)
    ]


def long_failures(health: pl.DataFrame, min_days: int) -> pl.DataFrame:
    """Rows of sources whose listing has failed for `min_days` days or more."""
    health = schema.conform(health, HEALTH_COLUMNS)
    return health.filter(pl.col("failing_days") >= min_days).sort("partition_date", "source")
