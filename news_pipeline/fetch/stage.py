"""raw_articles: every source's listing, then the pages it names, as rows with a status.

`collect_raw_articles` turns a sources file and a day window into RAW_ARTICLES_SCHEMA rows:
one `feed` row per listing fetched and one `item` row per listed item, each with a status
from schema.py; the bodies go to the BodyStore as they arrive. No source can take the run
down (every failure becomes a row), and no listed item is lost: one without a usable link
or repeating an earlier item's GUID gets its row too, with the status that says so. The HTTP
side is fetcher.py (politeness, retries, redirects) with policy.py, robots.py, transport.py
and decoding.py; parsing the listings is listings.py; decoding bytes to text is charsets.py.
"""

from __future__ import annotations

import asyncio
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from news_pipeline import schema
from news_pipeline.fetch.body_store import BodyStore
from news_pipeline.fetch.charsets import (
    charset_from_content_type,
    declared_document_charset,
    decode_document,
)
from news_pipeline.fetch.decoding import BoundedStreamDecoder
from news_pipeline.fetch.fetcher import Fetcher, FetchResult
from news_pipeline.fetch.http_cache import HttpCache
from news_pipeline.fetch.listings import (
    ListedItem,
    page_date,
    parse_feed,
    parse_html_list,
    parse_sitemap,
)
from news_pipeline.fetch.policy import AddressPolicy, FetchSettings
from news_pipeline.fetch.transport import make_client
from news_pipeline.progress import ProgressReporter, no_progress
from news_pipeline.schema import DayWindow
from news_pipeline.sources import SourceConfig, SourcesConfig

MAX_CHILD_SITEMAPS = 20
MAX_SITEMAP_DEPTH = 2
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
_NOT_FAILED = (schema.STATUS_OK, schema.STATUS_OUT_OF_WINDOW)

# ---- rows -------------------------------------------------------------------------------------


def _naive_utc(moment: datetime | None) -> datetime | None:
    return schema.to_naive_utc(moment) if moment is not None else None


class _FetchProgress:
    """Item pages to fetch and fetched so far, told to a ProgressReporter as each ends.

    The total grows as each source's listing arrives (pages of a listed source are fetched
    while other listings are still on their way); the last call is (total, total, failed).
    """

    def __init__(self, reporter: ProgressReporter) -> None:
        self.reporter = reporter
        self.total = self.done = self.failed = 0

    def add(self, count: int) -> None:
        self.total += count

    def item_done(self, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)
        self.reporter(self.done, self.total, self.failed)

    def finish(self) -> None:
        if self.done == 0:
            self.reporter(0, self.total, 0)


