"""cleaned_articles: raw page bytes -> clean article text with metadata, language and script.

One output row per raw row (architecture.md "Row flow"): feed rows pass through so a dead feed
reaches the report, failed fetches carry their reason, and items whose page and feed both
yield nothing are excluded as `no_text` (see extraction.py for one page). Extraction runs in
a process pool over chunks of tasks that name their body's file in the BodyStore: each worker
reads only the page it is working on, so a large partition is never pickled or held in
memory as a whole.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import polars as pl

from news_pipeline.fetch.body_store import BodyStore
from news_pipeline.forking import main_module_hidden
from news_pipeline.progress import ProgressReporter, no_progress
from news_pipeline.schema import (
    CLEANED_ARTICLES_SCHEMA,
    RAW_ARTICLES_SCHEMA,
    REASON_DUPLICATE_URL,
    REASON_FETCH_FAILED,
    REASON_NO_TEXT,
    REASON_OUT_OF_WINDOW,
    RECORD_FEED,
    STATUS_DUPLICATE_GUID,
    STATUS_OK,
    STATUS_OUT_OF_WINDOW,
    conform,
    empty_frame,
)
from news_pipeline.text import extraction
from news_pipeline.text.boilerplate import BoilerplateRules, load_boilerplate_rules
from news_pipeline.text.extraction import PageResult, PageTask, process_page

PUBLISHED_AT_FROM_PAGE = "page"

# ---- process pool -----------------------------------------------------------------------

MAX_CHUNK_PAGES = 32
# Rows of raw_articles turned into tasks at once: bounds the results in flight while the
# pool stays busy.
BATCH_ROWS = 2000


def worker_context() -> multiprocessing.context.BaseContext:
    """Workers come from a forkserver that has imported the extraction module once: forking
    the asset's own process instead would copy whatever locks its threads (Dagster's, polars')
    hold at that moment, and spawning would re-import trafilatura in every worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([extraction.__name__])
    return context


def _chunks(tasks: list[PageTask], size: int) -> Iterator[list[PageTask]]:
    for start in range(0, len(tasks), size):
        yield tasks[start : start + size]


@dataclass
class PageCount:
    """Pages finished so far over a partition's batches, reported as they finish; a page
    fails when it ends `no_text`."""

    total: int
    report: ProgressReporter = no_progress
    done: int = 0
    failed: int = 0

    def add(self, results: Iterable[PageResult]) -> None:
        for result in results:
            self.done += 1
            self.failed += result.excluded_reason == REASON_NO_TEXT
        self.report(self.done, self.total, self.failed)


class PageRunner:
    """Runs page tasks, in this process or in one pool kept for a whole partition.

    Workers read their pages from the body store; a batch's results come back as soon as
    its chunks are done, so the caller holds one batch at a time.
    """

    def __init__(self, rules: BoilerplateRules, workers: int, count: PageCount) -> None:
        self.rules = rules
        self.workers = max(1, workers)
        self.count = count
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PageRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def run(self, tasks: list[PageTask]) -> dict[int, PageResult]:
        results: dict[int, PageResult] = {}
        if self.workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                results[task.index] = process_page(task, self.rules)
                self.count.add([results[task.index]])
            return results
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=worker_context(),
                initializer=extraction.init_worker,
                initargs=(self.rules,),
            )
        # Several chunks per worker balance uneven pages; a cap keeps memory per chunk small.
        chunk_size = max(1, min(MAX_CHUNK_PAGES, math.ceil(len(tasks) / (self.workers * 4))))
        with main_module_hidden():  # workers start as chunks are submitted
            futures = [
                self._pool.submit(extraction.process_chunk, chunk)
                for chunk in _chunks(tasks, chunk_size)
            ]
        try:
            for future in as_completed(futures):
                chunk_results = future.result()
                results.update(chunk_results)
                self.count.add(result for _, result in chunk_results)
        finally:
            for future in futures:
                future.cancel()
        return results


# ---- the stage --------------------------------------------------------------------------


def article_id(source: str | None, url: str | None) -> str:
    """Stable short id of (source, url): the same listing gets the same id every run."""
    digest = hashlib.sha256(f"{source or ''}\n{url or ''}".encode()).hexdigest()
    return digest[:16]


def _failure_detail(row: Mapping[str, Any]) -> str:
    parts = [f"status={row['status'] or 'missing'}"]
    if row["http_status"] is not None:
        parts.append(f"http_status={row['http_status']}")
    if row["error"]:
        parts.append(f"error={row['error']}")
    return " ".join(parts)


