"""The categorized_items stage: one row per story of `deduped_stories`.

Input is `deduped_stories` (one row per article); output is `categorized_items`, one row per
story, in the columns of `schema.CATEGORIZED_ITEMS_SCHEMA`. Per story: the lead article, its
category and AI relevance (`categories`), importance (`importance`), an extractive summary of
its articles (`summaries`) and key facts (`key_facts`); then tiers per day. Sentences that
several stories of one day share (site furniture) stay out of summaries and key facts.
Everything is deterministic and offline.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import polars as pl

from news_pipeline import schema
from news_pipeline.editorial.categories import BODY_CHARS_FOR_MATCHING, classify_story
from news_pipeline.editorial.furniture import DaySentences
from news_pipeline.editorial.importance import assign_tiers, story_importance
from news_pipeline.editorial.key_facts import story_key_facts
from news_pipeline.editorial.settings import CategorizeSettings
from news_pipeline.editorial.summaries import summarize_story
from news_pipeline.editorial.taxonomy import Taxonomy
from news_pipeline.forking import default_signal_handling
from news_pipeline.progress import ProgressReporter, no_progress

__all__ = ["categorize_stories"]


def _pick_lead(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The row dedupe marked as lead; failing that the earliest, then smallest article_id."""

    def key(row: dict[str, Any]) -> tuple[bool, bool, datetime, str]:
        published = row.get("published_at")
        return (
            not bool(row.get("is_lead")),
            published is None,
            published or datetime.max,
            row.get("article_id") or "",
        )

    return min(rows, key=key)


def _row_text(row: dict[str, Any]) -> str:
    return row.get("text") or row.get("description") or ""


def _row_title(row: dict[str, Any]) -> str:
    return row.get("title") or row.get("listed_title") or ""


def _language_of(row: dict[str, Any]) -> str:
    """Language and script ("zh-hant"): Taiwanese and mainland reports are two languages."""
    language = row.get("language") or ""
    return f"{language}-{row['script']}" if language == "zh" and row.get("script") else language


def _categorize_one(
    rows: list[dict[str, Any]],
    taxonomy: Taxonomy,
    settings: CategorizeSettings,
    timezone: str,
    sentences: DaySentences,
) -> dict[str, Any]:
    """The categorized_items row of one story, from its article rows."""
    lead = _pick_lead(rows)
    others = sorted(
        (row for row in rows if row is not lead),
        key=lambda row: (row.get("article_id") or "", row.get("url") or ""),
    )
    title = _row_title(lead)
    lead_text = _row_text(lead)
    classification = classify_story(
        title, lead_text, taxonomy, settings, other_titles=[_row_title(row) for row in others]
    )

    source_weights: dict[str, float] = {}
    for row in rows:
        source = row.get("source") or ""
        weight = row.get("source_weight")
        weight = 1.0 if weight is None else float(weight)
        source_weights[source] = max(weight, source_weights.get(source, 0.0))
    importance = story_importance(
        taxonomy.matcher(),
        title,
        lead_text[:BODY_CHARS_FOR_MATCHING],
        source_weights,
        published_at=lead.get("published_at"),
        day=lead["partition_date"],
        timezone=timezone,
        text_chars=len(lead_text),
        languages=len({_language_of(row) for row in rows}),
        follow_ups=len(rows) - len(source_weights),
    )

    other_texts = [sentences.without_furniture(row, _row_text(row)) for row in others]
    clean_lead_text = sentences.without_furniture(lead, lead_text)
    language = lead.get("language") or ""
    summary = summarize_story(
        clean_lead_text,
        other_texts,
        language,
        budget_chars=settings.summary_budget_chars,
        budget_words=settings.summary_budget_words,
        titles=[title, *(_row_title(row) for row in others)],
        split=sentences.split,
    )
    key_facts = story_key_facts(
        clean_lead_text, other_texts, language, settings.max_key_facts, split=sentences.split
    )

    return {
        "partition_date": lead["partition_date"],
        "story_id": lead["story_id"],
        "title": title,
        "url": lead.get("canonical_url") or lead.get("url"),
        "lead_article_id": lead.get("article_id"),
        "source": lead.get("source"),
        "published_at": lead.get("published_at"),
        "language": lead.get("language"),
        "category": classification.category,
        "category_evidence": classification.evidence,
        "ai_relevance": classification.ai_relevance,
        "off_topic": classification.off_topic,
        "importance": importance,
        "tier": None,
        "summary": summary,
        "key_facts": key_facts,
        "source_count": len(source_weights),
        "article_count": len(rows),
        "continues_story_id": lead.get("continues_story_id"),
        "continues_partition_date": lead.get("continues_partition_date"),
    }


