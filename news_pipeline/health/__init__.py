"""Source health: per source and day, what its listing gave and whether it is dying.

Computed from the stored raw_articles history only (never from an earlier health row), so a
backfill run out of order gives the same answer as one run day by day.
"""

from news_pipeline.health.sources import (
    HEALTH_COLUMNS,
    HISTORY_DAYS,
    QUIET_DAYS,
    RAW_COLUMNS,
    SOURCE_STATUSES,
    HealthSettings,
    long_failures,
    report_sources,
    source_health,
)

__all__ = [
    "HEALTH_COLUMNS",
    "HISTORY_DAYS",
    "QUIET_DAYS",
    "RAW_COLUMNS",
    "SOURCE_STATUSES",
    "HealthSettings",
    "long_failures",
    "report_sources",
    "source_health",
]