class _Collector:
    """Listings, then item pages, of every source of one window, as raw rows."""

    def __init__(
        self,
        fetcher: Fetcher,
        sources: SourcesConfig,
        window: DayWindow,
        bodies: BodyStore,
        now: datetime | None,
        progress: ProgressReporter,
    ) -> None:
        self.fetcher = fetcher
        self.progress = _FetchProgress(progress)
        self.bodies = bodies
        self.sources = sources
        self.window = window
        self.now = now
        self.timezone = ZoneInfo(window.timezone)
        self._pages: dict[str, asyncio.Task[FetchResult]] = {}

    def _fetch_time(self, result: FetchResult) -> datetime:
        return self.now if self.now is not None else result.fetched_at

    def _base_row(self, source: SourceConfig, record_kind: str, url: str) -> dict[str, Any]:
        return {
            "partition_date": self.window.day,
            "record_kind": record_kind,
            "source": source.name,
            "source_type": source.type,
            "source_language": source.language,
            "source_weight": source.weight,
            "feed_url": source.url,
            "url": url,
            "from_cache": False,
        }

    async def _store_body(self, result: FetchResult) -> None:
        """Put the body in the store and note what the rows need from it."""
        if result.body is None or result.content_hash is not None:
            return
        result.content_hash = await asyncio.to_thread(self.bodies.put, result.body)
        result.declared_charset = charset_from_content_type(
            result.content_type
        ) or declared_document_charset(result.body)
        result.is_html = _looks_like_html(result.content_type, result.body)

    async def _fill_fetch(self, row: dict[str, Any], result: FetchResult) -> None:
        await self._store_body(result)
        row.update(
            status=result.status,
            error=result.error,
            http_status=result.http_status,
            final_url=result.final_url,
            content_type=result.content_type,
            etag=result.etag,
            last_modified=result.last_modified,
            fetched_at=_naive_utc(self._fetch_time(result)),
            elapsed_ms=result.elapsed_ms,
            from_cache=result.from_cache,
            declared_charset=result.declared_charset,
            content_hash=result.content_hash,
        )

    async def collect(self) -> list[dict[str, Any]]:
        await self.fetcher.load_cached([source.url for source in self.sources.sources])
        per_source = await asyncio.gather(
            *(self._collect_source(source) for source in self.sources.sources)
        )
        self.progress.finish()
        return [row for rows in per_source for row in rows]

    async def _collect_source(self, source: SourceConfig) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        listed = self._without_repeats(await self._list_source(source, rows))
        to_fetch = [item.url for item, kept_url in listed if self._fetches(item, kept_url)]
        self.progress.add(len(to_fetch))
        await self.fetcher.load_cached(to_fetch)
        rows.extend(
            await asyncio.gather(*(self._item_row(source, item, kept) for item, kept in listed))
        )
        return rows

    def _without_repeats(self, items: list[ListedItem]) -> list[tuple[ListedItem, str | None]]:
        """Each listed item once, paired with the URL of the earlier item it repeats.

        A repeated link is the same page listed twice: dropped, as its row would repeat the
        first one's. A GUID repeated under another link is the same item moved: it keeps its
        row, which ends as duplicate_url. Only an item whose page is wanted can be the kept
        one, so an in-window item is never dropped for an out-of-window namesake.
        """
        kept_by_guid: dict[str, str] = {}
        seen_urls: set[str] = set()
        listed: list[tuple[ListedItem, str | None]] = []
        for item in items:
            if item.url in seen_urls:
                continue
            seen_urls.add(item.url)
            kept_url = kept_by_guid.get(item.guid) if item.guid else None
            if item.guid and kept_url is None and self._fetches(item, None):
                kept_by_guid[item.guid] = item.url
            listed.append((item, kept_url))
        return listed

    async def _list_source(
        self, source: SourceConfig, rows: list[dict[str, Any]]
    ) -> list[ListedItem]:
        """Fetch and parse the listing(s), appending one feed row per listing fetched."""
        if source.type == "sitemap":
            return await self._list_sitemap(source, source.url, rows, depth=0)
        result = await self.fetcher.fetch(source.url)
        row = self._base_row(source, schema.RECORD_FEED, source.url)
        await self._fill_fetch(row, result)
        rows.append(row)
        if result.status != schema.STATUS_OK or result.body is None:
            return []
        base = result.final_url or source.url
        try:
            if source.type == "rss":
                return parse_feed(result.body, result.content_type, base, self.timezone)
            return parse_html_list(result.body, result.content_type, base, source)
        except Exception as error:  # parsers raise assorted errors on hostile input
            row.update(status=schema.STATUS_PARSE_ERROR, error=f"{type(error).__name__}: {error}")
            return []

    async def _list_sitemap(
        self, source: SourceConfig, url: str, rows: list[dict[str, Any]], depth: int
    ) -> list[ListedItem]:
        result = await self.fetcher.fetch(url)
        row = self._base_row(source, schema.RECORD_FEED, url)
        if result.status == schema.STATUS_OK and result.body and result.body[:2] == b"\x1f\x8b":
            result.body = _gunzip_capped(result.body, self.fetcher.settings.max_body_bytes, result)
        await self._fill_fetch(row, result)
        rows.append(row)
        if result.status != schema.STATUS_OK or result.body is None:
            return []
        try:
            listing = parse_sitemap(result.body, result.final_url or url, self.timezone)
        except Exception as error:  # parsers raise assorted errors on hostile input
            row.update(status=schema.STATUS_PARSE_ERROR, error=f"{type(error).__name__}: {error}")
            return []
        window_start = self.window.start
        items = [
            item
            for item in listing.items
            if item.published_at is None or item.published_at >= window_start
        ]
        if listing.children and depth < MAX_SITEMAP_DEPTH:
            recent = [
                (child, lastmod)
                for child, lastmod in listing.children
                if lastmod is None or lastmod >= window_start - timedelta(days=1)
            ]
            recent.sort(key=lambda pair: pair[1] or window_start, reverse=True)
            nested = await asyncio.gather(
                *(
                    self._list_sitemap(source, child, rows, depth + 1)
                    for child, _ in recent[:MAX_CHILD_SITEMAPS]
                )
            )
            for child_items in nested:
                items.extend(child_items)
        return items

    async def _fetch_page(self, url: str) -> FetchResult:
        """Fetch a page once per call even when several sources list the same URL."""
        task = self._pages.get(url)
        if task is None:
            task = asyncio.ensure_future(self._fetch_and_store(url))
            self._pages[url] = task
        return await task

    async def _fetch_and_store(self, url: str) -> FetchResult:
        """The result kept for other listings of the URL holds the body's hash, not its
        bytes: a day's pages are never all in memory at once."""
        result = await self.fetcher.fetch(url)
        await self._store_body(result)
        result.body = None
        return result

    def _in_window(self, item: ListedItem) -> bool:
        return item.published_at is None or self.window.contains(item.published_at)

    def _fetches(self, item: ListedItem, kept_url: str | None) -> bool:
        """Whether the item's page is requested (the rest get their row without a fetch)."""
        return self._in_window(item) and item.link_problem is None and kept_url is None

    async def _item_row(
        self, source: SourceConfig, item: ListedItem, kept_url: str | None
    ) -> dict[str, Any]:
        row = self._base_row(source, schema.RECORD_ITEM, item.url)
        row.update(
            guid=item.guid,
            listed_title=item.title,
            listed_summary=item.summary,
            published_at=_naive_utc(item.published_at),
            published_at_source=item.published_at_source,
        )
        if not self._in_window(item):
            row["status"] = schema.STATUS_OUT_OF_WINDOW
            return row
        if item.link_problem is not None:
            row.update(status=schema.STATUS_NO_LINK, error=item.link_problem)
            return row
        if kept_url is not None:
            row.update(status=schema.STATUS_DUPLICATE_GUID, error=kept_url)
            return row
        row = await self._fetched_item_row(row, item)
        self.progress.item_done(failed=row["status"] not in _NOT_FAILED)
        return row

    async def _fetched_item_row(self, row: dict[str, Any], item: ListedItem) -> dict[str, Any]:
        result = await self._fetch_page(item.url)
        await self._fill_fetch(row, result)
        if result.status != schema.STATUS_OK or result.content_hash is None:
            return row
        if not result.is_html:
            row.update(
                status=schema.STATUS_NOT_HTML,
                error=f"content type {result.content_type or 'unknown'}",
            )
            return row
        if item.published_at is None:
            fetch_time = self._fetch_time(result)
            found = await asyncio.to_thread(self._page_date, result, fetch_time)
            moment, how = (found, "page") if found is not None else (fetch_time, "fetch_time")
            row.update(published_at=_naive_utc(moment), published_at_source=how)
            if not self.window.contains(moment):
                row["status"] = schema.STATUS_OUT_OF_WINDOW
        return row

    def _page_date(self, result: FetchResult, fetch_time: datetime) -> datetime | None:
        assert result.content_hash is not None
        body = self.bodies.get(result.content_hash)
        decoded = decode_document(body, charset_from_content_type(result.content_type))
        return page_date(decoded.text, self.timezone, fetch_time)


