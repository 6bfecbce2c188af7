"""collect_raw_articles against a real HTTP server on 127.0.0.1 (pytest-httpserver).

Each test stages one way the web misbehaves and checks the row it must produce.
"""

from __future__ import annotations

import hashlib
import socket
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from news_pipeline import schema
from news_pipeline.fetch import (
    BodyStore,
    FetchSettings,
    HttpCache,
    collect_raw_articles,
    source_summary,
)
from news_pipeline.fetch.charsets import decode_document
from news_pipeline.sources import SourcesConfig
from news_pipeline_tests.stages.fetch import served
from news_pipeline_tests.stages.fetch.served import (
    BEFORE_WINDOW,
    HTML_PAGE,
    IN_WINDOW,
    NOW,
    WINDOW,
    feed_rows,
    items_of,
    one_source,
    requests_to,
    row_for,
    rss,
    serve_feed,
    serve_page,
)

BODIES = BodyStore(Path("unset"))  # the running test's store (conftest's body_store)
pytestmark = pytest.mark.usefixtures("clean_server")


@pytest.fixture(autouse=True)
def _use_body_store(body_store: BodyStore) -> None:
    global BODIES
    BODIES = body_store


def stored_body(row: dict[str, Any]) -> bytes:
    assert row["content_hash"] is not None, row
    return BODIES.get(row["content_hash"])


def collect(
    server: HTTPServer, sources: SourcesConfig, cache: HttpCache | None = None, **overrides: Any
) -> pl.DataFrame:
    return served.collect(server, sources, BODIES, cache, **overrides)


# ---- the plain path ----------------------------------------------------------------------


def test_rss_items_windowing_dedupe_and_relative_links(server: HTTPServer) -> None:
    serve_feed(
        server,
        [
            {"title": "First", "link": "/a/1.html", "guid": "g-1", "pubDate": IN_WINDOW},
            {"title": "First again", "link": "/a/1-copy.html", "guid": "g-1", "pubDate": IN_WINDOW},
            {"title": "Same link", "link": "/a/1.html", "guid": "g-9", "pubDate": IN_WINDOW},
            {"title": "Old", "link": "a/2.html", "guid": "g-2", "pubDate": BEFORE_WINDOW},
        ],
    )
    serve_page(server, "/a/1.html")
    frame = collect(server, one_source(server))

    feed = feed_rows(frame).to_dicts()
    assert len(feed) == 1
    assert feed[0]["status"] == schema.STATUS_OK
    assert feed[0]["http_status"] == 200
    items = items_of(frame)
    # the repeated link is the same page listed twice (one row); the repeated GUID under
    # another link keeps its row, which names the item it repeats and is not fetched
    assert items.height == 3
    again = row_for(items, server.url_for("/a/1-copy.html"))
    assert again["status"] == schema.STATUS_DUPLICATE_GUID
    assert again["error"] == server.url_for("/a/1.html")
    assert requests_to(server, "/a/1-copy.html") == 0
    first = row_for(items, server.url_for("/a/1.html"))
    assert first["status"] == schema.STATUS_OK
    assert first["guid"] == "g-1"
    assert first["listed_title"] == "First"
    assert first["published_at"] == datetime(2026, 2, 14, 2, 30)
    assert first["published_at_source"] == "feed"
    assert first["partition_date"] == date(2026, 2, 14)
    assert first["fetched_at"] == datetime(2026, 2, 14, 4, 0)
    assert first["content_hash"] == hashlib.sha256(HTML_PAGE.encode()).hexdigest()
    assert stored_body(first) == HTML_PAGE.encode()
    old = row_for(items, server.url_for("/a/2.html"))
    assert old["status"] == schema.STATUS_OUT_OF_WINDOW
    assert old["content_hash"] is None
    assert requests_to(server, "/a/2.html") == 0


def test_atom_feed(server: HTTPServer) -> None:
    atom = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>'
        "<updated>2026-02-14T03:00:00Z</updated>"
        '<entry><title>Atom entry</title><id>urn:e1</id><link href="/atom/1.html"/>'
        "<updated>2026-02-14T03:00:00Z</updated><summary>s</summary></entry></feed>"
    )
    server.expect_request("/atom.xml").respond_with_data(atom, content_type="application/atom+xml")
    serve_page(server, "/atom/1.html")
    frame = collect(server, one_source(server, "/atom.xml"))
    row = row_for(items_of(frame), server.url_for("/atom/1.html"))
    assert row["status"] == schema.STATUS_OK
    assert row["guid"] == "urn:e1"
    assert row["published_at"] == datetime(2026, 2, 14, 3, 0)


