"""raw_articles: listings and pages fetched over HTTP, politely and safely.

The public names below are imported on first use (PEP 562), so that a process that needs
only `news_pipeline.fetch.body_store` (text/extract.py's extraction workers) does not load
httpx, feedparser and the rest of the fetching code with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from news_pipeline.fetch.body_store import BodyMissingError, BodyStore, read_body
    from news_pipeline.fetch.fetcher import parse_retry_after
    from news_pipeline.fetch.http_cache import HttpCache
    from news_pipeline.fetch.policy import (
        DEFAULT_USER_AGENT,
        AddressPolicy,
        FetchBlocked,
        FetchSettings,
    )
    from news_pipeline.fetch.stage import (
        collect_raw_articles,
        collect_raw_articles_async,
        source_summary,
    )
    from news_pipeline.fetch.transport import make_client, make_transport

_HOMES = {
    "make_transport": "transport",
    "BodyMissingError": "body_store",
    "BodyStore": "body_store",
    "read_body": "body_store",
    "HttpCache": "http_cache",
    "FetchSettings": "policy",
    "AddressPolicy": "policy",
    "FetchBlocked": "policy",
    "DEFAULT_USER_AGENT": "policy",
    "make_client": "transport",
    "parse_retry_after": "fetcher",
    "collect_raw_articles": "stage",
    "collect_raw_articles_async": "stage",
    "source_summary": "stage",
}

__all__ = [
    "DEFAULT_USER_AGENT",
    "AddressPolicy",
    "BodyMissingError",
    "BodyStore",
    "FetchBlocked",
    "FetchSettings",
    "HttpCache",
    "collect_raw_articles",
    "collect_raw_articles_async",
    "make_client",
    "make_transport",
    "parse_retry_after",
    "read_body",
    "source_summary",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
