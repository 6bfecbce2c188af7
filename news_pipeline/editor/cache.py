"""The editor's memory in DuckDB: answers by cache key, and a ledger of every request sent.

Both are tables of `<data-dir>/news.duckdb`, next to the HTTP cache's validators: the editor
runs inside the asset pool that already serialises every writer of that file, one file holds
everything a day's report was made from (one file to back up, and to search for a leaked
key), and a separate file would need a lock of its own. Connections are opened per call and
closed before returning, so the IO manager can open the file between our calls.

`editor_answers`: the last answer the model gave for a key (the hash of model, prompt version
and the story as sent), whether it was used or rejected; answers are judged again when read,
so a stricter check applies to cached answers too. `editor_requests`: one row per HTTP request
with its outcome and tokens, from which the day's budget is counted across materializations.
Neither ever holds a header, so never the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from news_pipeline.duckdb_tables import DuckDBTables

__all__ = ["ANSWERS_TABLE", "REQUESTS_TABLE", "CachedAnswer", "EditorCache"]

ANSWERS_TABLE = "editor_answers"
REQUESTS_TABLE = "editor_requests"

_CREATE = [
    f"""
    CREATE TABLE IF NOT EXISTS {ANSWERS_TABLE} (
        cache_key VARCHAR PRIMARY KEY,
        model VARCHAR NOT NULL,
        prompt_version VARCHAR NOT NULL,
        content VARCHAR NOT NULL,
        prompt_tokens BIGINT,
        completion_tokens BIGINT,
        stored_at TIMESTAMP NOT NULL
    )
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {REQUESTS_TABLE} (
        partition_date DATE NOT NULL,
        story_id VARCHAR NOT NULL,
        cache_key VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL,
        prompt_tokens BIGINT NOT NULL,
        completion_tokens BIGINT NOT NULL,
        sent_at TIMESTAMP NOT NULL
    )
    """,
]


@dataclass(frozen=True)
class CachedAnswer:
    content: str
    prompt_tokens: int
    completion_tokens: int


class EditorCache(DuckDBTables):
    def __init__(self, database_path: Path) -> None:
        super().__init__(database_path, _CREATE)

    def lookup_many(self, keys: Iterable[str]) -> dict[str, CachedAnswer]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT cache_key, content, prompt_tokens, completion_tokens "
                f"FROM {ANSWERS_TABLE} WHERE list_contains(?, cache_key)",
                [wanted],
            ).fetchall()
        return {key: CachedAnswer(content, p or 0, c or 0) for key, content, p, c in rows}

    def store_answer(
        self,
        key: str,
        *,
        model: str,
        prompt_version: str,
        content: str,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> None:
        with self._connect() as connection:
            connection.execute(
                f"INSERT OR REPLACE INTO {ANSWERS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    key,
                    model,
                    prompt_version,
                    content,
                    prompt_tokens,
                    completion_tokens,
                    datetime.now(UTC).replace(tzinfo=None),
                ],
            )

    def record_request(
        self,
        day: date,
        story_id: str,
        key: str,
        *,
        model: str,
        outcome: str,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> None:
        with self._connect() as connection:
            connection.execute(
                f"INSERT INTO {REQUESTS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    day,
                    story_id,
                    key,
                    model,
                    outcome,
                    prompt_tokens,
                    completion_tokens,
                    datetime.now(UTC).replace(tzinfo=None),
                ],
            )

    def spent(self, day: date) -> tuple[int, int]:
        """Requests sent and tokens used for this partition day, in every run so far."""
        with self._connect() as connection:
            calls, tokens = connection.execute(
                f"SELECT count(*), coalesce(sum(prompt_tokens + completion_tokens), 0) "
                f"FROM {REQUESTS_TABLE} WHERE partition_date = ?",
                [day],
            ).fetchone()
        return int(calls), int(tokens)
