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
- products of names and of facts with the concept similarities, because a shared name means
  more in a shared context.

Every similarity counts only above chance: the mean similarity of unrelated pairs of the same
pool (links.background_pairs) is subtracted first.

A logistic model (coefficients in settings.DedupeSettings.link_coefficients, fitted on the tune
split of news_pipeline_tests/data/stories_eval) turns them into a probability. Site furniture,
the terms most of one site's articles carry (a footer's "CC BY-NC", a share bar), is removed
before anything is compared.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl
from scipy import sparse
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
    "facts",
    "concepts",
    "title_concepts",
    "title_words",
    "conflict",
    "same_source",
    "anchor_rule",
    "names_x_concepts",
    "names_x_title_concepts",
    "facts_x_concepts",
    "facts_x_title_concepts",
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
    # a name held by many reports of the pool says less (OpenAI on a busy day; a pool's
    # stock of recurring names): full weight for 2 reports, none from candidate_key_documents
    limit = settings.candidate_key_documents
    spread = ((limit / pl.col("df").clip(lower_bound=2)).log() / np.log(limit / 2)).clip(0.0, 1.0)
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
    """(a, b), a < b, a among the first_count documents: documents sharing keys among their
    candidate_keys_per_document rarest names and facts (held by at most
    candidate_key_documents documents) and as many rarest concepts (held by at most
    candidate_concept_documents); a pair needs one shared name or fact, or two concepts
    (1k synthetic articles: one shared concept made 128 candidates per article)."""
    strong = pl.col("term").str.starts_with(NAME) | pl.col("term").str.starts_with("a:")
    keys = (
        rows.filter(
            (pl.col("df") >= 2)
            & (
                (strong & (pl.col("df") <= settings.candidate_key_documents))
                | (
                    pl.col("term").str.starts_with(CONCEPT)
                    & (pl.col("df") <= settings.candidate_concept_documents)
                )
            )
        )
        .select("doc", "term", "df", strong.alias("strong"))
        .sort("doc", "strong", "df", "term")
        .filter(pl.int_range(pl.len()).over("doc", "strong") < settings.candidate_keys_per_document)
    )
    return (
        keys.filter(pl.col("doc") < first_count)
        .join(keys.select(pl.col("doc").alias("b"), "term"), on="term")
        .filter(pl.col("doc") < pl.col("b"))
        .group_by(pl.col("doc").alias("a"), "b")
        .agg(pl.col("strong").sum().alias("strong"), pl.len().alias("shared"))
        .filter((pl.col("strong") >= 1) | (pl.col("shared") >= 2))
        .select("a", "b")
        .sort("a", "b")
    )


_PAIR_BLOCK = 200_000  # pairs per sparse row product (bounds the temporary matrices)


def _matrix(
    rows: pl.DataFrame,
    ids: pl.DataFrame,
    keep: pl.Expr,
    count: int,
    shape: int,
    value: pl.Expr,
    normalise: bool,
) -> sparse.csr_matrix:
    part = rows.filter(keep).join(ids, on="term").select("doc", "id", value.alias("v"))
    matrix = sparse.csr_matrix(
        (part["v"].to_numpy().astype(np.float64), (part["doc"].to_numpy(), part["id"].to_numpy())),
        shape=(count, shape),
    )
    if normalise:
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        matrix = sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix
    return matrix.tocsr()


def _row_dots(left: sparse.csr_matrix, right: sparse.csr_matrix, a: np.ndarray, b: np.ndarray):
    """Per pair i: the dot product of left's row a[i] and right's row b[i]."""
    result = np.zeros(len(a))
    for start in range(0, len(a), _PAIR_BLOCK):
        block = slice(start, start + _PAIR_BLOCK)
        product = left[a[block]].multiply(right[b[block]])
        result[block] = np.asarray(product.sum(axis=1)).ravel()
    return result


