"""Feeds and pages served by pytest-httpserver on 127.0.0.1, and the raw rows read back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from pytest_httpserver import HTTPServer

from news_pipeline import schema
from news_pipeline.fetch import BodyStore, FetchSettings, HttpCache, collect_raw_articles
from news_pipeline.progress import ProgressReporter, no_progress
from news_pipeline.schema import DayWindow
from news_pipeline.sources import SourcesConfig

WINDOW = DayWindow(date(2026, 2, 14), "Asia/Shanghai")
# 2026-02-14 12:00 in Shanghai: inside WINDOW.
NOW = datetime(2026, 2, 14, 4, 0, tzinfo=UTC)
IN_WINDOW = "Sat, 14 Feb 2026 10:30:00 +0800"  # = 2026-02-14 02:30 UTC
BEFORE_WINDOW = "Fri, 13 Feb 2026 23:00:00 +0800"
HTML_PAGE = "<html><head><title>t</title></head><body><p>An article.</p></body></html>"


def settings(server: HTTPServer, **overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "per_host_min_delay_seconds": 0.0,
        "connect_timeout": 5,
        "read_timeout": 5,
        "total_timeout": 20,
        "backoff_base_seconds": 0.001,
        "backoff_max_seconds": 0.01,
        "allowed_private_hosts": [f"127.0.0.1:{server.port}"],
    }
    values.update(overrides)
    return FetchSettings(**values)


def one_source(server: HTTPServer, path: str = "/feed.xml", **extra: Any) -> SourcesConfig:
    source = {"name": "site", "type": "rss", "url": server.url_for(path), **extra}
    return SourcesConfig(sources=[source])


def rss(items: list[dict[str, str]], encoding: str = "utf-8") -> str:
    parts = []
    for item in items:
        fields = "".join(f"<{key}>{value}</{key}>" for key, value in item.items())
        parts.append(f"<item>{fields}</item>")
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<rss version="2.0"><channel><title>Feed</title><link>http://x/</link>'
        f"<description>d</description>{''.join(parts)}</channel></rss>"
    )


def serve_feed(server: HTTPServer, items: list[dict[str, str]], path: str = "/feed.xml") -> None:
    server.expect_request(path).respond_with_data(rss(items), content_type="application/rss+xml")


def serve_page(server: HTTPServer, path: str, body: str | bytes = HTML_PAGE) -> None:
    server.expect_request(path).respond_with_data(body, content_type="text/html; charset=utf-8")


def items_of(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("record_kind") == schema.RECORD_ITEM)


def feed_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("record_kind") == schema.RECORD_FEED)


def row_for(frame: pl.DataFrame, url: str) -> dict[str, Any]:
    rows = frame.filter(pl.col("url") == url).to_dicts()
    assert len(rows) == 1, (url, frame.select("url", "status"))
    return rows[0]


def requests_to(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def collect(
    server: HTTPServer,
    sources: SourcesConfig,
    bodies: BodyStore,
    cache: HttpCache | None = None,
    progress: ProgressReporter = no_progress,
    **overrides: Any,
) -> pl.DataFrame:
    fetch_settings = settings(server, **overrides)
    frame = collect_raw_articles(
        sources, WINDOW, fetch_settings, bodies, cache, NOW, progress=progress
    )
    assert frame.schema == pl.Schema(schema.RAW_ARTICLES_SCHEMA)
    return frame
