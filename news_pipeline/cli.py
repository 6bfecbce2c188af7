"""`news-pipeline run`: materialize the whole graph for a range of days through Dagster.

Runs are recorded in a persistent Dagster instance (`$DAGSTER_HOME`, else
`<data-dir>/dagster_home`), so they show in the UI of `dagster dev` pointed at the same home.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from dagster import BetaWarning, ExecuteInProcessResult, PreviewWarning

from news_pipeline.defs.resources import DATA_DIR_ENV, SOURCES_ENV, default_data_dir

STAGES = (
    "raw_articles",
    "cleaned_articles",
    "deduped_stories",
    "categorized_items",
    "daily_report",
)


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="news-pipeline", description="Daily AI-news digest pipeline (Dagster)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="materialize raw articles -> daily report for days")
    run.add_argument("--date", required=True, type=_parse_date, help="first day, YYYY-MM-DD")
    run.add_argument("--to", type=_parse_date, help="last day (inclusive), YYYY-MM-DD")
    run.add_argument("--sources", type=Path, help=f"sources YAML (default ${SOURCES_ENV} or demo)")
    run.add_argument(
        "--data-dir", type=Path, help=f"output folder (default ${DATA_DIR_ENV} or ./data)"
    )
    return parser


def _days(first: date, last: date) -> list[str]:
    return [
        (first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)
    ]


def _instance(data_dir: Path):
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    home = (data_dir / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return DagsterInstance.from_config(str(home))


def run(first: date, last: date, sources: Path | None, data_dir: Path | None) -> int:
    """Materialize the days in runs of up to a week; return the process exit code."""
    if last < first:
        print(f"error: --to {last} is before --date {first}", file=sys.stderr)
        return 2
    # The definitions read both variables when they load (the partitions' timezone comes
    # from the sources file), so set them before the import.
    if sources is not None:
        os.environ[SOURCES_ENV] = str(sources.resolve())
    data_dir = (data_dir or default_data_dir()).resolve()
    os.environ[DATA_DIR_ENV] = str(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)

    from news_pipeline.sources import SourcesFileError

    try:
        from news_pipeline.definitions import daily_partitions, defs
    except SourcesFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    keys = _days(first, last)
    valid = set(daily_partitions.get_partition_keys())
    unknown = [key for key in keys if key not in valid]
    if unknown:
        print(
            f"error: no partition for {unknown[0]} (partitions run from "
            f"{daily_partitions.start.date()} to yesterday, {daily_partitions.timezone})",
            file=sys.stderr,
        )
        return 2

    job = defs.resolve_job_def("daily_report_job")
    instance = _instance(data_dir)
    # Up to a week of days per run, like the backfill policy: one run start-up per week
    # instead of per day, and the days of a run are deduped in date order.
    for start in range(0, len(keys), DAYS_PER_RUN):
        chunk = keys[start : start + DAYS_PER_RUN]
        label = chunk[0] if len(chunk) == 1 else f"{chunk[0]}..{chunk[-1]}"
        print(f"[{label}] materializing raw_articles -> daily_report", flush=True)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=QUIET_LOGS,
            tags={
                "dagster/asset_partition_range_start": chunk[0],
                "dagster/asset_partition_range_end": chunk[-1],
            },
        )
        _print_progress(label, result)
        written = [
            data_dir / "reports" / key / name
            for key in chunk
            for name in ("report.md", "report.html", "report.json")
        ]
        if not result.success or not all(path.exists() for path in written):
            print(
                f"error: {label}: {_failure_reason(result)} (run {result.run_id})", file=sys.stderr
            )
            return 1
        for path in written:
            print(f"[{path.parent.name}] report: {path}", flush=True)
    return 0


DAYS_PER_RUN = 7
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _print_progress(key: str, result: ExecuteInProcessResult) -> None:
    """One line per asset (status, seconds, rows) and one per failed asset check."""
    for event in result.all_events:
        if event.is_step_success and event.step_key in STAGES:
            seconds = event.event_specific_data.duration_ms / 1000
            print(f"[{key}]   {event.step_key:<18} ok     {seconds:6.2f}s", flush=True)
        elif event.is_step_failure:
            print(f"[{key}]   {event.step_key:<18} FAILED", flush=True)
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            severity = evaluation.severity.value.lower()
            print(f"[{key}]   check {evaluation.check_name} failed ({severity})", flush=True)


def _failure_reason(result: ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error:
            message = event.step_failure_data.error.message.strip().splitlines()[-1]
            return f"{event.step_key}: {message}"
    return "the run did not write every report file"


def main(argv: Sequence[str] | None = None) -> int:
    # Dagster flags beta/preview parameters on every import; they are not the user's concern.
    warnings.filterwarnings("ignore", category=BetaWarning)
    warnings.filterwarnings("ignore", category=PreviewWarning)
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return run(args.date, args.to or args.date, args.sources, args.data_dir)
    return 2


if __name__ == "__main__":
    sys.exit(main())
