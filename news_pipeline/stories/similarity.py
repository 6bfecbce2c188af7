"""How likely two articles report one event, from their language-neutral terms.

Candidates are pairs that share a name, a number or version (``a:n:``, ``a:i:``), or a rare
concept. Each candidate gets the features of ``PAIR_FEATURES``:

- ``names``: summed weight of the shared names, a name's weight falling with its frequency in
  general English (wordfreq: Unitree, Zhipu 1.0; Google 0.2; Series 0.05), capped at 4;
- ``concepts`` / ``title_concepts``: idf-weighted cosine of the translated words of the title
  and lead, and of the title alone;
- ``title_words``: idf-weighted cosine of the titles' own tokens (anchors.py's ``t:``: Han
  bigrams in Simplified, Latin words), which tell two same-language look-alikes apart
  (QQ 脑洞秀 in Yuanbao vs Yuanbao's red packets);
- ``facts``: shared numbers with units and versioned names (397B = 3970亿), capped at 3;
- ``conflict``: each title names a distinctive actor the other article never mentions (two
  companies' model releases on one day);
- ``same_source``: two articles of one site are rarely two reports of one event;
- ``anchor_rule``: the same-event rule of anchors.py fired;
- two products, names x concepts, because a shared name means more in a shared context.

A logistic model (coefficients in settings.DedupeSettings.link_coefficients, fitted on the tune
split of news_pipeline_tests/data/stories_eval) turns them into a probability. Site furniture,
the terms most of one site's articles carry (a footer's "CC BY-NC", a share bar), is removed
before anything is compared.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl
from wordfreq import zipf_frequency

from news_pipeline.stories.settings import DedupeSettings
from news_pipeline.stories.translation import (
    CONCEPT,
    NAME,
    TITLE_CONCEPT,
    TITLE_NAME,
    name_hash,
)

PAIR_FEATURES = (
    "names",
    "concepts",
    "title_concepts",
    "title_words",
    "facts",
    "conflict",
    "same_source",
    "anchor_rule",
    "names_x_concepts",
    "names_x_title_concepts",
)
_FACT_PREFIXES = ("a:n:", "a:i:")
_TITLE_WORD = "t:"
_MAX_NAMES = 4.0
_MAX_FACTS = 3.0
_DISTINCTIVE_NAME = 0.7  # weight of a title name that makes a conflict
_PINYIN_NAME = r"^[a-z]{4,}$"


@functools.cache
def name_weight(name: str) -> float:
    """1 for a name general English never uses, falling to 0 for everyday words."""
    return float(np.clip((5.5 - zipf_frequency(name, "en")) / 3.0, 0.0, 1.0))


def _furniture(rows: pl.DataFrame, settings: DedupeSettings) -> pl.DataFrame:
    """(source, term) pairs held by most of a source's documents in the pool."""
    sizes = rows.group_by("source").agg(pl.col("doc").n_unique().alias("size"))
    counts = rows.group_by("source", "term").agg(pl.col("doc").n_unique().alias("count"))
    return (
        counts.join(sizes, on="source")
        .filter(
            (pl.col("size") >= settings.furniture_min_documents)
            & (pl.col("count") >= settings.furniture_share * pl.col("size"))
            & (pl.col("count") >= settings.furniture_min_documents)
        )
        .select("source", "term")
    )