def pair_features(
    rows: pl.DataFrame,
    pairs: pl.DataFrame,
    anchor_pairs: pl.DataFrame,
    background: tuple[np.ndarray, np.ndarray] | None = None,
) -> pl.DataFrame:
    """The PAIR_FEATURES of each candidate pair (a, b), by sparse row products.

    ``background`` pairs are unrelated reports of the same pool: their mean similarity (a
    pool written in a small vocabulary shares much by chance) is subtracted from every pair's,
    so a similarity counts only above chance in this pool."""
    count = int(max(rows["doc"].max() or 0, pairs["a"].max() or 0, pairs["b"].max() or 0)) + 1
    ids = (
        rows.select("term").unique().with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))
    )
    shape = ids.height
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    term = pl.col("term")
    weight, one = pl.col("weight"), pl.lit(1.0)

    def matrix(keep: pl.Expr, value: pl.Expr, normalise: bool = False) -> sparse.csr_matrix:
        return _matrix(rows, ids, keep, count, shape, value, normalise)

    def cosine(prefix: str) -> np.ndarray:
        vectors = matrix(term.str.starts_with(prefix), weight, normalise=True)
        values = _row_dots(vectors, vectors, a, b)
        if background is None or len(background[0]) == 0:
            return values
        sample = _row_dots(vectors, vectors, *background)
        chance = float(sample.mean())
        return np.clip(values - chance, 0.0, None)

    name_weights = matrix(term.str.starts_with(NAME), weight)
    mentioned = matrix(term.str.starts_with(NAME), one)
    names = np.minimum(_row_dots(name_weights, mentioned, a, b), _MAX_NAMES)
    facts_matrix = matrix(
        term.str.starts_with(_FACT_PREFIXES[0]) | term.str.starts_with(_FACT_PREFIXES[1]), one
    )
    facts = np.minimum(_row_dots(facts_matrix, facts_matrix, a, b), _MAX_FACTS)
    # title names as the name terms they match: mt:x is compared with m:x
    distinctive = rows.filter(
        term.str.starts_with(TITLE_NAME) & (weight >= _DISTINCTIVE_NAME)
    ).with_columns((NAME + term.str.slice(len(TITLE_NAME))).alias("term"))
    titled = _matrix(distinctive, ids, pl.lit(True), count, shape, one, False)
    title_names_matrix = _matrix(
        rows.filter(term.str.starts_with(TITLE_NAME)).with_columns(
            (NAME + term.str.slice(len(TITLE_NAME))).alias("term")
        ),
        ids,
        pl.lit(True),
        count,
        shape,
        weight,
        False,
    )
    title_names = np.minimum(
        _row_dots(title_names_matrix, (title_names_matrix > 0).astype(np.float64), a, b),
        _MAX_NAMES,
    )
    has_title_names = np.asarray(titled.sum(axis=1)).ravel() > 0
    hit_a = _row_dots(titled, mentioned, a, b) > 0
    hit_b = _row_dots(titled, mentioned, b, a) > 0
    conflict = has_title_names[a] & has_title_names[b] & ~hit_a & ~hit_b
    sources = rows.select("doc", "source").unique("doc").sort("doc")
    source_of = np.full(count, -1, dtype=np.int64)
    codes = sources["source"].fill_null("").cast(pl.Categorical).to_physical().to_numpy()
    source_of[sources["doc"].to_numpy()] = codes
    anchor = pairs.join(
        anchor_pairs.with_columns(pl.lit(1.0).alias("hit")), on=["a", "b"], how="left"
    )["hit"].fill_null(0.0)
    concepts, titles = cosine(CONCEPT), cosine(TITLE_CONCEPT)
    return pairs.with_columns(
        pl.Series("names", names),
        pl.Series("title_names", title_names),
        pl.Series("facts", facts),
        pl.Series("concepts", concepts),
        pl.Series("title_concepts", titles),
        pl.Series("title_words", cosine(_TITLE_WORD)),
        pl.Series("conflict", conflict.astype(np.float64)),
        pl.Series("same_source", (source_of[a] == source_of[b]).astype(np.float64)),
        anchor.alias("anchor_rule"),
        pl.Series("names_x_concepts", names * concepts),
        pl.Series("names_x_title_concepts", names * titles),
        pl.Series("facts_x_concepts", facts * concepts),
        pl.Series("facts_x_title_concepts", facts * titles),
    )


def link_probability(features: pl.DataFrame, settings: DedupeSettings) -> pl.Series:
    """The logistic model's probability that each pair reports one event."""
    coefficients = settings.link_coefficients
    logit = pl.lit(coefficients["intercept"])
    for name in PAIR_FEATURES:
        logit = logit + pl.col(name) * coefficients.get(name, 0.0)
    return features.select((1.0 / (1.0 + (-logit).exp())).alias("p"))["p"]
