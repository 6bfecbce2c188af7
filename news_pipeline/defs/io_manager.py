"""The DuckDB polars IO manager, tolerant of tables that do not exist yet.

The stock handler fails when a downstream step (or the self-dependent dedupe asset looking
at earlier days) reads a table that no partition has written: on the first run ever, or when
every partition so far produced zero rows (the stock handler skips writing empty frames).
Such a read here returns the same column-less empty frame the stock handler returns for zero
partitions, which every stage already handles.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from dagster import InputContext
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


class NewsDuckDBIOManager(DuckDBPolarsIOManager):
    """One table per asset in `<data-dir>/news.duckdb`, partition rows keyed by partition_date."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [MissingTableTolerantPolarsTypeHandler()]
