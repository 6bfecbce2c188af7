"""`news-pipeline run` as a user runs it: a subprocess, a persistent instance, exit codes."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from dagster import DagsterInstance

from news_pipeline.cli.instance import INSTANCE_SETTINGS
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
    # The instance the CLI created carries the project's settings: no telemetry banner.
    settings = (tmp_path / "dagster_home" / "dagster.yaml").read_text(encoding="utf-8")
    assert settings == INSTANCE_SETTINGS.read_text(encoding="utf-8")
    assert "Welcome to Dagster" not in completed.stdout + completed.stderr
    assert "telemetry" not in (completed.stdout + completed.stderr).lower()
    instance = DagsterInstance.from_config(str(tmp_path / "dagster_home"))
    assert instance.get_settings("telemetry") == {"enabled": False}
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
    """Both variables at once: the sources file's timezone and its one (dead) source show in
    the report written under the data dir the other variable names."""
    data_dir = tmp_path / "from-env"
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "timezone: Europe/Berlin\nallow_private_addresses: true\nsources:\n"
        f"  - {{name: only-source, type: rss, url: 'http://127.0.0.1:{_closed_port()}/f.xml'}}\n",
        encoding="utf-8",
    )
    completed = _run_cli(
        "run",
        "--date",
        "2026-02-15",
        env_extra={"NEWS_PIPELINE_DATA_DIR": str(data_dir), "NEWS_PIPELINE_SOURCES": str(sources)},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads((data_dir / "reports" / "2026-02-15" / "report.json").read_text("utf-8"))
    assert report["timezone"] == "Europe/Berlin"
    assert report["stories"] == []
    assert "check raw_articles_every_source_answered failed (warn)" in completed.stdout


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_data_dir_that_cannot_be_written_fails_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    completed = _run_cli("run", "--date", "2026-02-15", "--data-dir", str(blocker / "data"))
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert str(blocker / "data") in lines[0] and "Not a directory" in lines[0]
    assert "Traceback" not in completed.stdout + completed.stderr


def test_a_dagster_home_the_user_set_is_left_as_it_is(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    own_settings = "telemetry:\n  enabled: false\n# the user's own instance\n"
    (home / "dagster.yaml").write_text(own_settings, encoding="utf-8")
    data_dir = tmp_path / "data"
    completed = _run_cli(
        "run",
        "--date",
        "2026-02-15",
        "--data-dir",
        str(data_dir),
        env_extra={"DAGSTER_HOME": str(home)},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == own_settings
    assert not (data_dir / "dagster_home").exists()
    assert len(DagsterInstance.from_config(str(home)).get_runs()) == 1


def test_on_a_terminal_the_stages_show_live_progress(tmp_path: Path) -> None:
    """Under a pseudo-terminal rich draws bars with items done / total; without one (the
    other tests) each stage prints one line when it ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWS_PIPELINE_", "DAGSTER_"))}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "news_pipeline.cli",
            "run",
            "--date",
            "2026-02-15",
            "--data-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    output = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process has exited
            break
        if not chunk:
            break
        output.extend(chunk)
    os.close(controller)
    assert process.wait(timeout=600) == 0, output.decode(errors="replace")[-3000:]
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output.decode(errors="replace"))
    # a bar of the fetch stage with its counts (the demo day lists 11 pages to fetch)
    assert re.search(r"raw_articles 2026-02-15.*\d+/\d+.*failed", screen), screen[-3000:]
    assert re.search(r"cleaned_articles.*\d+/\d+", screen), screen[-3000:]
    # and the same one line per finished stage as without a terminal
    assert re.search(r"daily_report\s+ok", screen)


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
    # The killed run held the DuckDB pool's one slot; the next command freed it (or it would
    # have waited forever) and recorded the killed run as failed.
    assert "abandoned by a killed process" in completed.stdout
    statuses = sorted(run.status.value for run in _instance(killed).get_runs())
    assert statuses == ["FAILURE", "SUCCESS"]


def _instance(data_dir: Path) -> DagsterInstance:
    return DagsterInstance.from_config(str(data_dir / "dagster_home"))
