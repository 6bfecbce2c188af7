"""Fixtures of the fetch tests: one HTTP server on 127.0.0.1 per module, retry pauses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from news_pipeline.fetch import fetcher as fetcher_module


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    http_server = HTTPServer(host="127.0.0.1", threaded=True)
    http_server.no_handler_status_code = 404
    http_server.start()
    yield http_server
    http_server.clear()
    http_server.stop()


@pytest.fixture
def clean_server(server: HTTPServer) -> Iterator[HTTPServer]:
    """The module's server with no handlers and an empty log before and after the test."""
    server.clear()
    server.no_handler_status_code = 404
    yield server
    server.clear()


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry delays requested by the fetcher, recorded instead of slept."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(fetcher_module, "_pause", record)
    return recorded
