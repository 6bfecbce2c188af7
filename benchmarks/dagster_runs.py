"""Runs of the real asset graph through Dagster for the benchmark: a real DuckDB file, a real
(SQLite) instance, the project's IO manager and resources.

The raw_articles partitions are written first by a stand-in asset with the same key and the
same IO manager, so the stored table is exactly what the fetching asset would have written;
then the four downstream assets and their checks are materialized with raw_articles loaded
from DuckDB. This keeps HTTP out of the measurement (the fetch benchmark covers it) while
the IO manager, the checks and the run machinery are all on the clock.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetSelection,
    DagsterInstance,
    ExecuteInProcessResult,
    asset,
    materialize,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from benchmarks import corpus
from benchmarks.measure import TREE_CPU
from news_pipeline.defs import build_defs
from news_pipeline.fetch import BodyStore

DOWNSTREAM = ("cleaned_articles", "deduped_stories", "categorized_items", "daily_report")
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

FrameSource = Path | Callable[[], pl.DataFrame]


def instance_for(data_dir: Path) -> DagsterInstance:
    """A persistent SQLite instance under the data dir, as `news-pipeline run` makes one."""
    home = data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    return DagsterInstance.from_config(str(home))


def _range_tags(keys: Sequence[str]) -> dict[str, str]:
    return {ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]}


def _run(
    assets: Sequence[Any],
    data_dir: Path,
    instance: DagsterInstance,
    keys: Sequence[str],
    selection: AssetSelection | None = None,
) -> ExecuteInProcessResult:
    """One run over one partition, or over a range of partitions (a single-run backfill)."""
    single = len(keys) == 1
    return materialize(
        assets,
        partition_key=keys[0] if single else None,
        tags=None if single else _range_tags(keys),
        resources=build_defs(None, data_dir).resources,
        instance=instance,
        selection=selection,
        run_config=QUIET,
    )


def seed_raw_partitions(
    data_dir: Path, frames: Mapping[date, FrameSource], bodies: BodyStore | None = None
) -> None:
    """Store raw_articles for consecutive days in one run of a stand-in asset. `bodies`, the
    store the frames' pages are in, becomes the data dir's body store (a symlink) unless the
    frames wrote their pages there themselves."""

    partitions = build_defs(None, data_dir).resolve_job_def("daily_report_job").partitions_def

    @asset(
        name="raw_articles",
        partitions_def=partitions,
        metadata={"partition_expr": "partition_date"},
    )
    def raw_articles_stand_in(context: AssetExecutionContext) -> pl.DataFrame:
        parts = []
        for key in context.partition_keys:
            source = frames[date.fromisoformat(key)]
            parts.append(pl.read_parquet(source) if isinstance(source, Path) else source())
        return pl.concat(parts)

    data_dir.mkdir(parents=True, exist_ok=True)
    if bodies is not None:
        (data_dir / "bodies").symlink_to(bodies.root.resolve(), target_is_directory=True)
    keys = [day.isoformat() for day in sorted(frames)]
    _run([raw_articles_stand_in], data_dir, instance_for(data_dir), keys)


def _summarise(results: Sequence[ExecuteInProcessResult]) -> dict[str, Any]:
    """Step durations, in-asset compute seconds (the assets' `seconds` metadata) and checks."""
    step_seconds: dict[str, float] = {}
    asset_seconds: dict[str, float] = {}
    failed_checks: list[str] = []
    for result in results:
        for event in result.all_events:
            if event.is_step_success:
                duration = event.event_specific_data.duration_ms / 1000
                step_seconds[event.step_key] = step_seconds.get(event.step_key, 0.0) + duration
        for key in DOWNSTREAM:
            # a range run records one materialization per partition, all with the seconds
            # of the one computation: count it once per run
            materializations = result.asset_materializations_for_node(key)
            seconds = materializations[0].metadata.get("seconds") if materializations else None
            if seconds is not None:
                asset_seconds[key] = asset_seconds.get(key, 0.0) + float(seconds.value)
        failed_checks += [
            e.check_name for e in result.get_asset_check_evaluations() if not e.passed
        ]
    return {
        "step_seconds": step_seconds,
        "asset_seconds": asset_seconds,
        "failed_checks": sorted(set(failed_checks)),
    }


def materialize_downstream(
    data_dir: Path,
    keys: Sequence[str],
    mode: str,
    run_size: int = 7,
    asset_names: Sequence[str] = DOWNSTREAM,
) -> dict[str, Any]:
    """cleaned_articles -> daily_report over `keys`: `single` (one run per partition),
    `range` (one run for all) or `chunked` (runs of `run_size` consecutive partitions).
    `asset_names` narrows the selection (e.g. cleaned_articles alone for its memory)."""
    instance = instance_for(data_dir)
    defs = build_defs(None, data_dir)
    assets: list[Any] = [*defs.assets, *defs.asset_checks]
    if mode == "single":
        groups = [[key] for key in keys]
    elif mode == "range":
        groups = [list(keys)]
    else:
        groups = [list(keys[i : i + run_size]) for i in range(0, len(keys), run_size)]
    selection = AssetSelection.assets(*asset_names)
    results = []
    run_seconds = []
    started, cpu_started = time.perf_counter(), TREE_CPU.total()
    for group in groups:
        run_started = time.perf_counter()
        results.append(_run(assets, data_dir, instance, group, selection))
        run_seconds.append(time.perf_counter() - run_started)
    wall = time.perf_counter() - started
    cpu = TREE_CPU.total() - cpu_started
    summary = _summarise(results)
    work = sum(summary["asset_seconds"].values())
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "runs": len(groups),
        "run_seconds": run_seconds,
        "partitions": len(keys),
        "work_seconds": work,
        "overhead_seconds": wall - work,
        "overhead_per_partition": (wall - work) / len(keys),
        **summary,
    }


def demo_size_day(day: date, items: int, bodies: BodyStore) -> pl.DataFrame:
    """A raw_articles partition of `items` generated pages (plus the feed rows) for `day`."""
    seed = corpus.DEFAULT_SEED + day.toordinal()
    raw, _truth = corpus.generate_chunk(corpus.plan_corpus(items, seed), seed, bodies)
    assert raw is not None
    feeds = pl.DataFrame(corpus.feed_rows(seed), schema=raw.schema)
    shift = timedelta(days=(day - corpus.PARTITION_DAY).days)
    return pl.concat([feeds, raw]).with_columns(
        pl.lit(day).alias("partition_date"),
        pl.col("published_at") + shift,
        pl.col("fetched_at") + shift,
    )


def backfill(data_dir: Path, days: Sequence[date], items_per_day: int, mode: str) -> dict[str, Any]:
    """Seed `days` of demo-size raw partitions, then time the downstream backfill."""
    bodies = BodyStore(data_dir / "bodies")
    frames = {day: (lambda day=day: demo_size_day(day, items_per_day, bodies)) for day in days}
    seed_raw_partitions(data_dir, frames)
    keys = [day.isoformat() for day in days]
    return {
        "mode": mode,
        "items": items_per_day * len(days),
        **materialize_downstream(data_dir, keys, mode),
    }
