"""`news-pipeline run` as a user runs it: a subprocess, a persistent instance, exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from dagster import DagsterInstance

from news_pipeline_tests.paths import REPO_ROOT as ROOT


def _run_cli(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWS_PIPELINE_", "DAGSTER_"))}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "news_pipeline.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_run_writes_reports_and_records_the_run_in_the_instance(tmp_path: Path) -> None:
    completed = _run_cli(
        "run", "--date", "2026-02-14", "--to", "2026-02-15", "--data-dir", str(tmp_path)
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    for day in ("2026-02-14", "2026-02-15"):
        report_dir = tmp_path / "reports" / day
        for name in ("report.md", "report.html", "report.json"):
            assert f"report: {report_dir / name}" in completed.stdout
            assert (report_dir / name).stat().st_size > 0
    for stage in ("raw_articles", "cleaned_articles", "deduped_stories", "daily_report"):
        assert stage in completed.stdout
    instance = DagsterInstance.from_config(str(tmp_path / "dagster_home"))
    runs = instance.get_runs()
    assert len(runs) == 1
    assert runs[0].tags.get("dagster/asset_partition_range_start") == "2026-02-14"
    assert runs[0].tags.get("dagster/asset_partition_range_end") == "2026-02-15"


def test_invalid_sources_file_fails_with_one_line_naming_the_field(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: broken\n    type: rss\n    url: ftp://example.com/feed.xml\n",
        encoding="utf-8",
    )
    completed = _run_cli(
        "run", "--date", "2026-02-14", "--sources", str(sources), "--data-dir", str(tmp_path)
    )
    assert completed.returncode != 0
    last_line = completed.stderr.strip().splitlines()[-1]
    assert "broken" in last_line and "url" in last_line
    assert not (tmp_path / "reports").exists()


def test_range_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    completed = _run_cli(
        "run", "--date", "2026-02-15", "--to", "2026-02-14", "--data-dir", str(tmp_path)
    )
    assert completed.returncode == 2
    assert "before" in completed.stderr


def test_environment_variables_choose_sources_and_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "from-env"
    completed = _run_cli(
        "run", "--date", "2026-02-15", env_extra={"NEWS_PIPELINE_DATA_DIR": str(data_dir)}
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert (data_dir / "reports" / "2026-02-15" / "report.json").exists()


def _row_counts(data_dir: Path, day: str) -> dict[str, int]:
    tables = ["raw_articles", "cleaned_articles", "deduped_stories", "categorized_items"]
    with duckdb.connect(str(data_dir / "news.duckdb"), read_only=True) as connection:
        return {
            table: connection.execute(
                f"select count(*) from main.{table} where partition_date = ?", [day]
            ).fetchone()[0]
            for table in tables
        }


def _raw_articles_fetching(data_dir: Path) -> bool:
    """raw_articles writes each fetched body to the body store as it arrives. Watching the
    files (rather than opening the instance) cannot race the run's own database set-up."""
    return any((data_dir / "bodies").glob("??/*.zst"))


def test_a_run_killed_during_raw_articles_is_completed_by_the_next_one(tmp_path: Path) -> None:
    day = "2026-02-15"
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    assert _run_cli("run", "--date", day, "--data-dir", str(clean)).returncode == 0

    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWS_PIPELINE_", "DAGSTER_"))}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "news_pipeline.cli",
            "run",
            "--date",
            day,
            "--data-dir",
            str(killed),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not _raw_articles_fetching(killed):
            assert process.poll() is None, "the run ended before raw_articles started"
            assert time.monotonic() < deadline, "raw_articles never started"
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert not (killed / "reports" / day / "report.json").exists()

    completed = _run_cli("run", "--date", day, "--data-dir", str(killed))
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert _row_counts(killed, day) == _row_counts(clean, day)
