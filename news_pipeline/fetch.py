"""Fetching the sources' listings and the articles they name, politely and defensively.

`collect_raw_articles` turns a sources file and a day window into RAW_ARTICLES_SCHEMA rows:
one `feed` row per listing fetched and one `item` row per listed item, each with a status
from schema.py; the bodies go to the BodyStore as they arrive. No source can take the run
down (every failure becomes a row), no body can exhaust memory (bodies are capped while
streaming, after decompression), and nothing is fetched that should not be (http/https
only, address policy checked on every redirect hop against the resolved IPs, robots.txt
honoured).
"""

from __future__ import annotations

import asyncio
import codecs
import io
import ipaddress
import random
import re
import socket
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser
from zoneinfo import ZoneInfo

import feedparser
import httpcore
import httpx
import polars as pl
import zstandard
from charset_normalizer import from_bytes
from pydantic import BaseModel, ConfigDict, Field

from news_pipeline import schema
from news_pipeline.body_store import BodyMissingError, BodyStore
from news_pipeline.http_cache import CachedResponse, HttpCache
from news_pipeline.schema import DayWindow
from news_pipeline.sources import SourceConfig, SourcesConfig

DEFAULT_USER_AGENT = "news_pipeline/0.1 (+https://github.com/news-pipeline)"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 10.0  # seconds; a larger robots.txt Crawl-delay would stall a daily run
MAX_CHILD_SITEMAPS = 20
MAX_SITEMAP_DEPTH = 2
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
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


# ---- charset ------------------------------------------------------------------------------

_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    how: str  # bom | header | document | detected | fallback


# Frequent characters of Chinese news text (simplified, then traditional forms). Real
# Chinese decodes to mostly these; bytes decoded with the wrong CJK codec (GBK read as
# Big5, EUC-KR read as GBK) give a near-uniform draw over thousands of rare characters.
_COMMON_CHINESE = frozenset(
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单"
    "模型智能人工芯片据融资布款升级推出用户平台训练测评算力软件硬件企业市场产品服务网络云端手机汽车机器视频图像搜索开源亿美元"
    "們個這說來時為會學對裡後麼發經頭見現動兩長樣與點實進從關將開無聲問東國華報電車機員應書語讀體門無種裝術當處過還導產業優勢據網絡費價萬億團隊議題區塊鏈"
)
_CHARSET_ALIASES = {"x-gbk": "gb18030", "x-big5": "big5hkscs", "x-gb2312": "gb18030"}
_SINGLE_BYTE_CODECS = frozenset({"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"})


def chinese_text_score(text: str) -> float:
    """Share of non-ASCII characters that are frequent in Chinese news text."""
    wide = [character for character in text if ord(character) > 127]
    if not wide:
        return 0.0
    return sum(character in _COMMON_CHINESE for character in wide) / len(wide)


def guess_chinese_encoding(body: bytes) -> DecodedText | None:
    """GB18030 or Big5 when exactly decodable and reading like Chinese, else None."""
    best: DecodedText | None = None
    best_score = 0.4
    for encoding in ("gb18030", "big5hkscs"):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = chinese_text_score(text[:20_000])
        if score > best_score:
            best, best_score = DecodedText(text, encoding, "detected"), score
    return best


def normalise_charset(name: str | None) -> str | None:
    """Python codec for a declared charset, widened where sites under-declare.

    gb2312 and gbk pages routinely contain gb18030-only characters, and big5 pages use
    HKSCS/cp950 extensions, so a strict decode with the declared name would fail.
    """
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec in ("gb2312", "gbk", "gb18030"):
        return "gb18030"
    if codec in ("big5", "cp950"):
        return "big5hkscs"
    return codec


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.I)
    return match.group(1) if match else None


def declared_document_charset(body: bytes) -> str | None:
    """Charset named inside the document: XML declaration or an HTML meta tag."""
    head = body[:4096]
    match = _XML_DECLARATION.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _decode_utf8(body: bytes) -> DecodedText | None:
    try:
        return DecodedText(body.decode("utf-8"), "utf-8", "detected")
    except UnicodeDecodeError:
        return None


