"""Checks of raw_articles: one property each."""

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from news_pipeline import schema
from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.wiring import Wiring


def unique_per_source(raw_articles: pl.DataFrame) -> AssetCheckResult:
    """A URL listed twice by one source must have been collapsed before fetching."""
    items = schema.conform(raw_articles, schema.RAW_ARTICLES_SCHEMA).filter(
        pl.col("record_kind") == schema.RECORD_ITEM
    )
    repeated = (
        items.group_by("partition_date", "source", "url")
        .len("rows")
        .filter(pl.col("rows") > 1)
        .sort("partition_date", "source", "url")
    )
    return AssetCheckResult(
        passed=repeated.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "repeated_urls": repeated.height,
            "rows": offending_rows(repeated, ["partition_date", "source", "url", "rows"]),
        },
    )


def every_source_answered(raw_articles: pl.DataFrame) -> AssetCheckResult:
    """A dead source is worth a warning, not a failed run: the other sources still report."""
    feeds = schema.conform(raw_articles, schema.RAW_ARTICLES_SCHEMA).filter(
        pl.col("record_kind") == schema.RECORD_FEED
    )
    dead = feeds.filter(pl.col("status") != schema.STATUS_OK).sort("partition_date", "source")
    return AssetCheckResult(
        passed=dead.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={
            "sources": feeds.select("source").n_unique() if feeds.height else 0,
            "failed_sources": dead.select("source").n_unique() if dead.height else 0,
            "failures": offending_rows(
                dead, ["partition_date", "source", "url", "status", "error"]
            ),
        },
    )


def build_raw_articles_checks(wiring: Wiring) -> list[AssetChecksDefinition]:
    settings = {"asset": "raw_articles", **wiring.check_settings()}
    return [
        asset_check(**settings, name="raw_articles_unique_per_source", blocking=True)(
            unique_per_source
        ),
        asset_check(**settings, name="raw_articles_every_source_answered")(every_source_answered),
    ]
