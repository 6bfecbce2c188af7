"""The real-page corpus in `python -m benchmarks.run --corpus real --real-pages DIR`.

Every stage on trafilatura's evaluation pages (real_pages.py), each step in a fresh process
and repeated `--repeat` times (the table shows the repetition with the least wall time, the
JSON keeps all), beside a plain single-process `trafilatura.extract` loop and
`trafilatura.extract(fast=True)` over the same bytes; then the whole pipeline as one
`news-pipeline run` against 20 loopback sites (real_run.py), with the bounds it is up
against: fetching (hosts / per-host delay) and extraction on the machine's cores.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import real_pages

STAGE_STEPS = ("extract", "dedupe", "categorize", "render")
RunStep = Callable[[dict[str, Any]], dict[str, Any]]


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    good = [run for run in runs if "error" not in run]
    if not good:
        return dict(runs[-1])
    best = dict(min(good, key=lambda run: run["seconds"]))
    best["repeats"] = len(good)
    best["cpu_seconds_all"] = [run.get("cpu_seconds") for run in good]
    best["seconds_all"] = [run["seconds"] for run in good]
    return best


def bench_real(arguments: argparse.Namespace, cache_dir: Path, run_step: RunStep) -> dict:
    """Steps of the real corpus; `arguments.stages` picks them as for the synthetic corpus,
    plus `run` for the whole-pipeline run."""
    corpus = real_pages.ensure_real_corpus(
        arguments.real_pages, cache_dir, arguments.real_limit, arguments.real_hosts
    )
    pages = corpus.read_pages().height
    print(f"[real pages: {pages} from {corpus.eval_dir}, {arguments.real_hosts} hosts]")
    base = {
        "real_pages": str(arguments.real_pages),
        "real_limit": arguments.real_limit,
        "hosts": arguments.real_hosts,
        "cache_dir": str(cache_dir),
    }
    stages = set(arguments.stages)
    jobs: list[tuple[str, dict[str, Any]]] = []
    if "extract" in stages:
        jobs += [
            ("extract_baseline", {"step": "real_extract_baseline"}),
            ("extract_fast_baseline", {"step": "real_extract_baseline", "fast": True}),
            ("extract", {"step": "real_extract"}),
        ]
    if stages & {"dedupe", "categorize", "render"}:
        jobs.append(("dedupe", {"step": "real_dedupe"}))
    if stages & {"categorize", "render"}:
        jobs.append(("categorize", {"step": "real_categorize"}))
    if "render" in stages:
        jobs.append(("render", {"step": "real_render"}))
    steps: dict[str, Any] = {"pages": pages}
    for name, job in jobs:
        runs = [run_step({**base, **job}) for _ in range(arguments.repeat)]
        steps[name] = _best(runs)
        steps[name]["runs"] = runs
    if "run" in stages:
        runs = [run_step({**base, "step": "real_whole_run"}) for _ in range(arguments.repeat)]
        steps["whole_run"] = _best(runs)
        steps["whole_run"]["runs"] = runs
    return steps


# ---- tables ------------------------------------------------------------------------------------


def _rate(step: dict[str, Any] | None, key: str = "items") -> float | None:
    if not step or "error" in step or not step.get("seconds"):
        return None
    return step[key] / step["seconds"]


def _cpu_ms(step: dict[str, Any] | None, key: str = "items") -> float | None:
    if not step or "error" in step or not step.get("cpu_seconds"):
        return None
    return 1000 * step["cpu_seconds"] / step[key]


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _pss(step: dict[str, Any] | None) -> str:
    if not step or "error" in step:
        return "-"
    return f"{step['peak_pss_tree_mib']:,.0f}"


def stage_table(steps: dict[str, Any]) -> str:
    rows = [
        f"**Real pages: {steps['pages']:,} pages of trafilatura's evaluation set**",
        "",
        "| stage | seconds (CPU s) | items/s | CPU ms/item | peak PSS MiB "
        "| baseline, same run | baseline items/s | baseline CPU ms/item "
        "| ratio, wall | ratio, CPU/item |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    plain = steps.get("extract_baseline")
    fast = steps.get("extract_fast_baseline")
    pairs = [
        ("cleaned_articles", "extract", plain, "plain `trafilatura.extract` loop, 1 process"),
        ("cleaned_articles", "extract", fast, "`trafilatura.extract(fast=True)`, 1 process"),
        ("deduped_stories", "dedupe", None, ""),
        ("categorized_items (stories)", "categorize", None, ""),
        ("daily_report", "render", None, ""),
    ]
    for label, key, baseline, name in pairs:
        step = steps.get(key)
        if not step or "error" in step:
            continue
        count = "stories" if key == "categorize" else "items"
        ours, theirs = _rate(step, count), _rate(baseline)
        our_cpu, their_cpu = _cpu_ms(step, count), _cpu_ms(baseline)
        ratio = f"{ours / theirs:.2f}x" if ours and theirs else "-"
        cpu_ratio = f"{their_cpu / our_cpu:.2f}x" if our_cpu and their_cpu else "-"
        if label == "cleaned_articles":
            label += f" ({step['workers']} processes)"
        rows.append(
            f"| {label} | {step['seconds']:.2f} ({_f(step.get('cpu_seconds'), 2)}) "
            f"| {_f(ours)} | {_f(our_cpu, 2)} | {_pss(step)} | {name or '-'} | {_f(theirs)} "
            f"| {_f(their_cpu, 2)} | {ratio} | {cpu_ratio} |"
        )
    lines = [""]
    for label, step in (("ours", steps.get("extract")), ("plain", plain), ("fast=True", fast)):
        if step and "error" not in step and "snippet_f1" in step:
            lines.append(
                f"extraction quality, {label}: {step['snippets_found_share']:.1%} of the "
                f"expected snippets found, {step['unwanted_kept_out_share']:.1%} of the "
                f"unwanted kept out (F1 {step['snippet_f1']:.3f})"
            )
    extract = steps.get("extract")
    if extract and "error" not in extract and plain and "error" not in plain:
        cores = extract["workers"]
        lines.append(
            f"extraction on {cores} idle cores, from CPU time per page: ours "
            f"{cores * 1000 / _cpu_ms(extract):.1f} pages/s, the plain loop on {cores} cores "
            f"{cores * 1000 / _cpu_ms(plain):.1f} pages/s"
        )
    categorize = steps.get("categorize")
    if categorize and "error" not in categorize and categorize.get("repeats", 1) > 1:
        lines.append(
            "categorize, all repetitions: "
            + ", ".join(
                f"{wall:.2f} s ({cpu:.2f} CPU s)"
                for wall, cpu in zip(
                    categorize["seconds_all"], categorize["cpu_seconds_all"], strict=True
                )
            )
        )
    return "\n".join(rows + (lines if len(lines) > 1 else []))


def whole_run_table(steps: dict[str, Any]) -> str:
    run = steps.get("whole_run")
    if not run or "error" in run:
        return ""
    extract = steps.get("extract")
    cores = run["cores"]
    extraction_bound = (
        f"{cores * 1000 / _cpu_ms(extract):.1f}"
        if extract and "error" not in extract and _cpu_ms(extract)
        else "-"
    )
    rows = [
        f"One `news-pipeline run` over the {run['items']:,} pages, served from "
        f"{run['hosts']} loopback hosts (per-host delay {run['per_host_delay_seconds']} s):",
        "",
        "| pages fetched | seconds (CPU s) | pages/s | fetch bound: s, pages/s "
        "| extraction bound on the cores, pages/s | peak PSS MiB | page server CPU s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {run['items']:,} | {run['seconds']:.1f} ({run['cpu_seconds']:.1f}) "
        f"| {run['items'] / run['seconds']:.1f} | {run['fetch_bound_seconds']:.1f}, "
        f"{_f(run['fetch_bound_pages_per_second'])} | {extraction_bound} "
        f"| {run['peak_pss_mib']:,.0f} | {run['server_cpu_seconds']:.1f} |",
        "",
        "Where the time went (the run's event log; CPU of the command's process tree):",
        "",
        "| part | seconds | CPU s |",
        "|---|---:|---:|",
    ]
    overlap = overlap_estimate(run)
    for part in run["parts"]:
        name = part["part"]
        if part["count"] > 1:
            name += f" ({part['count']})"
        rows.append(f"| {name} | {part['seconds']:.2f} | {part['cpu_seconds']:.2f} |")
    if overlap:
        rows += ["", overlap["text"]]
    return "\n".join(rows)


def overlap_estimate(run: dict[str, Any]) -> dict[str, Any] | None:
    """What extracting pages while they are fetched would win: the fetch step leaves most of
    the cores idle (it waits on per-host delays); extraction could use that idle CPU, and
    only the CPU it could not fit there would remain after the fetch."""
    fetch, extract = run["steps"].get("raw_articles"), run["steps"].get("cleaned_articles")
    if not fetch or not extract:
        return None
    cores = run["cores"]
    idle = max(0.0, cores * fetch["seconds"] - fetch["cpu_seconds"])
    left_cpu = max(0.0, extract["cpu_seconds"] - idle)
    # the extraction step's wall time scales with the CPU it still has to do
    after = extract["seconds"] * left_cpu / max(extract["cpu_seconds"], 1e-9)
    win = extract["seconds"] - after
    text = (
        f"Overlap estimate: the fetch step took {fetch['seconds']:.1f} s using "
        f"{fetch['cpu_seconds']:.1f} CPU s of {cores * fetch['seconds']:.1f} available "
        f"({idle:.1f} idle); extraction took {extract['seconds']:.1f} s and "
        f"{extract['cpu_seconds']:.1f} CPU s. Extracting each page as it is fetched would "
        f"leave {left_cpu:.1f} CPU s after the last fetch: about {after:.1f} s instead of "
        f"{extract['seconds']:.1f}, {win:.1f} s ({win / run['seconds']:.0%} of the run) saved."
    )
    return {"idle_cpu_seconds": idle, "seconds_after": after, "win_seconds": win, "text": text}


def markdown(steps: dict[str, Any]) -> list[str]:
    parts = [stage_table(steps)]
    whole = whole_run_table(steps)
    if whole:
        parts.append(whole)
    return parts
