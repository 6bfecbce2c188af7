"""Shared fixtures: a temporary data directory and a real (SQLite) Dagster instance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult, instance_for_test, materialize

from news_pipeline.defs import build_defs
from news_pipeline.fetch import BodyStore

# The Chat Completions test server's fixture (`chat_server`), for every test module.
pytest_plugins = ["news_pipeline_tests.support.chat_server"]


@pytest.fixture
def body_store(tmp_path: Path) -> BodyStore:
    """An empty body store in the test's own directory."""
    return BodyStore(tmp_path / "bodies")


@pytest.fixture
def dagster_instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as instance:
        yield instance


def materialize_day(
    partition_key: str,
    data_dir: Path,
    instance: DagsterInstance,
    sources_file: Path | None = None,
    **resource_overrides: Any,
) -> ExecuteInProcessResult:
    """Materialize the whole graph and its checks for one day, as the job does."""
    defs = build_defs(sources_file, data_dir, resource_overrides=resource_overrides)
    return materialize(
        [*defs.assets, *defs.asset_checks],
        partition_key=partition_key,
        resources=defs.resources,
        instance=instance,
        raise_on_error=False,
    )
