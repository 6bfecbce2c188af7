"""The DuckDB polars IO manager, tolerant of tables that do not exist yet.

The stock handler fails when a downstream step (or the self-dependent dedupe asset looking
at earlier days) reads a table that no partition has written: on the first run ever, or when
every partition so far produced zero rows (the stock handler skips writing empty frames).
Such a read here returns the same column-less empty frame the stock handler returns for zero
partitions, which every stage already handles.

A table written by an earlier version may lack columns a stage has since gained (deduped_stories'
continues_story_id): the stock handler inserts by position and fails. Here missing columns are
added (NULL in the old rows, which is what they mean: no continuation was recorded) and rows are
inserted by name, so a data dir made by an earlier version keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from dagster import InputContext, MetadataValue, OutputContext, TableColumn, TableSchema
from dagster._core.storage.db_io_manager import DbTypeHandler, TableSlice
from dagster_duckdb_polars import DuckDBPolarsIOManager, DuckDBPolarsTypeHandler


class MissingTableTolerantPolarsTypeHandler(DuckDBPolarsTypeHandler):
    def load_input(
        self, context: InputContext, table_slice: TableSlice, connection
    ) -> pl.DataFrame:
        exists = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [table_slice.schema, table_slice.table],
        ).fetchone()[0]
        if not exists:
            return pl.DataFrame()
        return super().load_input(context, table_slice, connection)

    def handle_output(
        self, context: OutputContext, table_slice: TableSlice, obj: pl.DataFrame, connection
    ) -> None:
        if obj.is_empty():
            super().handle_output(context, table_slice, obj, connection)
            return
        table = f"{table_slice.schema}.{table_slice.table}"
        obj_arrow = obj.to_arrow()  # noqa: F841  (read by name in the SQL below)
        connection.execute(f"create schema if not exists {table_slice.schema};")
        existing = {
            name
            for (name,) in connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [table_slice.schema, table_slice.table],
            ).fetchall()
        }
        if not existing:
            connection.execute(f"create table {table} as select * from obj_arrow")
        else:
            described = connection.execute("describe select * from obj_arrow").fetchall()
            for name, column_type, *_ in described:
                if name not in existing:
                    connection.execute(f'alter table {table} add column "{name}" {column_type}')
            connection.execute(f"insert into {table} by name select * from obj_arrow")
        context.add_output_metadata(
            {
                "row_count": obj.shape[0],
                "dataframe_columns": MetadataValue.table_schema(
                    TableSchema(
                        columns=[
                            TableColumn(name=name, type=str(dtype))
                            for name, dtype in zip(obj.columns, obj.dtypes, strict=True)
                        ]
                    )
                ),
            }
        )


class NewsDuckDBIOManager(DuckDBPolarsIOManager):
    """One table per asset in `<data-dir>/news.duckdb`, partition rows keyed by partition_date."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [MissingTableTolerantPolarsTypeHandler()]
