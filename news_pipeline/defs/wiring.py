"""What every stage asset and check shares: partitions, group, retries, backfills, the pool.

Built per set of definitions (the partitions' timezone comes from the sources file), so
nothing here is read at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Backoff,
    DailyPartitionsDefinition,
    Jitter,
    RetryPolicy,
    TableColumn,
    TableSchema,
)

from news_pipeline import schema

GROUP = "daily_report"
OWNERS = ["team:news-pipeline"]
PARTITION_METADATA = {"partition_expr": "partition_date"}
DEFAULT_PARTITIONS_START = "2026-01-01"
# Every step that opens news.duckdb (assets and checks alike) takes a slot of this pool;
# dagster.yaml gives unconfigured pools one slot, so one writer at a time across all runs.
DUCKDB_POOL = "news_duckdb"
# Whole-step retries for what the in-asset HTTP retries cannot absorb (a crashed worker,
# a locked database file): exponential backoff with jitter so parallel runs spread out.
STEP_RETRY_POLICY = RetryPolicy(
    max_retries=3, delay=5, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
)
# Up to a week of days in one run: few run start-ups per backfill, and the self-dependent
# dedupe stays ordered because each run handles its days in sequence.
DAYS_PER_RUN = 7
BACKFILL_POLICY = BackfillPolicy.multi_run(max_partitions_per_run=DAYS_PER_RUN)


@dataclass(frozen=True)
class Wiring:
    """The partitions of one deployment and the decorator settings derived from them."""

    partitions: DailyPartitionsDefinition

    @classmethod
    def for_timezone(cls, timezone: str, start_date: str = DEFAULT_PARTITIONS_START) -> Wiring:
        return cls(DailyPartitionsDefinition(start_date=start_date, timezone=timezone))

    def asset_settings(self) -> dict[str, Any]:
        return {
            "partitions_def": self.partitions,
            "group_name": GROUP,
            "owners": OWNERS,
            "retry_policy": STEP_RETRY_POLICY,
            "backfill_policy": BACKFILL_POLICY,
            "pool": DUCKDB_POOL,
        }

    def check_settings(self) -> dict[str, Any]:
        return {"partitions_def": self.partitions, "pool": DUCKDB_POOL}


def table_metadata(columns: dict[str, pl.DataType]) -> dict[str, object]:
    """Partition column for the IO manager plus the column schema the UI shows."""
    column_schema = TableSchema(
        columns=[TableColumn(name, str(dtype)) for name, dtype in columns.items()]
    )
    return {**PARTITION_METADATA, "dagster/column_schema": column_schema}


def day_windows(context: AssetExecutionContext, timezone: str) -> list[schema.DayWindow]:
    """The days of this run (one, or a week for a backfill run)."""
    return [schema.DayWindow.from_key(key, timezone) for key in context.partition_keys]


def rows_of_day(frame: pl.DataFrame, day: date) -> pl.DataFrame:
    if frame.width == 0:
        return frame
    return frame.filter(pl.col("partition_date") == day)


def count_rows(frame: pl.DataFrame, predicate: pl.Expr) -> int:
    return 0 if frame.is_empty() else frame.filter(predicate).height


def markdown_table(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return "_no rows_"
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * frame.width
    rows = ["| " + " | ".join(str(value) for value in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows])