def _gunzip_capped(body: bytes, limit: int, result: FetchResult) -> bytes | None:
    """Decompress a .xml.gz sitemap without letting it grow past the body cap."""
    decoder = BoundedStreamDecoder("gzip")
    out = bytearray()
    try:
        for piece in decoder.feed(body):
            out += piece
            if len(out) > limit:
                result.status = schema.STATUS_TOO_LARGE
                result.error = f"gzipped sitemap exceeds {limit} bytes"
                return None
    except zlib.error as error:
        result.status = schema.STATUS_PARSE_ERROR
        result.error = f"bad gzip sitemap ({error})"
        return None
    return bytes(out)


def _looks_like_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        media_type = content_type.split(";")[0].strip().lower()
        if media_type in HTML_CONTENT_TYPES:
            return True
        if media_type not in ("", "text/plain", "application/octet-stream"):
            return False
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--"))


async def collect_raw_articles_async(
    sources: SourcesConfig,
    window: DayWindow,
    settings: FetchSettings,
    bodies: BodyStore,
    cache: HttpCache | None = None,
    now: datetime | None = None,
    progress: ProgressReporter = no_progress,
) -> pl.DataFrame:
    """Async form of collect_raw_articles (one httpx.AsyncClient for the whole call)."""
    policy = AddressPolicy(sources.allow_private_addresses, settings.allowed_private_hosts)
    async with make_client(settings, policy) as client:
        fetcher = Fetcher(client, settings, sources.allow_private_addresses, cache)
        collector = _Collector(fetcher, sources, window, bodies, now, progress)
        rows = await collector.collect()
    if cache is not None and fetcher.fresh:
        await asyncio.to_thread(cache.store_many, fetcher.fresh)
    frame = pl.DataFrame(rows, schema=schema.RAW_ARTICLES_SCHEMA, orient="row") if rows else None
    if frame is None:
        return schema.empty_frame(schema.RAW_ARTICLES_SCHEMA)
    return schema.conform(frame, schema.RAW_ARTICLES_SCHEMA)


