"""`news-pipeline run`: materialize the whole graph for a range of days through Dagster.

Runs are recorded in a persistent Dagster instance (see instance.py), so they show in the UI
of `dagster dev` pointed at the same home.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from dagster import ExecuteInProcessResult, colored_console_logger
from rich.console import Console

from news_pipeline.cli.instance import open_instance, release_abandoned_runs, this_process_tag
from news_pipeline.cli.progress import StageProgressDisplay, display_logger
from news_pipeline.defs import JOB_NAME, build_defs
from news_pipeline.defs.resources import StageProgressResource
from news_pipeline.defs.wiring import DAYS_PER_RUN
from news_pipeline.sources import SourcesFileError

STAGES = (
    "raw_articles",
    "cleaned_articles",
    "deduped_stories",
    "categorized_items",
    "edited_stories",
    "source_health",
    "daily_report",
    "report_archive",
    "report_deliveries",
)
REPORT_FILES = ("report.md", "report.html", "report.json")
# On a terminal the bars move several times a second; the run's log gets the same lines.
LIVE_PROGRESS_INTERVAL_SECONDS = 0.25


class UsageError(Exception):
    """A problem with the command's arguments or environment: one line on stderr, exit 2."""


def days_between(first: date, last: date) -> list[str]:
    return [
        (first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)
    ]


def prepare_data_dir(data_dir: Path) -> Path:
    """Create the data directory and prove it writable, or say in one line why not."""
    resolved = data_dir.expanduser().resolve()
    try:
        resolved.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=resolved, prefix=".write-test-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"cannot write to the data directory {resolved}: {reason}") from error
    return resolved


def run(first: date, last: date, sources: Path | None, data_dir: Path) -> int:
    """Materialize the days in runs of up to a week; return the process exit code."""
    if last < first:
        raise UsageError(f"--to {last} is before --date {first}")
    data_dir = prepare_data_dir(data_dir)
    if sources is not None and not sources.is_file():
        raise UsageError(f"no sources file at {sources}")
    console = Console(stderr=False)
    display = StageProgressDisplay(console, on_stage_done=lambda stage, seconds: None)
    try:
        defs = build_defs(
            sources,
            data_dir,
            resource_overrides={
                "stage_progress": StageProgressResource(
                    log_every_seconds=LIVE_PROGRESS_INTERVAL_SECONDS
                )
            },
            loggers={
                "console": colored_console_logger,
                "stage_display": display_logger(display, set(STAGES)),
            },
        )
    except SourcesFileError as error:
        raise UsageError(str(error)) from error
    job = defs.resolve_job_def(JOB_NAME)
    partitions = job.partitions_def
    keys = days_between(first, last)
    valid = set(partitions.get_partition_keys())
    unknown = [key for key in keys if key not in valid]
    if unknown:
        raise UsageError(
            f"no partition for {unknown[0]} (partitions run from {partitions.start.date()} "
            f"to yesterday, {partitions.timezone})"
        )
    instance = open_instance(data_dir)
    for run_id in release_abandoned_runs(instance):
        print(f"run {run_id} was abandoned by a killed process: marked failed", flush=True)
    # Up to a week of days per run, like the backfill policy: one run start-up per week
    # instead of per day, and the days of a run are deduped in date order.
    for start in range(0, len(keys), DAYS_PER_RUN):
        chunk = keys[start : start + DAYS_PER_RUN]
        label = chunk[0] if len(chunk) == 1 else f"{chunk[0]}..{chunk[-1]}"
        print(f"[{label}] materializing raw_articles -> daily_report", flush=True)
        display.on_stage_done = lambda stage, seconds, label=label: print(
            f"[{label}]   {stage:<18} ok     {seconds:6.2f}s", flush=True
        )
        with display:
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config=RUN_CONFIG,
                tags={
                    "dagster/asset_partition_range_start": chunk[0],
                    "dagster/asset_partition_range_end": chunk[-1],
                    **this_process_tag(),
                },
            )
        _print_failures(label, result)
        written = [data_dir / "reports" / key / name for key in chunk for name in REPORT_FILES]
        if not result.success or not all(path.exists() for path in written):
            print(
                f"error: {label}: {_failure_reason(result)} (run {result.run_id})", file=sys.stderr
            )
            return 1
        for path in written:
            print(f"[{path.parent.name}] report: {path}", flush=True)
    return 0


RUN_CONFIG = {
    "loggers": {
        "console": {"config": {"log_level": "WARNING"}},
        "stage_display": {},
    }
}


def _print_failures(label: str, result: ExecuteInProcessResult) -> None:
    """One line per failed step and per failed asset check."""
    for event in result.all_events:
        if event.is_step_failure:
            print(f"[{label}]   {event.step_key:<18} FAILED", flush=True)
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            severity = evaluation.severity.value.lower()
            print(f"[{label}]   check {evaluation.check_name} failed ({severity})", flush=True)


def _failure_reason(result: ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error:
            message = event.step_failure_data.error.message.strip().splitlines()[-1]
            return f"{event.step_key}: {message}"
    return "the run did not write every report file"
