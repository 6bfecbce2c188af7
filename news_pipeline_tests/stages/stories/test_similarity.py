"""pool_terms: the weighed terms of a pool, site furniture removed."""

from __future__ import annotations

import polars as pl
import pytest

from news_pipeline.stories import DedupeSettings, similarity
from news_pipeline.stories.similarity import name_weight, name_weights, pool_terms

_NO_PINYIN = pl.DataFrame(schema={"doc": pl.Int64, "hash": pl.UInt64})


def _pool_terms(terms: list[list[str]], sources: list[str | None]) -> pl.DataFrame:
    return pool_terms(
        pl.Series(terms, dtype=pl.List(pl.String)),
        pl.Series(sources, dtype=pl.String),
        _NO_PINYIN,
        DedupeSettings(),
    )


def test_an_empty_pool_or_one_without_compared_terms_has_no_rows() -> None:
    assert _pool_terms([], []).height == 0
    # f: facts and a:e: names are stored but not compared
    rows = _pool_terms([["f:n:397e9", "a:e:openai"], []], ["site", None])
    assert rows.height == 0
    assert rows.columns == ["doc", "term", "term_id", "df", "weight"]


@pytest.mark.parametrize("dense_keys", [1 << 24, 0], ids=["counted-in-array", "hashed"])
def test_a_term_most_of_a_sites_documents_hold_is_furniture_there_only(
    dense_keys: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(similarity, "_DENSE_FURNITURE_KEYS", dense_keys)
    footer = "c:license"
    terms = [[footer, f"c:story{index}"] for index in range(4)]
    terms[0].append("c:model")
    terms += [[footer, "c:model"], ["c:model"]]
    sources = ["portal"] * 4 + ["blog", "blog"]
    rows = _pool_terms(terms, sources)
    held = {(doc, term) for doc, term in rows.select("doc", "term").iter_rows()}
    assert not any(term == footer and doc < 4 for doc, term in held)
    assert (4, footer) in held  # the blog has too few documents for furniture
    assert rows.filter(pl.col("term") == footer)["df"].to_list() == [1]
    model = rows.filter(pl.col("term") == "c:model")
    assert sorted(model["doc"].to_list()) == [0, 4, 5] and set(model["df"].to_list()) == {3}
    # one id per distinct term, numbered in term order
    ids = rows.select("term", "term_id").unique().sort("term")
    assert ids["term_id"].to_list() == sorted(ids["term_id"].to_list())
    assert ids["term"].n_unique() == ids["term_id"].n_unique()


def test_rarer_terms_weigh_more_and_anchors_weigh_one() -> None:
    rows = _pool_terms(
        [["c:chip", "c:rare", "a:n:397e9"], ["c:chip", "a:n:397e9"], ["c:chip"]],
        ["a", "b", "c"],
    )
    weight = dict(rows.select("term", "weight").unique().iter_rows())
    assert weight["c:rare"] > weight["c:chip"] > 0
    assert weight["a:n:397e9"] == 1.0


def test_name_weights_screen_gives_what_zipf_frequency_gives() -> None:
    # plain words English has and lacks, and names the screen must leave to wordfreq
    names = ["google", "series", "unitree", "zhipuai", "qwen", "gpt-5", "o3", "wang", "x"]
    names += ["deepseek", "the", "robotics", "k2.5", "über"]
    expected = [name_weight(name) for name in names]
    assert name_weights(names) == expected
    assert expected[names.index("unitree")] == 1.0 > expected[names.index("google")]
