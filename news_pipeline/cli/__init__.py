"""`news-pipeline`: the command line of the pipeline (CONTRACT.md)."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from news_pipeline.defs.resources import (
    DATA_DIR_ENV,
    SOURCES_ENV,
    data_dir_from_env,
    sources_file_from_env,
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
    deliver = commands.add_parser(
        "deliver", help="send days' reports to the subscribers (again, with --force)"
    )
    deliver.add_argument("--date", required=True, type=_parse_date, help="first day, YYYY-MM-DD")
    deliver.add_argument("--to", type=_parse_date, help="last day (inclusive), YYYY-MM-DD")
    deliver.add_argument(
        "--subscriber", action="append", metavar="NAME", help="only this subscriber (repeatable)"
    )
    deliver.add_argument(
        "--force", action="store_true", help="send even what the ledger says was sent"
    )
    deliver.add_argument(
        "--sources", type=Path, help=f"sources YAML (default ${SOURCES_ENV} or demo)"
    )
    deliver.add_argument(
        "--data-dir", type=Path, help=f"data folder (default ${DATA_DIR_ENV} or ./data)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Dagster flags beta/preview parameters on every import; they are not the user's concern.
    from dagster import BetaWarning, PreviewWarning

    warnings.filterwarnings("ignore", category=BetaWarning)
    warnings.filterwarnings("ignore", category=PreviewWarning)
    args = build_parser().parse_args(argv)
    from news_pipeline.cli.run import UsageError, run

    sources = args.sources or sources_file_from_env()
    data_dir = args.data_dir or data_dir_from_env()
    try:
        if args.command == "deliver":
            from news_pipeline.cli.deliver import deliver

            return deliver(
                args.date, args.to or args.date, sources, data_dir, args.subscriber, args.force
            )
        return run(args.date, args.to or args.date, sources, data_dir)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