def categorize_stories(
    deduped: pl.DataFrame,
    taxonomy: Taxonomy,
    settings: CategorizeSettings | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
    progress: ProgressReporter = no_progress,
) -> pl.DataFrame:
    """One categorized row per story of `deduped_stories` (any number of partition dates).

    Rows still eligible (no `excluded_reason`, a `story_id`) are grouped by
    (partition_date, story_id). Output rows are ordered by date, then importance (highest
    first), then story_id. `progress` hears (done, total, 0) as each story is finished, and
    (0, 0, 0) once when there is none.
    """
    settings = settings or CategorizeSettings()
    frame = schema.conform(deduped, schema.DEDUPED_STORIES_SCHEMA)
    eligible = frame.filter(
        pl.col("excluded_reason").is_null()
        & pl.col("story_id").is_not_null()
        & pl.col("partition_date").is_not_null()
    )
    groups: dict[tuple[date, str], list[dict[str, Any]]] = defaultdict(list)
    for row in eligible.iter_rows(named=True):
        groups[(row["partition_date"], row["story_id"])].append(row)
    sentences = DaySentences(groups.items(), _row_text)
    total = len(groups)
    items: list[dict[str, Any]] = []
    stories = [groups[key] for key in sorted(groups)]
    for done in _categorized(stories, taxonomy, settings, timezone, sentences):
        items.extend(done)
        progress(len(items), total, 0)
    if not total:
        progress(0, 0, 0)
    assign_tiers(items, settings)
    items.sort(key=lambda item: (item["partition_date"], -item["importance"], item["story_id"]))
    if not items:
        return schema.empty_frame(schema.CATEGORIZED_ITEMS_SCHEMA)
    result = pl.DataFrame(items, schema=schema.CATEGORIZED_ITEMS_SCHEMA)
    return schema.conform(result, schema.CATEGORIZED_ITEMS_SCHEMA)


# Stories are categorized in forked worker processes once a day has this many: below it the
# fork and the workers' cold caches cost more than they save.
PARALLEL_MIN_STORIES = 200
_MAX_WORKERS = 4
_WARM_UP_SHARE = 0.05  # of the stories, categorized first in this process (caches the forks share)
_CHUNKS_PER_WORKER = 4
_WORK: tuple[Any, ...] = ()  # what forked workers read: set just before the fork
_FORK_LOCK = threading.Lock()


def _categorized(
    stories: list[list[dict[str, Any]]],
    taxonomy: Taxonomy,
    settings: CategorizeSettings,
    timezone: str,
    sentences: DaySentences,
) -> Iterator[list[dict[str, Any]]]:
    """The items of the stories, in order, a batch at a time. Categorizing a story is pure
    Python and takes milliseconds, so a large day is split between forked workers, one per
    core (865 real stories on 2 cores: 2.6 s -> about 1.6 s). The workers are forked, not
    spawned: they inherit the taxonomy, the day's sentences and the caches this process
    warmed on the first stories, and they run no polars (whose thread pool a fork leaves
    behind)."""
    global _WORK
    workers = worker_count()
    if workers < 2 or len(stories) < PARALLEL_MIN_STORIES:
        for rows in stories:
            yield [_categorize_one(rows, taxonomy, settings, timezone, sentences)]
        return
    warm = max(1, int(len(stories) * _WARM_UP_SHARE))
    yield [
        _categorize_one(rows, taxonomy, settings, timezone, sentences) for rows in stories[:warm]
    ]
    rest = len(stories) - warm
    size = -(-rest // (workers * _CHUNKS_PER_WORKER))
    chunks = [(start, min(start + size, len(stories))) for start in range(warm, len(stories), size)]
    with _FORK_LOCK:  # the workers are forked here, each with this _WORK
        _WORK = (stories, taxonomy, settings, timezone, sentences)
        # the workers' garbage collector leaves the inherited objects alone, so it does not
        # copy their pages (copy-on-write) by touching them
        gc.freeze()
        try:
            pool = multiprocessing.get_context("fork").Pool(
                workers, initializer=default_signal_handling
            )
        finally:
            gc.unfreeze()
            _WORK = ()
    with pool:
        yield from pool.imap(_categorize_chunk, chunks)
        # the workers leave on their own; terminate (on the way out of `with`) only kills
        # what is left after an error
        pool.close()
        pool.join()


def worker_count() -> int:
    """Processes that categorize a large day: one per core this process may use; one (no
    workers) where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    usable = (
        os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    )
    return min(len(usable), _MAX_WORKERS)


def _categorize_chunk(bounds: tuple[int, int]) -> list[dict[str, Any]]:
    stories, taxonomy, settings, timezone, sentences = _WORK
    start, end = bounds
    return [
        _categorize_one(rows, taxonomy, settings, timezone, sentences)
        for rows in stories[start:end]
    ]
