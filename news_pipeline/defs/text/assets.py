"""cleaned_articles: main text, title, language and date of every fetched article."""

import time

import polars as pl
from dagster import AssetExecutionContext, AssetsDefinition, Output, asset

from news_pipeline import schema
from news_pipeline.defs.resources import (
    EditorialResource,
    OutputLocationResource,
    StageProgressResource,
)
from news_pipeline.defs.wiring import Wiring, count_rows, table_metadata
from news_pipeline.text import clean_articles, load_boilerplate_rules


def build_cleaned_articles(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **wiring.asset_settings(),
        metadata=table_metadata(schema.CLEANED_ARTICLES_SCHEMA),
        kinds={"python", "trafilatura", "duckdb"},
        description=(
            "Main text, title, author, date and language of every fetched article, with the "
            "charset decoded, portal boilerplate removed and mojibake repaired. Items that "
            "could not be used carry excluded_reason (fetch_failed, out_of_window, no_text)."
        ),
    )
    def cleaned_articles(
        context: AssetExecutionContext,
        raw_articles: pl.DataFrame,
        editorial: EditorialResource,
        output_location: OutputLocationResource,
        stage_progress: StageProgressResource,
    ) -> Output[pl.DataFrame]:
        started = time.perf_counter()
        cleaned = clean_articles(
            raw_articles,
            output_location.body_store(),
            rules=load_boilerplate_rules(),
            workers=editorial.workers(),
            progress=stage_progress.reporter(context, "cleaned_articles"),
        )
        items = cleaned.filter(pl.col("record_kind") == schema.RECORD_ITEM)
        return Output(
            cleaned,
            metadata={
                "rows": cleaned.height,
                "items_with_text": count_rows(items, pl.col("excluded_reason").is_null()),
                "items_no_text": count_rows(
                    items, pl.col("excluded_reason") == schema.REASON_NO_TEXT
                ),
                "text_from_feed": count_rows(items, pl.col("text_source") == "feed"),
                "mojibake_repaired": count_rows(items, pl.col("mojibake_repaired")),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )

    return cleaned_articles
