"""What the sources list: RSS/Atom feeds, HTML list pages and sitemaps, parsed into
`ListedItem`s with their publication times, plus a page's own publication time."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import feedparser

from news_pipeline.fetch.charsets import charset_from_content_type, decode_document
from news_pipeline.fetch.policy import default_port
from news_pipeline.sources import SourceConfig

# A link longer than this is not a real article's: HTTP implementations are asked to take
# at least 8,000 octets (RFC 9110 §4.1), and a hostile feed can send megabytes.
MAX_URL_CHARS = 8192
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

# ---- listings -------------------------------------------------------------------------------


@dataclass
class ListedItem:
    """One entry a listing named, before its page is fetched.

    An entry without a fetchable link keeps its place: `link_problem` says why, and `url`
    is "<listing URL>#item-<position>", which names it uniquely in its listing.
    """

    url: str
    guid: str | None = None
    title: str | None = None
    summary: str | None = None
    published_at: datetime | None = None  # aware
    published_at_source: str | None = None
    link_problem: str | None = None


def usable_link(base_url: str, link: str | None) -> tuple[str | None, str | None]:
    """(absolute http(s) URL, None), or (None, why the link cannot be fetched)."""
    link = (link or "").strip()
    if not link:
        return None, "no link"
    if len(link) > MAX_URL_CHARS:
        return None, f"no usable link: {len(link)} characters (limit {MAX_URL_CHARS})"
    if _CONTROL_CHARACTERS.search(link):
        return None, "no usable link: control characters in it"
    try:
        url = absolute_url(base_url, link)
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number in range)
    except ValueError as error:
        return None, f"no usable link: {error}"
    if parts.scheme not in ("http", "https"):
        return None, f"no usable link: {parts.scheme or 'relative'}: URL"
    if not parts.hostname:
        return None, "no usable link: no host"
    return url, None


def item_reference(listing_url: str, position: int) -> str:
    """The `url` of a listed entry without a usable link: its place in the listing."""
    return urlunsplit(urlsplit(listing_url)._replace(fragment=f"item-{position}"))


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
    try:
        moment.astimezone(UTC)
    except OverflowError:  # e.g. 31 Dec 9999 23:00 -1200: not a date to compare or store
        return None
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
    for position, entry in enumerate(parsed.entries, start=1):
        link = entry.get("link") or ""
        if not link:
            for candidate in entry.get("links", []):
                if candidate.get("href"):
                    link = candidate["href"]
                    break
        guid = entry.get("id") or None
        if not link and guid and guid.startswith(("http://", "https://")):
            link = guid
        url, problem = usable_link(base_url, link)
        summary = entry.get("summary") or None
        contents = [c.get("value") for c in entry.get("content", []) if c.get("value")]
        if contents and len(contents[0]) > len(summary or ""):
            summary = contents[0]
        published = _entry_date(entry, timezone)
        items.append(
            ListedItem(
                url=url or item_reference(base_url, position),
                guid=guid,
                title=(entry.get("title") or "").strip() or None,
                summary=summary,
                published_at=published,
                published_at_source="feed" if published else None,
                link_problem=problem,
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
        # A list page's other links (menus, javascript:, mailto:) are not items: skipped.
        href = (anchor.attributes.get("href") or "").strip()
        if href.startswith("#"):
            continue
        url, _problem = usable_link(base_url, href)
        if url is None:
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
            child, _problem = usable_link(base_url, child_text(element, "loc"))
            if child is not None:
                lastmod = parse_date_text(child_text(element, "lastmod"), timezone)
                listing.children.append((child, lastmod))
        return listing
    if local != "urlset":
        raise ValueError(f"not a sitemap (root element <{local}>)")
    position = 0
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).localname != "url":
            continue
        position += 1
        url, problem = usable_link(base_url, child_text(element, "loc"))
        published = parse_date_text(child_text(element, "publication_date"), timezone)
        if published is None:
            published = parse_date_text(child_text(element, "lastmod"), timezone)
        listing.items.append(
            ListedItem(
                url=url or item_reference(base_url, position),
                title=child_text(element, "title"),
                published_at=published,
                published_at_source="sitemap" if published else None,
                link_problem=problem,
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