# ---- retries -------------------------------------------------------------------------------


def test_429_with_retry_after_then_success(server: HTTPServer, pauses: list[float]) -> None:
    serve_feed(server, [{"title": "T", "link": "/r/429.html", "pubDate": IN_WINDOW}])
    server.expect_oneshot_request("/r/429.html").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    serve_page(server, "/r/429.html")
    frame = collect(server, one_source(server), backoff_max_seconds=30)
    row = row_for(items_of(frame), server.url_for("/r/429.html"))
    assert row["status"] == schema.STATUS_OK
    assert row["http_status"] == 200
    assert pauses == [7.0]
    assert requests_to(server, "/r/429.html") == 2


def test_retry_after_is_capped_by_backoff_max(server: HTTPServer, pauses: list[float]) -> None:
    serve_feed(server, [{"title": "T", "link": "/r/later.html", "pubDate": IN_WINDOW}])
    server.expect_oneshot_request("/r/later.html").respond_with_data(
        "later", status=503, headers={"Retry-After": "3600"}
    )
    serve_page(server, "/r/later.html")
    frame = collect(server, one_source(server), backoff_max_seconds=30)
    assert row_for(items_of(frame), server.url_for("/r/later.html"))["status"] == "ok"
    assert pauses == [30.0]


def test_connection_refused_is_retried_then_recorded(pauses: list[float]) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed_port = probe.getsockname()[1]
    probe.close()
    sources = SourcesConfig(
        sources=[{"name": "down", "type": "rss", "url": f"http://127.0.0.1:{closed_port}/f.xml"}]
    )
    fetch_settings = FetchSettings(
        per_host_min_delay_seconds=0,
        max_retries=2,
        allowed_private_hosts=[f"127.0.0.1:{closed_port}"],
    )
    frame = collect_raw_articles(sources, WINDOW, fetch_settings, BODIES, None, NOW)
    feed = feed_rows(frame).row(0, named=True)
    assert feed["status"] == schema.STATUS_FETCH_ERROR
    assert "ConnectError" in feed["error"]
    assert "robots.txt" in feed["error"]
    assert items_of(frame).height == 0
    # robots.txt tried 1 + max_retries times; the feed then not at all: a host whose
    # robots.txt is unreachable is disallowed (RFC 9309 §2.3.1.4)
    assert len(pauses) == 2


def test_503_twice_then_success(server: HTTPServer, pauses: list[float]) -> None:
    serve_feed(server, [{"title": "T", "link": "/r/503.html", "pubDate": IN_WINDOW}])
    server.expect_oneshot_request("/r/503.html").respond_with_data("busy", status=503)
    server.expect_oneshot_request("/r/503.html").respond_with_data("busy", status=503)
    serve_page(server, "/r/503.html")
    frame = collect(server, one_source(server), backoff_base_seconds=2.0, backoff_max_seconds=30)
    row = row_for(items_of(frame), server.url_for("/r/503.html"))
    assert row["status"] == schema.STATUS_OK
    assert requests_to(server, "/r/503.html") == 3
    assert len(pauses) == 2
    # exponential with jitter: attempt 0 in [1, 2], attempt 1 in [2, 4]
    assert 1.0 <= pauses[0] <= 2.0
    assert 2.0 <= pauses[1] <= 4.0


def test_retries_give_up_after_max(server: HTTPServer, pauses: list[float]) -> None:
    serve_feed(server, [{"title": "T", "link": "/r/down.html", "pubDate": IN_WINDOW}])
    server.expect_request("/r/down.html").respond_with_data("down", status=502)
    frame = collect(server, one_source(server), max_retries=2)
    row = row_for(items_of(frame), server.url_for("/r/down.html"))
    assert row["status"] == schema.STATUS_HTTP_ERROR
    assert row["http_status"] == 502
    assert requests_to(server, "/r/down.html") == 3
    assert len(pauses) == 2


