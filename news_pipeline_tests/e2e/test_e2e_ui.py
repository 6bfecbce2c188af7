"""The pipeline as users run it: a real dagster-webserver and dagster-daemon on 127.0.0.1.

A backfill of three days is launched through the webserver's GraphQL API exactly as the UI's
partition dialog sends it, the daemon runs it under the repository's dagster.yaml (queued run
coordinator, the "news_duckdb" pool limited to one step), and the outcome is read back from
the instance: every run succeeded, no step met a DuckDB lock, every check passed, each day has
its report. The webserver also evaluates the schedule and serves the asset graph to Chromium.

`NEWS_PIPELINE_E2E_LONG=1` adds the 14-day backfill that proves the concurrency mechanism
(about four minutes on two cores) and a stress test of three runs started at once outside
the queue (several minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus
from dagster._core.storage.dagster_run import RunsFilter

from news_pipeline.defs import build_defs
from news_pipeline_tests._dagster_services import (
    INSTANCE_CONFIG,
    LOCK_ERROR,
    REPO_ROOT,
    SCHEDULE_DRY_RUN,
    DagsterServices,
    initialize_instance_storage,
    launch_asset_backfill,
    prepare_dagster_home,
    running_dagster,
    service_environment,
    stop_process_group,
    venv_script,
)
from news_pipeline_tests.browser import Chromium, png_size, require_chromium

pytestmark = pytest.mark.e2e

ASSETS = [
    "raw_articles",
    "cleaned_articles",
    "deduped_stories",
    "categorized_items",
    "edited_stories",
    "source_health",
    "daily_report",
    "report_archive",
    "report_deliveries",
]
# Written from the check modules' docstrings: what each check guards, independent of any run.
CHECKS = {
    "raw_articles_unique_per_source",
    "raw_articles_every_source_answered",
    "cleaned_articles_have_text",
    "cleaned_articles_no_replacement_characters",
    "deduped_stories_one_lead_each",
    "deduped_stories_url_in_one_story",
    "categorized_items_known_category",
    "categorized_items_one_row_per_story",
    "categorized_items_on_topic_have_tier",
    "edited_stories_few_rejected_answers",
    "daily_report_accounts_for_every_item",
    "source_health_none_failing_3_days",
    "report_deliveries_every_delivery_arrived",
}
BACKFILL_DAYS = ["2026-02-13", "2026-02-14", "2026-02-15"]
PARALLEL_DAYS = ["2026-02-13", "2026-02-14", "2026-02-15"]
LONG_BACKFILL_DAYS = [(date(2026, 2, 2) + timedelta(days=n)).isoformat() for n in range(14)]
COMPLETED_STATUSES = {"COMPLETED", "COMPLETED_SUCCESS"}
SCHEDULE_NAME = "daily_report_job_schedule"
PARTITIONS_TIMEZONE = ZoneInfo("Asia/Shanghai")
LONG_RUN_ENV = "NEWS_PIPELINE_E2E_LONG"
DUCKDB_POOL = "news_duckdb"
POOL_WAIT_MESSAGE = f"blocked by limit for pool {DUCKDB_POOL}"
ATTEMPT_STARTS = {DagsterEventType.STEP_START, DagsterEventType.STEP_RESTARTED}
ATTEMPT_ENDS = {
    DagsterEventType.STEP_SUCCESS,
    DagsterEventType.STEP_FAILURE,
    DagsterEventType.STEP_UP_FOR_RETRY,
}


def instance_yaml() -> str:
    """The repository's dagster.yaml, with the UI's first-visit newsletter popup turned off
    (it would cover the asset graph in the screenshot; it changes nothing else)."""
    text = INSTANCE_CONFIG.read_text(encoding="utf-8")
    return text if "\nnux:" in text else text + "\nnux:\n  enabled: false\n"


@dataclass
class RunsOutcome:
    """Finished runs and everything the instance recorded about them."""

    seconds: float
    runs: list[DagsterRun]
    events_by_run: dict[str, list[str]]
    check_results: list[tuple[str, bool]]
    materialized: dict[str, set[str]]
    step_retries: int
    pool_waits: int
    # (start, end, run id, step key) of every attempt of a step in the DuckDB pool.
    pooled_attempts: list[tuple[float, float, str, str]]
    backfill: dict[str, Any] = field(default_factory=dict)

    @property
    def run_retries(self) -> int:
        return sum("dagster/retry_number" in run.tags for run in self.runs)

    def summary(self, label: str) -> str:
        return (
            f"{label}: {self.seconds:.0f}s, {len(self.runs)} runs, {self.run_retries} run "
            f"retries, {self.step_retries} step retries, {self.pool_waits} steps waited "
            f"for the {DUCKDB_POOL} pool"
        )


def pooled_step_keys() -> set[str]:
    """Step keys of the assets and checks that declare the DuckDB pool."""
    defs = build_defs(None, Path("data"))
    return {
        definition.op.name
        for definition in [*defs.assets, *defs.asset_checks]
        if definition.op.pool == DUCKDB_POOL
    }


def read_outcome(home: Path, runs_filter: RunsFilter | None, seconds: float) -> RunsOutcome:
    """Runs, check results, retries and pooled step attempts from the instance's records."""
    pooled = pooled_step_keys()
    events_by_run: dict[str, list[str]] = {}
    check_results: list[tuple[str, bool]] = []
    attempts: list[tuple[float, float, str, str]] = []
    step_retries = pool_waits = 0
    with DagsterInstance.from_config(str(home)) as instance:
        runs = list(instance.get_runs(runs_filter))
        for run in runs:
            texts = []
            attempt_started: dict[str, float] = {}
            for entry in instance.all_logs(run.run_id):
                texts.append(f"{entry.user_message}\n{entry.dagster_event!r}")
                pool_waits += POOL_WAIT_MESSAGE in (entry.user_message or "")
                event = entry.dagster_event
                if event is None:
                    continue
                kind = event.event_type
                if kind == DagsterEventType.ASSET_CHECK_EVALUATION:
                    evaluation = event.event_specific_data
                    check_results.append((evaluation.asset_check_key.name, evaluation.passed))
                step_retries += kind == DagsterEventType.STEP_UP_FOR_RETRY
                if entry.step_key not in pooled:
                    continue
                if kind in ATTEMPT_STARTS:
                    attempt_started[entry.step_key] = entry.timestamp
                elif kind in ATTEMPT_ENDS and entry.step_key in attempt_started:
                    begin = attempt_started.pop(entry.step_key)
                    attempts.append((begin, entry.timestamp, run.run_id, entry.step_key))
            events_by_run[run.run_id] = texts
        materialized = {
            name: set(instance.get_materialized_partitions(AssetKey(name))) for name in ASSETS
        }
    return RunsOutcome(
        seconds=seconds,
        runs=runs,
        events_by_run=events_by_run,
        check_results=check_results,
        materialized=materialized,
        step_retries=step_retries,
        pool_waits=pool_waits,
        pooled_attempts=sorted(attempts),
    )


