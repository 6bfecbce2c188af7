"""collect_raw_articles against a real HTTP server on 127.0.0.1 (pytest-httpserver).

Each test stages one way the web misbehaves and checks the row it must produce.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import socket
import statistics
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
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
    settings,
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


# ---- limits ----------------------------------------------------------------------------------


@pytest.fixture
def stall_release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_stalled_read_times_out(server: HTTPServer, stall_release: threading.Event) -> None:
    def stalling(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b"<html><body>"
            stall_release.wait()
            yield b"</body></html>"

        return Response(body(), content_type="text/html")

    serve_feed(server, [{"title": "T", "link": "/stall.html", "pubDate": IN_WINDOW}])
    server.expect_request("/stall.html").respond_with_handler(stalling)
    frame = collect(server, one_source(server), read_timeout=0.3)
    row = row_for(items_of(frame), server.url_for("/stall.html"))
    assert row["status"] == schema.STATUS_TIMEOUT
    assert "ReadTimeout" in row["error"]


def test_total_timeout_bounds_a_trickling_response(
    server: HTTPServer, stall_release: threading.Event
) -> None:
    def stalling(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b"<html><body>"
            stall_release.wait()
            yield b"</body></html>"

        return Response(body(), content_type="text/html")

    serve_feed(server, [{"title": "T", "link": "/slow.html", "pubDate": IN_WINDOW}])
    server.expect_request("/slow.html").respond_with_handler(stalling)
    frame = collect(server, one_source(server), read_timeout=30, total_timeout=0.3)
    row = row_for(items_of(frame), server.url_for("/slow.html"))
    assert row["status"] == schema.STATUS_TIMEOUT
    assert "within 0.3s" in row["error"]


def test_50_mib_body_is_cut_at_the_cap(server: HTTPServer) -> None:
    sent = {"bytes": 0}
    chunk = b"<p>" + b"x" * (64 * 1024 - 3)

    def huge(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(800):  # 50 MiB
                sent["bytes"] += len(chunk)
                yield chunk

        return Response(body(), content_type="text/html")

    serve_feed(server, [{"title": "T", "link": "/huge.html", "pubDate": IN_WINDOW}])
    server.expect_request("/huge.html").respond_with_handler(huge)
    frame = collect(server, one_source(server), max_body_bytes=1024 * 1024)
    row = row_for(items_of(frame), server.url_for("/huge.html"))
    assert row["status"] == schema.STATUS_TOO_LARGE
    assert row["content_hash"] is None
    assert BODIES.count() == 1  # the feed only
    assert sent["bytes"] < 20 * 1024 * 1024


def test_declared_length_over_cap_is_refused_unread(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "T", "link": "/long.html", "pubDate": IN_WINDOW}])
    serve_page(server, "/long.html", "<html>" + "y" * 5000 + "</html>")
    frame = collect(server, one_source(server), max_body_bytes=1000)
    row = row_for(items_of(frame), server.url_for("/long.html"))
    assert row["status"] == schema.STATUS_TOO_LARGE
    assert "Content-Length" in row["error"]


def _gzip_bomb(decoded_mib: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(b"<html><body>")]
    parts.extend(compressor.compress(block) for _ in range(decoded_mib))
    parts.append(compressor.flush())
    return b"".join(parts)


class MemoryAtEachPut(BodyStore):
    """A body store that notes the traced memory in use each time a body arrives."""

    in_use: list[int]

    def put(self, body: bytes) -> str:
        self.in_use.append(tracemalloc.get_traced_memory()[0])
        return super().put(body)


def test_a_days_pages_are_not_all_held_in_memory(server: HTTPServer, tmp_path: Path) -> None:
    """Each body goes to the store as it arrives and the results kept per URL hold only its
    hash: the memory in use while pages arrive stays flat instead of growing page by page."""
    page_count, page_bytes = 200, 300 * 1024
    items = [
        {"title": f"T{n}", "link": f"/big/{n}.html", "pubDate": IN_WINDOW}
        for n in range(page_count)
    ]
    serve_feed(server, items)
    pages = {
        f"/big/{n}.html": f"<html><body>{f'<p>page {n} paragraph</p>' * (page_bytes // 24)}"
        "</body></html>".encode()
        for n in range(page_count)
    }

    def page(request: Request) -> Response:
        # Built before tracing starts and sent as an iterable, so the server's request log
        # keeps no copy: what is traced is the fetcher's memory.
        return Response(iter([pages[request.path]]), content_type="text/html; charset=utf-8")

    server.expect_request(re.compile(r"/big/\d+\.html")).respond_with_handler(page)
    store = MemoryAtEachPut(tmp_path / "measured")
    store.in_use = []
    tracemalloc.start()
    try:
        frame = collect_raw_articles(one_source(server), WINDOW, settings(server), store, None, NOW)
    finally:
        tracemalloc.stop()
    assert items_of(frame)["status"].to_list() == [schema.STATUS_OK] * page_count
    assert store.count() == page_count + 1
    assert len(store.in_use) == page_count + 1
    # The median, not the peak: a few bodies in flight or waiting for the store's thread
    # make short peaks (12-15 MB here, 22 MB seen on a loaded 2-core machine), while bodies
    # kept per URL make memory grow with every page (median 32-34 MB, peak 64-68 MB with
    # that bug reverted; 2-4 MB without it).
    assert statistics.median(store.in_use) < page_count * page_bytes / 6


def test_a_host_waiting_its_turn_does_not_hold_back_the_others(tmp_path: Path) -> None:
    """Politeness is per host: while one host's pages wait for their turn, other hosts'
    pages are fetched. (A global slot taken before the host gate once let one host's queue
    hold every slot, and 20 hosts were fetched at the pace of one.)

    Staged with events, not a clock: site 1 lists its pages only once site 0's first page
    is served, so site 0's pages are queued first; site 0's second page then answers only
    once a page of site 1 has been served. Fetched per host, site 1's page goes out while
    site 0's second page is in flight; with one host's queue holding the global slots, it
    could not, and site 0's second page would give up waiting.
    """
    servers = [HTTPServer(host=f"127.0.0.{n}", threaded=True) for n in (2, 3)]
    first_page_served = threading.Event()  # site 0 has served a page: site 1 may list
    other_site_served = threading.Event()  # site 1 has served a page
    served: list[int] = []
    waits: list[bool] = []
    lock = threading.Lock()

    def site0_page(_request: Request) -> Response:
        with lock:
            served.append(0)
            count = served.count(0)
        if count == 1:
            first_page_served.set()
        elif count == 2:
            waits.append(other_site_served.wait(timeout=10))
        return Response(HTML_PAGE, content_type="text/html")

    def site1_page(_request: Request) -> Response:
        with lock:
            served.append(1)
        other_site_served.set()
        return Response(HTML_PAGE, content_type="text/html")

    def feed(number: int) -> Any:
        def respond(_request: Request) -> Response:
            if number == 1:
                first_page_served.wait(timeout=30)
            items = [
                {"title": f"T{n}", "link": f"/p/{n}.html", "pubDate": IN_WINDOW} for n in range(8)
            ]
            return Response(rss(items), content_type="application/rss+xml")

        return respond

    for number, (server, page) in enumerate(zip(servers, (site0_page, site1_page), strict=True)):
        server.no_handler_status_code = 404
        server.start()
        server.expect_request("/feed.xml").respond_with_handler(feed(number))
        server.expect_request(re.compile(r"/p/\d+\.html")).respond_with_handler(page)
    try:
        sources = SourcesConfig(
            sources=[
                {"name": f"site{n}", "type": "rss", "url": server.url_for("/feed.xml")}
                for n, server in enumerate(servers)
            ]
        )
        fetch_settings = FetchSettings(
            per_host_min_delay_seconds=0.1,
            per_host_concurrency=1,
            max_concurrency=2,
            allowed_private_hosts=[f"{s.host}:{s.port}" for s in servers],
        )
        frame = collect_raw_articles(sources, WINDOW, fetch_settings, BODIES, None, NOW)
    finally:
        first_page_served.set()
        other_site_served.set()
        for server in servers:
            server.clear()
            server.stop()
    assert items_of(frame)["status"].to_list() == [schema.STATUS_OK] * 16
    assert waits == [True], served
    assert served.index(1) <= 2, served


def test_gzip_bomb_is_stopped_on_decoded_bytes_with_low_memory(server: HTTPServer) -> None:
    bomb = _gzip_bomb(200)
    assert len(bomb) < 300 * 1024
    serve_feed(server, [{"title": "T", "link": "/bomb.html", "pubDate": IN_WINDOW}])
    server.expect_request("/bomb.html").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    tracemalloc.start()
    try:
        frame = collect(server, one_source(server), max_body_bytes=2 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    row = row_for(items_of(frame), server.url_for("/bomb.html"))
    assert row["status"] == schema.STATUS_TOO_LARGE
    assert "after decoding" in row["error"]
    # 10-13 MB measured; inflating one 64 KiB network read of this bomb at once (what httpx's
    # own decoder does) takes about 64 MiB, and the whole body 200 MiB.
    assert peak < 40 * 1024 * 1024


def test_gzip_page_within_cap_is_decoded(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "T", "link": "/gz.html", "pubDate": IN_WINDOW}])
    server.expect_request("/gz.html").respond_with_data(
        gzip.compress(HTML_PAGE.encode()),
        content_type="text/html",
        headers={"Content-Encoding": "gzip"},
    )
    frame = collect(server, one_source(server))
    row = row_for(items_of(frame), server.url_for("/gz.html"))
    assert row["status"] == schema.STATUS_OK
    assert stored_body(row) == HTML_PAGE.encode()


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


# ---- isolation and other source types ---------------------------------------------------------


def test_one_failing_source_leaves_the_others_intact(server: HTTPServer) -> None:
    serve_feed(server, [{"title": "Good", "link": "/good/1.html", "pubDate": IN_WINDOW}])
    serve_page(server, "/good/1.html")
    server.expect_request("/broken.xml").respond_with_data("oops", status=500)
    sources = SourcesConfig(
        sources=[
            {"name": "broken", "type": "rss", "url": server.url_for("/broken.xml")},
            {"name": "good", "type": "rss", "url": server.url_for("/feed.xml")},
            {"name": "refused", "type": "rss", "url": "http://127.0.0.1:9/feed.xml"},
        ]
    )
    frame = collect(
        server,
        sources,
        max_retries=1,
        allowed_private_hosts=[f"127.0.0.1:{server.port}", "127.0.0.1:9"],
    )
    by_source = {row["source"]: row for row in feed_rows(frame).to_dicts()}
    assert by_source["broken"]["status"] == schema.STATUS_HTTP_ERROR
    assert by_source["broken"]["http_status"] == 500
    assert by_source["refused"]["status"] == schema.STATUS_FETCH_ERROR
    assert by_source["good"]["status"] == schema.STATUS_OK
    items = items_of(frame)
    assert items["source"].to_list() == ["good"]
    assert items["status"].to_list() == [schema.STATUS_OK]
    summary = {row["source"]: row for row in source_summary(frame).to_dicts()}
    assert summary["good"]["listed"] == 1
    assert summary["good"]["ok"] == 1
    assert summary["broken"]["feed_status"] == schema.STATUS_HTTP_ERROR
    assert summary["broken"]["listed"] == 0


def test_html_list_source(server: HTTPServer) -> None:
    listing = """<html><body><ul class="news">
      <li><a href="/story/1.html">Story one</a></li>
      <li><a href="story/2.html"> Story <b>two</b> </a></li>
      <li><a href="https://elsewhere.example.net/story/3.html">Offsite</a></li>
      <li><a href="javascript:void(0)">Menu</a></li>
    </ul><a href="/about.html">About</a></body></html>"""
    server.expect_request("/list/").respond_with_data(listing, content_type="text/html")
    serve_page(
        server,
        "/story/1.html",
        '<html><head><meta property="article:published_time" '
        'content="2026-02-14T08:00:00+08:00"></head><body><p>one</p></body></html>',
    )
    serve_page(server, "/list/story/2.html")
    sources = SourcesConfig(
        sources=[
            {
                "name": "lister",
                "type": "html_list",
                "url": server.url_for("/list/"),
                "link_selector": "ul.news a",
            }
        ]
    )
    frame = collect(server, sources)
    items = items_of(frame)
    assert sorted(items["url"].to_list()) == [
        server.url_for("/list/story/2.html"),
        server.url_for("/story/1.html"),
    ]
    one = row_for(items, server.url_for("/story/1.html"))
    assert one["listed_title"] == "Story one"
    assert one["published_at_source"] == "page"
    assert one["published_at"] == datetime(2026, 2, 14, 0, 0)
    two = row_for(items, server.url_for("/list/story/2.html"))
    assert two["listed_title"] == "Story two"
    assert two["published_at_source"] == "fetch_time"


def test_sitemap_index_with_news_sitemap(server: HTTPServer) -> None:
    index = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{server.url_for("/sm/news.xml")}</loc><lastmod>2026-02-14</lastmod></sitemap>
  <sitemap><loc>{server.url_for("/sm/archive-2019.xml")}</loc><lastmod>2019-05-01</lastmod></sitemap>
</sitemapindex>"""
    news = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>/n/today.html</loc><news:news><news:publication_date>2026-02-14T09:00:00+08:00</news:publication_date><news:title>Today</news:title></news:news></url>
  <url><loc>/n/lastmod.html</loc><lastmod>2026-02-14T20:00:00+08:00</lastmod></url>
  <url><loc>/n/tomorrow.html</loc><lastmod>2026-02-15T09:00:00+08:00</lastmod></url>
  <url><loc>/n/ancient.html</loc><lastmod>2025-01-01</lastmod></url>
