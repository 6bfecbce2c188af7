"""One HTTP fetch, politely and defensively: the client, its limits and its address policy.

A `Fetcher` is shared by one collect call. Every request passes a global and a per-host
concurrency gate with a minimum delay per host, robots.txt, and an address policy checked
on every redirect hop against the IPs the host resolves to (the socket is then opened to
the very IP that was checked). Bodies are read as a stream and capped after decoding, so
a gzip bomb stops at the cap. Retries are for connect errors, 429 and 5xx only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx
import zstandard
from pydantic import BaseModel, ConfigDict, Field

from news_pipeline import schema
from news_pipeline.fetch.body_store import BodyMissingError
from news_pipeline.fetch.charsets import charset_from_content_type, decode_document
from news_pipeline.fetch.http_cache import CachedResponse, HttpCache

DEFAULT_USER_AGENT = "news_pipeline/0.1 (+https://github.com/news-pipeline)"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 10.0  # seconds; a larger robots.txt Crawl-delay would stall a daily run
_DECODE_CHUNK = 64 * 1024

# Addresses that are global by the registry's tables but are cloud metadata endpoints.
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(text)
    for text in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class FetchSettings(BaseModel):
    """Politeness, limits and policy of one fetch run.

    Timeouts: `connect_timeout` and `read_timeout` (seconds without a byte) per socket
    operation; `total_timeout` bounds one request/response exchange (time queued behind
    the politeness gates does not count). `max_body_bytes` counts decoded bytes.
    `allowed_private_hosts` lists "host" or "host:port" entries that may be fetched even
    though they resolve to loopback/private addresses.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str = DEFAULT_USER_AGENT
    max_concurrency: int = Field(default=16, ge=1)
    per_host_concurrency: int = Field(default=2, ge=1)
    per_host_min_delay_seconds: float = Field(default=0.25, ge=0)
    connect_timeout: float = Field(default=10, gt=0)
    read_timeout: float = Field(default=20, gt=0)
    total_timeout: float = Field(default=60, gt=0)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    max_redirects: int = Field(default=5, ge=0)
    max_retries: int = Field(default=3, ge=0)
    backoff_base_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=30, ge=0)
    respect_robots: bool = True
    http2: bool = True
    allowed_private_hosts: list[str] = Field(default_factory=list)


# ---- address policy -------------------------------------------------------------------


