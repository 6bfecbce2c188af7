"""ETag / Last-Modified validators remembered between runs, in DuckDB.

Re-materializing a partition then asks servers "has this changed?" instead of downloading
every feed and page again. Each entry points at its body in the BodyStore by content hash,
so the same page served under many URLs (tracking parameters, mirrors) is stored once.

Connections are opened per call and closed before returning: the same DuckDB file is used
by Dagster's IO manager, which must be able to open it between our calls. Lookups and
stores come in batches because opening a connection costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from news_pipeline.duckdb_tables import DuckDBTables
from news_pipeline.fetch.body_store import BodyStore

ENTRIES_TABLE = "http_cache_entries"

_CREATE_ENTRIES = f"""
CREATE TABLE IF NOT EXISTS {ENTRIES_TABLE} (
    url VARCHAR PRIMARY KEY,
    etag VARCHAR,
    last_modified VARCHAR,
    content_type VARCHAR,
    content_hash VARCHAR NOT NULL,
    stored_at TIMESTAMP NOT NULL
)
"""


@dataclass(frozen=True)
class CachedResponse:
    """What a previous 200 response left behind for one URL."""

    url: str
    etag: str | None
    last_modified: str | None
    content_type: str | None
    content_hash: str


class HttpCache(DuckDBTables):
    """Validators per URL in one DuckDB file; the bodies they describe in a BodyStore."""

    def __init__(self, database_path: Path, bodies: BodyStore) -> None:
        self.bodies = bodies
        super().__init__(database_path, [_CREATE_ENTRIES])

    def lookup_many(self, urls: Iterable[str]) -> dict[str, CachedResponse]:
        """Cached validators for the URLs that have them and whose body is still stored
        (a 304 is only useful if we can produce the body it refers to)."""
        wanted = sorted(set(urls))
        if not wanted:
            return {}
        with self._connect() as connection:
            rows = connection.execute(
                f"""
                SELECT url, etag, last_modified, content_type, content_hash
                FROM {ENTRIES_TABLE}
                WHERE list_contains(?, url)
                """,
                [wanted],
            ).fetchall()
        return {
            row[0]: CachedResponse(
                url=row[0],
                etag=row[1],
                last_modified=row[2],
                content_type=row[3],
                content_hash=row[4],
            )
            for row in rows
            if row[4] in self.bodies
        }

    def lookup(self, url: str) -> CachedResponse | None:
        return self.lookup_many([url]).get(url)

    def store_many(self, responses: Iterable[CachedResponse]) -> None:
        """Remember responses (last one wins per URL); their bodies must already be in the
        body store."""
        by_url = {response.url: response for response in responses}
        if not by_url:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        entries = pl.DataFrame(
            {
                "url": [r.url for r in by_url.values()],
                "etag": [r.etag for r in by_url.values()],
                "last_modified": [r.last_modified for r in by_url.values()],
                "content_type": [r.content_type for r in by_url.values()],
                "content_hash": [r.content_hash for r in by_url.values()],
                "stored_at": [now] * len(by_url),
            },
            schema={
                "url": pl.String(),
                "etag": pl.String(),
                "last_modified": pl.String(),
                "content_type": pl.String(),
                "content_hash": pl.String(),
                "stored_at": pl.Datetime("us"),
            },
        )
        with self._connect() as connection:
            connection.register("incoming_entries", entries.to_arrow())
            connection.execute(
                f"""
                INSERT INTO {ENTRIES_TABLE}
                SELECT url, etag, last_modified, content_type, content_hash, stored_at
                FROM incoming_entries
                ON CONFLICT (url) DO UPDATE SET
                    etag = excluded.etag,
                    last_modified = excluded.last_modified,
                    content_type = excluded.content_type,
                    content_hash = excluded.content_hash,
                    stored_at = excluded.stored_at
                """
            )

    def counts(self) -> tuple[int, int]:
        """(entries, distinct bodies), for metadata and tests."""
        with self._connect() as connection:
            entries = connection.execute(f"SELECT count(*) FROM {ENTRIES_TABLE}").fetchone()
            bodies = connection.execute(
                f"SELECT count(DISTINCT content_hash) FROM {ENTRIES_TABLE}"
            ).fetchone()
        return (int(entries[0]) if entries else 0, int(bodies[0]) if bodies else 0)
