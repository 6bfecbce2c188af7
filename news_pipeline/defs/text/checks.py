"""Checks of cleaned_articles: one property each."""

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from news_pipeline import schema
from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.wiring import Wiring


def have_text(cleaned_articles: pl.DataFrame) -> AssetCheckResult:
    """An item that is not excluded must carry text, or dedupe and summaries work on air."""
    items = schema.conform(cleaned_articles, schema.CLEANED_ARTICLES_SCHEMA).filter(
        (pl.col("record_kind") == schema.RECORD_ITEM) & pl.col("excluded_reason").is_null()
    )
    empty = items.filter(pl.col("text").fill_null("").str.strip_chars() == "")
    return AssetCheckResult(
        passed=empty.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "items": items.height,
            "items_without_text": empty.height,
            "rows": offending_rows(empty, ["partition_date", "source", "url", "text_source"]),
        },
    )


def no_replacement_characters(cleaned_articles: pl.DataFrame) -> AssetCheckResult:
    """U+FFFD in text means a charset was guessed wrong somewhere upstream."""
    items = schema.conform(cleaned_articles, schema.CLEANED_ARTICLES_SCHEMA)
    in_title = pl.col("title").fill_null("").str.contains("\ufffd", literal=True)
    in_text = pl.col("text").fill_null("").str.contains("\ufffd", literal=True)
    damaged = items.filter(in_title | in_text).with_columns(
        pl.when(in_title & in_text)
        .then(pl.lit("title, text"))
        .when(in_title)
        .then(pl.lit("title"))
        .otherwise(pl.lit("text"))
        .alias("where"),
        pl.col("text").fill_null("").str.count_matches("\ufffd", literal=True).alias("in_text"),
    )
    return AssetCheckResult(
        passed=damaged.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={
            "damaged_items": damaged.height,
            "rows": offending_rows(
                damaged, ["partition_date", "source", "url", "text_source", "where", "in_text"]
            ),
        },
    )


def build_cleaned_articles_checks(wiring: Wiring) -> list[AssetChecksDefinition]:
    settings = {"asset": "cleaned_articles", **wiring.check_settings()}
    return [
        asset_check(**settings, name="cleaned_articles_have_text", blocking=True)(have_text),
        asset_check(**settings, name="cleaned_articles_no_replacement_characters")(
            no_replacement_characters
        ),
    ]
