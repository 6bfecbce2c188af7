"""Every item a listing names gets exactly one raw row (CONTRACT: nothing is lost), however
odd the item: no link, a link that cannot be fetched, a GUID seen before, a hostile feed.
The last test follows two such items through the whole graph into report.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from dagster import DagsterInstance
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from news_pipeline import schema
from news_pipeline.fetch import BodyStore
from news_pipeline.fetch.listings import MAX_URL_CHARS
from news_pipeline.sources import SourcesConfig
from news_pipeline_tests.conftest import materialize_day
from news_pipeline_tests.stages.fetch import served
from news_pipeline_tests.stages.fetch.served import (
    IN_WINDOW,
    items_of,
    one_source,
    requests_to,
    row_for,
    rss,
    serve_feed,
    serve_page,
)

pytestmark = pytest.mark.usefixtures("clean_server")

STALE = "Mon, 02 Feb 2026 09:00:00 +0800"
YEAR_9999 = "Fri, 31 Dec 9999 23:59:59 +0800"
PAST_UTC = "Fri, 31 Dec 9999 23:59:59 -1200"  # in UTC, year 10000


def test_items_without_a_usable_link_or_with_a_repeated_guid_keep_their_rows(
    server: HTTPServer, body_store: BodyStore
) -> None:
    serve_feed(
        server,
        [
            {"title": "Kept", "link": "/kept.html", "guid": "g-1", "pubDate": IN_WINDOW},
            {"title": "Empty link", "link": "", "guid": "g-2", "pubDate": IN_WINDOW},
            {"title": "Moved", "link": "/moved.html", "guid": "g-1", "pubDate": IN_WINDOW},
            {"title": "No link element", "guid": "tag:site,2026:4", "pubDate": IN_WINDOW},
            {"title": "Script", "link": "javascript:void(0)", "pubDate": IN_WINDOW},
            {"title": "Local file", "link": "file:///etc/passwd", "pubDate": IN_WINDOW},
            {"title": "Bad port", "link": "http://127.0.0.1:99999/x", "pubDate": IN_WINDOW},
            {"title": "Stale repeat", "link": "/stale.html", "guid": "g-9", "pubDate": STALE},
            {"title": "Fresh repeat", "link": "/fresh.html", "guid": "g-9", "pubDate": IN_WINDOW},
        ],
    )
    for path in ("/kept.html", "/moved.html", "/fresh.html"):
        serve_page(server, path)
    frame = served.collect(server, one_source(server), body_store)
    items = items_of(frame)
    assert items.height == 9

    def reference(position: int) -> dict[str, Any]:
        return row_for(items, server.url_for(f"/feed.xml#item-{position}"))

    assert row_for(items, server.url_for("/kept.html"))["status"] == schema.STATUS_OK
    moved = row_for(items, server.url_for("/moved.html"))
    assert (moved["status"], moved["error"]) == (
        schema.STATUS_DUPLICATE_GUID,
        server.url_for("/kept.html"),
    )
    assert (moved["listed_title"], moved["guid"]) == ("Moved", "g-1")
    assert requests_to(server, "/moved.html") == 0
    empty = reference(2)
    assert (empty["status"], empty["error"], empty["listed_title"]) == (
        schema.STATUS_NO_LINK,
        "no link",
        "Empty link",
    )
    # no <link>: feedparser offers the GUID, which is no http(s) URL here
    assert reference(4)["status"] == schema.STATUS_NO_LINK
    assert "tag:" in reference(4)["error"]
    assert "javascript" in reference(5)["error"]
    assert "file" in reference(6)["error"]
    assert reference(7)["status"] == schema.STATUS_NO_LINK
    # an in-window item is not a duplicate of an out-of-window one with its GUID
    assert row_for(items, server.url_for("/stale.html"))["status"] == (schema.STATUS_OUT_OF_WINDOW)
    assert row_for(items, server.url_for("/fresh.html"))["status"] == schema.STATUS_OK
    assert items["url"].n_unique() == items.height  # raw_articles' uniqueness check holds


def _billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    return "<!DOCTYPE rss [\n" + "\n".join(entities) + "\n]>\n"


def test_hostile_feed_is_read_without_losing_an_item(
    server: HTTPServer, body_store: BodyStore
) -> None:
    long_link = "/" + "a" * 100_000
    odd = [
        {"link": "/odd/untitled.html", "guid": "o-1", "pubDate": IN_WINDOW},
        {"title": "Undated", "link": "/odd/undated.html"},
        {
            "title": "Far future",
            "link": "/odd/9999.html",
            "pubDate": "Fri, 31 Dec 9999 23:59:59 +0800",
        },
        {
            "title": "Past UTC",
            "link": "/odd/beyond.html",
            "pubDate": "Fri, 31 Dec 9999 23:59:59 -1200",
        },
        {"title": "Nul\x00byte", "link": "/odd/nul.html", "pubDate": IN_WINDOW},
        {"title": "Laughs &lol9;", "link": "/odd/laughs.html", "pubDate": IN_WINDOW},
        {"title": "Script", "link": "javascript:alert(document.cookie)", "pubDate": IN_WINDOW},
        {"title": "Local", "link": "file:///etc/passwd", "pubDate": IN_WINDOW},
        {"title": "Huge URL", "link": long_link, "pubDate": IN_WINDOW},
        {
            "title": "Deep",
            "link": "/odd/deep.html",
            "pubDate": IN_WINDOW,
            "description": "<div>" * 5000 + "deep" + "</div>" * 5000,
        },
        {"title": "Bad \udcff bytes", "link": "/odd/bytes.html", "pubDate": IN_WINDOW},
    ]
    stale = [
        {"title": f"Stale {n}", "link": f"/stale/{n}.html", "pubDate": STALE} for n in range(3000)
    ]
    feed = rss(odd + stale).replace("?>", "?>\n" + _billion_laughs(), 1)
    body = feed.encode("utf-8", errors="surrogateescape")  # \udcff: a lone 0xff byte
    server.expect_request("/feed.xml").respond_with_data(body, content_type="application/rss+xml")
    for path in ("untitled", "undated", "beyond", "nul", "laughs", "deep", "bytes"):
        serve_page(server, f"/odd/{path}.html")

    frame = served.collect(server, one_source(server), body_store)

    items = items_of(frame)
    assert items.height == len(odd) + len(stale)
    assert items["url"].n_unique() == items.height
    status = {
        row["url"].removeprefix(server.url_for("")[:-1]): row["status"]
        for row in items.filter(~pl.col("url").str.contains("/stale/")).to_dicts()
    }
    ok, no_link = schema.STATUS_OK, schema.STATUS_NO_LINK
    assert status == {
        "/odd/untitled.html": ok,
        "/odd/undated.html": ok,
        "/odd/9999.html": schema.STATUS_OUT_OF_WINDOW,
        "/odd/beyond.html": ok,  # a date that cannot be placed in UTC is no date
        "/odd/nul.html": ok,
        "/odd/laughs.html": ok,
        "/feed.xml#item-7": no_link,
        "/feed.xml#item-8": no_link,
        "/feed.xml#item-9": no_link,
        "/odd/deep.html": ok,
        "/odd/bytes.html": ok,
    }
    huge = row_for(items, server.url_for("/feed.xml#item-9"))
    assert f"limit {MAX_URL_CHARS}" in huge["error"]
    laughs = row_for(items, server.url_for("/odd/laughs.html"))
    assert "lollollol" not in (laughs["listed_title"] or "")
    stale_rows = items.filter(pl.col("url").str.contains("/stale/"))
    assert stale_rows["status"].unique().to_list() == [schema.STATUS_OUT_OF_WINDOW]
    assert not any(request.path.startswith("/stale/") for request, _ in server.log)
    assert requests_to(server, "/odd/9999.html") == 0


def test_every_listed_item_reaches_report_json(
    server: HTTPServer, tmp_path: Path, dagster_instance: DagsterInstance
) -> None:
    """The whole graph: an item with an empty link and an item repeating another's GUID
    are in report.json's `excluded`, with their reason and detail."""
    article = (
        "<html><head><title>Open model tops reasoning benchmark</title></head><body><article>"
        "<h1>Open model tops reasoning benchmark</h1>"
        + "<p>A research lab released an open-weight language model that scored higher than "
        "earlier open models on a set of mathematics and coding benchmarks. The lab said the "
        "model was trained on a mix of public and synthetic data and is free for research "
        "and commercial use.</p>" * 3 + "</article></body></html>"
    )

    def page(_request: Request) -> Response:
        return Response(article, content_type="text/html; charset=utf-8")

    serve_feed(
        server,
        [
            {
                "title": "Open model tops benchmark",
                "link": "/ai/model.html",
                "guid": "m-1",
                "pubDate": IN_WINDOW,
            },
            {
                "title": "Open model tops benchmark (updated)",
                "link": "/ai/model-v2.html",
                "guid": "m-1",
                "pubDate": IN_WINDOW,
            },
            {"title": "A teaser without a link", "link": "", "guid": "m-2", "pubDate": IN_WINDOW},
        ],
    )
    server.expect_request("/ai/model.html").respond_with_handler(page)
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(
        yaml.safe_dump(
            {
                "timezone": "Asia/Shanghai",
                "allow_private_addresses": True,
                "sources": [
                    {"name": "lab-news", "type": "rss", "url": server.url_for("/feed.xml")}
                ],
            }
        ),
        encoding="utf-8",
    )
    SourcesConfig.model_validate(yaml.safe_load(sources_file.read_text(encoding="utf-8")))
    data_dir = tmp_path / "data"

    result = materialize_day("2026-02-14", data_dir, dagster_instance, sources_file)

    assert result.success
    report = json.loads((data_dir / "reports" / "2026-02-14" / "report.json").read_text("utf-8"))
    excluded = {entry["url"]: entry for entry in report["excluded"]}
    repeat = excluded[server.url_for("/ai/model-v2.html")]
    assert (repeat["reason"], repeat["detail"]) == (
        schema.REASON_DUPLICATE_URL,
        server.url_for("/ai/model.html"),
    )
    teaser = excluded[server.url_for("/feed.xml#item-3")]
    assert teaser["reason"] == schema.REASON_FETCH_FAILED
    assert "no link" in teaser["detail"]
    in_stories = [a["url"] for story in report["stories"] for a in story["articles"]]
    listed = sorted([*in_stories, *excluded])
    assert listed == sorted(
        [
            server.url_for("/ai/model.html"),
            server.url_for("/ai/model-v2.html"),
            server.url_for("/feed.xml#item-3"),
        ]
    )
    assert report["stats"]["listed"] == 3
    assert requests_to(server, "/ai/model-v2.html") == 0