def test_404_page_is_not_retried(server: HTTPServer, pauses: list[float]) -> None:
    serve_feed(server, [{"title": "T", "link": "/gone.html", "pubDate": IN_WINDOW}])
    server.expect_request("/gone.html").respond_with_data("no", status=404)
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/gone.html"))
    assert row["status"] == schema.STATUS_HTTP_ERROR
    assert row["http_status"] == 404
    assert row["error"] == "HTTP 404"
    assert requests_to(server, "/gone.html") == 1
    assert pauses == []


# ---- redirects and address policy -----------------------------------------------------------


def test_redirect_is_followed_and_recorded(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "T", "link": "/moved.html", "pubDate": IN_WINDOW}])
    server.expect_request("/moved.html").respond_with_data(
        "", status=301, headers={"Location": "/new/home.html"}
    )
    serve_page(server, "/new/home.html")
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/moved.html"))
    assert row["status"] == schema.STATUS_OK
    assert row["final_url"] == server.url_for("/new/home.html")


def test_redirect_loop_ends_as_fetch_error(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "T", "link": "/loop/a", "pubDate": IN_WINDOW}])
    server.expect_request("/loop/a").respond_with_data("", 302, headers={"Location": "/loop/b"})
    server.expect_request("/loop/b").respond_with_data("", 302, headers={"Location": "/loop/a"})
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/loop/a"))
    assert row["status"] == schema.STATUS_FETCH_ERROR
    assert "redirect loop" in row["error"]
    assert requests_to(server, "/loop/a") == 1


def test_redirect_chain_longer_than_limit(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "T", "link": "/hop/0", "pubDate": IN_WINDOW}])
    for hop in range(6):
        server.expect_request(f"/hop/{hop}").respond_with_data(
            "", 302, headers={"Location": f"/hop/{hop + 1}"}
        )
    frame = collect(server, one_source(server), max_redirects=3)
    row = row_for(items_of(frame), server.url_for("/hop/0"))
    assert row["status"] == schema.STATUS_FETCH_ERROR
    assert "more than 3 redirects" in row["error"]
    assert requests_to(server, "/hop/4") == 0


def test_redirect_to_disallowed_address_is_blocked(server: HTTPServer) -> None:
    target = f"http://127.0.0.2:{server.port}/internal/secret"
    serve_feed(server, [{"title": "T", "link": "/jump.html", "pubDate": IN_WINDOW}])
    server.expect_request("/jump.html").respond_with_data("", 302, headers={"Location": target})
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/jump.html"))
    assert row["status"] == schema.STATUS_BLOCKED
    assert "address policy" in row["error"]
    assert "127.0.0.2" in row["error"]
    assert "after redirect" in row["error"]
    assert row["final_url"] == target


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/pub/x", "gopher://127.0.0.1:70/"]
)
def test_redirect_to_other_scheme_is_blocked(server: HTTPServer, location: str) -> None:
    serve_feed(server, [{"title": "T", "link": "/odd.html", "pubDate": IN_WINDOW}])
    server.expect_request("/odd.html").respond_with_data("", 302, headers={"Location": location})
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/odd.html"))
    assert row["status"] == schema.STATUS_BLOCKED
    assert "scheme" in row["error"]


def test_private_source_needs_explicit_permission(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "T", "link": "/a.html", "pubDate": IN_WINDOW}])
    frame = collect(server, one_source(server), allowed_private_hosts=[])
    assert feed_rows(frame)["status"].to_list() == [schema.STATUS_BLOCKED]
    assert items_of(frame).height == 0
    assert requests_to(server, "/feed.xml") == 0

    allowed = SourcesConfig(
        allow_private_addresses=True,
        sources=[{"name": "site", "type": "rss", "url": server.url_for("/feed.xml")}],
    )
    serve_page(server, "/a.html")
    frame = collect(server, allowed, allowed_private_hosts=[])
    assert feed_rows(frame)["status"].to_list() == [schema.STATUS_OK]


# ---- content ---------------------------------------------------------------------------------


def test_feed_that_is_not_xml_is_a_parse_error(server: HTTPServer) -> None:
    server.expect_request("/feed.xml").respond_with_data(
        "<html><body>We moved our feed, sorry!</body></html>", content_type="text/html"
    )
    frame = collect(server, one_source(server))
    assert frame.height == 1
    feed = feed_rows(frame).row(0, named=True)
    assert feed["status"] == schema.STATUS_PARSE_ERROR
    assert feed["http_status"] == 200


