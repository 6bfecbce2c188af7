"""robots.txt served by a real HTTP server on 127.0.0.1, read as RFC 9309 says.

The matching cases are chosen where urllib.robotparser (the parser before protego) answers
differently: each case checks that too, so it keeps telling the two apart.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.robotparser
from collections.abc import Iterator
from urllib.parse import quote

import polars as pl
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from news_pipeline import schema
from news_pipeline.fetch import BodyStore
from news_pipeline.fetch.fetcher import Fetcher
from news_pipeline.fetch.policy import DEFAULT_USER_AGENT, AddressPolicy
from news_pipeline.fetch.robots import ROBOTS_MAX_BYTES
from news_pipeline.fetch.transport import make_client
from news_pipeline_tests.stages.fetch import served
from news_pipeline_tests.stages.fetch.served import (
    IN_WINDOW,
    feed_rows,
    items_of,
    one_source,
    requests_to,
    row_for,
    serve_feed,
    serve_page,
    settings,
)

pytestmark = pytest.mark.usefixtures("clean_server")


def serve_robots(server: HTTPServer, text: str, status: int = 200) -> None:
    server.expect_request("/robots.txt").respond_with_data(
        text, status=status, content_type="text/plain"
    )


def list_pages(server: HTTPServer, paths: list[str]) -> None:
    serve_feed(server, [{"title": path, "link": path, "pubDate": IN_WINDOW} for path in paths])
    for path in {path.split("?")[0] for path in paths}:
        serve_page(server, path)


def statuses(frame: pl.DataFrame, server: HTTPServer, paths: list[str]) -> dict[str, str]:
    items = items_of(frame)
    return {path: row_for(items, server.url_for(path))["status"] for path in paths}


def stdlib_allows(robots: str, server: HTTPServer, path: str) -> bool:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots.splitlines())
    return parser.can_fetch(DEFAULT_USER_AGENT, server.url_for(path))


OK, BLOCKED = schema.STATUS_OK, schema.STATUS_BLOCKED

MATCHING_CASES = {
    "wildcard and end anchor": (
        "User-agent: *\nDisallow: /*.pdf$\n",
        {"/files/report.pdf": BLOCKED, "/files/report.pdf?page=2": OK, "/files/a.html": OK},
    ),
    "wildcard inside the path": (
        "User-agent: *\nDisallow: /*/amp/\n",
        {"/news/amp/7.html": BLOCKED, "/news/7.html": OK},
    ),
    "longest match wins, not the first": (
        "User-agent: *\nDisallow: /news/\nAllow: /news/ai/\n",
        {"/news/ai/1.html": OK, "/news/sport/1.html": BLOCKED},
    ),
    "allow beats a disallow of equal length": (
        "User-agent: *\nDisallow: /story.html\nAllow: /story.html\n",
        {"/story.html": OK},
    ),
}


@pytest.mark.parametrize("case", list(MATCHING_CASES))
def test_robots_rules_match_as_rfc_9309_says(
    server: HTTPServer, body_store: BodyStore, case: str
) -> None:
    robots, expected = MATCHING_CASES[case]
    serve_robots(server, robots)
    list_pages(server, list(expected))
    frame = served.collect(server, one_source(server), body_store)
    assert statuses(frame, server, list(expected)) == expected
    blocked = {path for path, status in expected.items() if status == BLOCKED}
    requested = {
        request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
        for request, _ in server.log
    }
    assert not blocked & requested
    # the case is one the stdlib parser gets wrong somewhere
    stdlib = {path: OK if stdlib_allows(robots, server, path) else BLOCKED for path in expected}
    assert stdlib != expected


def test_robots_disallow_blocks_path_without_requesting_it(
    server: HTTPServer, body_store: BodyStore
) -> None:
    serve_robots(server, "User-agent: *\nDisallow: /private/\n")
    list_pages(server, ["/private/x.html", "/public/y.html"])
    frame = served.collect(server, one_source(server), body_store)
    hidden = row_for(items_of(frame), server.url_for("/private/x.html"))
    assert hidden["status"] == BLOCKED
    assert "robots.txt" in hidden["error"]
    assert row_for(items_of(frame), server.url_for("/public/y.html"))["status"] == OK
    assert requests_to(server, "/private/x.html") == 0
    assert requests_to(server, "/robots.txt") == 1

    server.clear_log()
    frame = served.collect(server, one_source(server), body_store, respect_robots=False)
    assert row_for(items_of(frame), server.url_for("/private/x.html"))["status"] == OK
    assert requests_to(server, "/robots.txt") == 0


def test_robots_group_for_our_agent_only(server: HTTPServer, body_store: BodyStore) -> None:
    serve_robots(server, "User-agent: news_pipeline\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    serve_feed(server, [])
    frame = served.collect(server, one_source(server), body_store)
    assert feed_rows(frame)["status"].to_list() == [BLOCKED]


def test_robots_group_named_after_a_word_of_our_user_agent_comment_is_not_ours(
    server: HTTPServer, body_store: BodyStore
) -> None:
    """Groups match the product token ("news_pipeline"), not any word of the User-Agent
    header, whose comment names github.com."""
    assert "github" in DEFAULT_USER_AGENT
    serve_robots(server, "User-agent: github\nDisallow: /\n")
    list_pages(server, ["/a.html"])
    frame = served.collect(server, one_source(server), body_store)
    assert statuses(frame, server, ["/a.html"]) == {"/a.html": OK}


def test_robots_crawl_delay_slows_that_host(server: HTTPServer) -> None:
    serve_robots(server, "User-agent: *\nCrawl-delay: 4\nDisallow: /private/\n")
    serve_page(server, "/open.html")

    async def fetch_once() -> tuple[str, float]:
        fetch_settings = settings(server)
        policy = AddressPolicy(False, fetch_settings.allowed_private_hosts)
        async with make_client(fetch_settings, policy) as client:
            fetcher = Fetcher(client, fetch_settings, False)
            result = await fetcher.fetch(server.url_for("/open.html"))
            return result.status, fetcher.host_delay("127.0.0.1", server.port)

    status, delay = asyncio.run(fetch_once())
    assert status == OK
    assert delay == 4.0


def test_long_robots_txt_is_read_up_to_the_limit(server: HTTPServer, body_store: BodyStore) -> None:
    """RFC 9309 §2.5: parse at least 500 KiB. A longer file is cut, not ignored (it once
    ended as too_large, which left the host without restrictions)."""
    padding = "# " + "x" * 98 + "\n"
    robots = "User-agent: *\nDisallow: /private/\n" + padding * (ROBOTS_MAX_BYTES // 100 + 100)
    assert len(robots) > ROBOTS_MAX_BYTES
    serve_robots(server, robots)
    list_pages(server, ["/private/x.html", "/open.html"])
    frame = served.collect(server, one_source(server), body_store)
    assert statuses(frame, server, ["/private/x.html", "/open.html"]) == {
        "/private/x.html": BLOCKED,
        "/open.html": OK,
    }


def test_robots_txt_is_read_in_the_charset_its_header_declares(
    server: HTTPServer, body_store: BodyStore
) -> None:
    """A windows-1251 robots.txt whose bytes alone are detected as another charset: the
    Content-Type header's charset is what makes its Disallow line match."""
    robots = "User-agent: *\nDisallow: /новости/\n"
    server.expect_request("/robots.txt").respond_with_data(
        robots.encode("windows-1251"), content_type="text/plain; charset=windows-1251"
    )
    news = "/новости/a.html"
    serve_feed(
        server,
        [
            {"title": "news", "link": quote(news), "pubDate": IN_WINDOW},
            {"title": "open", "link": "/open.html", "pubDate": IN_WINDOW},
        ],
    )
    serve_page(server, news)
    serve_page(server, "/open.html")
    frame = served.collect(server, one_source(server), body_store)
    assert statuses(frame, server, [quote(news), "/open.html"]) == {
        quote(news): BLOCKED,
        "/open.html": OK,
    }
    assert requests_to(server, news) == 0