# The rows _clean_batch makes a page task of.
_IS_PAGE = pl.col("status").eq_missing(STATUS_OK) & pl.col("record_kind").ne_missing(RECORD_FEED)

_RESULT_COLUMNS = (
    "listed_title",
    "title",
    "author",
    "description",
    "site_name",
    "page_canonical_url",
    "text",
    "text_source",
    "language",
    "script",
    "mojibake_repaired",
    "excluded_reason",
    "excluded_detail",
)


def clean_articles(
    raw: pl.DataFrame,
    bodies: BodyStore,
    rules: BoilerplateRules | None = None,
    workers: int = 1,
    progress: ProgressReporter = no_progress,
) -> pl.DataFrame:
    """raw_articles -> cleaned_articles, one row per raw row, in input order.

    Rows go to the workers in batches with one process pool for all of them, so only a
    batch's results are in flight; the bodies are read from `bodies` inside the workers.
    `progress` hears of the pages (ok item rows) as they finish, `no_text` ones as failed.
    """
    if raw.width == 0 or raw.height == 0:
        progress(0, 0, 0)
        return empty_frame(CLEANED_ARTICLES_SCHEMA)
    raw = conform(raw, RAW_ARTICLES_SCHEMA)
    rules = rules or load_boilerplate_rules()
    count = PageCount(raw.filter(_IS_PAGE).height, progress)
    progress(0, count.total, 0)
    with PageRunner(rules, workers, count) as runner:
        outputs = [
            _clean_batch(raw.slice(start, BATCH_ROWS), bodies, runner)
            for start in range(0, raw.height, BATCH_ROWS)
        ]
    return pl.concat(outputs)


def _clean_batch(raw: pl.DataFrame, bodies: BodyStore, runner: PageRunner) -> pl.DataFrame:
    tasks: list[PageTask] = []
    derived: list[dict[str, Any]] = []
    for index, row in enumerate(raw.iter_rows(named=True)):
        is_feed = row["record_kind"] == RECORD_FEED
        entry: dict[str, Any] = dict.fromkeys(_RESULT_COLUMNS)
        entry["article_id"] = article_id(row["source"], row["url"] or row["feed_url"])
        entry["mojibake_repaired"] = False
        entry["page_published_at"] = None
        entry["listed_title"] = row["listed_title"]  # a page's worker repairs it
        if row["status"] == STATUS_OUT_OF_WINDOW:
            entry["excluded_reason"] = REASON_OUT_OF_WINDOW
            entry["excluded_detail"] = row["error"] or "published outside the partition's window"
        elif row["status"] == STATUS_DUPLICATE_GUID:
            entry["excluded_reason"] = REASON_DUPLICATE_URL
            entry["excluded_detail"] = row["error"]  # the kept item's URL
        elif row["status"] != STATUS_OK:
            entry["excluded_reason"] = REASON_FETCH_FAILED
            entry["excluded_detail"] = _failure_detail(row)
        elif not is_feed:
            tasks.append(
                PageTask(
                    index=index,
                    body_path=(
                        str(bodies.path_for(row["content_hash"])) if row["content_hash"] else None
                    ),
                    declared_charset=row["declared_charset"],
                    url=row["url"],
                    final_url=row["final_url"],
                    source=row["source"],
                    source_language=row["source_language"],
                    listed_title=row["listed_title"],
                    listed_summary=row["listed_summary"],
                    wants_page_date=row["published_at"] is None,
                )
            )
        derived.append(entry)

    for index, result in runner.run(tasks).items():
        derived[index].update(result._asdict())
    del tasks

    computed = pl.DataFrame(
        {
            "article_id": [entry["article_id"] for entry in derived],
            **{name: [entry[name] for entry in derived] for name in _RESULT_COLUMNS},
            "page_published_at": [entry["page_published_at"] for entry in derived],
        },
        schema={
            "article_id": pl.String(),
            **{name: CLEANED_ARTICLES_SCHEMA[name] for name in _RESULT_COLUMNS},
            "page_published_at": pl.Datetime("us"),
        },
    )
    combined = pl.concat([raw.drop("listed_title"), computed], how="horizontal")
    use_page_date = pl.col("published_at").is_null() & pl.col("page_published_at").is_not_null()
    return combined.with_columns(
        published_at_source=pl.when(use_page_date)
        .then(pl.lit(PUBLISHED_AT_FROM_PAGE))
        .otherwise(pl.col("published_at_source")),
        published_at=pl.coalesce("published_at", "page_published_at"),
        text_chars=pl.col("text").str.len_chars().cast(pl.Int64),
    ).select([pl.col(name).cast(dtype) for name, dtype in CLEANED_ARTICLES_SCHEMA.items()])