def collect_raw_articles(
    sources: SourcesConfig,
    window: DayWindow,
    settings: FetchSettings,
    bodies: BodyStore,
    cache: HttpCache | None = None,
    now: datetime | None = None,
    progress: ProgressReporter = no_progress,
) -> pl.DataFrame:
    """Fetch every source's listing and the in-window items' pages (RAW_ARTICLES_SCHEMA).

    Every body fetched goes to `bodies`; the rows carry its content_hash. `now` fixes the
    fetch time (used for fetched_at and as the fallback publication time). `progress` is
    called as each item page's fetch ends with (done, total, failed), failed counting the
    items whose row is neither ok nor out_of_window.
    """
    coroutine = collect_raw_articles_async(sources, window, settings, bodies, cache, now, progress)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def source_summary(raw: pl.DataFrame) -> pl.DataFrame:
    """Per source: listing status, items listed, ok, cache hits, failures by status, seconds."""
    raw = schema.conform(raw, schema.RAW_ARTICLES_SCHEMA)
    failure_statuses = [
        status
        for status in schema.FETCH_STATUSES
        if status
        not in (schema.STATUS_OK, schema.STATUS_OUT_OF_WINDOW, schema.STATUS_DUPLICATE_GUID)
    ]
    items = pl.col("record_kind") == schema.RECORD_ITEM
    feeds = pl.col("record_kind") == schema.RECORD_FEED
    aggregations = [
        pl.col("status").filter(feeds).first().alias("feed_status"),
        pl.col("error").filter(feeds).drop_nulls().first().alias("feed_error"),
        items.sum().cast(pl.Int64).alias("listed"),
        (items & (pl.col("status") == schema.STATUS_OK)).sum().cast(pl.Int64).alias("ok"),
        (items & (pl.col("status") == schema.STATUS_OUT_OF_WINDOW))
        .sum()
        .cast(pl.Int64)
        .alias("out_of_window"),
        (items & (pl.col("status") == schema.STATUS_DUPLICATE_GUID))
        .sum()
        .cast(pl.Int64)
        .alias("duplicates"),
        (items & pl.col("status").is_in(failure_statuses)).sum().cast(pl.Int64).alias("failed"),
        *(
            (items & (pl.col("status") == status)).sum().cast(pl.Int64).alias(status)
            for status in failure_statuses
        ),
        pl.col("from_cache").fill_null(False).sum().cast(pl.Int64).alias("cache_hits"),
        (pl.col("elapsed_ms").fill_null(0).sum() / 1000).alias("seconds"),
    ]
    return raw.group_by("source", maintain_order=True).agg(aggregations).sort("source")
