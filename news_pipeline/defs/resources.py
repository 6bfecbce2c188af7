"""Dagster resources: everything the assets need from outside the process.

Sources, the HTTP client settings, the editorial configuration and the output location are
resources so that a test, `dagster dev` and `news-pipeline run` can point the same assets at
different files and servers without touching asset code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from news_pipeline.demo.server import DEMO_PORT, DEMO_SOURCES_PATH, serve_demo_corpus
from news_pipeline.editorial.categorize import CategorizeSettings, Taxonomy, load_taxonomy
from news_pipeline.fetch import BodyStore, FetchSettings, HttpCache
from news_pipeline.sources import SourcesConfig, load_sources
from news_pipeline.stories.dedupe import DedupeSettings

SOURCES_ENV = "NEWS_PIPELINE_SOURCES"
DATA_DIR_ENV = "NEWS_PIPELINE_DATA_DIR"
DEMO_PLACEHOLDER = "demo_base_url"


def default_sources_path() -> Path:
    """`$NEWS_PIPELINE_SOURCES`, else the bundled offline demo sources (CONTRACT.md)."""
    configured = os.environ.get(SOURCES_ENV)
    return Path(configured) if configured else DEMO_SOURCES_PATH


def default_data_dir() -> Path:
    """`$NEWS_PIPELINE_DATA_DIR`, else `./data` (CONTRACT.md)."""
    return Path(os.environ.get(DATA_DIR_ENV) or "data")


def read_sources_timezone(path: Path) -> str:
    """The partitions' timezone, read before anything is served or fetched."""
    placeholder = {DEMO_PLACEHOLDER: "http://127.0.0.1"}
    return load_sources(path, substitutions=placeholder).timezone


class SourcesResource(ConfigurableResource):
    """The sources file. The bundled demo file is served from a local HTTP server on
    127.0.0.1 for the duration of a fetch, so the demo runs offline through the same
    HTTP code path as real feeds."""

    sources_file: str = Field(
        default_factory=lambda: str(default_sources_path()),
        description="Path of the sources YAML (see CONTRACT.md).",
    )

    def load(self) -> SourcesConfig:
        """Parse and validate without serving anything (for timezone and language)."""
        return load_sources(
            Path(self.sources_file), substitutions={DEMO_PLACEHOLDER: "http://127.0.0.1"}
        )

    @contextmanager
    def open(self) -> Iterator[SourcesConfig]:
        """Yield the sources ready to fetch, starting the demo server when they need it."""
        path = Path(self.sources_file)
        if DEMO_PLACEHOLDER not in path.read_text(encoding="utf-8"):
            yield load_sources(path)
            return
        with serve_demo_corpus(port=DEMO_PORT) as base_url:
            yield load_sources(path, substitutions={DEMO_PLACEHOLDER: base_url})


class HttpClientResource(ConfigurableResource):
    """Settings of the single async httpx client that fetches feeds and pages."""

    user_agent: str = FetchSettings.model_fields["user_agent"].default
    max_concurrency: int = FetchSettings.model_fields["max_concurrency"].default
    per_host_concurrency: int = FetchSettings.model_fields["per_host_concurrency"].default
    per_host_min_delay_seconds: float = FetchSettings.model_fields[
        "per_host_min_delay_seconds"
    ].default
    connect_timeout: float = FetchSettings.model_fields["connect_timeout"].default
    read_timeout: float = FetchSettings.model_fields["read_timeout"].default
    total_timeout: float = FetchSettings.model_fields["total_timeout"].default
    max_body_bytes: int = FetchSettings.model_fields["max_body_bytes"].default
    max_redirects: int = FetchSettings.model_fields["max_redirects"].default
    max_retries: int = FetchSettings.model_fields["max_retries"].default
    backoff_base_seconds: float = FetchSettings.model_fields["backoff_base_seconds"].default
    backoff_max_seconds: float = FetchSettings.model_fields["backoff_max_seconds"].default
    http2: bool = FetchSettings.model_fields["http2"].default
    respect_robots: bool = FetchSettings.model_fields["respect_robots"].default
    allowed_private_hosts: list[str] = Field(default_factory=list)

    def settings(self) -> FetchSettings:
        return FetchSettings(**self.model_dump())


class OutputLocationResource(ConfigurableResource):
    """Where the DuckDB file, the fetched bodies, the HTTP cache and the reports live."""

    data_dir: str = Field(default_factory=lambda: str(default_data_dir()))

    @property
    def database_path(self) -> Path:
        return Path(self.data_dir) / "news.duckdb"

    def body_store(self) -> BodyStore:
        return BodyStore(Path(self.data_dir) / "bodies")

    def http_cache(self) -> HttpCache:
        return HttpCache(self.database_path, self.body_store())

    def report_dir(self, partition_key: str) -> Path:
        return Path(self.data_dir) / "reports" / partition_key


class EditorialResource(ConfigurableResource):
    """Taxonomy, dedupe and ranking settings, and an optional folder of user templates."""

    taxonomy_file: str | None = None
    templates_dir: str | None = None
    near_duplicate_threshold: float = DedupeSettings.model_fields[
        "near_duplicate_threshold"
    ].default
    ai_relevance_threshold: float = CategorizeSettings.model_fields[
        "ai_relevance_threshold"
    ].default
    headline_count: int = CategorizeSettings.model_fields["headline_count"].default
    section_importance_floor: float = CategorizeSettings.model_fields[
        "section_importance_floor"
    ].default
    extraction_workers: int = Field(
        default=0, description="Processes for text extraction; 0 means one per CPU core."
    )

    def taxonomy(self) -> Taxonomy:
        return load_taxonomy(Path(self.taxonomy_file) if self.taxonomy_file else None)

    def dedupe_settings(self) -> DedupeSettings:
        return DedupeSettings(near_duplicate_threshold=self.near_duplicate_threshold)

    def categorize_settings(self) -> CategorizeSettings:
        return CategorizeSettings(
            ai_relevance_threshold=self.ai_relevance_threshold,
            headline_count=self.headline_count,
            section_importance_floor=self.section_importance_floor,
        )

    def workers(self) -> int:
        return self.extraction_workers or os.cpu_count() or 1