def blocked_ip_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an IP must not be fetched from (None when it is a public unicast address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            inner = blocked_ip_reason(embedded)
            return f"{inner} (embedded in {address})" if inner else None
        if address.teredo is not None:
            return "teredo tunnel address"
    if address in _METADATA_ADDRESSES:
        return "cloud metadata address"
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address"
    if address.is_multicast:
        return "multicast address"
    if address.is_unspecified:
        return "unspecified address"
    if address.is_reserved:
        return "reserved address"
    if address.is_private:
        return "private address"
    if not address.is_global:
        return "non-global address"
    return None


def host_is_listed(host: str, port: int, allowed_hosts: list[str]) -> bool:
    """True when `host` or `host:port` appears in the allow list (case-insensitive)."""
    host = host.lower().strip("[]")
    for entry in allowed_hosts:
        entry = entry.strip().lower()
        if entry.startswith("["):
            entry_host, _, rest = entry[1:].partition("]")
            entry_port = rest.removeprefix(":")
        elif entry.count(":") == 1:
            entry_host, entry_port = entry.split(":")
        else:
            entry_host, entry_port = entry, ""
        if entry_host == host and (not entry_port or entry_port == str(port)):
            return True
    return False


def default_port(url_parts: Any) -> int:
    return url_parts.port or (443 if url_parts.scheme == "https" else 80)


class AddressPolicy:
    """Which hosts may be connected to, decided on the IPs a host name resolves to."""

    def __init__(self, allow_private_addresses: bool, allowed_private_hosts: list[str]) -> None:
        self.allow_private_addresses = allow_private_addresses
        self.allowed_private_hosts = allowed_private_hosts

    def exempt(self, host: str, port: int) -> bool:
        return self.allow_private_addresses or host_is_listed(
            host, port, self.allowed_private_hosts
        )

    async def permitted_addresses(self, host: str, port: int) -> list[str]:
        """Every address of `host`, or FetchBlocked when any of them is not public."""
        try:
            addresses = [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        for address in addresses:
            reason = blocked_ip_reason(address)
            if reason is not None:
                raise FetchBlocked(f"address policy: {host} resolves to {address}, a {reason}")
        return list(dict.fromkeys(str(address) for address in addresses))


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to the addresses the policy approved, resolved at connect time.

    The per-hop check in Fetcher gives a clear "blocked" row before any request; this one
    closes the gap between that check and the connection (DNS rebinding), because the
    socket is opened to the very IP that was checked.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._policy.exempt(host, port):
            targets = [host]
        else:
            targets = await self._policy.permitted_addresses(host, port)
        last_error: Exception | None = None
        for target in targets:
            try:
                return await self._inner.connect_tcp(
                    target,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchBlocked("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# ---- streaming body decoding with a cap -------------------------------------------------


class _BodyTooLarge(Exception):
    pass


class FetchBlocked(Exception):
    pass


class _UnsupportedEncoding(Exception):
    pass


class BoundedStreamDecoder:
    """Content-Encoding decoder that never inflates more than one chunk at a time.

    httpx's own decoders inflate a whole network read at once; a 64 KiB read of a gzip
    bomb is ~64 MiB, so the cap would be checked too late.
    """

    def __init__(self, content_encoding: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise _UnsupportedEncoding(f"stacked content-encoding {content_encoding!r}")
        self.coding = codings[0] if codings else "identity"
        self._zlib: Any = None
        self._zstd: Any = None
        self._first_deflate_chunk = True
        if self.coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":
            self._zlib = zlib.decompressobj()
        elif self.coding == "zstd":
            self._zstd = zstandard.ZstdDecompressor().decompressobj()
        elif self.coding != "identity":
            raise _UnsupportedEncoding(f"unsupported content-encoding {self.coding!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is not None:
            yield from self._feed_zlib(data)
        elif self._zstd is not None:
            # zstandard's decompressobj has no output bound; feed it small slices instead.
            for start in range(0, len(data), 1024):
                yield self._zstd.decompress(data[start : start + 1024])
        else:
            yield data

    def _feed_zlib(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                piece = self._zlib.decompress(data, _DECODE_CHUNK)
            except zlib.error:
                if self.coding == "deflate" and self._first_deflate_chunk:
                    # Some servers send raw deflate without the zlib header.
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first_deflate_chunk = False
                    continue
                raise
            self._first_deflate_chunk = False
            yield piece
            data = self._zlib.unconsumed_tail
            if self._zlib.eof and self._zlib.unused_data and self.coding != "deflate":
                # Concatenated gzip members.
                data = self._zlib.unused_data
                self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)


# ---- one HTTP fetch, with redirects, retries, policy ----------------------------------------


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
        self._robots: dict[str, asyncio.Task[RobotFileParser | str]] = {}
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

    async def _robots_for(self, url: str) -> RobotFileParser | str:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._robots.get(origin)
        if task is None:
            task = asyncio.ensure_future(self._load_robots(origin))
            self._robots[origin] = task
        return await task

    async def _load_robots(self, origin: str) -> RobotFileParser | str:
        """Parsed robots.txt, or a reason string when the host must be treated as closed.

        RFC 9309: a 4xx robots.txt means no restrictions and a 5xx one (after retries)
        means full disallow. A network failure is not treated as a disallow: the page fetch
        to the same host then fails with the real reason instead of a misleading "blocked".
        """
        result = await self.fetch(
            f"{origin}/robots.txt", check_robots=False, max_bytes=ROBOTS_MAX_BYTES
        )
        parser = RobotFileParser()
        if result.status == schema.STATUS_OK and result.body is not None:
            text = decode_document(result.body, charset_from_content_type(result.content_type))
            parser.parse(text.text.splitlines())
            crawl_delay = parser.crawl_delay(self.settings.user_agent)
            if crawl_delay:
                parts = urlsplit(origin)
                gate = self._gate(parts.hostname or "", default_port(parts))
                gate.min_delay = max(gate.min_delay, min(float(crawl_delay), MAX_CRAWL_DELAY))
            return parser
        if result.http_status is not None and 400 <= result.http_status < 500:
            parser.parse([])
            return parser
        if result.http_status is not None and result.http_status >= 500:
            return f"robots.txt of {origin} answered HTTP {result.http_status}"
        parser.parse([])
        return parser

    async def _robots_block_reason(self, url: str) -> str | None:
        robots = await self._robots_for(url)
        if isinstance(robots, str):
            return robots
        if not robots.can_fetch(self.settings.user_agent, url):
            return "robots.txt disallows this path"
        return None

    async def fetch(
        self, url: str, *, check_robots: bool = True, max_bytes: int | None = None
    ) -> FetchResult:
        """GET a URL, following redirects by hand so every hop passes the policy."""
        clock = _Clock()
        result = FetchResult(url=url, status=schema.STATUS_FETCH_ERROR)
        try:
            await self._fetch_into(result, url, check_robots, max_bytes, clock)
        except TimeoutError:
            result.status = schema.STATUS_TIMEOUT
            result.error = f"response not complete within {self.settings.total_timeout:g}s"
        except httpx.TimeoutException as error:
            result.status = schema.STATUS_TIMEOUT
            result.error = f"{type(error).__name__}: {error}".rstrip(": ")
        except _BodyTooLarge as error:
            result.status = schema.STATUS_TOO_LARGE
            result.error = str(error)
        except FetchBlocked as error:
            result.status = schema.STATUS_BLOCKED
            result.error = str(error)
        except (
            httpx.HTTPError,
            httpx.InvalidURL,
            httpx.StreamError,
            OSError,
            _UnsupportedEncoding,
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

    async def _fetch_into(
        self,
        result: FetchResult,
        url: str,
        check_robots: bool,
        max_bytes: int | None,
        clock: _Clock,
    ) -> None:
        limit = max_bytes if max_bytes is not None else self.settings.max_body_bytes
        current = url
        visited = {url}
        for _hop in range(self.settings.max_redirects + 1):
            result.final_url = current
            reason = await self.address_block_reason(current)
            if reason is None and check_robots and self.settings.respect_robots:
                reason = await self._robots_block_reason(current)
            if reason is not None:
                raise FetchBlocked(reason if current == url else f"{reason} (after redirect)")
            if current != url:
                await self.load_cached([current])
            cached = self.cached.get(current)
            headers = {}
            if cached is not None:
                if cached.etag:
                    headers["If-None-Match"] = cached.etag
                if cached.last_modified:
                    headers["If-Modified-Since"] = cached.last_modified
            response = await self._request_with_retries(current, headers, limit, clock)
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
        self, url: str, headers: dict[str, str], limit: int, clock: _Clock
    ) -> _Response:
        """Retry connect errors, 429 and 5xx only; never other 4xx."""
        attempt = 0
        while True:
            try:
                response = await self._request_once(url, headers, limit, clock)
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
        self, url: str, headers: dict[str, str], limit: int, clock: _Clock
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
                    body = await read_capped(response, limit)
                    return _Response(status, response.headers, body)
            finally:
                clock.seconds += time.perf_counter() - started


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """Read and decode a streamed body, stopping as soon as decoded bytes pass `limit`."""
    encoding = response.headers.get("content-encoding", "")
    declared_length = response.headers.get("content-length", "")
    if not encoding.strip() and declared_length.isdigit() and int(declared_length) > limit:
        raise _BodyTooLarge(f"Content-Length {declared_length} exceeds {limit} bytes")
    decoder = BoundedStreamDecoder(encoding)
    body = bytearray()
    async for chunk in response.aiter_raw():
        for piece in decoder.feed(chunk):
            body += piece
            if len(body) > limit:
                raise _BodyTooLarge(f"body exceeds {limit} bytes (after decoding)")
    return bytes(body)


def make_transport(settings: FetchSettings, policy: AddressPolicy) -> httpx.AsyncHTTPTransport:
    """httpx transport whose connections go through GuardedNetworkBackend."""
    transport = httpx.AsyncHTTPTransport(http2=settings.http2, trust_env=False, retries=0)
    # httpx has no public hook for the network backend; replace its pool with an
    # equivalent one that has ours (httpx 0.28 keeps the pool in `_pool`).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        # In-flight requests are capped by Fetcher's semaphores; the pool may also hold
        # idle keep-alive connections to more hosts than that, so rotating between many
        # hosts does not reconnect every time.
        max_connections=settings.max_concurrency * 4,
        max_keepalive_connections=settings.max_concurrency * 4,
        keepalive_expiry=5.0,
        http1=True,
        http2=settings.http2,
        network_backend=GuardedNetworkBackend(policy),
    )
    return transport


def make_client(settings: FetchSettings, policy: AddressPolicy) -> httpx.AsyncClient:
    """The one client of a collect call; redirects and decoding are handled by Fetcher."""
    return httpx.AsyncClient(
        transport=make_transport(settings, policy),
        follow_redirects=False,
        trust_env=False,  # an environment proxy would bypass the address policy
        timeout=httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.total_timeout,
        ),
        headers={
            "User-Agent": settings.user_agent,
            "Accept-Encoding": "gzip, deflate",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        },
    )
