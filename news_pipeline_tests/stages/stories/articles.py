"""Articles the stories tests share: the hand-labelled set of data/dedupe_eval (true story
ids written by hand, never taken from the code's output) and single rows written here."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

import polars as pl

from news_pipeline.schema import CLEANED_ARTICLES_SCHEMA, conform
from news_pipeline.stories import dedupe_articles
from news_pipeline_tests.paths import TEST_DATA_DIR

EVAL_SET = TEST_DATA_DIR / "dedupe_eval" / "articles.jsonl"
DAY = date(2026, 2, 14)


def labelled_articles() -> pl.DataFrame:
    return pl.read_ndjson(EVAL_SET).with_columns(
        pl.col("partition_date").str.to_date(),
        pl.col("published_at").str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us"),
        pl.lit("item").alias("record_kind"),
        pl.col("title").alias("listed_title"),
    )


def run_in_order(articles: pl.DataFrame) -> dict[date, pl.DataFrame]:
    """Each day deduped with all earlier days' outputs as previous."""
    outputs: dict[date, pl.DataFrame] = {}
    for day in sorted(articles["partition_date"].unique().to_list()):
        history = pl.concat(list(outputs.values())) if outputs else pl.DataFrame()
        rows = conform(articles.filter(pl.col("partition_date") == day), CLEANED_ARTICLES_SCHEMA)
        outputs[day] = dedupe_articles(rows, history)
    return outputs


def item(article_id: str, url: str, title: str, text: str, **extra: object) -> dict[str, object]:
    """One cleaned row; its source is the URL's host unless given (one site writes one report
    of an event a day, so reports of one event come from different sites)."""
    row: dict[str, object] = {
        "partition_date": DAY,
        "record_kind": "item",
        "article_id": article_id,
        "source": urlsplit(url).hostname or "sina",
        "source_weight": 1.0,
        "url": url,
        "title": title,
        "listed_title": title,
        "text": text,
        "published_at": datetime(2026, 2, 14, 5, 0),
    }
    row.update(extra)
    return row


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows), CLEANED_ARTICLES_SCHEMA)
