"""The Dagster definitions: the daily-report graph, its job, schedule and resources.

`dagster dev -w workspace.yaml`, `dg dev` and `news-pipeline run` all load this module. The
sources file and the data directory come from `$NEWS_PIPELINE_SOURCES` and
`$NEWS_PIPELINE_DATA_DIR` (CONTRACT.md), read when the module is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagster import (
    AssetSelection,
    Definitions,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from news_pipeline.defs.assets import all_asset_checks, all_assets, daily_partitions
from news_pipeline.defs.io_manager import NewsDuckDBIOManager
from news_pipeline.defs.resources import (
    EditorialResource,
    HttpClientResource,
    OutputLocationResource,
    SourcesResource,
    default_data_dir,
    default_sources_path,
)

daily_report_job = define_asset_job(
    name="daily_report_job",
    selection=AssetSelection.assets(*all_assets),
    partitions_def=daily_partitions,
    description="Fetch, clean, dedupe, categorize and render one day of AI news.",
)

# 07:00 in the partitions' timezone; each tick materializes the day that just ended.
daily_report_schedule = build_schedule_from_partitioned_job(
    daily_report_job, hour_of_day=7, minute_of_hour=0
)


def build_resources(
    data_dir: Path | None = None, sources_file: Path | None = None, **overrides: Any
) -> dict[str, Any]:
    """Resources for one data directory and sources file (tests and the CLI pass their own)."""
    data_dir = data_dir or default_data_dir()
    output_location = OutputLocationResource(data_dir=str(data_dir))
    resources: dict[str, Any] = {
        "io_manager": NewsDuckDBIOManager(
            database=str(output_location.database_path), schema="main"
        ),
        "sources": SourcesResource(sources_file=str(sources_file or default_sources_path())),
        "http_client": HttpClientResource(),
        "output_location": output_location,
        "editorial": EditorialResource(),
    }
    resources.update(overrides)
    return resources


defs = Definitions(
    assets=all_assets,
    asset_checks=all_asset_checks,
    jobs=[daily_report_job],
    schedules=[daily_report_schedule],
    resources=build_resources(),
)
