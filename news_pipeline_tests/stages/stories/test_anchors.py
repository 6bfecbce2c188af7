"""Same-event anchors: what counts as a name, a number or a headline word, and the title
overlap of candidate pairs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from news_pipeline.stories import anchors, dedupe_articles
from news_pipeline.stories.anchors import fingerprint_terms
from news_pipeline.stories.nfkc import nfkc
from news_pipeline_tests.stages.stories.articles import frame, item


def test_shared_title_weight_sums_the_tokens_both_titles_carry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # blocks of 3 pairs, so the lookups of one pair never leak into the next block's
    monkeypatch.setattr(anchors, "_TITLE_PAIR_BLOCK", 3)
    weights = {"t:a": 1.0, "t:b": 2.0, "t:c": 4.0, "t:d": 8.0, "t:e": 16.0}
    titles = {0: ["t:a", "t:b"], 1: ["t:b", "t:c"], 2: [], 3: ["t:a", "t:b", "t:c"], 4: ["t:e"]}
    title_rows = pl.DataFrame(
        [
            {"doc": doc, "term": term, "weight": weights[term]}
            for doc, terms in titles.items()
            for term in terms
        ],
        schema={"doc": pl.Int64, "term": pl.String, "weight": pl.Float64},
    )
    pairs = [(a, b) for a in titles for b in titles if a < b] + [(4, 3), (1, 0)]
    expected = [sum(weights[term] for term in set(titles[a]) & set(titles[b])) for a, b in pairs]
    first, second = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
    assert anchors._shared_title_weight(first, second, title_rows).tolist() == expected


# ---- anchors on busy days ------------------------------------------------------------------


def anchors_of(title: str, text: str) -> set[str]:
    terms = fingerprint_terms(nfkc(pl.Series([title])), nfkc(pl.Series([text])), 240)[0]
    return {term for term in terms.to_list() if term.startswith("a:")}


def test_title_case_headline_words_are_not_names() -> None:
    # two unrelated reports whose Title Case headlines share "Grow" and "Merger": read as
    # names, they are two shared anchors plus title overlap
    rows = frame(
        [
            item(
                "a",
                "https://example.com/vendors",
                "Vendors Grow as Talks Near Merger",
                "Two payroll software sellers expanded their customer lists while their boards "
                "discussed combining the companies.",
            ),
            item(
                "b",
                "https://example.org/bank",
                "Earnings Grow as Bank Weighs Merger",
                "A regional lender posted higher quarterly profit and said it is studying an "
                "offer from a larger rival.",
            ),
            item(
                "c",
                "https://example.net/robots",
                "Galbot raises $300M for warehouse robots",
                "The Beijing robot maker Galbot closed a $300M round at a $3B valuation.",
            ),
            item(
                "d",
                "https://example.net/glasses",
                "Meta adds live translation to Ray-Ban Display",
                "Meta's display glasses now translate conversations in twelve languages.",
            ),
        ]
    )
    result = dedupe_articles(rows, pl.DataFrame())
    assert result["story_id"].n_unique() == 4
    assert not {"a:e:grow", "a:e:merger"} & anchors_of("Vendors Grow as Talks Near Merger", "")


def test_title_case_headline_still_joins_its_event() -> None:
    rows = frame(
        [
            item(
                "a",
                "https://example.com/hire",
                "OpenAI Hires OpenClaw Creator Peter Steinberger",
                "OpenAI has brought on Peter Steinberger, the developer behind OpenClaw, to "
                "lead work on personal agents.",
            ),
            item(
                "b",
                "https://example.org/join",
                "OpenClaw's creator is joining OpenAI",
                "Peter Steinberger, who started the OpenClaw agent project, moves to OpenAI "
                "to build agents for everyday users.",
            ),
            # a third report makes the shared title words rarer than the pool's (idf > 0)
            item(
                "c",
                "https://example.net/robots",
                "Galbot raises $300M for warehouse robots",
                "The Beijing robot maker Galbot closed a $300M round at a $3B valuation.",
            ),
        ]
    )
    result = dedupe_articles(rows, pl.DataFrame()).sort("article_id")
    story_ids = result["story_id"].to_list()
    assert story_ids[0] == story_ids[1] != story_ids[2]
    assert sorted(result["match_reason"].to_list()[:2]) == ["lead", "same_event"]


def test_digits_inside_a_name_are_not_a_number() -> None:
    anchors = anchors_of("Vexor7b tops a coding benchmark", "It has 397B parameters.")
    assert "a:i:vexor7b" in anchors
    assert {anchor for anchor in anchors if anchor.startswith("a:n:")} == {"a:n:397e9"}


def test_a_duration_is_one_fact_in_every_language_and_script() -> None:
    """A development often brings only a duration ("wait times cut to 2 minutes"); small bare
    numbers are dropped, so the unit is what makes it a fact."""
    numbers = [
        {a for a in anchors_of(title, lead) if a.startswith("a:n:")}
        for title, lead in [
            ("Vexor cuts peak queue to 2 minutes", "Added capacity helps."),
            ("Vexor高峰排队时间降至2分钟内", "新增算力上线。"),
            ("Vexor高峰排隊時間降至2分鐘內", "新增算力上線。"),
        ]
    ]
    assert numbers[0] == numbers[1] == numbers[2] == {"a:n:120e0"}
    assert {a for a in anchors_of("Vexor adds 2 partners", "") if a.startswith("a:n:")} == set()


def test_one_chinese_product_name_is_one_anchor() -> None:
    anchors = anchors_of("通义千问上线新功能", "")
    assert {anchor for anchor in anchors if anchor.startswith("a:e:")} == {"a:e:qwen"}