def test_non_html_page_is_not_html(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "T", "link": "/paper.pdf", "pubDate": IN_WINDOW}])
    server.expect_request("/paper.pdf").respond_with_data(
        b"%PDF-1.7", content_type="application/pdf"
    )
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/paper.pdf"))
    assert row["status"] == schema.STATUS_NOT_HTML
    assert row["content_type"] == "application/pdf"


GBK_TITLE = "国产大模型发布新版本，推理成本下降"
GBK_PAGE = (
    "<html><head><title>"
    + GBK_TITLE
    + "</title></head><body><p>"
    + "记者从发布会上获悉，这款模型在多项评测中表现稳定，开发者可以通过开放平台申请试用。" * 5
    + "</p></body></html>"
)


def test_gbk_page_without_charset_header(server: HTTPServer) -> None:
    page_bytes = GBK_PAGE.encode("gbk")
    serve_feed(server, [{"title": "T", "link": "/gbk.html", "pubDate": IN_WINDOW}])
    server.expect_request("/gbk.html").respond_with_data(page_bytes, content_type="text/html")
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/gbk.html"))
    assert row["status"] == schema.STATUS_OK
    assert row["declared_charset"] is None
    body = stored_body(row)
    assert body == page_bytes
    decoded = decode_document(body, None)
    assert GBK_TITLE in decoded.text


def test_feed_declared_gb2312_with_gb18030_characters(server: HTTPServer) -> None:
    title = "朱镕基传记出版，“人工智能”章节引关注"  # 镕 is outside GB2312
    feed = rss([{"title": title, "link": "/zh/1.html", "pubDate": IN_WINDOW}], "gb2312")
    server.expect_request("/feed.xml").respond_with_data(
        feed.encode("gb18030"), content_type="text/xml; charset=gb2312"
    )
    serve_page(server, "/zh/1.html")
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/zh/1.html"))
    assert row["listed_title"] == title
    assert feed_rows(frame)["declared_charset"].to_list() == ["gb2312"]


def test_big5_feed_declared_only_in_xml(server: HTTPServer) -> None:
    title = "臺灣團隊發表繁體中文語言模型"
    feed = rss([{"title": title, "link": "/tw/1.html", "pubDate": IN_WINDOW}], "big5")
    server.expect_request("/feed.xml").respond_with_data(
        feed.encode("big5"), content_type="application/rss+xml"
    )
    serve_page(server, "/tw/1.html")
    frame = collect(server, one_source(server))
    assert row_for(items_of(frame), server.url_for("/tw/1.html"))["listed_title"] == title


def test_items_without_date_use_page_metadata_then_fetch_time(server: HTTPServer) -> None:
    serve_feed(
        server,
        [
            {"title": "Dated page", "link": "/nd/meta.html", "guid": "nd-1"},
            {"title": "Undated page", "link": "/nd/bare.html", "guid": "nd-2"},
            {"title": "Old page", "link": "/nd/old.html", "guid": "nd-3"},
        ],
    )
    serve_page(
        server,
        "/nd/meta.html",
        '<html><head><meta property="article:published_time" '
        'content="2026-02-14T09:15:00+08:00"></head><body><p>text</p></body></html>',
    )
    serve_page(server, "/nd/bare.html", "<html><body><p>No date anywhere.</p></body></html>")
    serve_page(
        server,
        "/nd/old.html",
        '<html><head><meta property="article:published_time" '
        'content="2025-11-02T08:00:00+08:00"></head><body><p>text</p></body></html>',
    )
    frame = collect(server, one_source(server))
    items = items_of(frame)
    dated = row_for(items, server.url_for("/nd/meta.html"))
    assert dated["published_at_source"] == "page"
    assert dated["published_at"] == datetime(2026, 2, 14, 1, 15)
    assert dated["status"] == schema.STATUS_OK
    bare = row_for(items, server.url_for("/nd/bare.html"))
    assert bare["published_at_source"] == "fetch_time"
    assert bare["published_at"] == datetime(2026, 2, 14, 4, 0)
    assert bare["status"] == schema.STATUS_OK
    old = row_for(items, server.url_for("/nd/old.html"))
    assert old["published_at_source"] == "page"
    assert old["status"] == schema.STATUS_OUT_OF_WINDOW


