"""Benchmark of every stage against its obvious alternative, measured in the same run.

    python -m benchmarks.run                       # 1k and 10k articles, 30-day backfill
    python -m benchmarks.run --sizes 100000        # opt-in: 100k (extraction alone ~20 min)
    python -m benchmarks.run --sizes 1000 --stages dedupe,categorize
    python -m benchmarks.run --corpus real --real-pages <trafilatura clone> --repeat 3

Synthetic corpora (benchmarks/corpus.py) are generated once per size and cached outside the
repository; the real pages (real_bench.py) are trafilatura's evaluation set. Every measured
step runs in a fresh subprocess (benchmarks/stages.py) so its peak memory is its own:
cleaned_articles against a plain single-process `trafilatura.extract` loop (and fast=True);
deduped_stories against datasketch MinHashLSH (pairwise P/R/F1 on the story labels);
categorized_items and daily_report; the four downstream assets through Dagster against the
sum of the stage times; a backfill in three run layouts; opt-in `memory` (each asset's step
in its own process; `--tile-from N` lists a corpus's pages again to reach larger sizes) and,
for the real pages, `run` (one `news-pipeline run` against 20 loopback sites).

Results go to benchmarks/results/<timestamp>.json and latest.json (latest-real.json for a
real-pages-only run); the Markdown tables printed at the end are the README's Performance
section. benchmarks/README.md has the details.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks import corpus, real_bench, real_pages

REPOSITORY = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
STAGES = ("extract", "dedupe", "categorize", "render", "dagster", "memory", "run")
DEFAULT_STAGES = ("extract", "dedupe", "categorize", "render", "dagster")
# `run` (the whole pipeline over served pages) is for the real corpus only.
REAL_DEFAULT_STAGES = ("extract", "dedupe", "categorize", "render", "run")
# The memory stage materializes one asset per process, as Dagster's multiprocess executor
# (the job's default) runs each step.
ASSET_STEPS = ("cleaned_articles", "deduped_stories", "categorized_items", "daily_report")
PACKAGES = ("trafilatura", "datasketch", "rensa", "dagster", "polars", "duckdb")
BACKFILL_MODES = ("single", "chunked", "range")
BACKFILL_FIRST_DAY = "2026-01-05"


def run_step(job: dict[str, Any]) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its last stdout line is the result."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.stages", json.dumps(job)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        tail = completed.stderr.strip().splitlines()[-5:]
        print(f"  {job['step']}: FAILED ({' / '.join(tail)})", flush=True)
        return {"error": "\n".join(tail), "process_seconds": wall}
    result = json.loads(lines[-1])
    result["process_seconds"] = wall
    result["load_before"] = load_before
    result["load_after"] = os.getloadavg()[0]
    print(
        f"  {job['step']:<17} {result.get('seconds', 0):8.2f}s  "
        f"cpu {result.get('cpu_seconds', 0):8.2f}s  peak PSS {result['peak_pss_tree_mib']:6.0f} "
        f"MiB (RSS {result['peak_rss_tree_mib']:6.0f})  load {load_before:.1f}",
        flush=True,
    )
    return result


def bench_size(size: int, arguments: argparse.Namespace, cache_dir: Path) -> dict[str, Any]:
    print(f"[{size} articles]", flush=True)
    stages = set(arguments.stages)
    if arguments.tile_from and size > arguments.tile_from:
        if stages != {"memory"}:
            raise SystemExit("--tile-from sizes are for the memory stage alone")
        return {"memory": bench_memory(size, arguments, cache_dir)}
    started = time.perf_counter()
    pages = bool(stages & {"extract", "dagster", "memory"})
    files = corpus.ensure_corpus(size, arguments.seed, cache_dir, pages=pages)
    generation = time.perf_counter() - started
    print(f"  corpus ready in {generation:.1f}s: {files.truth_path.parent}", flush=True)
    base = {"size": size, "seed": arguments.seed, "cache_dir": str(cache_dir)}
    steps: dict[str, Any] = {"corpus_seconds": generation}
    if "extract" in stages:
        sample = min(size, arguments.baseline_sample)
        steps["extract_baseline"] = run_step({**base, "step": "extract_baseline", "sample": sample})
        steps["extract_fast_baseline"] = run_step(
            {**base, "step": "extract_baseline", "sample": sample, "fast": True}
        )
        steps["extract"] = run_step({**base, "step": "extract"})
    if stages & {"dedupe", "categorize", "render"}:
        steps["dedupe"] = run_step({**base, "step": "dedupe"})
    if "dedupe" in stages and not arguments.skip_dedupe_baseline:
        steps["dedupe_baseline"] = run_step({**base, "step": "dedupe_baseline"})
    if stages & {"categorize", "render"}:
        steps["categorize"] = run_step({**base, "step": "categorize"})
    if "render" in stages:
        steps["render"] = run_step({**base, "step": "render"})
    if "dagster" in stages:
        data_dir = Path(tempfile.mkdtemp(prefix=f"bench-dagster-{size}-"))
        try:
            job = {**base, "data_dir": str(data_dir)}
            steps["dagster_seed"] = run_step({**job, "step": "dagster_seed"})
            steps["dagster_e2e"] = run_step({**job, "step": "dagster_e2e"})
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    if "memory" in stages:
        steps["memory"] = bench_memory(size, arguments, cache_dir)
    return steps


def bench_memory(size: int, arguments: argparse.Namespace, cache_dir: Path) -> dict[str, Any]:
    """Seed one raw partition of `size` articles, then materialize each downstream asset in
    a fresh process and record its peak memory."""
    corpus_size = size
    if arguments.tile_from and size > arguments.tile_from:
        corpus_size = arguments.tile_from
        if size % corpus_size:
            raise SystemExit(f"{size} is not a multiple of --tile-from {corpus_size}")
    corpus.ensure_corpus(corpus_size, arguments.seed, cache_dir, pages=True)
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-memory-{size}-"))
    job = {
        "size": corpus_size,
        "tile": size // corpus_size,
        "seed": arguments.seed,
        "cache_dir": str(cache_dir),
        "data_dir": str(data_dir),
    }
    try:
        steps = {"raw_articles (seeded)": run_step({**job, "step": "dagster_seed"})}
        for name in ASSET_STEPS:
            steps[name] = run_step({**job, "step": "dagster_e2e", "assets": [name]})
        # All four again in one process, as `news-pipeline run` (execute_in_process) does.
        steps["one_process"] = run_step({**job, "step": "dagster_e2e"})
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"tiled_from": corpus_size if corpus_size != size else None, "steps": steps}


def bench_backfill(arguments: argparse.Namespace, cache_dir: Path) -> dict[str, Any]:
    print(f"[backfill: {arguments.backfill_days} days x {arguments.items_per_day} items]")
    results = {}
    for mode in BACKFILL_MODES:
        data_dir = Path(tempfile.mkdtemp(prefix=f"bench-backfill-{mode}-"))
        try:
            results[mode] = run_step(
                {
                    "step": "backfill",
                    "mode": mode,
                    "days": arguments.backfill_days,
                    "items_per_day": arguments.items_per_day,
                    "first_day": BACKFILL_FIRST_DAY,
                    "cache_dir": str(cache_dir),
                    "data_dir": str(data_dir),
                }
            )
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    return results


# ---- tables ------------------------------------------------------------------------------------


def _rate(step: dict[str, Any] | None) -> float | None:
    if not step or "error" in step or not step.get("seconds"):
        return None
    return step["items"] / step["seconds"]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _mib(step: dict[str, Any] | None) -> str:
    """Peak PSS of the process tree, with the RSS sum (shared pages counted per process)."""
    if not step or "error" in step:
        return "-"
    return f"{step['peak_pss_tree_mib']:,.0f} ({step['peak_rss_tree_mib']:,.0f})"


def _cpu_per_item(step: dict[str, Any] | None) -> float | None:
    if not step or "error" in step or not step.get("cpu_seconds"):
        return None
    return step["cpu_seconds"] / step["items"]


def stage_table(size: int, steps: dict[str, Any]) -> str:
    rows = [
        f"**{size:,} articles**",
        "",
        "| stage | seconds | items/s | CPU ms/item | peak PSS (RSS) MiB | baseline "
        "| baseline items/s | baseline CPU ms/item | baseline peak PSS (RSS) MiB "
        "| ratio, wall | ratio, CPU/item |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    pairs = (
        ("cleaned_articles", "extract", "extract_baseline", "plain trafilatura loop, 1 process"),
        ("deduped_stories", "dedupe", "dedupe_baseline", "datasketch MinHashLSH"),
        ("categorized_items", "categorize", None, ""),
        ("daily_report", "render", None, ""),
    )
    for label, key, baseline_key, baseline_name in pairs:
        step = steps.get(key)
        if not step:
            continue
        baseline = steps.get(baseline_key) if baseline_key else None
        ours, theirs = _rate(step), _rate(baseline)
        ratio = f"{ours / theirs:.2f}x" if ours and theirs else "-"
        our_cpu, their_cpu = _cpu_per_item(step), _cpu_per_item(baseline)
        cpu_ratio = f"{their_cpu / our_cpu:.2f}x" if our_cpu and their_cpu else "-"
        if baseline and "error" not in baseline and baseline["items"] < size:
            baseline_name += f" ({baseline['items']:,}-page sample)"
        rows.append(
            f"| {label} | {_fmt(step.get('seconds'), 2)} | {_fmt(ours)} "
            f"| {_fmt(our_cpu and our_cpu * 1000, 2)} | {_mib(step)} | {baseline_name} "
            f"| {_fmt(theirs)} | {_fmt(their_cpu and their_cpu * 1000, 2)} | {_mib(baseline)} "
            f"| {ratio} | {cpu_ratio} |"
        )
    extra = _quality_lines(steps)
    return "\n".join(rows + extra)


def _quality_lines(steps: dict[str, Any]) -> list[str]:
    lines = []
    for key, name in (("dedupe", "dedupe"), ("dedupe_baseline", "datasketch")):
        step = steps.get(key)
        if step and "error" not in step:
            lines.append(
                f"{name}: pairwise precision {step['pairwise_precision']:.3f}, "
                f"recall {step['pairwise_recall']:.3f}, F1 {step['pairwise_f1']:.3f} "
                "against the corpus's story labels"
            )
    plain, fast = steps.get("extract_baseline"), steps.get("extract_fast_baseline")
    if plain and fast and "error" not in plain and "error" not in fast:
        lines.append(
            f"faster extractor candidate: `trafilatura.extract(fast=True)` "
            f"{_fmt(_rate(fast))} pages/s, every paragraph kept on "
            f"{fast['all_paragraphs_share']:.1%} of pages; the default "
            f"{_fmt(_rate(plain))} pages/s, {plain['all_paragraphs_share']:.1%}"
        )
    extract = steps.get("extract")
    if extract and "error" not in extract:
        lines.append(
            f"extraction: {extract['text_exact_share']:.1%} of pages give exactly the "
            f"article text written ({extract['workers']} workers)"
        )
        ours, theirs = _cpu_per_item(extract), _cpu_per_item(steps.get("extract_baseline"))
        if ours and theirs:
            lines.append(
                f"extraction on {extract['workers']} idle cores, projected from CPU time per "
                f"page: {extract['workers'] * theirs / ours:.2f}x the plain loop (the wall-clock "
                "ratio above depends on what else ran on the machine)"
            )
    return ["", *lines] if lines else []


def scaling_table(results: dict[int, dict[str, Any]]) -> str:
    """Wall seconds (CPU seconds) per stage and size; growth from CPU, which load moves less."""
    sizes = sorted(results)
    header = "| stage | " + " | ".join(f"{size:,}: s (CPU s)" for size in sizes) + " | growth |"
    rows = [header, "|---|" + "---:|" * (len(sizes) + 1)]
    keys = ("extract", "dedupe", "dedupe_baseline", "categorize", "render", "dagster_e2e")
    for key in keys:
        steps = [results[size].get(key) or {} for size in sizes]
        if not any("seconds" in step for step in steps):
            continue
        cpu = [step.get("cpu_seconds") for step in steps]
        growth = "-"
        if len(sizes) > 1 and cpu[-1] and cpu[-2]:
            factor = sizes[-1] / sizes[-2]
            growth = f"{cpu[-1] / cpu[-2]:.1f}x CPU for {factor:.0f}x items"
        cells = " | ".join(
            f"{_fmt(step.get('seconds'), 2)} ({_fmt(step.get('cpu_seconds'), 2)})" for step in steps
        )
        rows.append(f"| {key} | {cells} | {growth} |")
    return "\n".join(rows)


def dagster_table(results: dict[int, dict[str, Any]]) -> str:
    rows = [
        "| articles | end-to-end s | sum of stages s | end-to-end CPU s | sum of stages CPU s "
        "| Dagster + IO overhead, CPU s | in-asset compute s | peak PSS (RSS) MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, steps in sorted(results.items()):
        e2e = steps.get("dagster_e2e")
        if not e2e or "error" in e2e:
            continue
        stages = [
            steps[key]
            for key in ("extract", "dedupe", "categorize", "render")
            if key in steps and "error" not in steps[key]
        ]
        stage_wall = sum(step["seconds"] for step in stages)
        stage_cpu = sum(step.get("cpu_seconds", 0.0) for step in stages)
        e2e_cpu = e2e.get("cpu_seconds")
        overhead = _fmt(e2e_cpu - stage_cpu, 2) if e2e_cpu is not None else "-"
        rows.append(
            f"| {size:,} | {e2e['seconds']:.2f} | {stage_wall:.2f} | {_fmt(e2e_cpu, 2)} "
            f"| {stage_cpu:.2f} | {overhead} | {e2e['work_seconds']:.2f} | {_mib(e2e)} |"
        )
    return "\n".join(rows)


def _growth(previous: tuple[int, float] | None, size: int, value: float | None) -> str:
    if previous is None or value is None:
        return "-"
    return f"{value / previous[1]:.2f}x for {size / previous[0]:.0f}x articles"


def memory_table(results: dict[int, dict[str, Any]]) -> str:
    """Peak PSS (RSS) per asset step and size, with growth from the previous size."""
    sizes = [size for size in sorted(results) if "memory" in results[size]]
    header = (
        "| articles | "
        + " | ".join(ASSET_STEPS)
        + " | largest step | growth | all steps in one process | growth |"
    )
    rows = [header, "|---:|" + "---:|" * (len(ASSET_STEPS) + 4)]
    previous_whole: tuple[int, float] | None = None
    previous: tuple[int, float] | None = None
    for size in sizes:
        memory = results[size]["memory"]
        steps = memory["steps"]
        peaks = [steps.get(name, {}).get("peak_pss_tree_mib") for name in ASSET_STEPS]
        largest = max((peak for peak in peaks if peak is not None), default=None)
        whole = steps.get("one_process", {}).get("peak_pss_tree_mib")
        label = f"{size:,}" + (f" (tiled {memory['tiled_from']:,})" if memory["tiled_from"] else "")
        cells = " | ".join(_mib(steps.get(name)) for name in ASSET_STEPS)
        rows.append(
            f"| {label} | {cells} | {_fmt(largest, 0)} | {_growth(previous, size, largest)} "
            f"| {_mib(steps.get('one_process'))} | {_growth(previous_whole, size, whole)} |"
        )
        if largest is not None:
            previous = (size, largest)
        if whole is not None:
            previous_whole = (size, whole)
    return "\n".join(rows)


def backfill_table(backfill: dict[str, Any]) -> str:
    names = {
        "single": "one run per partition",
        "chunked": "runs of 7 partitions",
        "range": "one range run",
    }
    rows = [
        "| layout | runs | wall s | CPU s | in-asset compute s | overhead s per partition |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode, step in backfill.items():
        if "error" in step:
            rows.append(f"| {names[mode]} | failed | - | - | - | - |")
            continue
        rows.append(
            f"| {names[mode]} | {step['runs']} | {step['seconds']:.1f} "
            f"| {_fmt(step.get('cpu_seconds'))} | {step['work_seconds']:.1f} "
            f"| {step['overhead_per_partition']:.2f} |"
        )
    return "\n".join(rows)


def markdown(report: dict[str, Any]) -> str:
    results = {int(size): steps for size, steps in report["sizes"].items()}
    machine = report["machine"]
    parts = [
        f"Measured {report['started_at'][:16]} UTC on {machine['cpus']} cores "
        f"(load average {machine['load_start']:.1f} at start: other work shared the CPU), "
        f"Python {machine['python']}, trafilatura {report['versions']['trafilatura']}, "
        f"datasketch {report['versions']['datasketch']}, rensa {report['versions']['rensa']}, "
        f"Dagster {report['versions']['dagster']}. Command: `{report['command']}`",
    ]
    if report.get("real"):
        parts += real_bench.markdown(report["real"])
    parts += [
        stage_table(size, steps)
        for size, steps in sorted(results.items())
        if set(steps) - {"memory", "corpus_seconds"}
    ]
    scaling = scaling_table(results)
    if len(results) > 1 and scaling.count("\n") > 1:
        parts.append("Scaling:\n\n" + scaling)
    if any("dagster_e2e" in steps for steps in results.values()):
        parts.append("One partition through Dagster:\n\n" + dagster_table(results))
    if any("memory" in steps for steps in results.values()):
        parts.append(
            "Peak memory of each asset's step, PSS (RSS) MiB, one process per step as "
            "Dagster's multiprocess executor runs them:\n\n" + memory_table(results)
        )
    if report.get("backfill"):
        days = report["backfill_days"]
        parts.append(
            f"Backfill of {days} demo-size partitions ({report['items_per_day']} articles "
            "each):\n\n" + backfill_table(report["backfill"])
        )
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark the pipeline's stages.")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--stages", default=None, help=f"subset of {STAGES}")
    parser.add_argument(
        "--tile-from",
        type=int,
        default=None,
        help="memory stage: build larger sizes from this size's corpus (pages listed again)",
    )
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=1000,
        help="pages the plain trafilatura loop extracts (it is the slow part)",
    )
    parser.add_argument("--skip-dedupe-baseline", action="store_true")
    parser.add_argument(
        "--corpus", choices=("synthetic", "real", "both"), default="synthetic", help="which pages"
    )
    parser.add_argument(
        "--real-pages", type=Path, help="clone of github.com/adbar/trafilatura (or tests/eval)"
    )
    parser.add_argument("--real-limit", type=int, default=real_pages.DEFAULT_LIMIT)
    parser.add_argument("--real-hosts", type=int, default=real_pages.HOSTS)
    parser.add_argument("--repeat", type=int, default=1, help="real corpus: runs of each step")
    parser.add_argument("--backfill-days", type=int, default=30, help="0 skips the backfill")
    parser.add_argument("--items-per-day", type=int, default=12, help="backfill partition size")
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--cache-dir", type=Path, default=None, help="corpus cache folder")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--tables-from", type=Path, help="print the tables of a saved results file and stop"
    )
    arguments = parser.parse_args(argv)
    if arguments.tables_from:
        print(markdown(json.loads(arguments.tables_from.read_text(encoding="utf-8"))))
        return
    if arguments.corpus != "synthetic" and not arguments.real_pages:
        parser.error("--corpus real needs --real-pages (see benchmarks/README.md)")
    if arguments.stages is None:
        real_only = arguments.corpus == "real"
        arguments.stages = ",".join(REAL_DEFAULT_STAGES if real_only else DEFAULT_STAGES)
    arguments.stages = [stage for stage in arguments.stages.split(",") if stage]
    unknown = set(arguments.stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s) {sorted(unknown)}; choose from {STAGES}")
    cache_dir = arguments.cache_dir or corpus.corpus_cache_dir()
    started_at = datetime.now(UTC)
    report: dict[str, Any] = {
        "started_at": started_at.isoformat(),
        "command": "python -m benchmarks.run "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_start": os.getloadavg()[0],
        },
        "versions": {name: version(name) for name in PACKAGES},
        "sizes": {},
    }
    began = time.perf_counter()
    if arguments.corpus in ("real", "both"):
        report["real"] = real_bench.bench_real(arguments, cache_dir, run_step)
    sizes = arguments.sizes if arguments.corpus != "real" else ""
    for size in [int(value) for value in sizes.split(",") if value]:
        report["sizes"][str(size)] = bench_size(size, arguments, cache_dir)
    if arguments.backfill_days > 0 and arguments.corpus != "real":
        report["backfill_days"] = arguments.backfill_days
        report["items_per_day"] = arguments.items_per_day
        report["backfill"] = bench_backfill(arguments, cache_dir)
    report["machine"]["load_end"] = os.getloadavg()[0]
    report["total_seconds"] = time.perf_counter() - began
    report["markdown"] = markdown(report)

    arguments.results_dir.mkdir(parents=True, exist_ok=True)
    # a real-pages-only run keeps its own latest file beside the synthetic one
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ") + ("-real" if arguments.corpus == "real" else "")
    latest = "latest-real.json" if arguments.corpus == "real" else "latest.json"
    for name in (f"{stamp}.json", latest):
        (arguments.results_dir / name).write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    print()
    print(report["markdown"])
    print(f"\n{report['total_seconds']:.0f}s in all; results: {arguments.results_dir / stamp}.json")


if __name__ == "__main__":
    main()
