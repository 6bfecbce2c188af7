"""`news-pipeline run` as a user runs it: a subprocess, a persistent instance, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster import DagsterInstance

ROOT = Path(__file__).resolve().parents[1]


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
