"""Canonical URLs: one spelling per article, so the same page listed twice is caught.

Feeds list the same article under many spellings: with tracking parameters (utm_*, spm,
from, WeChat's scene/srcid), on the mobile host (m., wap., mobile.), as an AMP variant, with
or without a trailing slash or the default port. ``canonical_url`` folds all of these into one
string. The names of the parameters it drops live in ``data/tracking_params.yaml`` so a user
can extend them without touching code.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import (
    SplitResult,
    parse_qsl,
    quote,
    unquote,
    urlencode,
    urljoin,
    urlsplit,
    urlunsplit,
)

from tld import get_fld

from news_pipeline.datafiles import data_path, parse_yaml

TRACKING_PARAMS_PATH = data_path("tracking_params.yaml")
DEFAULT_PORTS = {"http": 80, "https": 443}
# characters left unescaped in a path: RFC 3986 unreserved, sub-delims, ":" "@" and "/"
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_AMP_SUFFIX_RE = re.compile(r"\.amp(\.html?)$", re.IGNORECASE)


@dataclass(frozen=True)
class TrackingRules:
    """The parsed contents of tracking_params.yaml."""

    prefixes: tuple[str, ...]
    exact: frozenset[str]
    per_host: dict[str, frozenset[str]]
    amp_params: frozenset[str]
    mobile_host_labels: frozenset[str]
    mobile_path_segments: frozenset[str]

    def drops(self, name: str, host: str, site: str | None) -> bool:
        """True when a query parameter of this name carries no article identity on host."""
        lowered = name.lower()
        if lowered in self.exact or lowered in self.amp_params:
            return True
        if any(lowered.startswith(prefix) for prefix in self.prefixes):
            return True
        host_specific = self.per_host.get(host) or self.per_host.get(site or "")
        return bool(host_specific and lowered in host_specific)


@functools.cache
def load_tracking_rules() -> TrackingRules:
    raw = parse_yaml(TRACKING_PARAMS_PATH.read_text("utf-8")) or {}

    def names(key: str) -> frozenset[str]:
        return frozenset(str(item).lower() for item in raw.get(key) or [])

    return TrackingRules(
        prefixes=tuple(str(item).lower() for item in raw.get("prefixes") or []),
        exact=names("exact"),
        per_host={
            str(host).lower(): frozenset(str(item).lower() for item in params or [])
            for host, params in (raw.get("per_host") or {}).items()
        },
        amp_params=names("amp_params"),
        mobile_host_labels=names("mobile_host_labels"),
        mobile_path_segments=names("mobile_path_segments"),
    )


def registrable_site(url: str) -> str | None:
    """The registrable domain (eTLD+1) of a URL, e.g. sina.com.cn; None for junk.

    An IP literal or a single-label host (localhost, an intranet name) has no public suffix:
    the host itself is the site, so a page on it may still declare its own canonical URL.
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    if "." not in host or _is_ip_literal(host):
        return host
    return _registrable_host(host)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=16384)
def _registrable_host(host: str) -> str | None:
    try:
        return get_fld(f"http://{host}/", fail_silently=True)
    except Exception:
        return None


def _fold_host(host: str, site: str | None, rules: TrackingRules) -> str:
    """Drop leading mobile/AMP/www labels, never past the registrable domain."""
    labels = host.split(".")
    site_label_count = len(site.split(".")) if site else len(labels)
    while len(labels) > site_label_count and labels[0] in rules.mobile_host_labels:
        labels = labels[1:]
    return ".".join(labels)


def _fold_path(path: str, rules: TrackingRules) -> str:
    """Drop mobile/AMP path segments at either end and the trailing slash."""
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) > 1 and segments[0].lower() in rules.mobile_path_segments:
        segments = segments[1:]
    if len(segments) > 1 and segments[-1].lower() == "amp":
        segments = segments[:-1]
    if segments:
        segments[-1] = _AMP_SUFFIX_RE.sub(r"\1", segments[-1])
    return "/" + "/".join(segments)


def _canonicalise(url: str) -> str | None:
    """Canonical form of one absolute http(s) URL, or None when it is not one."""
    candidate = url.strip()
    if not candidate:
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    folded = _fold_netloc(scheme, parts.netloc)
    if folded is None:
        return None
    netloc, host, site = folded
    query = ""
    if parts.query:
        rules = load_tracking_rules()
        query_pairs = [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not rules.drops(name, host, site)
        ]
        query = urlencode(sorted(query_pairs), doseq=False)
    path = _fold_path(parts.path, load_tracking_rules())
    if "%" in path or not path.isascii():
        path = quote(unquote(path), safe=_PATH_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


@functools.lru_cache(maxsize=16384)
def _fold_netloc(scheme: str, netloc: str) -> tuple[str, str, str | None] | None:
    """(canonical netloc, lower-case host, registrable site) of a scheme and netloc, or None
    when there is no host. A day's URLs come from a few hosts: this is worked out once each."""
    parts = SplitResult(scheme, netloc, "", "", "")
    if not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    site = _registrable_host(host)
    folded_host = _fold_host(host, site, load_tracking_rules())
    try:
        port = parts.port
    except ValueError:
        port = None
    canonical_netloc = (
        folded_host if port in (None, DEFAULT_PORTS[scheme]) else f"{folded_host}:{port}"
    )
    return canonical_netloc, host, site


@functools.lru_cache(maxsize=65536)
def canonical_url(url: str, page_canonical: str | None = None) -> str:
    """One spelling per article: the page's rel=canonical when it is on the same registrable
    site as the listed URL (a canonical elsewhere is more often a portal's mistake than a
    syndication hint), else the listed URL with case, port, fragment, tracking parameters,
    mobile/AMP variants and trailing slash normalised. Non-http input comes back stripped."""
    listed = _canonicalise(url)
    if listed is None:
        return url.strip()
    if page_canonical and page_canonical.strip():
        declared = _canonicalise(urljoin(url.strip(), page_canonical.strip()))
        if declared is not None:
            listed_site = registrable_site(listed)
            if listed_site is not None and listed_site == registrable_site(declared):
                return declared
    return listed


def canonical_urls(urls: list[str | None], page_canonicals: list[str | None]) -> list[str | None]:
    """canonical_url of each listed URL with its page's declared canonical, None where a row
    has no URL."""
    return [
        canonical_url(url, page_canonical) if url else None
        for url, page_canonical in zip(urls, page_canonicals, strict=True)
    ]
