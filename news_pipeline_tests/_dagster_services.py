"""A real `dagster-webserver` and `dagster-daemon` for end-to-end tests, and what to ask them.

The services run as subprocesses of the repository root with a temporary `DAGSTER_HOME`, in
their own process group so that teardown also ends the code servers and run workers they
start. Every wait polls a condition against a deadline; nothing sleeps blindly.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from dagster import DagsterInstance

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKSPACE = REPO_ROOT / "workspace.yaml"
INSTANCE_CONFIG = REPO_ROOT / "dagster.yaml"
LOCK_ERROR = "Could not set lock"
# Daemons a UI backfill and the run queue depend on.
REQUIRED_DAEMONS = frozenset({"BACKFILL", "QUEUED_RUN_COORDINATOR", "SCHEDULER"})
TERMINAL_BACKFILL_STATUSES = frozenset(
    {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
)

T = TypeVar("T")


class ServiceError(RuntimeError):
    """A service died, answered with an error, or missed its deadline."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def venv_script(name: str) -> str:
    """A console script installed next to the running interpreter (the project's venv)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise ServiceError(f"{name} is not installed next to {sys.executable} nor on PATH")
    return found


def prepare_dagster_home(home: Path, instance_yaml: str | None = None) -> Path:
    """A fresh DAGSTER_HOME holding the repository's dagster.yaml (or the given text)."""
    home.mkdir(parents=True, exist_ok=True)
    text = instance_yaml if instance_yaml is not None else INSTANCE_CONFIG.read_text("utf-8")
    (home / "dagster.yaml").write_text(text, encoding="utf-8")
    return home


def initialize_instance_storage(home: Path) -> None:
    """Create the home's databases once, before the services start.

    Two processes that open a fresh SQLite home at the same moment (webserver and daemon
    started together) can both stamp the schema and leave the instance unusable ("Version
    table 'alembic_version' has more than one head present"); `dagster instance migrate`
    before the first start does the same as this for a deployment.
    """
    with DagsterInstance.from_config(str(home)) as instance:
        instance.upgrade()


def service_environment(home: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a user running the project: bundled demo sources, own home/data."""
    env = {key: value for key, value in os.environ.items() if key != "NEWS_PIPELINE_SOURCES"}
    env.update(
        DAGSTER_HOME=str(home),
        NEWS_PIPELINE_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 1.0,
    what: str,
    alive: Callable[[], None] | None = None,
) -> T:
    """Poll `probe` until it returns something other than None; fail after `timeout` seconds.

    `alive` is called before each attempt so that a crashed service fails the wait at once
    instead of at the deadline.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        if alive is not None:
            alive()
        try:
            value = probe()
        except (httpx.HTTPError, ServiceError) as error:
            value, last_error = None, error
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise ServiceError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def stop_process_group(process: subprocess.Popen[bytes], grace_seconds: float = 20) -> None:
    """SIGTERM the whole process group, then SIGKILL what is left; every wait is bounded."""
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            process.poll()  # reap the leader so that it does not keep the group alive
            if not _group_alive(process.pid):
                return
            time.sleep(0.2)
    process.poll()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except FileNotFoundError:
        return ""


@dataclass
class DagsterServices:
    """A running webserver + daemon pair and the handles a test needs."""

    home: Path
    data_dir: Path
    log_dir: Path
    url: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def log_tail(self, name: str) -> str:
        return _tail(self.log_dir / f"{name}.log")

    def assert_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ServiceError(
                    f"{name} exited with {process.returncode}:\n{self.log_tail(name)}"
                )

    def graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, timeout: float = 120
    ) -> dict[str, Any]:
        """POST a query as the UI does; raise on transport or GraphQL errors."""
        response = httpx.post(
            self.graphql_url,
            json={"query": query, "variables": dict(variables or {})},
            timeout=timeout,
        )
        response.raise_for_status()
        payload = response.json()
        if payload.get("errors"):
            raise ServiceError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def code_location(self) -> tuple[str, str]:
        """(location name, repository name) of the loaded workspace entry."""
        data = self.graphql(REPOSITORIES_QUERY)
        repositories = data["repositoriesOrError"]
        if repositories.get("__typename") != "RepositoryConnection":
            raise ServiceError(f"workspace not loaded: {repositories}")
        node = repositories["nodes"][0]
        return node["location"]["name"], node["name"]

    def wait_for_backfill(self, backfill_id: str, timeout: float) -> dict[str, Any]:
        """Poll the backfill until it reaches a terminal status; return its last state."""

        def finished() -> dict[str, Any] | None:
            data = self.graphql(BACKFILL_STATUS_QUERY, {"backfillId": backfill_id})
            backfill = data["partitionBackfillOrError"]
            if backfill.get("__typename") != "PartitionBackfill":
                raise ServiceError(f"backfill lookup failed: {backfill}")
            return backfill if backfill["status"] in TERMINAL_BACKFILL_STATUSES else None

        return wait_until(
            finished,
            timeout=timeout,
            interval=2.0,
            what=f"backfill {backfill_id}",
            alive=self.assert_alive,
        )


