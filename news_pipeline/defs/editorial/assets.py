"""categorized_items: one row per story with its category, importance, tier and summary."""

import time

import polars as pl
from dagster import AssetExecutionContext, AssetsDefinition, Output, asset

from news_pipeline import schema
from news_pipeline.defs.resources import EditorialResource, SourcesResource, StageProgressResource
from news_pipeline.defs.wiring import Wiring, table_metadata
from news_pipeline.editorial import categorize_stories


def build_categorized_items(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **wiring.asset_settings(),
        metadata=table_metadata(schema.CATEGORIZED_ITEMS_SCHEMA),
        kinds={"python", "polars", "duckdb"},
        description=(
            "One row per story: category from the taxonomy (with the evidence that chose it), "
            "AI relevance (off-topic stories flagged), importance, tier (headline, section, "
            "brief), an extractive summary and key facts."
        ),
    )
    def categorized_items(
        context: AssetExecutionContext,
        deduped_stories: pl.DataFrame,
        sources: SourcesResource,
        editorial: EditorialResource,
        stage_progress: StageProgressResource,
    ) -> Output[pl.DataFrame]:
        started = time.perf_counter()
        deduped = schema.conform(deduped_stories, schema.DEDUPED_STORIES_SCHEMA)
        categorized = categorize_stories(
            deduped,
            editorial.taxonomy(),
            editorial.categorize_settings(),
            timezone=sources.load().timezone,
            progress=stage_progress.reporter(context, "categorized_items"),
        )
        on_topic = categorized.filter(~pl.col("off_topic"))
        metadata: dict[str, object] = {
            "stories": categorized.height,
            "off_topic": categorized.height - on_topic.height,
            "seconds": round(time.perf_counter() - started, 3),
        }
        for column in ("category", "tier"):
            for value, count in on_topic.group_by(column).len().sort(column).iter_rows():
                metadata[f"{column}_{value}"] = count
        return Output(categorized, metadata=metadata)

    return categorized_items
