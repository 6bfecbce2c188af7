"""Checks of source_health."""

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.wiring import Wiring
from news_pipeline.health import long_failures

# A source whose listing has failed this many days in a row has quietly died.
FAILING_DAYS_WARNING = 3


def no_source_failing_for_days(source_health: pl.DataFrame) -> AssetCheckResult:
    """Names every source whose listing has failed for FAILING_DAYS_WARNING days or more."""
    failing = long_failures(source_health, FAILING_DAYS_WARNING)
    names = sorted(set(failing["source"].to_list())) if failing.height else []
    return AssetCheckResult(
        passed=failing.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={
            "failing_sources": len(names),
            "sources": ", ".join(names) or "none",
            "rows": offending_rows(
                failing, ["partition_date", "source", "failing_days", "listing_status", "reason"]
            ),
        },
    )


def build_source_health_checks(wiring: Wiring) -> list[AssetChecksDefinition]:
    return [
        asset_check(
            asset="source_health",
            **wiring.check_settings(),
            name=f"source_health_none_failing_{FAILING_DAYS_WARNING}_days",
            description=no_source_failing_for_days.__doc__,
        )(no_source_failing_for_days)
    ]