# ---- conditional requests ------------------------------------------------------------------


def _conditional(body: bytes, etag: str, content_type: str) -> Any:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=content_type, headers={"ETag": etag})

    return handler


def test_unchanged_feed_answered_304_on_second_run(server: HTTPServer, tmp_path: Path) -> None:
    feed_body = rss([{"title": "T", "link": "/c/1.html", "pubDate": IN_WINDOW}]).encode()
    server.expect_request("/feed.xml").respond_with_handler(
        _conditional(feed_body, '"feed-v1"', "application/rss+xml")
    )
    server.expect_request("/c/1.html").respond_with_handler(
        _conditional(HTML_PAGE.encode(), '"page-v1"', "text/html")
    )
    cache = HttpCache(tmp_path / "news.duckdb", BODIES)
    first = collect(server, one_source(server), cache)
    second = collect(server, one_source(server), cache)

    first_feed = feed_rows(first).row(0, named=True)
    second_feed = feed_rows(second).row(0, named=True)
    assert (first_feed["http_status"], first_feed["from_cache"]) == (200, False)
    assert (second_feed["http_status"], second_feed["from_cache"]) == (304, True)
    assert second_feed["status"] == schema.STATUS_OK
    assert second_feed["content_hash"] == hashlib.sha256(feed_body).hexdigest()
    page = row_for(items_of(second), server.url_for("/c/1.html"))
    assert page["from_cache"] is True
    assert page["status"] == schema.STATUS_OK
    assert stored_body(page) == HTML_PAGE.encode()
    assert source_summary(second).row(0, named=True)["cache_hits"] == 2
    conditional = [r for r, _ in server.log if r.headers.get("If-None-Match")]
    assert len(conditional) == 2


def test_identical_bodies_are_stored_once(server: HTTPServer, tmp_path: Path) -> None:
    serve_feed(
        server,
        [
            {"title": "A", "link": "/same/a.html", "pubDate": IN_WINDOW},
            {"title": "B", "link": "/same/b.html?utm_source=x", "pubDate": IN_WINDOW},
        ],
    )
    for path in ("/same/a.html", "/same/b.html"):
        server.expect_request(path).respond_with_handler(
            _conditional(HTML_PAGE.encode(), '"same"', "text/html")
        )
    cache = HttpCache(tmp_path / "news.duckdb", BODIES)
    collect(server, one_source(server), cache)
    entries, bodies = cache.counts()
    assert entries == 2
    assert bodies == 1


def test_redirected_page_is_revalidated_at_its_final_url(
    server: HTTPServer, tmp_path: Path
) -> None:
    serve_feed(server, [{"title": "T", "link": "/short/7", "pubDate": IN_WINDOW}])
    server.expect_request("/short/7").respond_with_data(
        "", 301, headers={"Location": "/long/seven.html"}
    )
    server.expect_request("/long/seven.html").respond_with_handler(
        _conditional(HTML_PAGE.encode(), '"seven"', "text/html")
    )
    cache = HttpCache(tmp_path / "news.duckdb", BODIES)
    collect(server, one_source(server), cache)
    second = collect(server, one_source(server), cache)
    row = row_for(items_of(second), server.url_for("/short/7"))
    assert row["from_cache"] is True
    assert row["final_url"] == server.url_for("/long/seven.html")


def test_page_listed_by_two_sources_is_fetched_once(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "A", "link": "/shared.html", "pubDate": IN_WINDOW}])
    serve_feed(server, [{"title": "B", "link": "/shared.html", "pubDate": IN_WINDOW}], "/f2.xml")
    serve_page(server, "/shared.html")
    sources = SourcesConfig(
        sources=[
            {"name": "one", "type": "rss", "url": server.url_for("/feed.xml")},
            {"name": "two", "type": "rss", "url": server.url_for("/f2.xml")},
        ]
    )
    frame = collect(server, sources)
    items = items_of(frame)
    assert sorted(items["source"].to_list()) == ["one", "two"]
    assert items["status"].to_list() == [schema.STATUS_OK, schema.STATUS_OK]
    assert requests_to(server, "/shared.html") == 1
