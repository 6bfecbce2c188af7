"""The definitions load, expose the five assets with checks, and schedule the previous day."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from dagster import AssetKey, Definitions, build_schedule_context

from news_pipeline.definitions import daily_report_schedule, defs
from news_pipeline_tests.paths import REPO_ROOT as ROOT

STAGES = [
    "raw_articles",
    "cleaned_articles",
    "deduped_stories",
    "categorized_items",
    "daily_report",
]


def test_definitions_load_and_form_a_chain() -> None:
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    for upstream, downstream in itertools.pairwise(STAGES):
        assert AssetKey(upstream) in graph.get(AssetKey(downstream)).parent_keys
    checked = {key.asset_key.path[-1] for key in graph.asset_check_keys}
    assert checked == set(STAGES)


def test_schedule_tick_targets_the_day_that_just_ended() -> None:
    tick = datetime(2026, 2, 16, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    context = build_schedule_context(scheduled_execution_time=tick)
    requests = list(daily_report_schedule.evaluate_tick(context).run_requests or [])
    assert [request.partition_key for request in requests] == ["2026-02-15"]
    assert daily_report_schedule.execution_timezone == "Asia/Shanghai"


def test_dagster_cli_validates_the_workspace() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
