"""The definitions: what they contain (a snapshot), how they load, the schedule, the
cross-day mapping, and the rule that stage code never imports Dagster."""

from __future__ import annotations

import ast
import itertools
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import AssetKey, Definitions, build_schedule_context

from news_pipeline.defs import build_defs
from news_pipeline_tests.paths import REPO_ROOT

STAGES = [
    "raw_articles",
    "cleaned_articles",
    "deduped_stories",
    "categorized_items",
    "edited_stories",
    "daily_report",
]
# Assets beside the chain, with their group.
PUBLISHING = {
    "source_health": "daily_report",
    "report_archive": "delivery",
    "report_deliveries": "delivery",
}
# Written by hand: a renamed, lost or added asset, check, job or schedule must be deliberate.
# (Check severities are what a failing evaluation returns: test_checks.py holds them.)
SNAPSHOT = {
    "assets": [*STAGES, *PUBLISHING],
    "checks": {
        "raw_articles": [
            ("raw_articles_every_source_answered", False),
            ("raw_articles_unique_per_source", True),
        ],
        "cleaned_articles": [
            ("cleaned_articles_have_text", True),
            ("cleaned_articles_no_replacement_characters", False),
        ],
        "deduped_stories": [
            ("deduped_stories_one_lead_each", True),
            ("deduped_stories_url_in_one_story", True),
        ],
        "categorized_items": [
            ("categorized_items_known_category", True),
            ("categorized_items_on_topic_have_tier", True),
            ("categorized_items_one_row_per_story", True),
        ],
        "edited_stories": [("edited_stories_few_rejected_answers", False)],
        "daily_report": [("daily_report_accounts_for_every_item", True)],
        "source_health": [("source_health_none_failing_3_days", False)],
        "report_deliveries": [("report_deliveries_every_delivery_arrived", False)],
    },
    "jobs": ["daily_report_job", "report_deliveries_job"],
    "schedules": [("daily_report_job_schedule", "0 7 * * *", "Asia/Shanghai")],
    "partitions": ("2026-01-01", "Asia/Shanghai"),
    "group": "daily_report",
}
STAGE_PACKAGES = ["fetch", "text", "stories", "editorial", "report", "delivery", "health"]


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> Definitions:
    return build_defs(None, tmp_path_factory.mktemp("data"))


def test_definitions_load_and_form_a_chain(defs: Definitions) -> None:
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    for upstream, downstream in itertools.pairwise(STAGES):
        assert AssetKey(upstream) in graph.get(AssetKey(downstream)).parent_keys


def test_snapshot_of_assets_checks_job_schedule_and_partitions(defs: Definitions) -> None:
    graph = defs.resolve_asset_graph()
    assert sorted(key.to_user_string() for key in graph.get_all_asset_keys()) == sorted(
        SNAPSHOT["assets"]
    )
    for stage in STAGES:
        assert graph.get(AssetKey(stage)).group_name == SNAPSHOT["group"]
    for name, group in PUBLISHING.items():
        assert graph.get(AssetKey(name)).group_name == group
    checks: dict[str, list[tuple[str, bool]]] = {}
    for checks_def in defs.asset_checks:
        for spec in checks_def.check_specs:
            checks.setdefault(spec.asset_key.to_user_string(), []).append(
                (spec.name, spec.blocking)
            )
    expected = {asset: sorted(entries) for asset, entries in SNAPSHOT["checks"].items()}
    assert {asset: sorted(entries) for asset, entries in checks.items()} == expected
    assert [job.name for job in defs.jobs] == SNAPSHOT["jobs"]
    schedules = []
    for unresolved in defs.schedules:
        schedule = defs.resolve_schedule_def(unresolved.name)
        schedules.append((schedule.name, schedule.cron_schedule, schedule.execution_timezone))
    assert schedules == SNAPSHOT["schedules"]
    partitions = defs.resolve_job_def("daily_report_job").partitions_def
    assert (partitions.start.date().isoformat(), partitions.timezone) == SNAPSHOT["partitions"]


