"""source_health through Dagster: a week of stored raw_articles in which one source fails on
days 3 to 6, materialized day by day in reverse order (as an out-of-order backfill would),
read back from DuckDB, and its warning check naming the source from the third day on."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
from dagster import AssetsDefinition, AssetSelection, DagsterInstance, asset, materialize

from news_pipeline.defs import build_defs
from news_pipeline_tests.stages.health.week import WEEK, week_of_raw_articles

SOURCES_YAML = """timezone: Asia/Shanghai
sources:
  - {name: alpha, type: rss, url: "https://alpha.example.com/rss"}
  - {name: beta, type: rss, url: "https://beta.example.com/rss"}
"""


def _stored_raw_articles(partitions) -> AssetsDefinition:
    raw = week_of_raw_articles()

    @asset(
        name="raw_articles",
        partitions_def=partitions,
        metadata={"partition_expr": "partition_date"},
    )
    def stand_in(context) -> pl.DataFrame:
        day = context.partition_time_window.start.date()
        return raw.filter(pl.col("partition_date") == day)

    return stand_in


def test_a_week_backfilled_in_reverse_order(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES_YAML, encoding="utf-8")
    (tmp_path / "data").mkdir()
    defs = build_defs(sources, tmp_path / "data", partitions_start="2026-02-01")
    partitions = defs.resolve_job_def("daily_report_job").partitions_def
    stored = _stored_raw_articles(partitions)
    health = next(a for a in defs.assets if a.key.to_user_string() == "source_health")
    checks = [c for c in defs.asset_checks if any(s.asset_key == health.key for s in c.check_specs)]
    assert len(checks) == 1
    warned = {}
    with DagsterInstance.ephemeral() as instance:
        for day in WEEK:
            materialize(
                [stored], partition_key=day.isoformat(), instance=instance, resources=defs.resources
            )
        for day in reversed(WEEK):
            result = materialize(
                [stored, health, *checks],
                selection=AssetSelection.assets(health.key),
                partition_key=day.isoformat(),
                instance=instance,
                resources=defs.resources,
            )
            assert result.success
            (evaluation,) = result.get_asset_check_evaluations()
            warned[day] = None if evaluation.passed else evaluation.metadata["sources"].value
    with duckdb.connect(str(tmp_path / "data" / "news.duckdb"), read_only=True) as connection:
        table = connection.execute(
            "select partition_date, source, listed, fetched, failed, status, failing_days "
            "from source_health order by partition_date, source"
        ).pl()
    beta = table.filter(pl.col("source") == "beta")
    assert beta["failing_days"].to_list() == [0, 0, 1, 2, 3, 4, 0]
    assert beta["status"].to_list() == [
        "ok",
        "ok",
        "failing",
        "failing",
        "failing",
        "failing",
        "ok",
    ]
    assert set(table.filter(pl.col("source") == "alpha")["status"]) == {"ok"}
    assert [warned[day] for day in WEEK] == [None, None, None, None, "beta", "beta", None]
    (tmp_path / "health_week.json").write_text(
        json.dumps(table.to_dicts(), default=str), encoding="utf-8"
    )
