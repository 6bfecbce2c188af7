"""deduped_stories: articles grouped into stories, within the day and against the last week."""

import time
from datetime import date

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetsDefinition,
    Output,
    TimeWindowPartitionMapping,
    asset,
)

from news_pipeline import schema
from news_pipeline.defs.resources import EditorialResource
from news_pipeline.defs.wiring import Wiring, count_rows, rows_of_day, table_metadata
from news_pipeline.stories import dedupe_articles

# A story reported in one of the previous seven partitions is seen_before (CONTRACT.md).
CROSS_DAY_WINDOW_DAYS = 7


def previous_days_mapping() -> TimeWindowPartitionMapping:
    """The asset's own partitions of the CROSS_DAY_WINDOW_DAYS days before each day."""
    return TimeWindowPartitionMapping(
        start_offset=-CROSS_DAY_WINDOW_DAYS,
        end_offset=-1,
        allow_nonexistent_upstream_partitions=True,
    )


def build_deduped_stories(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **wiring.asset_settings(),
        metadata=table_metadata(schema.DEDUPED_STORIES_SCHEMA),
        kinds={"python", "polars", "duckdb"},
        ins={
            "cleaned_articles": AssetIn(),
            "previous_days": AssetIn(
                key="deduped_stories", partition_mapping=previous_days_mapping()
            ),
        },
        description=(
            "Articles grouped into stories: same canonical URL (duplicate_url), same text, "
            "near-duplicate text and same-event reports across sites. A story already "
            "reported in the previous 7 days is excluded as seen_before."
        ),
    )
    def deduped_stories(
        context: AssetExecutionContext,
        cleaned_articles: pl.DataFrame,
        previous_days: pl.DataFrame,
        editorial: EditorialResource,
    ) -> Output[pl.DataFrame]:
        started = time.perf_counter()
        cleaned = schema.conform(cleaned_articles, schema.CLEANED_ARTICLES_SCHEMA)
        history = schema.conform(previous_days, schema.DEDUPED_STORIES_SCHEMA)
        settings = editorial.dedupe_settings()
        days = []
        run_days = [date.fromisoformat(key) for key in context.partition_keys]
        # Days of this run replace whatever stale rows of them were loaded (each day's rows
        # once: a row counted twice would weigh twice in the cross-day match).
        loaded = history.filter(~pl.col("partition_date").is_in(run_days))
        for day in run_days:
            history = pl.concat([loaded, *days]).filter(pl.col("partition_date") < day)
            days.append(dedupe_articles(rows_of_day(cleaned, day), history, settings))
        deduped = pl.concat(days) if days else schema.empty_frame(schema.DEDUPED_STORIES_SCHEMA)
        eligible = deduped.filter(
            (pl.col("record_kind") == schema.RECORD_ITEM) & pl.col("story_id").is_not_null()
        )
        stories = eligible.filter(pl.col("excluded_reason").is_null())
        story_count = stories.select("partition_date", "story_id").unique().height
        return Output(
            deduped,
            metadata={
                "rows": deduped.height,
                "stories": story_count,
                "articles_in_stories": stories.height,
                "merged_into_stories": stories.height - story_count,
                "duplicate_url": count_rows(
                    deduped, pl.col("excluded_reason") == schema.REASON_DUPLICATE_URL
                ),
                "seen_before": count_rows(
                    deduped, pl.col("excluded_reason") == schema.REASON_SEEN_BEFORE
                ),
                "dedupe_ratio": round(stories.height / story_count, 3) if story_count else 0.0,
                "seconds": round(time.perf_counter() - started, 3),
            },
        )

    return deduped_stories
