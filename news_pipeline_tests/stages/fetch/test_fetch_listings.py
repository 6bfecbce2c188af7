"""Listings other than one RSS feed: several sources side by side (one failing), HTML list
pages and sitemap indexes, served from 127.0.0.1."""

from __future__ import annotations

import gzip
from datetime import datetime

import pytest
from pytest_httpserver import HTTPServer

from news_pipeline import schema
from news_pipeline.fetch import BodyStore, source_summary
from news_pipeline.sources import SourcesConfig
from news_pipeline_tests.stages.fetch import served
from news_pipeline_tests.stages.fetch.served import (
    IN_WINDOW,
    feed_rows,
    items_of,
    requests_to,
    row_for,
    serve_feed,
    serve_page,
)

pytestmark = pytest.mark.usefixtures("clean_server")


def test_one_failing_source_leaves_the_others_intact(
    body_store: BodyStore, server: HTTPServer
) -> None:
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
    frame = served.collect(
        server,
        sources,
        body_store,
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


def test_html_list_source(body_store: BodyStore, server: HTTPServer) -> None:
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
    frame = served.collect(server, sources, body_store)
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


def test_sitemap_index_with_news_sitemap(body_store: BodyStore, server: HTTPServer) -> None:
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
    frame = served.collect(server, sources, body_store)
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
