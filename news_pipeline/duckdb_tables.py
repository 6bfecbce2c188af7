"""Tables that a stage keeps in the pipeline's DuckDB file itself, beside the IO manager's:
the HTTP cache's validators, the editor's answers, the delivery ledger."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb


class DuckDBTables:
    """Creates its tables on first use and opens one short connection per operation, so the
    file is never held open between the steps that share it (DuckDB allows one writer)."""

    def __init__(self, database_path: Path, create_statements: Sequence[str]) -> None:
        self.database_path = Path(database_path)
        self.database_path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            for statement in create_statements:
                connection.execute(statement)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """A connection to use as a context manager: it is closed when the block ends."""
        return duckdb.connect(str(self.database_path))
