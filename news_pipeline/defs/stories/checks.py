"""Checks of deduped_stories: one property each."""

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from news_pipeline import schema
from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.wiring import Wiring


def _story_rows(deduped_stories: pl.DataFrame) -> pl.DataFrame:
    return schema.conform(deduped_stories, schema.DEDUPED_STORIES_SCHEMA).filter(
        pl.col("story_id").is_not_null() & pl.col("excluded_reason").is_null()
    )


def one_lead_each(deduped_stories: pl.DataFrame) -> AssetCheckResult:
    """Every story needs exactly one lead article: it gives the story its title and link."""
    leads = (
        _story_rows(deduped_stories)
        .group_by("partition_date", "story_id")
        .agg(pl.col("is_lead").sum().alias("leads"), pl.len().alias("articles"))
        .sort("partition_date", "story_id")
    )
    bad = leads.filter(pl.col("leads") != 1)
    return AssetCheckResult(
        passed=bad.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "stories": leads.height,
            "stories_without_one_lead": bad.height,
            "rows": offending_rows(bad, ["partition_date", "story_id", "leads", "articles"]),
        },
    )


def url_in_one_story(deduped_stories: pl.DataFrame) -> AssetCheckResult:
    """One article cannot report two events: a canonical URL belongs to one story a day."""
    split = (
        _story_rows(deduped_stories)
        .group_by("partition_date", "canonical_url")
        .agg(
            pl.col("story_id").n_unique().alias("stories"),
            pl.col("story_id").unique().sort().str.join(", ").alias("story_ids"),
        )
        .filter(pl.col("stories") > 1)
        .sort("partition_date", "canonical_url")
    )
    return AssetCheckResult(
        passed=split.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "urls_in_several_stories": split.height,
            "rows": offending_rows(split, ["partition_date", "canonical_url", "story_ids"]),
        },
    )


def build_deduped_stories_checks(wiring: Wiring) -> list[AssetChecksDefinition]:
    settings = {"asset": "deduped_stories", **wiring.check_settings()}
    return [
        asset_check(**settings, name="deduped_stories_one_lead_each", blocking=True)(one_lead_each),
        asset_check(**settings, name="deduped_stories_url_in_one_story", blocking=True)(
            url_in_one_story
        ),
    ]