def run_backfill(services: DagsterServices, days: list[str], timeout: float) -> RunsOutcome:
    started = time.monotonic()
    backfill_id = launch_asset_backfill(services, ASSETS, days)
    backfill = services.wait_for_backfill(backfill_id, timeout=timeout)
    outcome = read_outcome(
        services.home,
        RunsFilter(tags={"dagster/backfill": backfill_id}),
        time.monotonic() - started,
    )
    outcome.backfill = backfill
    return outcome


def compute_logs_mentioning(home: Path, needle: str) -> list[Path]:
    """Captured stdout/stderr files of the steps that contain `needle`."""
    return [
        path
        for path in home.rglob("*")
        if path.is_file()
        and path.suffix in {".err", ".out", ".log"}
        and needle in path.read_text(encoding="utf-8", errors="replace")
    ]


def assert_runs_succeeded(outcome: RunsOutcome, days: list[str], home: Path) -> None:
    """Every run succeeded, none met the DuckDB lock, every day of every asset exists, and
    no two steps that open news.duckdb ever ran at the same time (the pool's promise)."""
    assert outcome.runs, "no run was recorded"
    failed = [
        (run.run_id, run.status) for run in outcome.runs if run.status != DagsterRunStatus.SUCCESS
    ]
    assert not failed, failed
    locked = [
        run_id for run_id, texts in outcome.events_by_run.items() if LOCK_ERROR in "".join(texts)
    ]
    assert not locked, f"runs whose event log reports a DuckDB lock error: {locked}"
    assert not compute_logs_mentioning(home, LOCK_ERROR)
    for name in ASSETS:
        missing = set(days) - outcome.materialized[name]
        assert not missing, f"{name} not materialized for {sorted(missing)}"
    assert {step for *_, step in outcome.pooled_attempts} >= set(ASSETS)
    for earlier, later in zip(outcome.pooled_attempts, outcome.pooled_attempts[1:], strict=False):
        assert later[0] >= earlier[1], f"pooled steps overlapped: {earlier} and {later}"
    failed_checks = [name for name, passed in outcome.check_results if not passed]
    assert not failed_checks, failed_checks


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterServices]:
    with running_dagster(tmp_path_factory.mktemp("e2e"), instance_yaml=instance_yaml()) as running:
        yield running


