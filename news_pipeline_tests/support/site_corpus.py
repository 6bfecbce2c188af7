"""Builder and loopback server of the cross-language story-grouping corpus (`stories_eval`).

The corpus is data: `data/stories_eval/sites.yaml` says how each site looks (listing type,
encoding, Jinja2 templates of its pages and listing, boilerplate variants) and
`data/stories_eval/articles.yaml` holds every listed article with its TRUE clean title and body
and its labels. `build_corpus` renders every site into bytes deterministically; the damage of
the mojibake sites is applied here, at build time, so the data keeps the clean text.
`serve_corpus` binds one HTTP server per site on its own loopback address (127.0.0.N, N from 2)
so that the pipeline's per-host politeness does not serialise the sites.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
import yaml

logger = logging.getLogger(__name__)
T = TypeVar("T")

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "stories_eval"
DAYS = ("2026-02-14", "2026-02-15", "2026-02-16")
TIMEZONE_NAME = "Asia/Shanghai"
TIMEZONE = ZoneInfo(TIMEZONE_NAME)
DEFAULT_PORT = 48115
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
OUTCOMES = ("story", "duplicate_url", "seen_before", "no_text", "off_topic")
MEMBER_OUTCOMES = ("story", "duplicate_url", "seen_before")
KINDS = ("article", "video", "paywall", "syndicated", "tracking_variant", "amp")
THIN_KINDS = ("video", "paywall")
SITE_TYPES = ("rss", "html_list", "sitemap")
DAMAGE_LEVELS = ("none", "full", "partial")
ARTICLE_DAMAGE = ("none", "page", "paragraphs")
# Seed 003's damage: UTF-8 bytes read as cp1252 (cp1254 for 4-byte lead bytes), and the bytes
# that cp1252 leaves undefined or invisible lost on the way.
DROPPED_BYTES = frozenset({0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD})
CONTENT_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "sitemap": "application/xml",
    "html": "text/html",
}


def damage_text(text: str) -> str:
    """The text as seed 003 carries it: each UTF-8 byte >= 0x80 shown through cp1252 (cp1254
    for bytes >= 0xF0, the emoji lead bytes), with the bytes in DROPPED_BYTES gone. ASCII,
    and so all markup, is unchanged; byte 0xA0 becomes U+00A0."""
    out: list[str] = []
    for value in text.encode("utf-8"):
        if value < 0x80:
            out.append(chr(value))
        elif value not in DROPPED_BYTES:
            out.append(bytes([value]).decode("cp1254" if value >= 0xF0 else "cp1252"))
    return "".join(out)


@dataclass(frozen=True)
class Site:
    name: str
    display_name: str
    type: str
    encoding: str
    language: str
    damage: str
    weight: float
    host_index: int
    listing_path: str
    listing_format: str
    path_pattern: str
    charset_in_header: bool
    templates: dict[str, str]
    link_selector: str | None = None
    amp_prefix: str | None = None
    boilerplate: dict[str, list[Any]] = field(default_factory=dict)
    people: dict[str, list[str]] = field(default_factory=dict)

    @property
    def host(self) -> str:
        host = f"127.0.0.{self.host_index}"
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"site {self.name}: {host} is not a loopback address")
        return host

    def content_type(self, kind: str) -> str:
        base = CONTENT_TYPES[kind]
        return f"{base}; charset={self.encoding}" if self.charset_in_header else base


@dataclass(frozen=True)
class Article:
    id: str
    site: str
    published_at: datetime
    language: str
    title: str
    body: str
    story: str
    outcome: str
    kind: str
    continues: str | None = None
    note: str = ""
    copy_of: str | None = None
    query: str = ""
    damage: str = "none"
    source: str | None = None
    index: int = 0  # position among its site's articles, in file order

    @property
    def day(self) -> str:
        return self.published_at.astimezone(TIMEZONE).date().isoformat()

    @property
    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.body.split("\n\n") if part.strip()]

    @property
    def has_page(self) -> bool:
        return self.kind != "tracking_variant"


@dataclass(frozen=True)
class Story:
    key: str
    description: str
    split: str
    look_alike_of: tuple[str, ...] = ()


@dataclass
class Corpus:
    sites: dict[str, Site]
    articles: list[Article]
    stories: dict[str, Story]
    by_id: dict[str, Article] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {article.id: article for article in self.articles}

    def page_path(self, article: Article) -> str:
        """Path of the article's page on its site (the original's for tracking variants)."""
        if article.kind == "tracking_variant":
            return self.page_path(self.by_id[article.copy_of or ""])
        if article.kind == "amp":
            site = self.sites[article.site]
            return (site.amp_prefix or "/amp") + self.page_path(self.by_id[article.copy_of or ""])
        moment = article.published_at.astimezone(TIMEZONE)
        slug = article.id.split("-", 1)[1]
        digest = hashlib.sha1(article.id.encode("utf-8")).hexdigest()
        return self.sites[article.site].path_pattern.format(
            yyyy=f"{moment:%Y}", mm=f"{moment:%m}", dd=f"{moment:%d}", slug=slug, hash=digest[:20]
        )

    def listed_url(self, article: Article, bases: dict[str, str]) -> str:
        return bases[article.site] + self.page_path(article) + article.query

    def listing_url(self, site: Site, bases: dict[str, str]) -> str:
        return bases[site.name] + site.listing_path


def _make(cls: type[T], raw: dict[str, Any], **overrides: Any) -> T:
    """A dataclass from a YAML mapping, refusing keys it does not know (typos)."""
    unknown = set(raw) - {item.name for item in fields(cls)}  # type: ignore[arg-type]
    if unknown:
        raise ValueError(
            f"{cls.__name__} {raw.get('name') or raw.get('id') or raw.get('key')}: "
            f"unknown keys {sorted(unknown)}"
        )
    return cls(**(raw | overrides))


def load_corpus(data_dir: Path = DATA_DIR) -> Corpus:
    """Read sites.yaml and articles.yaml; copies (`copy_of`) inherit title, body and source."""
    site_data = yaml.safe_load((data_dir / "sites.yaml").read_text("utf-8"))
    sites = {raw["name"]: _make(Site, raw) for raw in site_data["sites"]}
    data = yaml.safe_load((data_dir / "articles.yaml").read_text("utf-8"))
    stories = {
        raw["key"]: _make(Story, raw, look_alike_of=tuple(raw.get("look_alike_of") or ()))
        for raw in data["stories"]
    }
    raw_by_id = {raw["id"]: raw for raw in data["articles"]}
    counters = {name: itertools.count() for name in sites}
    articles = []
    for raw in data["articles"]:
        original = raw_by_id.get(raw.get("copy_of") or "", {})
        moment = datetime.fromisoformat(str(raw["published_at"]))
        if moment.tzinfo is None:
            raise ValueError(f"article {raw['id']}: published_at needs an offset")
        overrides = {
            "published_at": moment,
            "title": raw.get("title") or original["title"],
            "body": (raw.get("body") or original["body"]).strip(),
            "source": raw.get("source") or original.get("source"),
            "note": raw.get("note") or "",
            "index": next(counters[raw["site"]]),
        }
        articles.append(_make(Article, raw, **overrides))
    return Corpus(sites=sites, articles=articles, stories=stories)


# ---- rendering ------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )


def _date_forms(moment: datetime) -> dict[str, str]:
    local = moment.astimezone(TIMEZONE)
    utc = moment.astimezone(UTC)
    return {
        "iso": moment.isoformat(),
        "rfc822": format_datetime(moment),
        "zh": f"{local:%Y年%m月%d日 %H:%M}",
        "dash": f"{local:%Y-%m-%d %H:%M}",
        "slash": f"{local:%Y/%m/%d %H:%M}",
        "en": f"{utc:%b} {utc.day}, {utc:%Y %H:%M} UTC",
        "en_date": f"{utc:%B} {utc.day}, {utc:%Y}",
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _pick(variants: list[Any], number: int) -> Any:
    return variants[number % len(variants)] if variants else None


class _Renderer:
    def __init__(self, corpus: Corpus, bases: dict[str, str]) -> None:
        self.corpus = corpus
        self.bases = bases
        self.env = _environment()

    def _damaged(self, article: Article, part: str, text: str, paragraph: int = 0) -> str:
        site = self.corpus.sites[article.site]
        if site.damage != "partial" or article.damage == "none":
            return text
        if article.damage == "page" or (part == "paragraph" and paragraph % 2 == 1):
            return damage_text(text)
        return text

    def _source_of(self, article: Article) -> tuple[str, str | None]:
        """Credit line and original URL: the wire/original named in the data, or the site."""
        original = self.corpus.by_id.get(article.copy_of or "")
        if article.kind == "syndicated" and original is not None:
            url = self.corpus.listed_url(original, self.bases)
            return article.source or self.corpus.sites[original.site].display_name, url
        return article.source or self.corpus.sites[article.site].display_name, None

    def page_context(self, article: Article) -> dict[str, Any]:
        site = self.corpus.sites[article.site]
        own = [a for a in self.corpus.articles if a.site == site.name and a.kind == "article"]
        nearby = sorted(own, key=lambda other: (abs(other.index - article.index), other.index))
        related = [
            {"url": self.bases[site.name] + self.corpus.page_path(other), "title": other.title}
            for other in nearby
            if other.id != article.id
        ][:4]
        original = self.corpus.by_id.get(article.copy_of or "")
        canonical_article = original if article.kind == "amp" and original else article
        canonical = self.bases[site.name] + self.corpus.page_path(canonical_article)
        amp_copies = [
            a for a in self.corpus.articles if a.kind == "amp" and a.copy_of == article.id
        ]
        number = canonical_article.index  # an AMP copy keeps its article's byline and notes
        source, original_url = self._source_of(article)
        people = {role: _pick(names, number) or "" for role, names in sorted(site.people.items())}
        words = {"site": site.display_name, "source": source, "original_url": original_url}
        words |= {"canonical": canonical, **people}
        bp = site.boilerplate

        def fill(template: Any) -> str | None:
            if not template:
                return None
            return self.env.from_string(str(template)).render(**words)

        bottom = _pick(bp.get("bottom") or [], number) or []
        paragraphs = [
            self._damaged(article, "paragraph", text, position)
            for position, text in enumerate(article.paragraphs)
        ]
        digest = int(hashlib.sha1(article.id.encode("utf-8")).hexdigest(), 16)
        return {
            "site": {"base": self.bases[site.name], "display_name": site.display_name},
            "a": {
                "id": article.id,
                "kind": article.kind,
                "title": self._damaged(article, "title", article.title),
                "paragraphs": paragraphs,
                "description": _clip(" ".join(paragraphs[:1]), 80),
            },
            "people": people,
            "source": source,
            "original_url": original_url,
            "canonical": canonical,
            "amp": article.kind == "amp",
            "amp_url": self.bases[site.name] + self.corpus.page_path(amp_copies[0])
            if amp_copies
            else None,
            "pub": _date_forms(article.published_at),
            "bp": {
                "top": fill(_pick(bp.get("top") or [], number)),
                "middle": fill(_pick(bp.get("middle") or [], number // 2)),
                "bottom": [line for line in (fill(item) for item in bottom) if line],
            },
            "related": related,
            "comments": digest % 97,
            "views": 1000 + digest % 40000,
            "duration": f"{1 + digest % 3}:{digest % 60:02d}",
        }

    def listing_context(self, site: Site) -> dict[str, Any]:
        listed = [a for a in self.corpus.articles if a.site == site.name]
        listed.sort(key=lambda a: (-a.published_at.timestamp(), a.index))
        items = [
            {
                "url": self.corpus.listed_url(article, self.bases),
                "path": self.corpus.page_path(article) + article.query,
                "title": article.title,
                "summary": _clip((article.paragraphs or [article.title])[0], 90),
                "pub": _date_forms(article.published_at),
            }
            for article in listed
        ]
        latest = max(a.published_at for a in listed)
        return {
            "site": {"base": self.bases[site.name], "display_name": site.display_name},
            "listing_url": self.corpus.listing_url(site, self.bases),
            "items": items,
            "built": _date_forms(latest),
        }

    def encode(self, site: Site, text: str, what: str) -> bytes:
        if site.damage == "full":
            text = damage_text(text)
        try:
            return text.encode(site.encoding)
        except UnicodeEncodeError as error:
            bad = error.object[error.start : error.end]
            raise ValueError(f"{what}: {bad!r} cannot be encoded as {site.encoding}") from error


def build_corpus(corpus: Corpus, bases: dict[str, str]) -> dict[str, dict[str, tuple[bytes, str]]]:
    """Every site's files as {site: {path: (bytes, content type)}}, deterministic."""
    renderer = _Renderer(corpus, bases)
    files: dict[str, dict[str, tuple[bytes, str]]] = {}
    for site in corpus.sites.values():
        env = renderer.env
        site_files: dict[str, tuple[bytes, str]] = {}
        page_template = env.from_string(site.templates["page"])
        for article in corpus.articles:
            if article.site != site.name or not article.has_page:
                continue
            html = page_template.render(**renderer.page_context(article))
            path = corpus.page_path(article)
            site_files[path] = (renderer.encode(site, html, article.id), site.content_type("html"))
        listing = env.from_string(site.templates["listing"]).render(
            **renderer.listing_context(site)
        )
        site_files[site.listing_path] = (
            renderer.encode(site, listing, f"{site.name} listing"),
            site.content_type(site.listing_format),
        )
        files[site.name] = site_files
    return files


