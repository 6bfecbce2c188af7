"""report_archive and report_deliveries: publishing each day's report after it is written."""

import json
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetsDefinition,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from news_pipeline.defs.delivery.resources import DeliveryResource
from news_pipeline.defs.resources import (
    EditorialResource,
    OutputLocationResource,
    SourcesResource,
)
from news_pipeline.defs.wiring import Wiring, day_windows, markdown_table, table_metadata
from news_pipeline.delivery import (
    LEDGER_COLUMNS,
    RETRY_LOOKBACK_DAYS,
    Deliverer,
    DeliveryRequest,
    Ledger,
    MissingReportError,
    UnknownSubscriberError,
)
from news_pipeline.report import write_archive

GROUP = "delivery"
LEDGER_SHOWN = [
    "partition_date",
    "subscriber",
    "channel",
    "target",
    "status",
    "attempts",
    "parts_sent",
    "parts_total",
    "payload_bytes",
    "response_code",
    "error",
]


class DeliveryRunConfig(Config):
    """What a run of report_deliveries sends (set by `news-pipeline deliver`)."""

    force: bool = Field(
        default=False, description="Send again even when the ledger says it was sent."
    )
    subscribers: list[str] = Field(
        default_factory=list, description="Only these subscribers (empty: all of them)."
    )
    retry_earlier_failures: bool = Field(
        default=True,
        description=f"Also retry failed deliveries of the {RETRY_LOOKBACK_DAYS} days before.",
    )


REPORT_COLUMNS = ["partition_date", "report_json"]


def reports_of_the_days() -> AssetIn:
    """The run's days' report.json (the days whose failed deliveries are retried are read from
    storage: OutputLocationResource.stored_rows says why they are not a dependency)."""
    return AssetIn(key="daily_report", metadata={"columns": REPORT_COLUMNS})


def _templates_dir(editorial: EditorialResource) -> Path | None:
    return Path(editorial.templates_dir) if editorial.templates_dir else None


def build_report_archive(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **{**wiring.asset_settings(), "group_name": GROUP},
        deps=["daily_report"],
        kinds={"python", "jinja", "html"},
        description=(
            "The archive of every report on disk: <data-dir>/reports/index.html (every day, "
            "newest first, with its headlines), feed.xml (Atom) and feed.json (JSON Feed "
            "1.1) over the latest 30 days, linked under the sources file's site.base_url."
        ),
    )
    def report_archive(
        context: AssetExecutionContext,
        sources: SourcesResource,
        editorial: EditorialResource,
        output_location: OutputLocationResource,
    ) -> MaterializeResult:
        started = time.perf_counter()
        config = sources.load()
        paths = write_archive(
            Path(output_location.data_dir) / "reports",
            language=config.report_language,
            base_url=config.site.base_url if config.site else None,
            templates_dir=_templates_dir(editorial),
        )
        for problem in paths.problems:
            context.log.warning(f"left out of the archive: {problem}")
        return MaterializeResult(
            metadata={
                "index_path": MetadataValue.path(str(paths.index)),
                "atom_path": MetadataValue.path(str(paths.atom)),
                "json_feed_path": MetadataValue.path(str(paths.json_feed)),
                "days": paths.days,
                "unreadable_days": len(paths.problems),
                "seconds": round(time.perf_counter() - started, 3),
            }
        )

    return report_archive


def build_report_deliveries(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **{**wiring.asset_settings(), "group_name": GROUP},
        metadata=table_metadata(LEDGER_COLUMNS),
        ins={"daily_report": reports_of_the_days()},
        kinds={"python", "duckdb"},
        description=(
            "The day's report sent to every subscriber of the sources file (webhook, Slack, "
            "Feishu, WeCom, Telegram, e-mail) with its own filters, at most once per "
            "(subscriber, day). The table is the delivery ledger: status, attempts, answer "
            "and time of each. Failed deliveries are retried with backoff in the step and "
            f"again by the next run (up to {RETRY_LOOKBACK_DAYS} days back)."
        ),
    )
    def report_deliveries(
        context: AssetExecutionContext,
        config: DeliveryRunConfig,
        daily_report: pl.DataFrame,
        sources: SourcesResource,
        editorial: EditorialResource,
        output_location: OutputLocationResource,
        delivery: DeliveryResource,
    ) -> MaterializeResult:
        started = time.perf_counter()
        sources_config = sources.load()
        days = [window.day for window in day_windows(context, sources_config.timezone)]
        earlier = output_location.stored_rows(
            "daily_report",
            REPORT_COLUMNS,
            min(days) - timedelta(days=RETRY_LOOKBACK_DAYS),
            min(days) - timedelta(days=1),
        )
        reports = {
            row["partition_date"]: json.loads(row["report_json"])
            for frame in (earlier, daily_report)
            if frame.width
            for row in frame.iter_rows(named=True)
        }
        ledger = Ledger(output_location.database_path)
        deliverer = Deliverer(
            sources_config,
            ledger,
            delivery.settings(),
            category_names=editorial.taxonomy().display_names(),
            templates_dir=_templates_dir(editorial),
            run_id=context.run_id,
            log=context.log.info,
        )
        request = DeliveryRequest(
            force=config.force,
            subscribers=tuple(config.subscribers) or None,
            retry_earlier_failures=config.retry_earlier_failures,
        )
        try:
            results = deliverer.deliver(reports, days, request)
        except (UnknownSubscriberError, MissingReportError) as error:
            raise Failure(description=str(error), allow_retries=False) from error
        outcomes = Counter(result.outcome for result in results)
        for result in results:
            if result.outcome == "failed":
                context.log.warning(
                    f"{result.day} {result.subscriber}: delivery failed: {result.detail}"
                )
        touched = sorted({result.day for result in results} | set(days))
        rows = ledger.rows(touched, [result.subscriber for result in results])
        return MaterializeResult(
            metadata={
                "subscribers": len({result.subscriber for result in results}),
                **{f"deliveries_{name}": outcomes[name] for name in sorted(outcomes)},
                "payload_bytes": sum(r.payload_bytes for r in results if r.outcome != "skipped"),
                "ledger": MetadataValue.md(markdown_table(rows.select(LEDGER_SHOWN))),
                "seconds": round(time.perf_counter() - started, 3),
            }
        )

    return report_deliveries
