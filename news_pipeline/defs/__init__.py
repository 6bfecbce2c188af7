"""The Dagster wiring: assets, checks, resources, partitions, the job and its schedule.

`build_defs` is the one factory: `definitions.py` calls it lazily for `dagster dev`, the CLI
calls it for `news-pipeline run`, tests call it with their own files and servers. Nothing is
read from the environment or a file until it is called.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dagster import (
    AssetSelection,
    Definitions,
    LoggerDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from news_pipeline.defs.delivery.assets import build_report_archive, build_report_deliveries
from news_pipeline.defs.delivery.checks import build_report_deliveries_checks
from news_pipeline.defs.delivery.resources import DeliveryResource
from news_pipeline.defs.editor.assets import build_edited_stories
from news_pipeline.defs.editor.checks import build_edited_stories_checks
from news_pipeline.defs.editorial.assets import build_categorized_items
from news_pipeline.defs.editorial.checks import build_categorized_items_checks
from news_pipeline.defs.fetch.assets import build_raw_articles
from news_pipeline.defs.fetch.checks import build_raw_articles_checks
from news_pipeline.defs.health.assets import build_source_health
from news_pipeline.defs.health.checks import build_source_health_checks
from news_pipeline.defs.io_manager import NewsDuckDBIOManager
from news_pipeline.defs.report.assets import build_daily_report
from news_pipeline.defs.report.checks import build_daily_report_checks
from news_pipeline.defs.resources import (
    EditorialResource,
    EditorResource,
    HttpClientResource,
    OutputLocationResource,
    SourcesResource,
    StageProgressResource,
)
from news_pipeline.defs.stories.assets import build_deduped_stories
from news_pipeline.defs.stories.checks import build_deduped_stories_checks
from news_pipeline.defs.text.assets import build_cleaned_articles
from news_pipeline.defs.text.checks import build_cleaned_articles_checks
from news_pipeline.defs.wiring import DEFAULT_PARTITIONS_START, Wiring

PARTITIONS_START_ENV = "NEWS_PIPELINE_START_DATE"
JOB_NAME = "daily_report_job"
# Only report_deliveries: what `news-pipeline deliver` runs (and a resend from the UI).
DELIVERY_JOB_NAME = "report_deliveries_job"
# 07:00 in the partitions' timezone; each tick materializes the day that just ended.
SCHEDULE_HOUR = 7


def build_defs(
    sources_file: Path | None,
    data_dir: Path,
    *,
    partitions_start: str | None = None,
    resource_overrides: dict[str, Any] | None = None,
    loggers: dict[str, LoggerDefinition] | None = None,
) -> Definitions:
    """Definitions for one sources file (None: the bundled demo) and one data directory."""
    sources = (
        SourcesResource.demo()
        if sources_file is None
        else SourcesResource(sources_file=str(Path(sources_file).resolve()))
    )
    start = partitions_start or os.environ.get(PARTITIONS_START_ENV) or DEFAULT_PARTITIONS_START
    config = sources.load()
    wiring = Wiring.for_timezone(config.timezone, start)
    assets = [
        build_raw_articles(wiring),
        build_cleaned_articles(wiring),
        build_deduped_stories(wiring),
        build_categorized_items(wiring),
        build_edited_stories(wiring),
        build_source_health(wiring),
        build_daily_report(wiring),
        build_report_archive(wiring),
        build_report_deliveries(wiring),
    ]
    checks = [
        *build_raw_articles_checks(wiring),
        *build_cleaned_articles_checks(wiring),
        *build_deduped_stories_checks(wiring),
        *build_categorized_items_checks(wiring),
        *build_edited_stories_checks(wiring),
        *build_source_health_checks(wiring),
        *build_daily_report_checks(wiring),
        *build_report_deliveries_checks(wiring),
    ]
    job = define_asset_job(
        name=JOB_NAME,
        selection=AssetSelection.assets(*assets),
        description="Fetch, clean, dedupe, categorize and render one day of AI news.",
    )
    schedule = build_schedule_from_partitioned_job(job, hour_of_day=SCHEDULE_HOUR, minute_of_hour=0)
    delivery_job = define_asset_job(
        name=DELIVERY_JOB_NAME,
        selection=AssetSelection.assets("report_deliveries"),
        description="Send days' reports again to subscribers (news-pipeline deliver).",
    )
    output_location = OutputLocationResource(data_dir=str(Path(data_dir).resolve()))
    resources: dict[str, Any] = {
        "io_manager": NewsDuckDBIOManager(
            database=str(output_location.database_path), schema="main"
        ),
        "sources": sources,
        "http_client": HttpClientResource(),
        "output_location": output_location,
        "editorial": EditorialResource(),
        "editor": EditorResource.for_editor(config.editor),
        "stage_progress": StageProgressResource(),
        "delivery": DeliveryResource(),
        **(resource_overrides or {}),
    }
    return Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[job, delivery_job],
        schedules=[schedule],
        resources=resources,
        loggers=loggers,
    )