def pool_terms(
    terms: pl.Series,
    sources: pl.Series,
    pinyin: pl.DataFrame,
    settings: DedupeSettings,
) -> pl.DataFrame:
    """(doc, term, weight) of every document of the pool, furniture removed, names written
    in pinyin added to the Chinese titles that spell them."""
    rows = (
        pl.DataFrame(
            {"term": terms, "source": sources},
            schema={"term": pl.List(pl.String), "source": pl.String},
        )
        .with_row_index("doc")
        .with_columns(pl.col("doc").cast(pl.Int64))
        .explode("term")
        .drop_nulls("term")
        .filter(
            pl.col("term").str.starts_with(CONCEPT)
            | pl.col("term").str.starts_with(TITLE_CONCEPT)
            | pl.col("term").str.starts_with(NAME)
            | pl.col("term").str.starts_with(TITLE_NAME)
            | pl.col("term").str.starts_with(_FACT_PREFIXES[0])
            | pl.col("term").str.starts_with(_FACT_PREFIXES[1])
            | pl.col("term").str.starts_with(_TITLE_WORD)
        )
    )
    names = rows.filter(pl.col("term").str.starts_with(NAME)).select(
        pl.col("term").str.slice(len(NAME)).alias("name")
    )
    spelled = names.unique().filter(pl.col("name").str.contains(_PINYIN_NAME))
    if spelled.height and pinyin.height:
        keyed = spelled.with_columns(
            pl.col("name").map_elements(name_hash, return_dtype=pl.UInt64).alias("hash")
        )
        found = pinyin.join(keyed, on="hash").select("doc", "name").unique()
        sources_of = rows.select("doc", "source").unique()
        added = pl.concat(
            [
                found.select("doc", (NAME + pl.col("name")).alias("term")),
                found.select("doc", (TITLE_NAME + pl.col("name")).alias("term")),
            ]
        ).join(sources_of, on="doc")
        rows = pl.concat([rows, added.select(rows.columns)]).unique(["doc", "term"])
    rows = rows.join(_furniture(rows, settings), on=["source", "term"], how="anti")
    count = max(int(terms.len()), 1)
    frequency = rows.group_by("term").agg(pl.len().alias("df"))
    rows = rows.join(frequency, on="term")
    idf = ((count + 1) / (pl.col("df") + 0.5)).log()
    is_name = pl.col("term").str.starts_with(NAME) | pl.col("term").str.starts_with(TITLE_NAME)
    name_weights = (
        rows.filter(is_name)
        .select(pl.col("term").str.split_exact(":", 1).struct.field("field_1").alias("name"))
        .unique()
        .with_columns(pl.col("name").map_elements(name_weight, return_dtype=pl.Float64).alias("w"))
    )
    rows = rows.with_columns(
        pl.col("term").str.split_exact(":", 1).struct.field("field_1").alias("name")
    ).join(name_weights, on="name", how="left")
    # a name shared by many stories of the pool (OpenAI on a busy day) says less
    spread = (idf / np.log((count + 1) / 2.5)).clip(0.0, 1.0) if count > 2 else pl.lit(1.0)
    weight = (
        pl.when(is_name)
        .then(
            pl.when(pl.col("df") <= settings.max_term_documents)
            .then(pl.col("w") * spread)
            .otherwise(0.0)
        )
        .when(pl.col("term").str.starts_with("a:"))
        .then(pl.lit(1.0))
        .otherwise(idf)
    )
    return rows.select("doc", "source", "term", "df", weight.alias("weight")).filter(
        pl.col("weight") > 0
    )


def candidate_pairs(rows: pl.DataFrame, first_count: int, settings: DedupeSettings) -> pl.DataFrame:
    """(a, b), a < b, a among the first_count documents: documents sharing a name, a fact,
    or a concept held by at most candidate_concept_documents documents."""
    keys = rows.filter(
        (
            (pl.col("term").str.starts_with(NAME) | pl.col("term").str.starts_with("a:"))
            & (pl.col("df") <= settings.max_term_documents)
        )
        | (
            pl.col("term").str.starts_with(CONCEPT)
            & (pl.col("df") <= settings.candidate_concept_documents)
        )
    ).select("doc", "term")
    return (
        keys.filter(pl.col("doc") < first_count)
        .join(keys.rename({"doc": "b"}), on="term")
        .filter(pl.col("doc") < pl.col("b"))
        .select(pl.col("doc").alias("a"), "b")
        .unique()
        .sort("a", "b")
    )


def _cosine(rows: pl.DataFrame, pairs: pl.DataFrame, prefix: str) -> pl.Series:
    part = rows.filter(pl.col("term").str.starts_with(prefix)).select("doc", "term", "weight")
    norms = part.group_by("doc").agg((pl.col("weight") ** 2).sum().sqrt().alias("norm"))
    shared = (
        pairs.join(part.rename({"doc": "a"}), on="a")
        .join(part.rename({"doc": "b", "weight": "weight_b"}), on=["b", "term"])
        .group_by("a", "b")
        .agg((pl.col("weight") * pl.col("weight_b")).sum().alias("dot"))
    )
    scored = (
        pairs.join(shared, on=["a", "b"], how="left")
        .join(norms.rename({"doc": "a", "norm": "norm_a"}), on="a", how="left")
        .join(norms.rename({"doc": "b", "norm": "norm_b"}), on="b", how="left")
        .select(
            (
                pl.col("dot").fill_null(0.0)
                / (pl.col("norm_a") * pl.col("norm_b")).fill_null(0.0).clip(lower_bound=1e-12)
            ).alias("cosine")
        )
    )
    return scored["cosine"]


