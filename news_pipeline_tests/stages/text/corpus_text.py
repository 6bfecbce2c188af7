"""The stories_eval corpus through the real fetch and text stages, scored for text alone.

`fetch_corpus` serves the labelled sites on loopback and runs the fetch stage over the three
days, so the text stage gets the bytes and the feed entries (feedparser's titles and
summaries) the pipeline really sees. `score_cleaned` maps cleaned_articles rows back to the
true articles: per-site precision and recall of the text (character-bigram sets, as
scripts/eval_stories.py counts them), the share of characters right on the damaged pages,
(text, and for the fully damaged site the page and feed titles too) and what became of the
thin pages, each for the tune and the holdout split apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from news_pipeline.fetch import BodyStore, FetchSettings, collect_raw_articles
from news_pipeline.schema import DayWindow
from news_pipeline.sources import load_sources
from news_pipeline_tests.support import stories_truth as truth
from news_pipeline_tests.support.site_corpus import (
    DAYS,
    THIN_KINDS,
    TIMEZONE_NAME,
    Article,
    Corpus,
    serve_corpus,
    sources_yaml,
)

SPLITS = ("tune", "holdout")
# Politeness is the fetch stage's business; the corpus servers are ours and local.
LOCAL_FETCH = FetchSettings(per_host_min_delay_seconds=0, max_retries=0, respect_robots=False)


@dataclass
class FetchedCorpus:
    corpus: Corpus
    bases: dict[str, str]
    raw: pl.DataFrame
    bodies: BodyStore


def fetch_corpus(corpus: Corpus, work_dir: Path) -> FetchedCorpus:
    """raw_articles of the three days, fetched from the corpus served on free loopback ports."""
    bodies = BodyStore(work_dir / "bodies")
    with serve_corpus(corpus, port=0) as bases:
        sources_path = work_dir / "sources.yaml"
        sources_path.write_text(sources_yaml(corpus, bases), "utf-8")
        sources = load_sources(sources_path)
        frames = [
            collect_raw_articles(
                sources, DayWindow(date.fromisoformat(day), TIMEZONE_NAME), LOCAL_FETCH, bodies
            )
            for day in DAYS
        ]
    return FetchedCorpus(corpus, bases, pl.concat(frames), bodies)


def is_damaged(corpus: Corpus, article: Article) -> bool:
    site = corpus.sites[article.site]
    return site.damage == "full" or (site.damage == "partial" and article.damage != "none")


def _rows_by_url(cleaned: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    rows = cleaned.filter(pl.col("record_kind") == "item").iter_rows(named=True)
    return {(str(row["partition_date"]), row["url"]): row for row in rows}


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def score_cleaned(corpus: Corpus, bases: dict[str, str], cleaned: pl.DataFrame) -> dict[str, Any]:
    """Per split: text P/R per site, mojibake characters right, thin-page outcomes."""
    rows = _rows_by_url(cleaned)
    split_of = {key: story.split for key, story in corpus.stories.items()}
    text: dict[str, dict[str, Counter[str]]] = {split: {} for split in SPLITS}
    mojibake: dict[str, Counter[str]] = {split: Counter() for split in SPLITS}
    thin: dict[str, list[dict[str, Any]]] = {split: [] for split in SPLITS}
    for article in corpus.articles:
        split = split_of.get(article.story, "tune")
        row = rows.get((article.day, corpus.listed_url(article, bases))) or {}
        got = row.get("text") or ""
        if article.kind in THIN_KINDS:
            thin[split].append(
                {
                    "id": article.id,
                    "excluded_reason": row.get("excluded_reason"),
                    "excluded_detail": row.get("excluded_detail"),
                    "right": row.get("excluded_reason") == "no_text",
                }
            )
            continue
        if article.kind == "tracking_variant":
            continue
        shared, found, true = truth.bigram_overlap(article.body, got)
        counts = text[split].setdefault(article.site, Counter())
        counts.update({"articles": 1, "shared": shared, "found": found, "true": true})
        if is_damaged(corpus, article) and article.has_page:
            counts = mojibake[split]
            counts["articles"] += 1
            counts["text_chars"] += len("".join(article.body.split()))
            counts["text_right"] += truth.recovered_chars(article.body, got)
            if corpus.sites[article.site].damage != "full":
                continue  # the feed titles of a partly damaged site are clean
            for column in ("title", "listed_title"):
                title = article.title
                counts[f"{column}_chars"] += len("".join(title.split()))
                counts[f"{column}_right"] += truth.recovered_chars(title, row.get(column) or "")
    return {
        split: {
            "text_by_site": {
                site: {
                    "articles": c["articles"],
                    "precision": _ratio(c["shared"], c["found"]),
                    "recall": _ratio(c["shared"], c["true"]),
                }
                for site, c in sorted(text[split].items())
            },
            "mojibake": {
                "articles": mojibake[split]["articles"],
                **{
                    f"{part}_right": _ratio(
                        mojibake[split][f"{part}_right"], mojibake[split][f"{part}_chars"]
                    )
                    for part in ("text", "title", "listed_title")
                },
            },
            "thin_pages": thin[split],
        }
        for split in SPLITS
    }
