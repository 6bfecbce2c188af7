"""The client's handling of secrets and Retry-After (client.py)."""

from __future__ import annotations

import asyncio
import traceback
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from news_pipeline.editor import ChatClient, EditorRequestError, redact
from news_pipeline.editor.client import retry_after_seconds
from news_pipeline_tests.stages.editor.stories import API_KEY, FAST, OPENCLAW, row, run_editor
from news_pipeline_tests.support.chat_server import ChatServer, unauthorized


class _Unlimited:
    def before_attempt(self) -> bool:
        return True

    def after_attempt(self, outcome: str, completion: object) -> None:
        pass


async def _complete(server: ChatServer) -> None:
    async with ChatClient(server.base_url, "m", API_KEY, FAST, allow_private_addresses=True) as c:
        await c.complete(
            [{"role": "user", "content": "<story_data>{}</story_data>"}],
            max_tokens=100,
            temperature=0,
            observer=_Unlimited(),
        )


def test_a_401_that_echoes_the_key_raises_without_it(chat_server: ChatServer) -> None:
    chat_server.default = unauthorized()
    try:
        asyncio.run(_complete(chat_server))
    except EditorRequestError as error:
        raised = error
    assert raised.kind == "unauthorized" and raised.fatal
    assert "Incorrect API key provided" in str(raised)
    shown = "".join(traceback.format_exception(raised)) + repr(raised) + repr(raised.detail)
    assert API_KEY not in shown and API_KEY[:12] not in shown
    assert chat_server.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"


def test_a_401_stops_the_run_and_the_key_reaches_neither_rows_nor_duckdb(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    chat_server.default = unauthorized()
    database = tmp_path / "news.duckdb"
    frame, stats = run_editor(chat_server, database)
    assert set(frame["reason"]) == {"unauthorized"} and stats.requests == 1
    assert row(frame, OPENCLAW)["requests"] == 0
    assert API_KEY not in frame.write_csv() + repr(stats)
    with duckdb.connect(str(database)) as connection:
        connection.execute("CHECKPOINT")
    assert API_KEY.encode() not in database.read_bytes()


def test_redaction_covers_the_key_bearer_tokens_and_key_shapes() -> None:
    text = f"bad key {API_KEY}; header Bearer abc.def; other sk-live-abcdef123456"
    cleaned = redact(text, API_KEY)
    assert API_KEY not in cleaned and "abc.def" not in cleaned and "sk-live" not in cleaned


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 2, 15, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Sun, 15 Feb 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
