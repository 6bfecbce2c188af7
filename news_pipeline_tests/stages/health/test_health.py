"""Source health over a week in which one source's listing fails on days 3 to 6: the status,
the run of failing days, and the same answer whatever order the days are computed in."""

from __future__ import annotations

import random

import polars as pl
import pytest

from news_pipeline import schema
from news_pipeline.health import HealthSettings, long_failures, report_sources, source_health
from news_pipeline_tests.factories import raw_feed_row, raw_frame, raw_row
from news_pipeline_tests.stages.health.week import SOURCES, WEEK, week_of_raw_articles


def test_failing_days_count_the_run_of_failed_listings() -> None:
    health = source_health(week_of_raw_articles(), WEEK, SOURCES)
    beta = health.filter(pl.col("source") == "beta").sort("partition_date")
    assert beta["failing_days"].to_list() == [0, 0, 1, 2, 3, 4, 0]
    assert beta["status"].to_list() == ["ok", "ok", *["failing"] * 4, "ok"]
    assert beta["reason"][2] == "http_error: HTTP 503"
    assert beta.select("listed", "fetched", "failed").row(2) == (0, 0, 0)
    assert beta.select("listed", "fetched", "failed").row(6) == (2, 2, 0)
    alpha = health.filter(pl.col("source") == "alpha")
    assert set(alpha["status"]) == {"ok"} and set(alpha["failing_days"]) == {0}


def test_a_backfill_in_any_order_gives_the_same_answer() -> None:
    """Each day computed alone, from the stored rows only, in a shuffled order."""
    raw = week_of_raw_articles()
    together = source_health(raw, WEEK, SOURCES)
    order = WEEK[:]
    random.Random(16).shuffle(order)
    one_by_one = pl.concat([source_health(raw, [day], SOURCES) for day in order])
    assert one_by_one.sort("partition_date", "source").equals(
        together.sort("partition_date", "source")
    )
    # A day whose earlier days are not stored yet sees no run of failures before it.
    only_day_five = raw.filter(pl.col("partition_date") == WEEK[4])
    alone = source_health(only_day_five, [WEEK[4]], SOURCES)
    assert alone.filter(pl.col("source") == "beta")["failing_days"].item() == 1


def test_the_warning_names_sources_failing_three_days_or_more() -> None:
    health = source_health(week_of_raw_articles(), WEEK, SOURCES)
    long = long_failures(health, 3)
    assert long.select("partition_date", "source").rows() == [
        (WEEK[4], "beta"),
        (WEEK[5], "beta"),
    ]


def test_report_sources_are_the_contract_keys_in_configured_order() -> None:
    health = source_health(week_of_raw_articles(), [WEEK[5]], ["beta", "alpha"])
    assert report_sources(health, WEEK[5]) == [
        {
            "name": "beta",
            "listed": 0,
            "fetched": 0,
            "failed": 0,
            "status": "failing",
            "failing_days": 4,
        },
        {
            "name": "alpha",
            "listed": 2,
            "fetched": 2,
            "failed": 0,
            "status": "ok",
            "failing_days": 0,
        },
    ]
    assert report_sources(pl.DataFrame(), WEEK[5]) == []


def test_history_is_bounded() -> None:
    health = source_health(week_of_raw_articles(), [WEEK[5]], SOURCES, history_days=2)
    assert health.filter(pl.col("source") == "beta")["failing_days"].item() == 3


@pytest.mark.parametrize(
    ("statuses", "expected", "reason"),
    [
        (["ok", "ok", "http_error", "timeout"], "degraded", "2 of 4 pages failed"),
        (["ok", "ok", "ok", "http_error"], "ok", None),
        (["out_of_window", "out_of_window"], "ok", None),
    ],
)
def test_a_readable_listing_with_failing_pages_is_degraded(
    statuses: list[str], expected: str, reason: str | None
) -> None:
    day = WEEK[0]
    rows = [raw_feed_row(partition_date=day, source="alpha")]
    rows += [
        raw_row(partition_date=day, source="alpha", url=f"https://a.example/{n}", status=status)
        for n, status in enumerate(statuses)
    ]
    health = source_health(raw_frame(rows), [day], ["alpha"])
    assert health.select("status", "reason").row(0) == (expected, reason)


def test_a_listing_that_answers_but_gives_nothing_new_for_days_is_degraded() -> None:
    """The quiet death: the feed still answers, but every item is old, day after day."""
    rows = []
    for day in WEEK[:4]:
        rows.append(raw_feed_row(partition_date=day, source="alpha"))
        rows.append(
            raw_row(
                partition_date=day,
                source="alpha",
                url="https://a.example/old",
                status=schema.STATUS_OUT_OF_WINDOW,
            )
        )
    health = source_health(raw_frame(rows), WEEK[:4], ["alpha"], settings=HealthSettings())
    assert health["quiet_days"].to_list() == [1, 2, 3, 4]
    assert health["status"].to_list() == ["ok", "ok", "degraded", "degraded"]
    assert health["reason"][2] == "no item in the day's window for 3 days"


def test_a_configured_source_without_a_record_is_degraded_not_failing() -> None:
    health = source_health(week_of_raw_articles(), [WEEK[0]], ["gamma"])
    assert health.select("status", "failing_days", "listing_status").row(0) == (
        "degraded",
        0,
        None,
    )
