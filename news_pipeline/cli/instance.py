"""The Dagster instance `news-pipeline run` records its runs in.

`$DAGSTER_HOME` when the user set it (their instance, their settings, untouched); otherwise
`<data-dir>/dagster_home`, created with the project's instance settings (telemetry off, the
run queue, the DuckDB pool), the same file as the repository's dagster.yaml.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psutil
from dagster import DagsterInstance

from news_pipeline.datafiles import data_path

INSTANCE_SETTINGS = data_path("dagster_instance.yaml")


def instance_home(data_dir: Path) -> Path:
    return (data_dir / "dagster_home").resolve()


def open_instance(data_dir: Path) -> DagsterInstance:
    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    home = instance_home(data_dir)
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        settings.write_text(INSTANCE_SETTINGS.read_text(encoding="utf-8"), encoding="utf-8")
    return DagsterInstance.from_config(str(home))


# Runs this command starts carry the process that runs them, so a later command can tell a
# run whose process was killed from one still running (in this or another terminal).
RUN_PROCESS_TAG = "news_pipeline/cli_process"


def this_process_tag() -> dict[str, str]:
    process = psutil.Process()
    return {RUN_PROCESS_TAG: f"{socket.gethostname()}:{process.pid}:{process.create_time():.3f}"}


def _process_is_alive(tag: str) -> bool:
    host, pid, created = tag.rsplit(":", 2)
    if host != socket.gethostname():
        return True  # another machine's process: not ours to judge
    try:
        return f"{psutil.Process(int(pid)).create_time():.3f}" == created
    except (psutil.NoSuchProcess, ValueError):
        return False


def release_abandoned_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed the runs of a killed `news-pipeline run`, and free their pool slots.

    Steps that open news.duckdb take a slot of the `news_duckdb` pool (one slot). A command
    killed mid-run leaves its run STARTED and its slot claimed; without a daemon nothing frees
    it, and the next run would wait for that slot forever. Runs launched by the daemon are
    left to the daemon's run monitoring.
    """
    released = []
    for run_id in sorted(instance.event_log_storage.get_concurrency_run_ids()):
        run = instance.get_run_by_id(run_id)
        tag = run.tags.get(RUN_PROCESS_TAG) if run else None
        if run is None or tag is None or _process_is_alive(tag):
            continue
        if not run.is_finished:
            instance.report_run_failed(run, "the news-pipeline process running it was killed")
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        released.append(run_id)
    return released
