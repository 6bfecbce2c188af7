"""A week of raw_articles rows in which source `beta`'s listing fails on days 3 to 6."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from news_pipeline_tests.factories import raw_feed_row, raw_frame, raw_row

START = date(2026, 2, 9)
WEEK = [START + timedelta(days=n) for n in range(7)]
SOURCES = ["alpha", "beta"]
FAILING = {WEEK[2], WEEK[3], WEEK[4], WEEK[5]}  # days 3 to 6


def _day_rows(day: date, source: str, failing: bool, items: int = 2) -> list[dict]:
    if failing:
        return [
            raw_feed_row(partition_date=day, source=source, status="http_error", error="HTTP 503")
        ]
    rows = [raw_feed_row(partition_date=day, source=source)]
    rows += [
        raw_row(partition_date=day, source=source, url=f"https://{source}.example/{day}/{n}")
        for n in range(items)
    ]
    return rows


def week_of_raw_articles() -> pl.DataFrame:
    rows = []
    for day in WEEK:
        rows += _day_rows(day, "alpha", failing=False)
        rows += _day_rows(day, "beta", failing=day in FAILING)
    return raw_frame(rows)