@pytest.fixture(scope="module")
def three_day_backfill(services: DagsterServices) -> RunsOutcome:
    outcome = run_backfill(services, BACKFILL_DAYS, timeout=420)
    print(outcome.summary("3-day backfill"))
    return outcome


def test_backfill_from_the_ui_completes_without_lock_errors(
    three_day_backfill: RunsOutcome, services: DagsterServices
) -> None:
    assert three_day_backfill.backfill["isAssetBackfill"] is True
    assert sorted(three_day_backfill.backfill["partitionNames"]) == BACKFILL_DAYS
    assert three_day_backfill.backfill["status"] in COMPLETED_STATUSES, three_day_backfill.backfill
    assert_runs_succeeded(three_day_backfill, BACKFILL_DAYS, services.home)


def test_every_backfilled_day_has_its_three_reports(
    three_day_backfill: RunsOutcome, services: DagsterServices
) -> None:
    for day in BACKFILL_DAYS:
        folder = services.data_dir / "reports" / day
        for name in ("report.md", "report.html", "report.json"):
            assert (folder / name).stat().st_size > 0, folder / name
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert report["date"] == day
        assert report["timezone"] == "Asia/Shanghai"
    # The demo corpus has stories on the 14th and 15th (news_pipeline/demo/expected.yaml).
    for day in ("2026-02-14", "2026-02-15"):
        report = json.loads((services.data_dir / "reports" / day / "report.json").read_text())
        assert report["stories"], f"no story in the report of {day}"


def test_every_asset_check_ran_and_passed(three_day_backfill: RunsOutcome) -> None:
    evaluated = {name for name, _ in three_day_backfill.check_results}
    assert evaluated == CHECKS
    failed = [name for name, passed in three_day_backfill.check_results if not passed]
    assert not failed, failed


def _shanghai_tick(day: date) -> float:
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=PARTITIONS_TIMEZONE).timestamp()


def _dry_run_partitions(services: DagsterServices, timestamp: float) -> list[str]:
    location, repository = services.code_location()
    selector = {
        "repositoryLocationName": location,
        "repositoryName": repository,
        "scheduleName": SCHEDULE_NAME,
    }
    data = services.graphql(SCHEDULE_DRY_RUN, {"selectorData": selector, "timestamp": timestamp})
    tick = data["scheduleDryRun"]
    assert tick["__typename"] == "DryRunInstigationTick", tick
    result = tick["evaluationResult"]
    assert result["error"] is None, result["error"]
    return [
        tag["value"]
        for request in result["runRequests"]
        for tag in request["tags"]
        if tag["key"] == "dagster/partition"
    ]


