"""raw_articles: listings and pages fetched over HTTP, politely and safely."""

from news_pipeline.fetch.body_store import BodyMissingError, BodyStore, read_body
from news_pipeline.fetch.fetcher import FetchSettings
from news_pipeline.fetch.http_cache import HttpCache
from news_pipeline.fetch.stage import collect_raw_articles, source_summary

__all__ = [
    "BodyMissingError",
    "BodyStore",
    "FetchSettings",
    "HttpCache",
    "collect_raw_articles",
    "read_body",
    "source_summary",
]
