"""Checks of categorized_items: one property each."""

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from news_pipeline import schema
from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.resources import EditorialResource
from news_pipeline.defs.wiring import Wiring

ROW_COLUMNS = ["partition_date", "story_id", "title", "category", "tier", "off_topic"]


def known_category(
    categorized_items: pl.DataFrame, editorial: EditorialResource
) -> AssetCheckResult:
    """Every story's category is one the taxonomy in use defines, or the report cannot name it."""
    items = schema.conform(categorized_items, schema.CATEGORIZED_ITEMS_SCHEMA)
    known = sorted(editorial.taxonomy().display_names())
    unknown = items.filter(~pl.col("category").is_in(known) | pl.col("category").is_null())
    return AssetCheckResult(
        passed=unknown.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "stories": items.height,
            "unknown_category": unknown.height,
            "known_categories": ", ".join(known),
            "rows": offending_rows(unknown, ROW_COLUMNS),
        },
    )


def one_row_per_story(categorized_items: pl.DataFrame) -> AssetCheckResult:
    """A story categorized twice would be reported twice."""
    items = schema.conform(categorized_items, schema.CATEGORIZED_ITEMS_SCHEMA)
    repeated = (
        items.group_by("partition_date", "story_id")
        .agg(pl.len().alias("rows"), pl.col("category").unique().sort().str.join(", "))
        .filter(pl.col("rows") > 1)
        .sort("partition_date", "story_id")
    )
    return AssetCheckResult(
        passed=repeated.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "stories_listed_twice": repeated.height,
            "rows": offending_rows(repeated, ["partition_date", "story_id", "rows", "category"]),
        },
    )


def on_topic_have_tier(categorized_items: pl.DataFrame) -> AssetCheckResult:
    """An on-topic story without a tier (headline, section, brief) has no place in the report."""
    items = schema.conform(categorized_items, schema.CATEGORIZED_ITEMS_SCHEMA)
    untiered = items.filter(
        ~pl.col("off_topic") & (~pl.col("tier").is_in(schema.TIERS) | pl.col("tier").is_null())
    )
    return AssetCheckResult(
        passed=untiered.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "on_topic_without_tier": untiered.height,
            "tiers": ", ".join(schema.TIERS),
            "rows": offending_rows(untiered, ROW_COLUMNS),
        },
    )


def build_categorized_items_checks(wiring: Wiring) -> list[AssetChecksDefinition]:
    settings = {"asset": "categorized_items", **wiring.check_settings(), "blocking": True}
    return [
        asset_check(**settings, name="categorized_items_known_category")(known_category),
        asset_check(**settings, name="categorized_items_one_row_per_story")(one_row_per_story),
        asset_check(**settings, name="categorized_items_on_topic_have_tier")(on_topic_have_tier),
    ]
