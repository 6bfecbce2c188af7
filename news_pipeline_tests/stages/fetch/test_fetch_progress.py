"""collect_raw_articles tells a ProgressReporter about each item page it fetches."""

from __future__ import annotations

import polars as pl
import pytest
from pytest_httpserver import HTTPServer

from news_pipeline import schema
from news_pipeline.fetch import BodyStore
from news_pipeline.sources import SourcesConfig
from news_pipeline_tests.stages.fetch import served
from news_pipeline_tests.stages.fetch.served import (
    BEFORE_WINDOW,
    IN_WINDOW,
    items_of,
    one_source,
    serve_feed,
    serve_page,
)

pytestmark = pytest.mark.usefixtures("clean_server")


def test_progress_ends_with_every_fetched_item_and_its_failures(
    server: HTTPServer, body_store: BodyStore
) -> None:
    serve_feed(
        server,
        [
            {"title": "A", "link": "/p/a.html", "guid": "a", "pubDate": IN_WINDOW},
            {"title": "B", "link": "/p/b.html", "pubDate": IN_WINDOW},
            {"title": "Gone", "link": "/p/gone.html", "pubDate": IN_WINDOW},
            {"title": "PDF", "link": "/p/paper.pdf", "pubDate": IN_WINDOW},
            {"title": "Old", "link": "/p/old.html", "pubDate": BEFORE_WINDOW},
            {"title": "No link", "link": "", "pubDate": IN_WINDOW},
            {"title": "A again", "link": "/p/a2.html", "guid": "a", "pubDate": IN_WINDOW},
        ],
    )
    serve_feed(server, [{"title": "C", "link": "/p/c.html", "pubDate": IN_WINDOW}], "/f2.xml")
    for path in ("/p/a.html", "/p/b.html", "/p/c.html"):
        serve_page(server, path)
    server.expect_request("/p/gone.html").respond_with_data("no", status=404)
    server.expect_request("/p/paper.pdf").respond_with_data(
        b"%PDF-1.7", content_type="application/pdf"
    )
    sources = SourcesConfig(
        sources=[
            {"name": "one", "type": "rss", "url": server.url_for("/feed.xml")},
            {"name": "two", "type": "rss", "url": server.url_for("/f2.xml")},
        ]
    )
    calls: list[tuple[int, int, int]] = []

    def record(done: int, total: int, failed: int) -> None:
        calls.append((done, total, failed))

    frame = served.collect(server, sources, body_store, progress=record)

    fetched = items_of(frame).filter(pl.col("fetched_at").is_not_null())
    failed = fetched.filter(
        ~pl.col("status").is_in([schema.STATUS_OK, schema.STATUS_OUT_OF_WINDOW])
    )
    assert fetched.height == 5  # not the old item, the linkless one or the repeat
    assert failed.height == 2  # the 404 and the PDF
    assert calls[-1] == (fetched.height, fetched.height, failed.height)
    assert [done for done, _, _ in calls] == list(range(1, fetched.height + 1))
    assert all(done <= total for done, total, _ in calls)
    assert [failed for _, _, failed in calls] == sorted(failed for _, _, failed in calls)


def test_progress_with_nothing_to_fetch_reports_zero_once(
    server: HTTPServer, body_store: BodyStore
) -> None:
    serve_feed(server, [{"title": "Old", "link": "/old.html", "pubDate": BEFORE_WINDOW}])
    calls: list[tuple[int, int, int]] = []

    def record(done: int, total: int, failed: int) -> None:
        calls.append((done, total, failed))

    served.collect(server, one_source(server), body_store, progress=record)
    assert calls == [(0, 0, 0)]