</urlset>"""
    server.expect_request("/sm/index.xml").respond_with_data(index, content_type="application/xml")
    server.expect_request("/sm/news.xml").respond_with_data(
        gzip.compress(news.encode()), content_type="application/x-gzip"
    )
    serve_page(server, "/n/today.html")
    serve_page(server, "/n/lastmod.html")
    sources = SourcesConfig(
        sources=[{"name": "maps", "type": "sitemap", "url": server.url_for("/sm/index.xml")}]
    )
    frame = collect(server, sources)
    assert sorted(feed_rows(frame)["url"].to_list()) == [
        server.url_for("/sm/index.xml"),
        server.url_for("/sm/news.xml"),
    ]
    items = items_of(frame)
    today = row_for(items, server.url_for("/n/today.html"))
    assert today["status"] == schema.STATUS_OK
    assert today["listed_title"] == "Today"
    assert today["published_at"] == datetime(2026, 2, 14, 1, 0)
    assert today["published_at_source"] == "sitemap"
    assert row_for(items, server.url_for("/n/lastmod.html"))["status"] == schema.STATUS_OK
    tomorrow = row_for(items, server.url_for("/n/tomorrow.html"))
    assert tomorrow["status"] == schema.STATUS_OUT_OF_WINDOW
    assert server.url_for("/n/ancient.html") not in items["url"].to_list()
    assert requests_to(server, "/sm/archive-2019.xml") == 0
