"""Dagster resources: everything the assets need from outside the process.

Sources, the HTTP client settings, the editorial configuration, the output location and the
progress display are resources so that a test, `dagster dev` and `news-pipeline run` can point
the same assets at different files, servers and terminals without touching asset code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
from dagster import AssetExecutionContext, ConfigurableResource, EnvVar
from pydantic import Field

from news_pipeline.demo.server import (
    BASE_URL_PLACEHOLDER_NAME,
    DEMO_PORT,
    DEMO_SOURCES_PATH,
    serve_demo_corpus,
)
from news_pipeline.editor import ClientSettings
from news_pipeline.editorial import CategorizeSettings, Taxonomy, load_taxonomy
from news_pipeline.fetch import BodyStore, FetchSettings, HttpCache
from news_pipeline.progress import ProgressReporter
from news_pipeline.sources import EditorConfig, SourcesConfig, load_sources
from news_pipeline.stories import DedupeSettings

SOURCES_ENV = "NEWS_PIPELINE_SOURCES"
DATA_DIR_ENV = "NEWS_PIPELINE_DATA_DIR"
# The demo sources name the loopback server's address as a placeholder; the server replaces it
# as it starts. Reading the file without serving anything (timezone, language) puts this in.
DEMO_ADDRESS_FOR_READING = "http://127.0.0.1"


def sources_file_from_env() -> Path | None:
    """`$NEWS_PIPELINE_SOURCES`, or None for the bundled offline demo (CONTRACT.md)."""
    configured = os.environ.get(SOURCES_ENV)
    return Path(configured) if configured else None


def data_dir_from_env() -> Path:
    """`$NEWS_PIPELINE_DATA_DIR`, else `./data` (CONTRACT.md)."""
    return Path(os.environ.get(DATA_DIR_ENV) or "data")


class SourcesResource(ConfigurableResource):
    """The sources file, or the bundled demo corpus, which is served from a local HTTP server
    on 127.0.0.1 for the duration of a fetch, so the demo runs offline through the same HTTP
    code path as real feeds."""

    sources_file: str = Field(description="Path of the sources YAML (see CONTRACT.md).")
    demo_corpus: bool = Field(
        default=False,
        description="The file is the bundled demo's: serve the demo corpus while fetching.",
    )

    @classmethod
    def demo(cls) -> SourcesResource:
        return cls(sources_file=str(DEMO_SOURCES_PATH), demo_corpus=True)

    def load(self) -> SourcesConfig:
        """Parse and validate without serving anything (for timezone and language)."""
        substitutions = (
            {BASE_URL_PLACEHOLDER_NAME: DEMO_ADDRESS_FOR_READING} if self.demo_corpus else None
        )
        return load_sources(Path(self.sources_file), substitutions=substitutions)

    @contextmanager
    def open(self) -> Iterator[SourcesConfig]:
        """Yield the sources ready to fetch, serving the demo corpus when they are the demo's."""
        if not self.demo_corpus:
            yield load_sources(Path(self.sources_file))
            return
        with serve_demo_corpus(port=DEMO_PORT) as base_url:
            yield load_sources(
                Path(self.sources_file), substitutions={BASE_URL_PLACEHOLDER_NAME: base_url}
            )


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

    data_dir: str = Field(description="Folder of news.duckdb, the body store and the reports.")

    @property
    def database_path(self) -> Path:
        return Path(self.data_dir) / "news.duckdb"

    def body_store(self) -> BodyStore:
        return BodyStore(Path(self.data_dir) / "bodies")

    def http_cache(self) -> HttpCache:
        return HttpCache(self.database_path, self.body_store())

    def report_dir(self, partition_key: str) -> Path:
        return Path(self.data_dir) / "reports" / partition_key

    def stored_rows(
        self, table: str, columns: list[str], first_day: date, last_day: date
    ) -> pl.DataFrame:
        """Rows an asset stored for the days first_day..last_day, read from DuckDB directly.

        For a look back over earlier days that must not be a Dagster dependency: a windowed
        partition mapping makes an asset backfill of 3 days also materialize every later day
        that the window reaches, and the days after those (a 3-day backfill became five weeks).
        Empty (no columns) when the table does not exist yet, as the IO manager returns it."""
        if not self.database_path.exists():
            return pl.DataFrame()
        quoted = ", ".join('"' + column.replace('"', '""') + '"' for column in columns)
        with duckdb.connect(str(self.database_path)) as connection:
            exists = connection.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'main' and table_name = ?",
                [table],
            ).fetchone()
            if not exists or not exists[0]:
                return pl.DataFrame()
            return connection.execute(
                f'select {quoted} from main."{table}" '
                "where partition_date >= ? and partition_date <= ?",
                [first_day, last_day],
            ).pl()


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


