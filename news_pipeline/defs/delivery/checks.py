"""Checks of report_deliveries (the delivery ledger)."""

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.wiring import Wiring
from news_pipeline.delivery import LEDGER_COLUMNS, STATUS_FAILED, STATUS_PENDING
from news_pipeline.schema import conform


def every_delivery_arrived(report_deliveries: pl.DataFrame) -> AssetCheckResult:
    """A delivery that failed (after its retries) or was interrupted mid-send is worth a
    warning: the report itself is fine, and the next run retries the failed ones."""
    ledger = conform(report_deliveries, LEDGER_COLUMNS)
    problems = ledger.filter(pl.col("status").is_in([STATUS_FAILED, STATUS_PENDING])).sort(
        "partition_date", "subscriber"
    )
    return AssetCheckResult(
        passed=problems.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={
            "deliveries": ledger.height,
            "failed": problems.filter(pl.col("status") == STATUS_FAILED).height,
            "interrupted": problems.filter(pl.col("status") == STATUS_PENDING).height,
            "rows": offending_rows(
                problems,
                [
                    "partition_date",
                    "subscriber",
                    "channel",
                    "status",
                    "attempts",
                    "response_code",
                    "error",
                ],
            ),
        },
    )


def build_report_deliveries_checks(wiring: Wiring) -> list[AssetChecksDefinition]:
    return [
        asset_check(
            asset="report_deliveries",
            **wiring.check_settings(),
            name="report_deliveries_every_delivery_arrived",
        )(every_delivery_arrived)
    ]