def test_schedule_evaluated_by_the_webserver_targets_the_previous_day(
    services: DagsterServices,
) -> None:
    assert _dry_run_partitions(services, _shanghai_tick(date(2026, 2, 16))) == ["2026-02-15"]
    # The tick this morning (Asia/Shanghai) asks for yesterday's partition.
    today = datetime.now(UTC).astimezone(PARTITIONS_TIMEZONE).date()
    expected = (today - timedelta(days=1)).isoformat()
    assert _dry_run_partitions(services, _shanghai_tick(today)) == [expected]


def test_asset_graph_page_renders_in_headless_chromium(
    three_day_backfill: RunsOutcome, services: DagsterServices, tmp_path: Path
) -> None:
    chromium = Chromium(require_chromium(), tmp_path / "profile")
    location, repository = services.code_location()
    page = f"{services.url}/locations/{repository}@{location}/asset-groups/daily_report"
    rendered = chromium.render(page, virtual_time_ms=15000)
    missing = [name for name in ASSETS if name not in rendered.dom]
    assert not missing, f"asset graph DOM lacks {missing}"
    assert "Materialize" in rendered.dom
    screenshot = chromium.screenshot(page, tmp_path / "asset_graph.png", virtual_time_ms=15000)
    blank = chromium.screenshot("about:blank", tmp_path / "blank.png", virtual_time_ms=1000)
    assert png_size(screenshot) == png_size(blank) == (1400, 900)
    # A drawn page compresses far worse than an empty one of the same size.
    assert screenshot.stat().st_size > 5 * blank.stat().st_size
    print(f"asset graph screenshot: {screenshot}")


@pytest.mark.skipif(
    os.environ.get(LONG_RUN_ENV) != "1", reason=f"14-day backfill runs only with {LONG_RUN_ENV}=1"
)
def test_fourteen_day_backfill_with_default_settings(tmp_path: Path) -> None:
    with running_dagster(tmp_path, instance_yaml=instance_yaml()) as long_services:
        outcome = run_backfill(long_services, LONG_BACKFILL_DAYS, timeout=1800)
        print(outcome.summary("14-day backfill"))
        assert outcome.backfill["status"] in COMPLETED_STATUSES, outcome.backfill
        assert_runs_succeeded(outcome, LONG_BACKFILL_DAYS, long_services.home)
        for day in LONG_BACKFILL_DAYS:
            assert (long_services.data_dir / "reports" / day / "report.json").exists(), day


@pytest.mark.skipif(
    os.environ.get(LONG_RUN_ENV) != "1", reason=f"parallel runs test only with {LONG_RUN_ENV}=1"
)
def test_parallel_runs_of_different_days_share_one_database(tmp_path: Path) -> None:
    """Stress: one `dagster job execute` per day, all started at once on one news.duckdb.

    Nothing but the instance's pool coordinates them (no queue, no backfill daemon).
    """
    home = prepare_dagster_home(tmp_path / "dagster_home", INSTANCE_CONFIG.read_text("utf-8"))
    initialize_instance_storage(home)
    env = service_environment(home, tmp_path / "data")
    command = [venv_script("dagster"), "job", "execute", "-m", "news_pipeline.definitions"]
    command += ["-a", "defs", "-j", "daily_report_job"]
    started = time.monotonic()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for day in PARALLEL_DAYS:
            with (tmp_path / f"{day}.log").open("wb") as log:
                processes[day] = subprocess.Popen(
                    [*command, "--tags", json.dumps({"dagster/partition": day})],
                    cwd=REPO_ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        exit_codes = {day: process.wait(timeout=1800) for day, process in processes.items()}
    finally:
        for process in processes.values():
            stop_process_group(process)
    outcome = read_outcome(home, None, time.monotonic() - started)
    print(outcome.summary(f"{len(PARALLEL_DAYS)} parallel runs"))
    assert exit_codes == dict.fromkeys(PARALLEL_DAYS, 0)
    assert_runs_succeeded(outcome, PARALLEL_DAYS, home)