def decode_document(body: bytes, header_charset: str | None) -> DecodedText:
    """Decode a feed or page: BOM, HTTP charset, in-document declaration, then detection.

    A declared charset is used only if the bytes decode cleanly with it, so a page that
    says utf-8 but is GBK still comes out right.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return DecodedText(body.decode(encoding, errors="replace"), encoding, "bom")
    candidates = (
        ("header", normalise_charset(header_charset)),
        ("document", normalise_charset(declared_document_charset(body))),
    )
    is_ascii = body.isascii()
    for how, encoding in candidates:
        if encoding is None:
            continue
        if encoding in _SINGLE_BYTE_CODECS and not is_ascii:
            # Servers default to ISO-8859-1 for pages that are really UTF-8 or GBK.
            sniffed = _decode_utf8(body) or guess_chinese_encoding(body)
            if sniffed is not None:
                return sniffed
        try:
            return DecodedText(body.decode(encoding), encoding, how)
        except UnicodeDecodeError:
            continue
    sniffed = _decode_utf8(body) or guess_chinese_encoding(body)
    if sniffed is not None:
        return sniffed
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        encoding = normalise_charset(best.encoding) or best.encoding
        return DecodedText(body.decode(encoding, errors="replace"), encoding, "detected")
    return DecodedText(body.decode("utf-8", errors="replace"), "utf-8", "fallback")


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


# ---- listings -------------------------------------------------------------------------------


@dataclass
class ListedItem:
    """One entry a listing named, before its page is fetched."""

    url: str
    guid: str | None = None
    title: str | None = None
    summary: str | None = None
    published_at: datetime | None = None  # aware
    published_at_source: str | None = None


def parse_date_text(text: str | None, timezone: ZoneInfo) -> datetime | None:
    """An aware datetime from RFC 822 or ISO 8601 text; naive times are local to `timezone`."""
    if not text:
        return None
    text = text.strip()
    moment: datetime | None = None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        candidate = text.replace("/", "-").replace("Z", "+00:00").replace("z", "+00:00")
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            moment = _loose_date(text)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    return moment


_LOOSE_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})[:时](\d{2})(?:[:分](\d{2}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)


def _loose_date(text: str) -> datetime | None:
    """Dates as Chinese sites write them: 2026年2月14日 10:30, 2026-2-14 8:05:00 +0800."""
    match = _LOOSE_DATE.search(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    tzinfo = None
    if offset == "Z":
        tzinfo = UTC
    elif offset:
        digits = offset.replace(":", "")
        minutes = int(digits[1:3]) * 60 + int(digits[3:5])
        tzinfo = _fixed_offset(-minutes if digits[0] == "-" else minutes)
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tzinfo,
        )
    except ValueError:
        return None


def _fixed_offset(minutes: int) -> dt_timezone:
    return dt_timezone(timedelta(minutes=minutes))


def _entry_date(entry: Any, timezone: ZoneInfo) -> datetime | None:
    for key in ("published", "updated", "created", "dc_date"):
        moment = parse_date_text(entry.get(key), timezone)
        if moment is not None:
            return moment
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime(*parsed[:6], tzinfo=UTC)
    return None


def parse_feed(
    body: bytes, content_type: str | None, base_url: str, timezone: ZoneInfo
) -> list[ListedItem]:
    """Items of an RSS/Atom feed; raises ValueError when the body is not a feed.

    The bytes are decoded here (see decode_document) and handed to feedparser as UTF-8,
    because feedparser trusts a gb2312 declaration over gbk bytes and garbles them.
    """
    decoded = decode_document(body, charset_from_content_type(content_type))
    text = re.sub(r"^\s*<\?xml[^>]*\?>", '<?xml version="1.0" encoding="utf-8"?>', decoded.text)
    parsed = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,
    )
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise ValueError(f"not an RSS/Atom feed ({reason or 'no feed elements'})")
    items: list[ListedItem] = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            for candidate in entry.get("links", []):
                if candidate.get("href"):
                    link = candidate["href"]
                    break
        guid = entry.get("id") or None
        if not link and guid and guid.startswith(("http://", "https://")):
            link = guid
        if not link:
            continue
        summary = entry.get("summary") or None
        contents = [c.get("value") for c in entry.get("content", []) if c.get("value")]
        if contents and len(contents[0]) > len(summary or ""):
            summary = contents[0]
        published = _entry_date(entry, timezone)
        items.append(
            ListedItem(
                url=absolute_url(base_url, link),
                guid=guid,
                title=(entry.get("title") or "").strip() or None,
                summary=summary,
                published_at=published,
                published_at_source="feed" if published else None,
            )
        )
    return items


def absolute_url(base_url: str, link: str) -> str:
    joined = urljoin(base_url, link.strip())
    return urlunsplit(urlsplit(joined)._replace(fragment=""))


def same_site(url: str, reference: str) -> bool:
    """Same registrable domain (or the same host when there is none, e.g. an IP)."""
    from courlan import extract_domain

    def site(value: str) -> str:
        parts = urlsplit(value)
        return extract_domain(value) or f"{parts.hostname}:{default_port(parts)}"

    return site(url) == site(reference)


def parse_html_list(
    body: bytes, content_type: str | None, base_url: str, source: SourceConfig
) -> list[ListedItem]:
    """Article links of a list page selected by the source's CSS selector."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    decoded = decode_document(body, charset_from_content_type(content_type))
    tree = HTMLParser(decoded.text)
    base_nodes = tree.css("base[href]")
    if base_nodes:
        base_url = absolute_url(base_url, base_nodes[0].attributes.get("href") or "")
    items: list[ListedItem] = []
    for node in tree.css(source.link_selector or "a"):
        anchor = node if node.tag == "a" else node.css_first("a[href]")
        if anchor is None:
            continue
        href = (anchor.attributes.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = absolute_url(base_url, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        if source.same_site_only and not same_site(url, base_url):
            continue
        title = anchor.attributes.get("title") or " ".join(anchor.text().split()) or None
        items.append(ListedItem(url=url, title=title))
    return items


@dataclass
class SitemapListing:
    items: list[ListedItem]
    children: list[tuple[str, datetime | None]]


def parse_sitemap(body: bytes, base_url: str, timezone: ZoneInfo) -> SitemapListing:
    """Entries of a (news) sitemap or the child sitemaps of a sitemap index."""
    from lxml import etree

    if body[:2] == b"\x1f\x8b":
        raise ValueError("gzipped sitemap must be decompressed first")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=False, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML ({error})") from error
    local = etree.QName(root).localname
    listing = SitemapListing(items=[], children=[])

    def child_text(element: Any, name: str) -> str | None:
        for child in element.iter():
            if isinstance(child.tag, str) and etree.QName(child).localname == name:
                return (child.text or "").strip() or None
        return None

    if local == "sitemapindex":
        for element in root:
            if not isinstance(element.tag, str) or etree.QName(element).localname != "sitemap":
                continue
            loc = child_text(element, "loc")
            if loc:
                lastmod = parse_date_text(child_text(element, "lastmod"), timezone)
                listing.children.append((absolute_url(base_url, loc), lastmod))
        return listing
    if local != "urlset":
        raise ValueError(f"not a sitemap (root element <{local}>)")
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).localname != "url":
            continue
        loc = child_text(element, "loc")
        if not loc:
            continue
        published = parse_date_text(child_text(element, "publication_date"), timezone)
        if published is None:
            published = parse_date_text(child_text(element, "lastmod"), timezone)
        listing.items.append(
            ListedItem(
                url=absolute_url(base_url, loc),
                title=child_text(element, "title"),
                published_at=published,
                published_at_source="sitemap" if published else None,
            )
        )
    return listing


_PUBLISHED_META = ", ".join(
    f'meta[{attribute}="{name}"]'
    for attribute in ("property", "name", "itemprop")
    for name in (
        "article:published_time",
        "og:published_time",
        "datePublished",
        "pubdate",
        "publishdate",
        "publish_date",
        "dc.date.issued",
        "DC.date.issued",
    )
)
_JSON_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')


def published_time_in_markup(html: str, timezone: ZoneInfo) -> datetime | None:
    """Full publication timestamp from explicit page metadata (meta tags, JSON-LD)."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    for node in tree.css(_PUBLISHED_META):
        moment = parse_date_text(node.attributes.get("content"), timezone)
        if moment is not None:
            return moment
    for node in tree.css('script[type="application/ld+json"]'):
        match = _JSON_LD_PUBLISHED.search(node.text() or "")
        if match:
            moment = parse_date_text(match.group(1), timezone)
            if moment is not None:
                return moment
    for node in tree.css("time[pubdate][datetime], [itemprop=datePublished][datetime]"):
        moment = parse_date_text(node.attributes.get("datetime"), timezone)
        if moment is not None:
            return moment
    return None


def page_date(html: str, timezone: ZoneInfo, latest: datetime) -> datetime | None:
    """Publication time from a page's own metadata, aware.

    Explicit timestamps (meta tags, JSON-LD) keep their time of day; htmldate, which
    knows many more places but only returns a day, is the fallback (midnight local).
    """
    from htmldate import find_date

    explicit = published_time_in_markup(html, timezone)
    if explicit is not None and explicit <= latest:
        return explicit
    try:
        found = find_date(
            html,
            outputformat="%Y-%m-%d",
            original_date=True,
            max_date=latest.astimezone(timezone).strftime("%Y-%m-%d"),
        )
    except Exception:  # htmldate raises assorted errors on hostile markup
        return None
    return parse_date_text(found, timezone) if found else None


# ---- rows -------------------------------------------------------------------------------------


def _naive_utc(moment: datetime | None) -> datetime | None:
    return schema.to_naive_utc(moment) if moment is not None else None


class _Collector:
    """Listings, then item pages, of every source of one window, as raw rows."""

    def __init__(
        self,
        fetcher: Fetcher,
        sources: SourcesConfig,
        window: DayWindow,
        bodies: BodyStore,
        now: datetime | None,
    ) -> None:
        self.fetcher = fetcher
        self.bodies = bodies
        self.sources = sources
        self.window = window
        self.now = now
        self.timezone = ZoneInfo(window.timezone)
        self._pages: dict[str, asyncio.Task[FetchResult]] = {}
        self._pages_in_memory = asyncio.Semaphore(fetcher.settings.max_concurrency)

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
        return [row for rows in per_source for row in rows]

    async def _collect_source(self, source: SourceConfig) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        items = _dedupe_items(await self._list_source(source, rows))
        await self.fetcher.load_cached([item.url for item in items if self._wants_page(item)])
        rows.extend(await asyncio.gather(*(self._item_row(source, item) for item in items)))
        return rows

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
        bytes, and a page counts against the concurrency limit until it is stored: a day's
        pages are never all in memory at once, even when the disk is slower than the web."""
        async with self._pages_in_memory:
            result = await self.fetcher.fetch(url)
            await self._store_body(result)
        result.body = None
        return result

    def _wants_page(self, item: ListedItem) -> bool:
        return item.published_at is None or self.window.contains(item.published_at)

    async def _item_row(self, source: SourceConfig, item: ListedItem) -> dict[str, Any]:
        row = self._base_row(source, schema.RECORD_ITEM, item.url)
        row.update(
            guid=item.guid,
            listed_title=item.title,
            listed_summary=item.summary,
            published_at=_naive_utc(item.published_at),
            published_at_source=item.published_at_source,
        )
        if not self._wants_page(item):
            row["status"] = schema.STATUS_OUT_OF_WINDOW
            return row
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


def _dedupe_items(items: list[ListedItem]) -> list[ListedItem]:
    """First occurrence wins for a repeated GUID or a repeated link."""
    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    kept: list[ListedItem] = []
    for item in items:
        if (item.guid and item.guid in seen_guids) or item.url in seen_urls:
            continue
        if item.guid:
            seen_guids.add(item.guid)
        seen_urls.add(item.url)
        kept.append(item)
    return kept


async def collect_raw_articles_async(
    sources: SourcesConfig,
    window: DayWindow,
    settings: FetchSettings,
    bodies: BodyStore,
    cache: HttpCache | None = None,
    now: datetime | None = None,
) -> pl.DataFrame:
    """Async form of collect_raw_articles (one httpx.AsyncClient for the whole call)."""
    policy = AddressPolicy(sources.allow_private_addresses, settings.allowed_private_hosts)
    async with make_client(settings, policy) as client:
        fetcher = Fetcher(client, settings, sources.allow_private_addresses, cache)
        collector = _Collector(fetcher, sources, window, bodies, now)
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
) -> pl.DataFrame:
    """Fetch every source's listing and the in-window items' pages (RAW_ARTICLES_SCHEMA).

    Every body fetched goes to `bodies`; the rows carry its content_hash. `now` fixes the
    fetch time (used for fetched_at and as the fallback publication time).
    """
    coroutine = collect_raw_articles_async(sources, window, settings, bodies, cache, now)
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
        if status not in (schema.STATUS_OK, schema.STATUS_OUT_OF_WINDOW)
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
        (items & pl.col("status").is_in(failure_statuses)).sum().cast(pl.Int64).alias("failed"),
        *(
            (items & (pl.col("status") == status)).sum().cast(pl.Int64).alias(status)
            for status in failure_statuses
        ),
        pl.col("from_cache").fill_null(False).sum().cast(pl.Int64).alias("cache_hits"),
        (pl.col("elapsed_ms").fill_null(0).sum() / 1000).alias("seconds"),
    ]
    return raw.group_by("source", maintain_order=True).agg(aggregations).sort("source")
