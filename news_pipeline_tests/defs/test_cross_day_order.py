"""The cross-day part of deduped_stories does not depend on how days are materialized:
one by one, as one backfill run over a range, or re-run out of order afterwards."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from dagster import DagsterInstance, materialize

from news_pipeline.defs import build_defs
from news_pipeline_tests.conftest import materialize_day

DAYS = ["2026-02-14", "2026-02-15"]
STORY_COLUMNS = [
    "partition_date",
    "source",
    "url",
    "story_id",
    "excluded_reason",
    "excluded_detail",
]


def _stories(data_dir: Path) -> pl.DataFrame:
    with duckdb.connect(str(data_dir / "news.duckdb"), read_only=True) as connection:
        frame = connection.execute("select * from main.deduped_stories").pl()
    return frame.select(STORY_COLUMNS).sort(STORY_COLUMNS, nulls_last=True)


def test_same_stories_one_by_one_as_a_range_and_out_of_order(tmp_path: Path) -> None:
    one_by_one = tmp_path / "one_by_one"
    as_range = tmp_path / "as_range"
    with DagsterInstance.ephemeral() as instance:
        for day in DAYS:
            assert materialize_day(day, one_by_one, instance).success
        in_order = _stories(one_by_one)

        # The later day again, then the earlier one: each run sees the same stored history.
        assert materialize_day(DAYS[1], one_by_one, instance).success
        assert materialize_day(DAYS[0], one_by_one, instance).success
        out_of_order = _stories(one_by_one)

        # A single run over both days, as a single-run backfill launches it.
        defs = build_defs(None, as_range)
        result = materialize(
            [*defs.assets, *defs.asset_checks],
            resources=defs.resources,
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": DAYS[0],
                "dagster/asset_partition_range_end": DAYS[1],
            },
        )
        assert result.success
        ranged = _stories(as_range)

    seen_before = in_order.filter(pl.col("excluded_reason") == "seen_before")
    assert seen_before.height > 0, "the demo corpus repeats a day-1 story on day 2"
    assert _differences(out_of_order, in_order) == []
    assert _differences(ranged, in_order) == []


def _differences(left: pl.DataFrame, right: pl.DataFrame) -> list[tuple]:
    return sorted(
        left.join(right, on=STORY_COLUMNS, how="anti", nulls_equal=True).rows()
        + right.join(left, on=STORY_COLUMNS, how="anti", nulls_equal=True).rows(),
        key=str,
    )
