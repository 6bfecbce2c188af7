"""`news-pipeline deliver`: send days' reports to subscribers again, through Dagster.

The same asset as the scheduled runs (report_deliveries) in its own job, so every resend is
a run in the instance and a row update in the ledger. Without `--force` a day already sent
to a subscriber is not sent again; failed or interrupted ones are. Reports must exist: this
command sends, it does not build.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from dagster import colored_console_logger

from news_pipeline.cli.instance import open_instance
from news_pipeline.cli.run import UsageError, days_between
from news_pipeline.defs import DELIVERY_JOB_NAME, build_defs
from news_pipeline.defs.wiring import DAYS_PER_RUN
from news_pipeline.delivery import (
    STATUS_EMPTY,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENT,
    Ledger,
    UnknownSubscriberError,
    select_subscribers,
)
from news_pipeline.sources import SourcesFileError

RUN_CONFIG_LOGGERS = {"console": {"config": {"log_level": "ERROR"}}}


def _reported_days(database: Path, days: list[str]) -> set[str]:
    """The days among `days` that have a row in daily_report."""
    try:
        with duckdb.connect(str(database), read_only=True) as connection:
            exists = connection.execute(
                "select count(*) from information_schema.tables where table_name = 'daily_report'"
            ).fetchone()[0]
            if not exists:
                return set()
            rows = connection.execute(
                "select distinct cast(partition_date as varchar) from daily_report "
                "where list_contains(?, cast(partition_date as varchar))",
                [days],
            ).fetchall()
    except duckdb.Error as error:
        reason = " ".join(str(error).split())
        raise UsageError(f"cannot read {database}: {reason}") from error
    return {row[0] for row in rows}


def _line(row: dict[str, Any], this_run: bool) -> str:
    day, name = row["partition_date"], row["subscriber"]
    head = f"[{day}] {name:<20} {row['channel']:<9}"
    if not this_run:
        if row["status"] == STATUS_SENT:
            when = row["delivered_at"]
            return f"{head} not sent: already sent at {when:%Y-%m-%d %H:%M} UTC (--force resends)"
        if row["status"] == STATUS_PENDING:
            return f"{head} not sent: an earlier send was interrupted (--force resends)"
        return f"{head} not sent ({row['status']})"
    if row["status"] == STATUS_EMPTY:
        return f"{head} nothing to send: no story passed the filters"
    size = f"{row['parts_sent']}/{row['parts_total']} part(s), {row['payload_bytes']:,} bytes"
    answer = f", answer {row['response_code']}" if row["response_code"] is not None else ""
    status = "sent" if row["status"] == STATUS_SENT else row["status"].upper()
    line = f"{head} {status:<7} to {row['target']}: {size}{answer}, {row['attempts']} attempt(s)"
    return line + (f": {row['error']}" if row["error"] else "")


def deliver(
    first: date,
    last: date,
    sources: Path | None,
    data_dir: Path,
    subscribers: list[str] | None,
    force: bool,
) -> int:
    """Deliver the days' reports; return the process exit code."""
    if last < first:
        raise UsageError(f"--to {last} is before --date {first}")
    data_dir = data_dir.expanduser().resolve()
    database = data_dir / "news.duckdb"
    if not database.is_file():
        raise UsageError(f"no news.duckdb in {data_dir}: run `news-pipeline run` first")
    if sources is not None and not sources.is_file():
        raise UsageError(f"no sources file at {sources}")
    try:
        defs = build_defs(sources, data_dir, loggers={"console": colored_console_logger})
        config = defs.resources["sources"].load()
    except SourcesFileError as error:
        raise UsageError(str(error)) from error
    if not config.subscribers:
        raise UsageError(f"{sources or 'the demo sources'} defines no subscribers")
    try:
        chosen = select_subscribers(config, subscribers)
    except UnknownSubscriberError as error:
        raise UsageError(str(error)) from error
    keys = days_between(first, last)
    missing = sorted(set(keys) - _reported_days(database, keys))
    if missing:
        raise UsageError(f"no report for {missing[0]}: run `news-pipeline run --date {missing[0]}`")
    job = defs.resolve_job_def(DELIVERY_JOB_NAME)
    instance = open_instance(data_dir)
    names = [subscriber.name for subscriber in chosen]
    run_ids: set[str] = set()
    for start in range(0, len(keys), DAYS_PER_RUN):
        chunk = keys[start : start + DAYS_PER_RUN]
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "ops": {
                    "report_deliveries": {
                        "config": {
                            "force": force,
                            "subscribers": names,
                            "retry_earlier_failures": False,
                        }
                    }
                },
                "loggers": RUN_CONFIG_LOGGERS,
            },
            tags={
                "dagster/asset_partition_range_start": chunk[0],
                "dagster/asset_partition_range_end": chunk[-1],
            },
        )
        if not result.success:
            print(
                f"error: {chunk[0]}..{chunk[-1]}: the run failed (run {result.run_id})",
                file=sys.stderr,
            )
            return 1
        run_ids.add(result.run_id)
    rows = Ledger(database).rows([date.fromisoformat(key) for key in keys], names)
    failed = []
    for row in rows.iter_rows(named=True):
        this_run = row["run_id"] in run_ids
        print(_line(row, this_run), flush=True)
        if this_run and row["status"] == STATUS_FAILED:
            failed.append(row)
    if failed:
        first_failure = failed[0]
        print(
            f"error: {len(failed)} of {rows.height} deliveries failed "
            f"({first_failure['subscriber']} {first_failure['partition_date']}: "
            f"{first_failure['error']})",
            file=sys.stderr,
        )
        return 1
    return 0
