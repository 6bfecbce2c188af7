"""One HTTP fetch, politely and defensively.

A `Fetcher` is shared by one collect call. Every request passes a global and a per-host
concurrency gate with a minimum delay per host, robots.txt (robots.py), and the address
policy (policy.py) checked on every redirect hop against the IPs the host resolves to; the
socket is then opened to the very IP that was checked (transport.py). Bodies are read as a
stream and capped after decoding (decoding.py). Retries are for connect errors, 429 and
5xx only.
"""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import zstandard

from news_pipeline import schema
from news_pipeline.fetch.body_store import BodyMissingError
from news_pipeline.fetch.decoding import BodyTooLarge, UnsupportedEncoding, read_capped
from news_pipeline.fetch.http_cache import CachedResponse, HttpCache
from news_pipeline.fetch.policy import AddressPolicy, FetchBlocked, FetchSettings, default_port
from news_pipeline.fetch.robots import ROBOTS_MAX_BYTES, RobotsRules, robots_rules

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


@dataclass
class FetchResult:
    """Outcome of fetching one URL: a schema status plus what the server said."""

    url: str
    status: str
    error: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None
    from_cache: bool = False
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    elapsed_ms: float = 0.0
    # Set once the body is in the BodyStore (which may then drop `body`).
    content_hash: str | None = None
    declared_charset: str | None = None
    is_html: bool = False


@dataclass
class _Clock:
    """Time spent in requests proper (not queued behind politeness gates)."""

    seconds: float = 0.0


@dataclass
class _Response:
    status_code: int
    headers: httpx.Headers
    body: bytes | None


class HostGate:
    """Per-host concurrency cap and minimum delay between request starts.

    The delay is the larger of the settings' and the host's robots.txt Crawl-delay.
    """

    def __init__(self, concurrency: int, min_delay: float) -> None:
        self._semaphore = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self.min_delay = min_delay
        self._next_start = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._semaphore:
            loop = asyncio.get_running_loop()
            async with self._lock:
                wait = self._next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = loop.time() + self.min_delay
            yield


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


async def _pause(seconds: float) -> None:
    """Wait between retries (a module-level seam so tests can record the delays)."""
    await asyncio.sleep(seconds)


