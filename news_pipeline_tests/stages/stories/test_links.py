"""Background pairs: the unrelated pairs whose mean similarity is taken as chance."""

from __future__ import annotations

import polars as pl
import pytest

from news_pipeline.stories import links


def _pool(count: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "text_hash": [f"{(index * 7919) % 1000:04d}" for index in range(count)],
            "article_id": [f"a{index}" for index in range(count)],
        }
    )


def test_background_pairs_join_distinct_reports_and_ignore_input_order() -> None:
    pool = _pool(40)
    left, right = links.background_pairs(pool, 40)
    assert len(left) == 40 * len(links._BACKGROUND_OFFSETS)
    assert (left != right).all()
    reversed_pool = pool.reverse()
    reversed_left, reversed_right = links.background_pairs(reversed_pool, 40)
    assert _named_pairs(pool, left, right) == _named_pairs(
        reversed_pool, reversed_left, reversed_right
    )


def _named_pairs(pool: pl.DataFrame, left: object, right: object) -> list[tuple[str, str]]:
    ids = pool["article_id"].to_list()
    return sorted((ids[a], ids[b]) for a, b in zip(left, right, strict=True))


def test_background_pairs_start_from_at_most_the_cap_of_reports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(links, "_BACKGROUND_MAX_DOCUMENTS", 10)
    pool = _pool(40)
    left, right = links.background_pairs(pool, 40)
    assert len(left) == 10 * len(links._BACKGROUND_OFFSETS)
    first_in_hash_order = set(
        pool.with_row_index("doc").sort("text_hash", "article_id")["doc"].head(10).to_list()
    )
    assert set(left.tolist()) == first_in_hash_order
    assert len(set(zip(left.tolist(), right.tolist(), strict=True))) == len(left)