class EditorResource(ConfigurableResource):
    """The editor's client settings and key. Endpoint, model and budget are in the sources
    file's `editor:` block; the key is read through Dagster's EnvVar from the variable that
    block names, so run config, the UI and the event log show the variable's name only."""

    api_key: str | None = Field(default=None, description="Set with EnvVar, never a literal.")
    api_key_env: str | None = Field(
        default=None, description="The variable the sources file names, for messages."
    )
    max_concurrency: int = ClientSettings.max_concurrency
    connect_timeout: float = ClientSettings.connect_timeout
    read_timeout: float = ClientSettings.read_timeout
    total_timeout: float = ClientSettings.total_timeout
    max_retries: int = ClientSettings.max_retries
    backoff_base_seconds: float = ClientSettings.backoff_base_seconds
    backoff_max_seconds: float = ClientSettings.backoff_max_seconds
    retry_after_max_seconds: float = ClientSettings.retry_after_max_seconds
    max_rejected_share: float = Field(
        default=0.25, description="The check warns above this share of rejected answers."
    )

    @classmethod
    def for_editor(cls, editor: EditorConfig | None, **settings: object) -> EditorResource:
        """EnvVar of the block's variable when it is set; without it the editor sends
        nothing (every story extractive, `missing_api_key`) instead of failing the run."""
        name = editor.api_key_env if editor else None
        if name and os.environ.get(name):
            return cls(api_key=EnvVar(name), api_key_env=name, **settings)
        return cls(api_key_env=name, **settings)

    def client_settings(self, editor: EditorConfig | None = None) -> ClientSettings:
        """These settings, with the block's `timeout_seconds` (for one read and for a whole
        exchange) and `max_concurrency` when it sets them."""
        timeout = editor.timeout_seconds if editor else None
        concurrency = editor.max_concurrency if editor else None
        return ClientSettings(
            max_concurrency=concurrency or self.max_concurrency,
            connect_timeout=self.connect_timeout,
            read_timeout=timeout or self.read_timeout,
            total_timeout=max(timeout or 0, self.total_timeout),
            max_retries=self.max_retries,
            backoff_base_seconds=self.backoff_base_seconds,
            backoff_max_seconds=self.backoff_max_seconds,
            retry_after_max_seconds=self.retry_after_max_seconds,
        )


# The attribute of a log record that carries a progress update, for loggers that show it.
PROGRESS_RECORD_ATTR = "news_pipeline_progress"


@dataclass(frozen=True)
class ProgressUpdate:
    stage: str
    done: int
    total: int
    failed: int


class StageProgressResource(ConfigurableResource):
    """Turns a stage's progress calls into log lines: in the run's log in the UI, and on the
    terminal of `news-pipeline run`, whose logger reads the update attached to each line."""

    log_every_seconds: float = Field(
        default=10.0, description="At most one progress line per stage in this interval."
    )

    def reporter(self, context: AssetExecutionContext, stage: str) -> ProgressReporter:
        last_logged = [float("-inf")]

        def report(done: int, total: int, failed: int) -> None:
            now = time.monotonic()
            if done < total and now - last_logged[0] < self.log_every_seconds:
                return
            last_logged[0] = now
            update = ProgressUpdate(stage, done, total, failed)
            context.log.info(
                f"{stage}: {done}/{total} done, {failed} failed",
                extra={PROGRESS_RECORD_ATTR: update},
            )

        return report
