"""source_health: per configured source and day, listed/fetched/failed and a status."""

import time
from datetime import timedelta

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetsDefinition,
    MetadataValue,
    Output,
    asset,
)

from news_pipeline.defs.resources import OutputLocationResource, SourcesResource
from news_pipeline.defs.wiring import Wiring, day_windows, markdown_table, table_metadata
from news_pipeline.health import HEALTH_COLUMNS, HISTORY_DAYS, RAW_COLUMNS
from news_pipeline.health import source_health as compute_source_health


def raw_articles_of_the_days() -> AssetIn:
    """raw_articles of the run's days, without the heavy columns (the days before are read
    from storage: OutputLocationResource.stored_rows says why they are not a dependency)."""
    return AssetIn(key="raw_articles", metadata={"columns": RAW_COLUMNS})


def build_source_health(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **wiring.asset_settings(),
        metadata=table_metadata(HEALTH_COLUMNS),
        ins={"raw_articles": raw_articles_of_the_days()},
        kinds={"python", "duckdb"},
        description=(
            "Health of every configured source per day, from the stored raw_articles of the "
            f"day and the {HISTORY_DAYS} days before it: items listed, fetched and failed, "
            "status (ok, degraded, failing) and the consecutive days its listing has failed. "
            "report.json's `sources` and the report's health table come from here."
        ),
    )
    def source_health(
        context: AssetExecutionContext,
        raw_articles: pl.DataFrame,
        sources: SourcesResource,
        output_location: OutputLocationResource,
    ) -> Output[pl.DataFrame]:
        started = time.perf_counter()
        config = sources.load()
        days = [window.day for window in day_windows(context, config.timezone)]
        earlier = output_location.stored_rows(
            "raw_articles",
            RAW_COLUMNS,
            min(days) - timedelta(days=HISTORY_DAYS),
            min(days) - timedelta(days=1),
        )
        history = [frame for frame in (earlier, raw_articles) if frame.width]
        health = compute_source_health(
            pl.concat(history, how="vertical_relaxed") if history else pl.DataFrame(),
            days,
            [source.name for source in config.sources],
        )
        last = health.filter(pl.col("partition_date") == max(days))
        shown = last.select("source", "listed", "fetched", "failed", "status", "failing_days")
        return Output(
            health,
            metadata={
                "sources": last.height,
                "failing": last.filter(pl.col("status") == "failing").height,
                "degraded": last.filter(pl.col("status") == "degraded").height,
                "longest_failing_days": int(last["failing_days"].max() or 0),
                "health": MetadataValue.md(markdown_table(shown)),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )

    return source_health
