"""One measured step of the benchmark, run in a fresh process by benchmarks/run.py.

Each step runs alone in its own interpreter so that its peak RSS is not polluted by earlier
steps: `python -m benchmarks.stages '<json job>'` prints one JSON line with the step's
seconds, CPU seconds, item count and peak memory. Peak memory is sampled over the whole
process tree, the extraction pool's workers included (see measure.py), and cross-checked
with getrusage.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks import corpus, real_steps
from benchmarks.measure import Clock, PeakMemory


def _maxrss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _files(job: dict[str, Any], pages: bool = True) -> corpus.CorpusFiles:
    seed = job.get("seed", corpus.DEFAULT_SEED)
    return corpus.ensure_corpus(job["size"], seed, Path(job["cache_dir"]), pages=pages)


def _item_count(raw: pl.DataFrame) -> int:
    return raw.filter((pl.col("record_kind") == "item") & (pl.col("status") == "ok")).height


# ---- steps -------------------------------------------------------------------------------------


def step_extract(job: dict[str, Any]) -> dict[str, Any]:
    """clean_articles over the whole raw partition, one worker per core."""
    from news_pipeline.text import clean_articles, load_boilerplate_rules

    files = _files(job)
    raw = corpus.read_raw(files)
    rules = load_boilerplate_rules()
    workers = job.get("workers") or os.cpu_count() or 1
    with Clock() as clock:
        cleaned = clean_articles(raw, files.bodies, rules=rules, workers=workers)
    truth = corpus.read_truth(files)
    items = cleaned.filter(pl.col("record_kind") == "item")
    exact = items.join(truth.select("url", "text"), on="url", suffix="_truth").filter(
        pl.col("text") == pl.col("text_truth")
    )
    return {
        "items": _item_count(raw),
        **clock.fields(),
        "workers": workers,
        "text_exact_share": exact.height / max(1, items.height),
    }


def step_extract_baseline(job: dict[str, Any]) -> dict[str, Any]:
    """Plain `trafilatura.extract` in a single-process loop over (a sample of) the same pages,
    with `fast=True` (no readability/jusText fallbacks) if the job says so; pages are read
    before the clock starts. Quality: the share of pages whose extract holds every
    paragraph of the article as written."""
    import trafilatura

    files = _files(job)
    raw = corpus.read_raw(files).filter(pl.col("record_kind") == "item")
    sample = raw.head(job.get("sample") or raw.height)
    pages = [files.bodies.get(content_hash) for content_hash in sample["content_hash"]]
    truth = dict(corpus.read_truth(files).select("url", "text").iter_rows())
    texts = [truth[url] for url in sample["url"]]
    del raw
    fast = bool(job.get("fast"))
    with Clock() as clock:
        extracted = [trafilatura.extract(page, fast=fast) for page in pages]
    complete = sum(
        1
        for text, expected in zip(extracted, texts, strict=True)
        if text and all(paragraph in text for paragraph in expected.split("\n"))
    )
    return {
        "items": len(pages),
        **clock.fields(),
        "fast": fast,
        "with_text": sum(1 for text in extracted if text),
        "all_paragraphs_share": complete / max(1, len(pages)),
        "page_mib": sum(map(len, pages)) / 2**20,
    }


def _deduped_path(job: dict[str, Any]) -> Path:
    return Path(job["cache_dir"]) / f"deduped-v{corpus.GENERATOR_VERSION}-n{job['size']}.parquet"


def step_dedupe(job: dict[str, Any]) -> dict[str, Any]:
    """dedupe_articles over the articles' true texts (no previous days)."""
    from news_pipeline.stories import DedupeSettings, dedupe_articles

    truth = corpus.read_truth(_files(job, pages=False))
    cleaned = corpus.cleaned_from_truth(truth)
    with Clock() as clock:
        deduped = dedupe_articles(cleaned, pl.DataFrame(), DedupeSettings())
    deduped.write_parquet(_deduped_path(job))
    by_url = dict(zip(deduped["url"].to_list(), deduped["story_id"].to_list(), strict=True))
    predicted = [by_url.get(url) or f"alone:{url}" for url in truth["url"].to_list()]
    quality = corpus.pairwise_scores(truth["story"].to_list(), predicted)
    return {
        "items": truth.height,
        **clock.fields(),
        "stories": deduped["story_id"].n_unique(),
        **{f"pairwise_{name}": value for name, value in quality.items()},
    }