def write_tree(files: dict[str, dict[str, tuple[bytes, str]]], out_dir: Path) -> None:
    """Write the built files under out_dir/<site>/<path> (a path ending in / gets index.html)."""
    for site, site_files in files.items():
        for path, (body, _content_type) in site_files.items():
            relative = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
            target = out_dir / site / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)


def default_bases(corpus: Corpus, port: int = DEFAULT_PORT) -> dict[str, str]:
    return {name: f"http://{site.host}:{port}" for name, site in corpus.sites.items()}


def sources_yaml(corpus: Corpus, bases: dict[str, str]) -> str:
    """A sources file for news-pipeline naming every site of the corpus."""
    sources = []
    for site in corpus.sites.values():
        entry: dict[str, Any] = {
            "name": site.name,
            "type": site.type,
            "url": corpus.listing_url(site, bases),
            "language": "en" if site.language == "en" else "zh",
            "weight": site.weight,
        }
        if site.link_selector:
            entry["link_selector"] = site.link_selector
        sources.append(entry)
    document = {
        "timezone": TIMEZONE_NAME,
        "report_language": "zh",
        "allow_private_addresses": True,
        "sources": sources,
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


# ---- serving ---------------------------------------------------------------------------------


class _SiteHandler(BaseHTTPRequestHandler):
    files: dict[str, tuple[bytes, str]] = {}  # noqa: RUF012 (set on a subclass per site)
    server_version = "stories-eval-corpus/1.0"

    def do_GET(self) -> None:
        self._respond(include_body=True)

    def do_HEAD(self) -> None:
        self._respond(include_body=False)

    def _respond(self, include_body: bool) -> None:
        found = self.files.get(urlsplit(self.path).path)
        if found is None:
            body, content_type, status = b"not found", "text/plain", HTTPStatus.NOT_FOUND
        else:
            (body, content_type), status = found, HTTPStatus.OK
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the pipeline logs its own fetches."""


def _bind(host: str, port: int, handler: type[_SiteHandler]) -> ThreadingHTTPServer:
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"refusing to bind {host}: the corpus is served on loopback only")
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError:
        if port == 0:
            raise
        logger.warning("%s:%s is busy; serving that site on a free port", host, port)
        return ThreadingHTTPServer((host, 0), handler)


@contextmanager
def serve_corpus(
    corpus: Corpus, port: int = DEFAULT_PORT, out_dir: Path | None = None
) -> Iterator[dict[str, str]]:
    """Bind one server per site on 127.0.0.N:port (a free port if busy), build the corpus for
    those addresses (written to out_dir too when given) and serve it; yields {site: base URL}."""
    servers: dict[str, ThreadingHTTPServer] = {}
    started: list[tuple[ThreadingHTTPServer, threading.Thread]] = []
    try:
        for name, site in corpus.sites.items():
            handler = type(f"Handler_{name}", (_SiteHandler,), {"files": {}})
            servers[name] = _bind(site.host, port, handler)
            servers[name].daemon_threads = True
        bases = {
            name: f"http://{server.server_address[0]}:{server.server_address[1]}"
            for name, server in servers.items()
        }
        files = build_corpus(corpus, bases)
        if out_dir is not None:
            write_tree(files, out_dir)
        for name, server in servers.items():
            server.RequestHandlerClass.files = files[name]  # type: ignore[attr-defined]
            thread = threading.Thread(target=server.serve_forever, name=f"corpus-{name}")
            thread.daemon = True
            thread.start()
            started.append((server, thread))
        yield bases
    finally:
        for server, thread in started:
            server.shutdown()
            thread.join()
        for server in servers.values():
            server.server_close()
