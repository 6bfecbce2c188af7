"""raw_articles: every item the sources list for the day, fetched over HTTP."""

import time

import polars as pl
from dagster import AssetExecutionContext, AssetsDefinition, MetadataValue, Output, asset

from news_pipeline import schema
from news_pipeline.defs.resources import (
    HttpClientResource,
    OutputLocationResource,
    SourcesResource,
    StageProgressResource,
)
from news_pipeline.defs.wiring import (
    Wiring,
    count_rows,
    day_windows,
    markdown_table,
    table_metadata,
)
from news_pipeline.fetch import collect_raw_articles, source_summary


def build_raw_articles(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **wiring.asset_settings(),
        metadata=table_metadata(schema.RAW_ARTICLES_SCHEMA),
        kinds={"python", "httpx", "duckdb"},
        description=(
            "Every item the sources list for the day, fetched over HTTP: one row per feed "
            "fetch and per listed item, with its status (ok, http_error, timeout, too_large, "
            "blocked, not_html, parse_error, out_of_window, fetch_error, no_link, "
            "duplicate_guid), HTTP metadata and the content hash of the body, which is kept "
            "in the data directory's body store."
        ),
    )
    def raw_articles(
        context: AssetExecutionContext,
        sources: SourcesResource,
        http_client: HttpClientResource,
        output_location: OutputLocationResource,
        stage_progress: StageProgressResource,
    ) -> Output[pl.DataFrame]:
        started = time.perf_counter()
        frames = []
        with sources.open() as config:
            for window in day_windows(context, config.timezone):
                frame = collect_raw_articles(
                    config,
                    window,
                    http_client.settings(),
                    output_location.body_store(),
                    cache=output_location.http_cache(),
                    progress=stage_progress.reporter(context, f"raw_articles {window.day}"),
                )
                frames.append(frame)
                context.log.info(
                    f"{window.day}: {frame.height} rows from {len(config.sources)} sources"
                )
        raw = pl.concat(frames) if frames else schema.empty_frame(schema.RAW_ARTICLES_SCHEMA)
        items = raw.filter(pl.col("record_kind") == schema.RECORD_ITEM)
        fetched = pl.col("status") == schema.STATUS_OK
        out_of_window = pl.col("status") == schema.STATUS_OUT_OF_WINDOW
        repeated = pl.col("status") == schema.STATUS_DUPLICATE_GUID
        return Output(
            raw,
            metadata={
                "rows": raw.height,
                "items_listed": items.height,
                "items_fetched": count_rows(items, fetched),
                "items_failed": count_rows(items, ~fetched & ~out_of_window & ~repeated),
                "items_repeating_a_guid": count_rows(items, repeated),
                "items_out_of_window": count_rows(items, out_of_window),
                "conditional_cache_hits": count_rows(raw, pl.col("from_cache")),
                "per_source": MetadataValue.md(markdown_table(source_summary(raw))),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )

    return raw_articles
