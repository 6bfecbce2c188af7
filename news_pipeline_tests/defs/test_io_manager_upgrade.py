"""A data dir written by an earlier version keeps working: tables that lack a column the
stages have since gained get it (NULL in the old rows) and new rows are inserted by name."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import DagsterInstance

from news_pipeline_tests.conftest import materialize_day

NEW_COLUMNS = {
    "deduped_stories": ("continues_story_id", "continues_partition_date"),
    "categorized_items": ("continues_story_id", "continues_partition_date"),
}


def _columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in connection.execute(f"describe main.{table}").fetchall()]


def test_tables_of_an_earlier_version_gain_the_new_columns(tmp_path: Path) -> None:
    with DagsterInstance.ephemeral() as instance:
        assert materialize_day("2026-02-14", tmp_path, instance).success
        database = tmp_path / "news.duckdb"
        # what the previous version left: the same tables without the new columns
        with duckdb.connect(str(database)) as connection:
            for table, columns in NEW_COLUMNS.items():
                for column in columns:
                    connection.execute(f"alter table main.{table} drop column {column}")
            old_rows = connection.execute("select count(*) from main.deduped_stories").fetchone()
        assert materialize_day("2026-02-15", tmp_path, instance).success
    with duckdb.connect(str(database), read_only=True) as connection:
        for table, columns in NEW_COLUMNS.items():
            assert set(columns) <= set(_columns(connection, table)), table
        days = connection.execute(
            "select partition_date, count(*) from main.deduped_stories group by 1 order by 1"
        ).fetchall()
        earlier = connection.execute(
            "select count(*) from main.deduped_stories "
            "where partition_date = '2026-02-14' and continues_story_id is not null"
        ).fetchone()
    assert days[0][1] == old_rows[0] and len(days) == 2
    assert earlier[0] == 0  # the old rows read as continuing nothing