def _shared_sum(rows: pl.DataFrame, pairs: pl.DataFrame, starts: tuple[str, ...]) -> pl.Series:
    part = rows.filter(pl.col("term").str.starts_with(starts[0]))
    for prefix in starts[1:]:
        part = pl.concat([part, rows.filter(pl.col("term").str.starts_with(prefix))])
    part = part.select("doc", "term", "weight")
    shared = (
        pairs.join(part.rename({"doc": "a"}), on="a")
        .join(part.select(pl.col("doc").alias("b"), "term"), on=["b", "term"])
        .group_by("a", "b")
        .agg(pl.col("weight").sum().alias("sum"))
    )
    return pairs.join(shared, on=["a", "b"], how="left")["sum"].fill_null(0.0)


def _conflicts(rows: pl.DataFrame, pairs: pl.DataFrame) -> pl.Series:
    """Both titles name a distinctive actor and neither article mentions the other's."""
    names = rows.filter(pl.col("term").str.starts_with(NAME)).select(
        "doc", pl.col("term").str.slice(len(NAME)).alias("name")
    )
    titled = rows.filter(
        pl.col("term").str.starts_with(TITLE_NAME) & (pl.col("weight") >= _DISTINCTIVE_NAME)
    ).select("doc", pl.col("term").str.slice(len(TITLE_NAME)).alias("name"))
    has_title_names = titled.select("doc").unique().with_columns(pl.lit(True).alias("has"))

    def mentioned(side: str, other: str) -> pl.DataFrame:
        return (
            pairs.join(titled.rename({"doc": side}), on=side)
            .join(
                names.rename({"doc": other}).with_columns(pl.lit(True).alias("hit")),
                on=[other, "name"],
                how="left",
            )
            .group_by("a", "b")
            .agg(pl.col("hit").any().alias(f"hit_{side}"))
        )

    frame = (
        pairs.join(has_title_names.rename({"doc": "a", "has": "has_a"}), on="a", how="left")
        .join(has_title_names.rename({"doc": "b", "has": "has_b"}), on="b", how="left")
        .join(mentioned("a", "b"), on=["a", "b"], how="left")
        .join(mentioned("b", "a"), on=["a", "b"], how="left")
    )
    conflict = (
        pl.col("has_a").fill_null(False)
        & pl.col("has_b").fill_null(False)
        & ~pl.col("hit_a").fill_null(False)
        & ~pl.col("hit_b").fill_null(False)
    )
    return frame.select(conflict.cast(pl.Float64).alias("conflict"))["conflict"]


def pair_features(
    rows: pl.DataFrame, pairs: pl.DataFrame, anchor_pairs: pl.DataFrame
) -> pl.DataFrame:
    """The PAIR_FEATURES of each candidate pair (a, b)."""
    sources = rows.select("doc", "source").unique("doc")
    names = _shared_sum(rows, pairs, (NAME,)).clip(upper_bound=_MAX_NAMES)
    concepts = _cosine(rows, pairs, CONCEPT)
    titles = _cosine(rows, pairs, TITLE_CONCEPT)
    title_words = _cosine(rows, pairs, _TITLE_WORD)
    facts = _shared_sum(rows, pairs, _FACT_PREFIXES).clip(upper_bound=_MAX_FACTS)
    same_source = (
        pairs.join(sources.rename({"doc": "a", "source": "sa"}), on="a", how="left")
        .join(sources.rename({"doc": "b", "source": "sb"}), on="b", how="left")
        .select((pl.col("sa") == pl.col("sb")).fill_null(False).cast(pl.Float64).alias("s"))
    )["s"]
    anchor = (
        pairs.join(anchor_pairs.with_columns(pl.lit(1.0).alias("hit")), on=["a", "b"], how="left")
    )["hit"].fill_null(0.0)
    return pairs.with_columns(
        names.alias("names"),
        concepts.alias("concepts"),
        titles.alias("title_concepts"),
        title_words.alias("title_words"),
        facts.alias("facts"),
        _conflicts(rows, pairs).alias("conflict"),
        same_source.alias("same_source"),
        anchor.alias("anchor_rule"),
        (names * concepts).alias("names_x_concepts"),
        (names * titles).alias("names_x_title_concepts"),
    )


def link_probability(features: pl.DataFrame, settings: DedupeSettings) -> pl.Series:
    """The logistic model's probability that each pair reports one event."""
    coefficients = settings.link_coefficients
    logit = pl.lit(coefficients["intercept"])
    for name in PAIR_FEATURES:
        logit = logit + pl.col(name) * coefficients[name]
    return features.select((1.0 / (1.0 + (-logit).exp())).alias("p"))["p"]
