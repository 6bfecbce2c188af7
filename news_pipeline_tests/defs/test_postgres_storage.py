"""The instance examples: examples/dagster.postgres.yaml against a real PostgreSQL server,
and examples/dagster.multiprocess.yaml as a loadable instance with a valid executor config.

A throwaway cluster (Debian's `postgresql` binaries, trust authentication, 127.0.0.1 on a
free port) is started in a temporary folder; `news-pipeline run` then materializes one demo
day with DAGSTER_HOME holding the example file, and the run, its events and its check
results are read back from PostgreSQL's own tables with psycopg2.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, validate_run_config
from dagster._core.instance.config import PoolGranularity

from news_pipeline.defs import build_defs
from news_pipeline_tests._dagster_services import (
    REPO_ROOT,
    free_port,
    service_environment,
    wait_until,
)

EXAMPLE = REPO_ROOT / "examples" / "dagster.postgres.yaml"
MULTIPROCESS_EXAMPLE = REPO_ROOT / "examples" / "dagster.multiprocess.yaml"
# The run config docs/deployment.md gives for the number of step processes of a run.
MULTIPROCESS_RUN_CONFIG = {"execution": {"config": {"multiprocess": {"max_concurrent": 4}}}}
DAY = "2026-02-15"
DATABASE = "dagster"
# Only the storage block may differ from the repository's single-machine instance.
SHARED_SECTIONS = ("run_coordinator", "concurrency", "run_retries", "run_monitoring")


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def connect(self, database: str = "postgres"):
        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, dbname=database, connect_timeout=10
        )


def _postgres_bin() -> Path | None:
    """Newest /usr/lib/postgresql/<version>/bin (Debian), else initdb on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_cluster_owner(owner: pwd.struct_passwd | None, command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its binaries as the `postgres` user then."""
    return ["runuser", "-u", owner.pw_name, "--", *command] if owner else command


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server")
    # Not under pytest's tmp_path: that folder is private to root and the server runs as
    # `postgres`.
    base = Path(tempfile.mkdtemp(prefix="news_pipeline_pg_"))
    data, log = base / "data", base / "server.log"
    if owner:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    port = free_port()
    pg_ctl = _as_cluster_owner(owner, [str(binaries / "pg_ctl"), "-D", str(data)])
    try:
        initdb = subprocess.run(
            _as_cluster_owner(
                owner,
                [
                    str(binaries / "initdb"),
                    *("-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"),
                    "--no-sync",
                ],
            ),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if initdb.returncode != 0:
            pytest.skip(f"initdb could not create a cluster: {initdb.stderr[-1000:]}")
        options = f"-h 127.0.0.1 -p {port} -k '' -c fsync=off -c full_page_writes=off"
        started = subprocess.run(
            [*pg_ctl, "-o", options, "-l", str(log), "-w", "-t", "60", "start"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if started.returncode != 0:
            server_log = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            pytest.skip(f"PostgreSQL server did not start: {started.stderr}{server_log}")
        server = PostgresServer(host="127.0.0.1", port=port, user="postgres")
        connection = wait_until(
            lambda: _try_connect(server), timeout=60, interval=0.5, what="PostgreSQL"
        )
        connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
        connection.close()
        yield server
    finally:
        subprocess.run(
            [*pg_ctl, "-m", "immediate", "-w", "-t", "60", "stop"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


def _try_connect(server: PostgresServer):
    try:
        return server.connect()
    except psycopg2.OperationalError:
        return None


def test_example_differs_from_the_single_machine_instance_only_in_storage() -> None:
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    single_machine = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    assert set(example["storage"]) == {"postgres"}
    for section in SHARED_SECTIONS:
        assert example.get(section) == single_machine.get(section), section


def test_multiprocess_example_loads_with_the_duckdb_pool(tmp_path: Path) -> None:
    shutil.copy(MULTIPROCESS_EXAMPLE, tmp_path / "dagster.yaml")
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1
        assert pools.pool_granularity == PoolGranularity.OP
        assert type(instance.run_launcher).__name__ == "DefaultRunLauncher"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    job = build_defs(None, tmp_path).resolve_job_def("daily_report_job")
    executor = validate_run_config(job, MULTIPROCESS_RUN_CONFIG)["execution"]
    # The job's default executor takes the multiprocess branch of this config.
    assert executor["multi_or_in_process_executor"]["multiprocess"]["max_concurrent"] == 4


def test_a_materialized_day_is_recorded_in_postgresql(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(EXAMPLE, home / "dagster.yaml")
    data_dir = tmp_path / "data"
    env = service_environment(
        home,
        data_dir,
        DAGSTER_PG_HOST=postgres_server.host,
        DAGSTER_PG_PORT=str(postgres_server.port),
        DAGSTER_PG_DB=DATABASE,
        DAGSTER_PG_USERNAME=postgres_server.user,
        DAGSTER_PG_PASSWORD="unused-with-trust-auth",
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "news_pipeline.cli",
            "run",
            "--date",
            DAY,
            "--data-dir",
            str(data_dir),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert (data_dir / "reports" / DAY / "report.json").exists()
    # No SQLite storage was written next to the example file.
    assert not (home / "history").exists()
    assert not list(home.rglob("*.db"))

    with postgres_server.connect(DATABASE) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT run_id, status, pipeline_name FROM runs")
        runs = cursor.fetchall()
        assert [(status, job) for _, status, job in runs] == [("SUCCESS", "daily_report_job")]
        run_id = runs[0][0]
        cursor.execute(
            "SELECT dagster_event_type, asset_key, partition FROM event_logs "
            "WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
            (run_id,),
        )
        materialized = {(asset_key, partition) for _, asset_key, partition in cursor.fetchall()}
        expected_assets = {
            "raw_articles",
            "cleaned_articles",
            "deduped_stories",
            "categorized_items",
            "edited_stories",
            "source_health",
            "daily_report",
            "report_archive",
            "report_deliveries",
        }
        assert {(f'["{name}"]', DAY) for name in expected_assets} == materialized
        cursor.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = 'STEP_FAILURE'")
        assert cursor.fetchone()[0] == 0

    # Every check of the job was evaluated in that run and passed, as read back from
    # PostgreSQL through the instance.
    expected_checks = {
        spec.name
        for checks in build_defs(None, data_dir).asset_checks
        for spec in checks.check_specs
    }
    for name, value in env.items():
        if name.startswith("DAGSTER_PG_"):
            monkeypatch.setenv(name, value)
    with DagsterInstance.from_config(str(home)) as instance:
        evaluations = [
            record.dagster_event.event_specific_data
            for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        ]
    assert {evaluation.check_name for evaluation in evaluations} == expected_checks
    assert [e.check_name for e in evaluations if not e.passed] == []