def test_schedule_tick_targets_the_day_that_just_ended(defs: Definitions) -> None:
    schedule = defs.resolve_schedule_def("daily_report_job_schedule")
    tick = datetime(2026, 2, 16, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    context = build_schedule_context(scheduled_execution_time=tick)
    requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert [request.partition_key for request in requests] == ["2026-02-15"]


def test_publishing_assets_read_what_they_need(defs: Definitions) -> None:
    """Health before the report (report.json carries it); archive and deliveries after it."""
    graph = defs.resolve_asset_graph()
    parents = {
        name: {key.to_user_string() for key in graph.get(AssetKey(name)).parent_keys}
        for name in [*PUBLISHING, "daily_report"]
    }
    assert parents["source_health"] == {"raw_articles"}
    assert "source_health" in parents["daily_report"]
    assert parents["report_archive"] == parents["report_deliveries"] == {"daily_report"}
    job = defs.resolve_job_def("report_deliveries_job")
    assert sorted(node.name for node in job.graph.nodes) == [
        "report_deliveries",
        "report_deliveries_report_deliveries_every_delivery_arrived",
    ]


def test_every_dependency_between_assets_is_the_same_day(defs: Definitions) -> None:
    """A windowed mapping between two assets makes an asset backfill of some days also
    materialize every later day its window reaches, and their downstream days in turn (with
    source_health reading 30 days back, a 3-day backfill became five weeks of runs). Look-backs
    read stored rows instead; only deduped_stories' dependency on its own earlier days is
    windowed, and Dagster does not widen a backfill through a self-dependency."""
    graph = defs.resolve_asset_graph()
    partitions = graph.get(AssetKey("daily_report")).partitions_def
    day = partitions.subset_with_partition_keys(["2026-02-15"])
    widened = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        for parent in node.parent_keys:
            if parent == key or graph.get(parent).partitions_def is None:
                continue
            mapping = graph.get_partition_mapping(key, parent)
            upstream = mapping.get_upstream_mapped_partitions_result_for_partitions(
                day, partitions, partitions
            ).partitions_subset.get_partition_keys()
            if sorted(upstream) != ["2026-02-15"]:
                widened[(key.to_user_string(), parent.to_user_string())] = sorted(upstream)
    assert widened == {}


def test_dedupe_reads_its_own_previous_seven_days(defs: Definitions) -> None:
    """CONTRACT.md: a story of one of the previous 7 partitions is seen_before."""
    graph = defs.resolve_asset_graph()
    key = AssetKey("deduped_stories")
    node = graph.get(key)
    mapping = node.partition_mappings[key]
    partitions = node.partitions_def
    upstream = mapping.get_upstream_mapped_partitions_result_for_partitions(
        partitions.subset_with_partition_keys(["2026-02-15"]), partitions, partitions
    ).partitions_subset.get_partition_keys()
    assert sorted(upstream) == [f"2026-02-{day:02d}" for day in range(8, 15)]


def test_timezone_comes_from_the_sources_file(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "timezone: Europe/Berlin\nsources:\n"
        "  - {name: one, type: rss, url: 'https://example.org/feed.xml'}\n",
        encoding="utf-8",
    )
    defs = build_defs(sources, tmp_path / "data")
    partitions = defs.resolve_job_def("daily_report_job").partitions_def
    assert partitions.timezone == "Europe/Berlin"
    assert defs.resolve_schedule_def("daily_report_job_schedule").execution_timezone == (
        "Europe/Berlin"
    )


def test_nothing_is_read_when_the_definitions_module_is_imported(tmp_path: Path) -> None:
    """Importing works with a sources file that does not exist; loading names it."""
    environment = {**os.environ, "NEWS_PIPELINE_SOURCES": str(tmp_path / "missing.yaml")}
    script = (
        "import news_pipeline.definitions as module\n"
        "try:\n    module.defs()\nexcept Exception as error:\n    print('LOAD', error)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "LOAD" in completed.stdout and "missing.yaml" in completed.stdout


@pytest.mark.parametrize("package", STAGE_PACKAGES)
def test_stage_modules_never_import_dagster(package: str) -> None:
    offenders = []
    for path in sorted((REPO_ROOT / "news_pipeline" / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {name}" for name in names if name.split(".")[0].startswith("dagster")
            ]
    assert offenders == []


def test_dagster_cli_validates_the_workspace() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