# ---- what the robots.txt response itself means (RFC 9309 §2.3.1) ----------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_robots_txt_unavailable_4xx_allows_everything(
    server: HTTPServer, body_store: BodyStore, status: int
) -> None:
    serve_robots(server, "User-agent: *\nDisallow: /\n", status=status)
    list_pages(server, ["/a.html"])
    frame = served.collect(server, one_source(server), body_store)
    assert feed_rows(frame)["status"].to_list() == [OK]
    assert statuses(frame, server, ["/a.html"]) == {"/a.html": OK}


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_robots_txt_answering_5xx_disallows_the_whole_host(
    server: HTTPServer, body_store: BodyStore, pauses: list[float], status: int
) -> None:
    """5xx (and 429, an overloaded server) is "unreachable": nothing of the host is fetched,
    and the feed row says why."""
    serve_robots(server, "server trouble", status=status)
    list_pages(server, ["/a.html"])
    frame = served.collect(server, one_source(server), body_store, max_retries=1)
    feed = feed_rows(frame).row(0, named=True)
    assert feed["status"] == BLOCKED
    assert f"robots.txt of {server.url_for('')[:-1]} answered HTTP {status}" in feed["error"]
    assert requests_to(server, "/feed.xml") == 0
    assert requests_to(server, "/robots.txt") == 2  # retried like any 5xx
    assert items_of(frame).height == 0


@pytest.fixture
def stall_release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_robots_txt_that_never_answers_disallows_the_whole_host(
    server: HTTPServer, body_store: BodyStore, stall_release: threading.Event
) -> None:
    """A server that does not deliver its robots.txt (here: the read times out while the
    feed itself would be served at once) is "unreachable" too: the feed is not requested."""

    def stalling(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b"User-agent: *\n"
            stall_release.wait()
            yield b"Allow: /\n"

        return Response(body(), content_type="text/plain")

    server.expect_request("/robots.txt").respond_with_handler(stalling)
    list_pages(server, ["/a.html"])
    frame = served.collect(server, one_source(server), body_store, read_timeout=0.3)
    feed = feed_rows(frame).row(0, named=True)
    assert feed["status"] == schema.STATUS_TIMEOUT
    assert "robots.txt" in feed["error"]
    assert "unreachable" in feed["error"]
    assert requests_to(server, "/feed.xml") == 0


def test_robots_txt_redirect_loop_counts_as_unavailable(
    server: HTTPServer, body_store: BodyStore
) -> None:
    """RFC 9309 §2.3.1.2: past the redirect limit the file may be taken as unavailable."""
    server.expect_request("/robots.txt").respond_with_data(
        "", 301, headers={"Location": "/robots-elsewhere.txt"}
    )
    server.expect_request("/robots-elsewhere.txt").respond_with_data(
        "", 301, headers={"Location": "/robots.txt"}
    )
    list_pages(server, ["/a.html"])
    frame = served.collect(server, one_source(server), body_store)
    assert statuses(frame, server, ["/a.html"]) == {"/a.html": OK}
