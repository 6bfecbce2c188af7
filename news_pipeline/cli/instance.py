"""The Dagster instance `news-pipeline run` records its runs in.

`$DAGSTER_HOME` when the user set it (their instance, their settings, untouched); otherwise
`<data-dir>/dagster_home`, created with the project's instance settings (telemetry off, the
run queue, the DuckDB pool), the same file as the repository's dagster.yaml.
"""

from __future__ import annotations

import os
from pathlib import Path

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