def step_dedupe_baseline(job: dict[str, Any]) -> dict[str, Any]:
    """A straightforward datasketch MinHashLSH over the same texts and shingles."""
    from benchmarks.baselines import datasketch_groups

    truth = corpus.read_truth(_files(job, pages=False))
    with Clock() as clock:
        timings, groups = datasketch_groups(truth["text"].to_list())
    quality = corpus.pairwise_scores(truth["story"].to_list(), groups)
    return {
        "items": truth.height,
        **clock.fields(),
        **{f"{name}_seconds": value for name, value in timings.items()},
        **{f"pairwise_{name}": value for name, value in quality.items()},
    }


def step_categorize(job: dict[str, Any]) -> dict[str, Any]:
    from news_pipeline.editorial import (
        CategorizeSettings,
        categorize_stories,
        load_taxonomy,
    )

    deduped = pl.read_parquet(_deduped_path(job))
    taxonomy = load_taxonomy()
    with Clock() as clock:
        categorized = categorize_stories(deduped, taxonomy, CategorizeSettings(), corpus.TIMEZONE)
    categorized.write_parquet(
        Path(job["cache_dir"]) / f"categorized-v{corpus.GENERATOR_VERSION}-n{job['size']}.parquet"
    )
    return {"items": deduped.height, "stories": categorized.height, **clock.fields()}


def step_render(job: dict[str, Any]) -> dict[str, Any]:
    from news_pipeline.editorial import load_taxonomy
    from news_pipeline.report import build_report, write_report

    deduped = pl.read_parquet(_deduped_path(job))
    categorized = pl.read_parquet(
        Path(job["cache_dir"]) / f"categorized-v{corpus.GENERATOR_VERSION}-n{job['size']}.parquet"
    )
    names = load_taxonomy().display_names()
    with tempfile.TemporaryDirectory() as out_dir, Clock() as clock:
        report = build_report(
            categorized, deduped, corpus.PARTITION_DAY, corpus.TIMEZONE, datetime.now(UTC)
        )
        write_report(
            report,
            out_dir=Path(out_dir),
            language="zh",
            category_names=names,
            categorized=categorized,
            deduped=deduped,
        )
    return {"items": deduped.height, "stories": categorized.height, **clock.fields()}


def step_dagster_seed(job: dict[str, Any]) -> dict[str, Any]:
    """Write the generated raw partition into a fresh DuckDB file through the IO manager."""
    from benchmarks.dagster_runs import seed_raw_partitions

    files = _files(job)
    tile = job.get("tile", 1)
    frame: Path | Callable[[], pl.DataFrame] = files.raw_path
    if tile > 1:
        frame = lambda: corpus.tiled_raw(corpus.read_raw(files), tile)  # noqa: E731
    with Clock() as clock:
        seed_raw_partitions(Path(job["data_dir"]), {corpus.PARTITION_DAY: frame}, files.bodies)
    return {"items": files.size * tile, **clock.fields()}


def step_dagster_e2e(job: dict[str, Any]) -> dict[str, Any]:
    """cleaned_articles -> daily_report (and their checks) for one partition through Dagster."""
    from benchmarks.dagster_runs import DOWNSTREAM, materialize_downstream

    result = materialize_downstream(
        Path(job["data_dir"]),
        [corpus.PARTITION_DAY.isoformat()],
        mode="single",
        asset_names=job.get("assets", DOWNSTREAM),
    )
    return {"items": job["size"] * job.get("tile", 1), **result}


def step_backfill(job: dict[str, Any]) -> dict[str, Any]:
    """A backfill of `days` demo-size partitions in one of three run layouts."""
    from benchmarks.dagster_runs import backfill

    first = date.fromisoformat(job["first_day"])
    days = [first + timedelta(days=offset) for offset in range(job["days"])]
    return backfill(Path(job["data_dir"]), days, job["items_per_day"], job["mode"])


STEPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "extract": step_extract,
    "extract_baseline": step_extract_baseline,
    "dedupe": step_dedupe,
    "dedupe_baseline": step_dedupe_baseline,
    "categorize": step_categorize,
    "render": step_render,
    "dagster_seed": step_dagster_seed,
    "dagster_e2e": step_dagster_e2e,
    "backfill": step_backfill,
    **real_steps.STEPS,
}


def main(argv: list[str]) -> None:
    job = json.loads(argv[0])
    with PeakMemory() as memory:
        result = STEPS[job["step"]](job)
    result["peak_rss_tree_mib"] = memory.peak_rss_bytes / 2**20
    result["peak_pss_tree_mib"] = memory.peak_pss_bytes / 2**20
    result["maxrss_self_mib"] = _maxrss_mib(resource.RUSAGE_SELF)
    result["maxrss_largest_child_mib"] = _maxrss_mib(resource.RUSAGE_CHILDREN)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
