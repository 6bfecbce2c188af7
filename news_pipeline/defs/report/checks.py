"""Checks of daily_report."""

import json
from collections import Counter

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from news_pipeline import schema
from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.report.assets import deduped_without_text
from news_pipeline.defs.wiring import Wiring, rows_of_day


def accounts_for_every_item(
    daily_report: pl.DataFrame, deduped_stories: pl.DataFrame
) -> AssetCheckResult:
    """Nothing is lost: each listed item is in exactly one story or in `excluded`, once."""
    deduped = schema.conform(deduped_stories, schema.DEDUPED_STORIES_SCHEMA)
    problems: list[dict[str, object]] = []
    for row in daily_report.iter_rows(named=True):
        report = json.loads(row["report_json"])
        reported = [(a["source"], a["url"]) for s in report["stories"] for a in s["articles"]]
        reported += [(e["source"], e["url"]) for e in report["excluded"]]
        counts = Counter(reported)
        window_start = schema.DayWindow(row["partition_date"], report["timezone"]).start_utc
        expected = rows_of_day(deduped, row["partition_date"]).filter(
            (pl.col("record_kind") == schema.RECORD_ITEM)
            & ~(
                (pl.col("excluded_reason") == schema.REASON_OUT_OF_WINDOW)
                & (pl.col("published_at") < window_start)
            )
        )
        for source, url in expected.select("source", "url").iter_rows():
            if counts[(source, url)] == 0:
                problems.append(_problem(row["partition_date"], source, url, "missing", 0))
        for (source, url), count in counts.items():
            if count > 1:
                problems.append(_problem(row["partition_date"], source, url, "listed twice", count))
    frame = pl.DataFrame(
        problems,
        schema={
            "partition_date": pl.Date,
            "source": pl.String,
            "url": pl.String,
            "problem": pl.String,
            "times_in_report": pl.Int64,
        },
    )
    return AssetCheckResult(
        passed=frame.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "missing": frame.filter(pl.col("problem") == "missing").height,
            "listed_twice": frame.filter(pl.col("problem") == "listed twice").height,
            "rows": offending_rows(frame, list(frame.columns)),
        },
    )


def _problem(day: object, source: str, url: str, problem: str, count: int) -> dict[str, object]:
    return {
        "partition_date": day,
        "source": source,
        "url": url,
        "problem": problem,
        "times_in_report": count,
    }


def build_daily_report_checks(wiring: Wiring) -> list[AssetChecksDefinition]:
    return [
        asset_check(
            asset="daily_report",
            **wiring.check_settings(),
            name="daily_report_accounts_for_every_item",
            blocking=True,
            additional_ins={"deduped_stories": deduped_without_text()},
        )(accounts_for_every_item)
    ]
