"""The measured steps of the real-page corpus, run by benchmarks/stages.py in a fresh process.

Jobs carry `real_pages` (the clone or folder given to `--real-pages`), `real_limit`, `hosts`
and `cache_dir`. Extraction quality is trafilatura's own measure on these pages: the share of
the evaluation set's expected snippets found and unwanted snippets kept out (real_pages.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks import real_pages
from benchmarks.corpus import PARTITION_DAY, TIMEZONE
from benchmarks.measure import Clock


def _corpus(job: dict[str, Any]) -> real_pages.RealCorpus:
    return real_pages.ensure_real_corpus(
        Path(job["real_pages"]), Path(job["cache_dir"]), job.get("real_limit"), job["hosts"]
    )


def _pages(corpus: real_pages.RealCorpus) -> pl.DataFrame:
    return corpus.read_pages().select("file", "url", "content_hash")


def step_extract_baseline(job: dict[str, Any]) -> dict[str, Any]:
    """Plain `trafilatura.extract` over the page bytes in one process (fast=True if asked)."""
    import trafilatura

    corpus = _corpus(job)
    pages = _pages(corpus)
    bodies = [corpus.bodies.get(content_hash) for content_hash in pages["content_hash"]]
    fast = bool(job.get("fast"))
    with Clock() as clock:
        texts = [trafilatura.extract(body, fast=fast) for body in bodies]
    return {
        "items": len(bodies),
        **clock.fields(),
        "fast": fast,
        "with_text": sum(1 for text in texts if text),
        "page_mib": sum(map(len, bodies)) / 2**20,
        **real_pages.snippet_scores(texts, pages["file"].to_list(), corpus.eval_dir),
    }


def step_extract(job: dict[str, Any]) -> dict[str, Any]:
    """clean_articles over the raw partition, one worker per core; its output is cached for
    the dedupe step."""
    from news_pipeline.text import clean_articles, load_boilerplate_rules

    corpus = _corpus(job)
    raw = corpus.read_raw()
    rules = load_boilerplate_rules()
    workers = job.get("workers") or os.cpu_count() or 1
    with Clock() as clock:
        cleaned = clean_articles(raw, corpus.bodies, rules=rules, workers=workers)
    cleaned.write_parquet(corpus.cleaned_path)
    texts = dict(cleaned.select("url", "text").iter_rows())
    pages = _pages(corpus)
    return {
        "items": pages.height,
        **clock.fields(),
        "workers": workers,
        "with_text": cleaned.filter(pl.col("excluded_reason").is_null()).height,
        **real_pages.snippet_scores(
            [texts.get(url) for url in pages["url"]], pages["file"].to_list(), corpus.eval_dir
        ),
    }


def step_dedupe(job: dict[str, Any]) -> dict[str, Any]:
    from news_pipeline.stories import DedupeSettings, dedupe_articles

    corpus = _corpus(job)
    cleaned = real_pages.ensure_cleaned(corpus)
    with Clock() as clock:
        deduped = dedupe_articles(cleaned, pl.DataFrame(), DedupeSettings())
    deduped.write_parquet(corpus.deduped_path)
    return {
        "items": cleaned.filter(pl.col("record_kind") == "item").height,
        **clock.fields(),
        "stories": deduped["story_id"].drop_nulls().n_unique(),
    }


def step_categorize(job: dict[str, Any]) -> dict[str, Any]:
    from news_pipeline.editorial import CategorizeSettings, categorize_stories, load_taxonomy

    corpus = _corpus(job)
    deduped = real_pages.ensure_deduped(corpus)
    taxonomy = load_taxonomy()
    with Clock() as clock:
        categorized = categorize_stories(deduped, taxonomy, CategorizeSettings(), TIMEZONE)
    categorized.write_parquet(corpus.categorized_path)
    return {"items": deduped.height, "stories": categorized.height, **clock.fields()}


def step_render(job: dict[str, Any]) -> dict[str, Any]:
    from news_pipeline.editorial import load_taxonomy
    from news_pipeline.report import build_report, write_report

    corpus = _corpus(job)
    deduped = real_pages.ensure_deduped(corpus)
    categorized = pl.read_parquet(corpus.categorized_path)
    names = load_taxonomy().display_names()
    with tempfile.TemporaryDirectory() as out_dir, Clock() as clock:
        report = build_report(categorized, deduped, PARTITION_DAY, TIMEZONE, datetime.now(UTC))
        write_report(
            report,
            out_dir=Path(out_dir),
            language="en",
            category_names=names,
            categorized=categorized,
            deduped=deduped,
        )
    return {"items": deduped.height, "stories": categorized.height, **clock.fields()}


def step_whole_run(job: dict[str, Any]) -> dict[str, Any]:
    """`news-pipeline run` over the corpus served from `hosts` loopback sites."""
    from benchmarks.real_run import whole_run

    corpus = _corpus(job)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-real-run-"))
    try:
        return whole_run(corpus, data_dir, job["hosts"])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


STEPS = {
    "real_extract_baseline": step_extract_baseline,
    "real_extract": step_extract,
    "real_dedupe": step_dedupe,
    "real_categorize": step_categorize,
    "real_render": step_render,
    "real_whole_run": step_whole_run,
}