class Fetcher:
    """Shared state of one collect call: client, gates, robots and address caches."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: FetchSettings,
        allow_private_addresses: bool,
        cache: HttpCache | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.policy = AddressPolicy(allow_private_addresses, settings.allowed_private_hosts)
        self._address_verdicts: dict[tuple[str, int], str | None] = {}
        self.cache = cache
        self._cache_lock = asyncio.Lock()
        self.cached: dict[str, CachedResponse] = {}
        self._looked_up: set[str] = set()
        self.fresh: list[CachedResponse] = []
        self._global = asyncio.Semaphore(settings.max_concurrency)
        self._gates: dict[tuple[str, int], HostGate] = {}
        self._robots: dict[str, asyncio.Task[RobotsRules]] = {}
        self._random = random.Random()

    async def load_cached(self, urls: list[str]) -> None:
        """Fetch the cache's validators for these URLs in one DuckDB round trip."""
        wanted = [url for url in dict.fromkeys(urls) if url not in self._looked_up]
        if self.cache is None or not wanted:
            return
        self._looked_up.update(wanted)
        cache = self.cache
        async with self._cache_lock:
            found = await asyncio.to_thread(cache.lookup_many, wanted)
        self.cached.update(found)

    def host_delay(self, host: str, port: int) -> float:
        """Minimum seconds between request starts to one host (settings or Crawl-delay)."""
        return self._gate(host, port).min_delay

    def _gate(self, host: str, port: int) -> HostGate:
        key = (host, port)
        gate = self._gates.get(key)
        if gate is None:
            gate = HostGate(
                self.settings.per_host_concurrency, self.settings.per_host_min_delay_seconds
            )
            self._gates[key] = gate
        return gate

    async def address_block_reason(self, url: str) -> str | None:
        """Address policy for one hop, decided on every IP the host resolves to."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme!r} not allowed"
        host = parts.hostname
        if not host:
            return "URL has no host"
        port = default_port(parts)
        if self.policy.exempt(host, port):
            return None
        key = (host, port)
        if key not in self._address_verdicts:
            try:
                await self.policy.permitted_addresses(host, port)
                self._address_verdicts[key] = None
            except FetchBlocked as blocked:
                self._address_verdicts[key] = str(blocked)
        return self._address_verdicts[key]

    async def _robots_for(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._robots.get(origin)
        if task is None:
            task = asyncio.ensure_future(self._load_robots(origin))
            self._robots[origin] = task
        return await task

    async def _load_robots(self, origin: str) -> RobotsRules:
        result = await self.fetch(
            f"{origin}/robots.txt", check_robots=False, max_bytes=ROBOTS_MAX_BYTES, truncate=True
        )
        rules = robots_rules(origin, result)
        crawl_delay = rules.crawl_delay(self.settings.user_agent)
        if crawl_delay:
            parts = urlsplit(origin)
            gate = self._gate(parts.hostname or "", default_port(parts))
            gate.min_delay = max(gate.min_delay, crawl_delay)
        return rules

    async def fetch(
        self,
        url: str,
        *,
        check_robots: bool = True,
        max_bytes: int | None = None,
        truncate: bool = False,
    ) -> FetchResult:
        """GET a URL, following redirects by hand so every hop passes the policy.

        A body past `max_bytes` (default: the settings' cap) is refused as too_large, or
        with `truncate` cut to its first `max_bytes` bytes.
        """
        clock = _Clock()
        result = FetchResult(url=url, status=schema.STATUS_FETCH_ERROR)
        limit = max_bytes if max_bytes is not None else self.settings.max_body_bytes
        try:
            await self._fetch_into(result, url, check_robots, limit, truncate, clock)
        except TimeoutError:
            result.status = schema.STATUS_TIMEOUT
            result.error = f"response not complete within {self.settings.total_timeout:g}s"
        except httpx.TimeoutException as error:
            result.status = schema.STATUS_TIMEOUT
            result.error = f"{type(error).__name__}: {error}".rstrip(": ")
        except BodyTooLarge as error:
            result.status = schema.STATUS_TOO_LARGE
            result.error = str(error)
        except FetchBlocked as error:
            result.status = error.status
            result.error = str(error)
        except (
            httpx.HTTPError,
            httpx.InvalidURL,
            httpx.StreamError,
            OSError,
            UnsupportedEncoding,
            zlib.error,
            zstandard.ZstdError,
            UnicodeError,
            ValueError,
            BodyMissingError,
        ) as error:
            result.status = schema.STATUS_FETCH_ERROR
            result.error = f"{type(error).__name__}: {error}".rstrip(": ")
        result.elapsed_ms = clock.seconds * 1000
        result.fetched_at = datetime.now(UTC)
        return result

    async def _check_hop(self, url: str, current: str, check_robots: bool) -> None:
        """Raise FetchBlocked when the address policy or robots.txt forbids this hop."""
        redirected = current != url
        reason = await self.address_block_reason(current)
        if reason is not None:
            raise FetchBlocked(f"{reason} (after redirect)" if redirected else reason)
        if check_robots and self.settings.respect_robots:
            rules = await self._robots_for(current)
            refusal = rules.refusal(current, self.settings.user_agent)
            if refusal is not None:
                if redirected:
                    raise FetchBlocked(f"{refusal} (after redirect)", refusal.status)
                raise refusal

    async def _fetch_into(
        self,
        result: FetchResult,
        url: str,
        check_robots: bool,
        limit: int,
        truncate: bool,
        clock: _Clock,
    ) -> None:
        current = url
        visited = {url}
        for _hop in range(self.settings.max_redirects + 1):
            result.final_url = current
            await self._check_hop(url, current, check_robots)
            if current != url:
                await self.load_cached([current])
            cached = self.cached.get(current)
            headers = {}
            if cached is not None:
                if cached.etag:
                    headers["If-None-Match"] = cached.etag
                if cached.last_modified:
                    headers["If-Modified-Since"] = cached.last_modified
            response = await self._request_with_retries(current, headers, limit, truncate, clock)
            result.http_status = response.status_code
            result.content_type = response.headers.get("content-type")
            result.etag = response.headers.get("etag")
            result.last_modified = response.headers.get("last-modified")
            location = response.headers.get("location")
            if response.status_code in REDIRECT_CODES and location:
                target = urljoin(current, location.strip())
                target = urlunsplit(urlsplit(target)._replace(fragment=""))
                if target in visited:
                    result.status = schema.STATUS_FETCH_ERROR
                    result.error = f"redirect loop back to {target}"
                    return
                visited.add(target)
                current = target
                continue
            if response.status_code == 304 and cached is not None and self.cache is not None:
                result.status = schema.STATUS_OK
                result.from_cache = True
                result.body = await asyncio.to_thread(self.cache.bodies.get, cached.content_hash)
                result.content_type = result.content_type or cached.content_type
                result.etag = result.etag or cached.etag
                result.last_modified = result.last_modified or cached.last_modified
                return
            if 200 <= response.status_code < 300:
                result.status = schema.STATUS_OK
                result.body = response.body or b""
                if self.cache is not None and (result.etag or result.last_modified):
                    content_hash = await asyncio.to_thread(self.cache.bodies.put, result.body)
                    self.fresh.append(
                        CachedResponse(
                            url=current,
                            etag=result.etag,
                            last_modified=result.last_modified,
                            content_type=result.content_type,
                            content_hash=content_hash,
                        )
                    )
                return
            result.status = schema.STATUS_HTTP_ERROR
            result.error = f"HTTP {response.status_code}"
            return
        result.status = schema.STATUS_FETCH_ERROR
        result.error = f"more than {self.settings.max_redirects} redirects"

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cap = self.settings.backoff_max_seconds
        if retry_after is not None:
            return min(retry_after, cap)
        ceiling = min(cap, self.settings.backoff_base_seconds * (2**attempt))
        return self._random.uniform(ceiling / 2, ceiling)

    async def _request_with_retries(
        self, url: str, headers: dict[str, str], limit: int, truncate: bool, clock: _Clock
    ) -> _Response:
        """Retry connect errors, 429 and 5xx only; never other 4xx."""
        attempt = 0
        while True:
            try:
                response = await self._request_once(url, headers, limit, truncate, clock)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if attempt >= self.settings.max_retries:
                    raise
                delay = self._backoff(attempt, None)
            else:
                transient = response.status_code == 429 or 500 <= response.status_code < 600
                if not transient or attempt >= self.settings.max_retries:
                    return response
                delay = self._backoff(
                    attempt, parse_retry_after(response.headers.get("retry-after"))
                )
            attempt += 1
            await _pause(delay)

    async def _request_once(
        self, url: str, headers: dict[str, str], limit: int, truncate: bool, clock: _Clock
    ) -> _Response:
        parts = urlsplit(url)
        gate = self._gate(parts.hostname or "", default_port(parts))
        async with gate.slot(), self._global:
            started = time.perf_counter()
            try:
                async with (
                    asyncio.timeout(self.settings.total_timeout),
                    self.client.stream("GET", url, headers=headers) as response,
                ):
                    status = response.status_code
                    if not 200 <= status < 300:
                        return _Response(status, response.headers, None)
                    body = await read_capped(response, limit, truncate)
                    return _Response(status, response.headers, body)
            finally:
                clock.seconds += time.perf_counter() - started