REPOSITORIES_QUERY = """
query Repositories {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } } }
    ... on PythonError { message }
  }
}
"""

WORKSPACE_QUERY = """
query Workspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
        }
      }
    }
  }
}
"""

DAEMON_HEALTH_QUERY = """
query DaemonHealth {
  instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } }
}
"""

# The mutation the UI sends from the asset graph's "Materialize" partitions dialog.
LAUNCH_PARTITION_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PartitionSetNotFoundError { message }
    ... on PartitionKeysNotFoundError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { stepKey invalidOutputName }
    ... on UnauthorizedError { message }
    ... on PipelineNotFoundError { message }
    ... on RunConflict { message }
    ... on ConflictingExecutionParamsError { message }
    ... on PresetNotFoundError { message }
    ... on PythonError { message stack }
    ... on InvalidSubsetError { message }
  }
}
"""

BACKFILL_STATUS_QUERY = """
query Backfill($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill {
      id
      status
      numPartitions
      partitionNames
      isAssetBackfill
      error { message }
    }
    ... on PythonError { message }
    ... on BackfillNotFoundError { message }
  }
}
"""

SCHEDULE_DRY_RUN = """
mutation ScheduleDryRun($selectorData: ScheduleSelector!, $timestamp: Float) {
  scheduleDryRun(selectorData: $selectorData, timestamp: $timestamp) {
    __typename
    ... on DryRunInstigationTick {
      timestamp
      evaluationResult {
        runRequests { runKey jobName tags { key value } }
        skipReason
        error { message }
      }
    }
    ... on PythonError { message stack }
    ... on ScheduleNotFoundError { message }
  }
}
"""

# The UI marks everything it launches with this tag.
UI_EXECUTION_TAGS = [{"key": "dagster/from_ui", "value": "true"}]


def launch_asset_backfill(
    services: DagsterServices, asset_names: list[str], partition_keys: list[str]
) -> str:
    """Launch a backfill of the assets over the partitions, as the UI's dialog does."""
    params = {
        "tags": UI_EXECUTION_TAGS,
        "assetSelection": [{"path": [name]} for name in asset_names],
        "partitionNames": partition_keys,
        "fromFailure": False,
    }
    result = services.graphql(LAUNCH_PARTITION_BACKFILL, {"backfillParams": params})
    launched = result["launchPartitionBackfill"]
    if launched["__typename"] != "LaunchBackfillSuccess":
        raise ServiceError(f"backfill was not launched: {launched}")
    return str(launched["backfillId"])


def _location_loaded(services: DagsterServices) -> bool | None:
    data = services.graphql(WORKSPACE_QUERY, timeout=30)
    workspace = data["workspaceOrError"]
    entries = workspace.get("locationEntries") or []
    if not entries or any(entry["loadStatus"] != "LOADED" for entry in entries):
        return None
    errors = [
        entry["locationOrLoadError"]
        for entry in entries
        if entry["locationOrLoadError"]["__typename"] != "RepositoryLocation"
    ]
    if errors:
        raise AssertionError(f"code location failed to load: {errors}")
    return True


def _daemons_healthy(services: DagsterServices) -> bool | None:
    data = services.graphql(DAEMON_HEALTH_QUERY, timeout=30)
    statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    healthy = {status["daemonType"] for status in statuses if status["healthy"]}
    return True if healthy >= REQUIRED_DAEMONS else None


@contextmanager
def running_dagster(
    workdir: Path,
    *,
    instance_yaml: str | None = None,
    startup_timeout: float = 180,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[DagsterServices]:
    """Start webserver and daemon on 127.0.0.1 for a home and data dir under `workdir`."""
    home = prepare_dagster_home(workdir / "dagster_home", instance_yaml)
    data_dir = workdir / "data"
    log_dir = workdir / "logs"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    services = DagsterServices(
        home=home, data_dir=data_dir, log_dir=log_dir, url=f"http://127.0.0.1:{port}"
    )
    env = service_environment(home, data_dir, **dict(extra_env or {}))
    initialize_instance_storage(home)
    commands = {
        "webserver": [
            venv_script("dagster-webserver"),
            *("-w", str(WORKSPACE), "-h", "127.0.0.1", "-p", str(port)),
        ],
        "daemon": [venv_script("dagster-daemon"), "run", "-w", str(WORKSPACE)],
    }
    try:
        for name, command in commands.items():
            with (log_dir / f"{name}.log").open("wb") as log:
                services.processes[name] = subprocess.Popen(
                    command,
                    cwd=REPO_ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        wait_until(
            lambda: _location_loaded(services),
            timeout=startup_timeout,
            what="the webserver to load the code location",
            alive=services.assert_alive,
        )
        wait_until(
            lambda: _daemons_healthy(services),
            timeout=startup_timeout,
            what="the daemon's heartbeats",
            alive=services.assert_alive,
        )
        yield services
    finally:
        for process in services.processes.values():
            stop_process_group(process)
