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
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse
from wordfreq import get_frequency_dict, zipf_frequency

from news_pipeline.stories.settings import DedupeSettings
from news_pipeline.stories.translation import (
    CONCEPT,
    NAME,
    TITLE_CONCEPT,
    TITLE_NAME,
    name_hashes,
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
    return min(max((5.5 - zipf_frequency(name, "en")) / 3.0, 0.0), 1.0)


def name_weights(names: list[str]) -> list[float]:
    """name_weight of each name. A name of plain lower-case letters is one token to
    wordfreq, and one missing from its English list has Zipf frequency 0, so weight 1: that
    is decided by one dictionary look-up (100k synthetic articles, mostly invented names:
    1.7 s of zipf_frequency calls -> 0.1 s)."""
    english = get_frequency_dict("en")
    return [
        1.0
        if name.isascii() and name.isalpha() and name.islower() and name not in english
        else name_weight(name)
        for name in names
    ]


def _furniture(
    docs: np.ndarray, doc_sources: np.ndarray, term_ids: np.ndarray, settings: DedupeSettings
) -> np.ndarray:
    """Per row (docs[i] holds term_ids[i]): whether the term is furniture of the document's
    source, a term held by most of the source's documents in the pool that hold any term (a
    document holds a term once). Counted on one integer key per (source, term): in an array
    indexed by the key when the keys are few enough (100k synthetic articles, 6.7M keys:
    0.2 s), else by hashing (1.5 s there)."""
    holds_terms = np.zeros(len(doc_sources), dtype=bool)
    holds_terms[docs] = True
    source_sizes = np.bincount(
        doc_sources[holds_terms], minlength=int(doc_sources.max(initial=0)) + 1
    )
    keys = term_ids * len(source_sizes) + doc_sources[docs]
    key_count = (int(term_ids.max(initial=0)) + 1) * len(source_sizes)
    if key_count <= _DENSE_FURNITURE_KEYS:
        key = np.arange(key_count)
        count = np.bincount(keys, minlength=key_count)
    else:
        counts = pl.Series("key", keys).value_counts()
        key, count = counts["key"].to_numpy(), counts["count"].to_numpy()
    size = source_sizes[key % len(source_sizes)]
    is_furniture = (
        (size >= settings.furniture_min_documents)
        & (count >= settings.furniture_share * size)
        & (count >= settings.furniture_min_documents)
    )
    if key_count <= _DENSE_FURNITURE_KEYS:
        return is_furniture[keys]
    return pl.Series(keys).is_in(pl.Series(key[is_furniture]).implode()).to_numpy()


# (source, term) keys counted in a dense array (8 bytes each) rather than hashed
_DENSE_FURNITURE_KEYS = 1 << 24


_COMPARED_PREFIXES = (CONCEPT, TITLE_CONCEPT, NAME, TITLE_NAME, *_FACT_PREFIXES, _TITLE_WORD)


def _pinyin_names(vocabulary: pl.Series, pinyin: pl.DataFrame) -> pl.DataFrame:
    """(doc, term) rows of the names written in pinyin (m:lingxi) among the pool's terms
    (``vocabulary``) that a Chinese title spells, as name and title name; the caller drops
    those a document holds already."""
    spelled = (
        vocabulary.filter(vocabulary.str.starts_with(NAME))
        .str.slice(len(NAME))
        .to_frame("name")
        .filter(pl.col("name").str.contains(_PINYIN_NAME))
    )
    empty = pl.DataFrame(schema={"doc": pl.Int64, "term": pl.String})
    if not (spelled.height and pinyin.height):
        return empty
    keyed = spelled.with_columns(
        pl.Series("hash", name_hashes(spelled["name"].to_list()), dtype=pl.UInt64)
    )
    found = pinyin.join(keyed, on="hash").select("doc", "name").unique()
    return pl.concat(
        [
            found.select("doc", (NAME + pl.col("name")).alias("term")),
            found.select("doc", (TITLE_NAME + pl.col("name")).alias("term")),
        ]
    ).select(pl.col("doc").cast(pl.Int64), "term")


def pool_terms(
    terms: pl.Series,
    sources: pl.Series,
    pinyin: pl.DataFrame | Future[pl.DataFrame],
    settings: DedupeSettings,
) -> pl.DataFrame:
    """(doc, term, term_id, df, weight) of every document of the pool (a document's terms are
    distinct), furniture removed, names written in pinyin added to the Chinese titles that
    spell them; ``term`` is categorical, and term_id numbers the pool's terms in term order.
    The strings are hashed once, into
    categorical codes; which terms are compared, counting and weighing run on integer ids,
    and what depends on a term's kind is decided once per distinct term."""
    with ThreadPoolExecutor(1) as weigher:
        return _pool_terms(terms, sources, pinyin, settings, weigher)


def _name_weight_lookup(terms: pl.Series) -> dict[str, float]:
    """name_weight of each distinct name among name terms (m:wechat, mt:wechat -> wechat)."""
    names = list(dict.fromkeys(term.split(":", 1)[1] for term in terms.to_list()))
    return dict(zip(names, name_weights(names), strict=True))


def _pool_terms(
    terms: pl.Series,
    sources: pl.Series,
    pinyin: pl.DataFrame | Future[pl.DataFrame],
    settings: DedupeSettings,
    weigher: ThreadPoolExecutor,
) -> pl.DataFrame:
    categories = pl.Categories.random()
    held = (
        pl.DataFrame({"term": terms}, schema={"term": pl.List(pl.String)})
        .with_row_index("doc")
        .with_columns(pl.col("doc").cast(pl.Int64))
        .explode("term")
        .drop_nulls("term")
        .select("doc", pl.col("term").cast(pl.Categorical(categories)).alias("code"))
    )
    held_codes = held["code"].to_physical().to_numpy()
    distinct = held["code"].unique()
    spelled = distinct.cast(pl.String)
    compared = spelled.str.starts_with(_COMPARED_PREFIXES[0])
    for prefix in _COMPARED_PREFIXES[1:]:
        compared = compared | spelled.str.starts_with(prefix)
    is_compared = np.zeros(int(held_codes.max(initial=0)) + 1, dtype=bool)
    is_compared[distinct.to_physical().to_numpy()[compared.to_numpy()]] = True
    # names are weighed (Python, wordfreq) while the rows are counted (polars, numpy); the
    # names written in pinyin added below are among them already
    name_term = spelled.str.starts_with(NAME) | spelled.str.starts_with(TITLE_NAME)
    name_weight_of = weigher.submit(_name_weight_lookup, spelled.filter(compared & name_term))
    rows = held.filter(pl.Series(is_compared[held_codes]))
    if isinstance(pinyin, Future):
        pinyin = pinyin.result()
    added = _pinyin_names(spelled.filter(compared), pinyin).select(
        "doc", pl.col("term").cast(pl.Categorical(categories)).alias("code")
    )
    already = rows.filter(pl.col("code").is_in(added["code"].unique().implode()))
    added = added.join(already, on=["doc", "code"], how="anti").select(rows.columns)
    rows = pl.concat([rows, added])
    codes = rows["code"]
    distinct = codes.unique()
    vocabulary = distinct.cast(pl.String)
    order = vocabulary.arg_sort().to_numpy()
    id_of_code = np.zeros(int(distinct.to_physical().max() or 0) + 1, dtype=np.int64)
    id_of_code[distinct.to_physical().to_numpy()[order]] = np.arange(len(order))
    term_ids = id_of_code[codes.to_physical().to_numpy()]
    vocabulary = vocabulary.gather(order)
    doc_sources = (sources.fill_null("").rank("dense").cast(pl.Int64) - 1).to_numpy()
    kept = ~_furniture(rows["doc"].to_numpy(), doc_sources, term_ids, settings)
    frequency = np.bincount(term_ids[kept], minlength=len(vocabulary))
    # A term's weight depends on the term alone (its kind, name weight and frequency): it is
    # computed once per distinct term, in polars as before, and gathered for the rows.
    is_name = vocabulary.str.starts_with(NAME) | vocabulary.str.starts_with(TITLE_NAME)
    named = np.flatnonzero(is_name.to_numpy() & (frequency > 0))
    weights_of_names = np.full(len(vocabulary), np.nan)
    weight_of = name_weight_of.result()
    weights_of_names[named] = [
        weight_of[term.split(":", 1)[1]] for term in vocabulary.gather(named).to_list()
    ]
    count = max(int(terms.len()), 1)
    limit = settings.candidate_key_documents
    spread = ((limit / pl.col("df").clip(lower_bound=2)).log() / np.log(limit / 2)).clip(0.0, 1.0)
    idf = ((count + 1) / (pl.col("df") + 0.5)).log()
    term_weights = pl.DataFrame(
        {
            "df": frequency,
            "w": pl.Series(weights_of_names, nan_to_null=True),
            "anchor": vocabulary.str.starts_with("a:"),
        }
    ).select(
        pl.when(pl.col("w").is_not_null())
        .then(
            pl.when(pl.col("df") <= settings.max_term_documents)
            .then(pl.col("w") * spread)
            .otherwise(0.0)
        )
        .when(pl.col("anchor"))
        .then(pl.lit(1.0))
        .otherwise(idf)
    )
    weight = term_weights.to_series().to_numpy()[term_ids]
    kept &= weight > 0
    term_ids = term_ids[kept]
    # the terms stay categorical: 4 bytes a row through the filters rather than 16
    return rows.filter(pl.Series(kept)).select(
        "doc",
        pl.col("code").alias("term"),
        pl.Series("term_id", term_ids),
        pl.Series("df", frequency[term_ids], dtype=pl.UInt32),
        pl.Series("weight", weight[kept]),
    )


def candidate_pairs(rows: pl.DataFrame, first_count: int, settings: DedupeSettings) -> pl.DataFrame:
    """(a, b), a < b, a among the first_count documents: documents sharing keys among their
    candidate_keys_per_document rarest names and facts (held by at most
    candidate_key_documents documents) and as many rarest concepts (held by at most
    candidate_concept_documents); a pair needs one shared name or fact, or two concepts
    (1k synthetic articles: one shared concept made 128 candidates per article)."""
    # a term's kind is read once per distinct term, then gathered for the rows by term id
    term_ids = rows["term_id"].to_numpy()
    terms = rows.select("term_id", "term")[_one_row_per_key(term_ids)]
    spelled, ids = terms["term"].cast(pl.String), terms["term_id"].to_numpy()
    is_strong = np.zeros(int(ids.max(initial=-1)) + 1, dtype=bool)
    is_strong[ids] = (spelled.str.starts_with(NAME) | spelled.str.starts_with("a:")).to_numpy()
    is_concept = np.zeros(len(is_strong), dtype=bool)
    is_concept[ids] = spelled.str.starts_with(CONCEPT).to_numpy()
    strong, df = is_strong[term_ids], rows["df"].to_numpy()
    keep = (df >= 2) & (
        (strong & (df <= settings.candidate_key_documents))
        | (is_concept[term_ids] & (df <= settings.candidate_concept_documents))
    )
    # term ids number the terms in term order: ties of df are broken by the term, as integers
    keys = (
        rows.filter(pl.Series(keep))
        .select("doc", "term_id", "df", pl.Series("strong", strong[keep]))
        .sort("doc", "strong", "df", "term_id")
        .filter(pl.int_range(pl.len()).over("doc", "strong") < settings.candidate_keys_per_document)
    )
    return (
        keys.filter(pl.col("doc") < first_count)
        .join(keys.select(pl.col("doc").alias("b"), "term_id"), on="term_id")
        .filter(pl.col("doc") < pl.col("b"))
        .group_by(pl.col("doc").alias("a"), "b")
        .agg(pl.col("strong").sum().alias("strong"), pl.len().alias("shared"))
        .filter((pl.col("strong") >= 1) | (pl.col("shared") >= 2))
        .select("a", "b")
        .sort("a", "b")
    )


_PAIR_BLOCK = 25_000  # pairs per sparse row product (bounds the temporary matrices)
_PAIR_THREADS = min(4, os.cpu_count() or 1)  # scipy's sparse kernels release the GIL
# per shared term, what it adds to each sum: squared weight for the cosines, weight, count
_SUMS = ("concepts", "title_concepts", "title_words", "names", "facts")
_COSINES = 3  # the first _SUMS are cosines


def _term_values(terms: pl.DataFrame, size: int) -> np.ndarray:
    """(term id, _SUMS) matrix: what sharing each term adds to each sum."""
    term, weight = pl.col("term"), pl.col("weight")
    prefixes = {
        "concepts": (CONCEPT,),
        "title_concepts": (TITLE_CONCEPT,),
        "title_words": (_TITLE_WORD,),
        "names": (NAME,),
        "facts": _FACT_PREFIXES,
    }
    added = {"concepts": weight**2, "title_concepts": weight**2, "title_words": weight**2}
    added |= {"names": weight, "facts": pl.lit(1.0)}
    values = np.zeros((size, len(_SUMS)))
    values[terms["id"].to_numpy()] = terms.select(
        pl.when(pl.any_horizontal(term.str.starts_with(prefix) for prefix in prefixes[name]))
        .then(added[name])
        .otherwise(0.0)
        .alias(name)
        for name in _SUMS
    ).to_numpy()
    return values


def _shared_sums(
    presence: sparse.csr_matrix, values: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Per pair i: the _SUMS over the terms documents a[i] and b[i] share, in blocks run on
    a few threads."""

    def block(start: int) -> np.ndarray:
        rows = slice(start, start + _PAIR_BLOCK)
        return np.asarray(presence[a[rows]].multiply(presence[b[rows]]) @ values)

    starts = range(0, len(a), _PAIR_BLOCK)
    if len(starts) <= 1:
        parts = [block(start) for start in starts]
    else:
        with ThreadPoolExecutor(_PAIR_THREADS) as pool:
            parts = list(pool.map(block, starts))
    return np.vstack(parts) if parts else np.zeros((0, values.shape[1]))


def _title_conflicts(
    rows: pl.DataFrame, terms: pl.DataFrame, count: int, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Per pair: each title names a distinctive actor (weight at least _DISTINCTIVE_NAME)
    and neither article mentions one of the other's."""
    # decided once per distinct term, then gathered for the rows by term id
    spelled = terms["term"]
    ids = terms["id"].to_numpy()
    size = int(ids.max(initial=-1)) + 1
    name_id = pl.DataFrame({"name": spelled, "id": ids})
    as_name = (
        pl.DataFrame({"id": ids, "name": NAME + spelled.str.slice(len(TITLE_NAME))})
        .filter(spelled.str.starts_with(TITLE_NAME))
        .join(name_id, on="name", suffix="_name")
    )
    name_of_title_name = np.full(size, -1, dtype=np.int64)
    name_of_title_name[as_name["id"].to_numpy()] = as_name["id_name"].to_numpy()
    is_name = np.zeros(size, dtype=bool)
    is_name[ids[spelled.str.starts_with(NAME).to_numpy()]] = True
    docs, term_ids = rows["doc"].to_numpy(), rows["term_id"].to_numpy()
    title_names = np.flatnonzero((name_of_title_name >= 0)[term_ids])
    distinctive = title_names[rows["weight"].to_numpy()[title_names] >= _DISTINCTIVE_NAME]
    titled = pl.DataFrame(
        {"doc": docs[distinctive], "id": name_of_title_name[term_ids[distinctive]]}
    ).unique()
    has_title_names = np.zeros(count, dtype=bool)
    has_title_names[titled["doc"].to_numpy()] = True
    both = np.flatnonzero(has_title_names[a] & has_title_names[b])
    named = is_name[term_ids]
    mentioned = pl.DataFrame({"doc": docs[named], "id": term_ids[named]})
    candidates = pl.DataFrame({"pair": both, "a": a[both], "b": b[both]})
    hit = pl.concat(
        [
            candidates.join(titled, left_on=title_side, right_on="doc")
            .join(mentioned, left_on=[other_side, "id"], right_on=["doc", "id"], how="semi")
            .select("pair")
            for title_side, other_side in (("a", "b"), ("b", "a"))
        ]
    )["pair"].to_numpy()
    conflict = np.zeros(len(a), dtype=bool)
    conflict[both] = True
    conflict[hit] = False
    return conflict


def _one_row_per_key(keys: np.ndarray) -> np.ndarray:
    """Index of one row of each distinct non-negative key, in key order, by one scatter (no
    hashing or sorting of the rows). Which row is unspecified: for the callers, a key's rows
    agree on what is read (a term's spelling and weight, a document's source)."""
    row_of = np.full(int(keys.max(initial=-1)) + 1, -1, dtype=np.int64)
    row_of[keys] = np.arange(len(keys))
    return row_of[row_of >= 0]


@dataclass(frozen=True)
class TermPresence:
    """The pool's terms as pair_features reads them: which document holds which term (one
    byte per held term), what sharing each term adds to each sum, each document's norms
    and source code."""

    matrix: sparse.csr_matrix
    terms: pl.DataFrame  # (id, term, weight), one row per term id
    values: np.ndarray
    norms: np.ndarray
    source_of: np.ndarray


def term_presence(rows: pl.DataFrame, sources: pl.Series) -> TermPresence:
    """TermPresence of pool_terms' rows for a pool whose documents have these ``sources``.
    It depends on them alone, so it can be built while the candidate pairs are being
    found."""
    document_count = sources.len()
    term_ids, docs = rows["term_id"].to_numpy(), rows["doc"].to_numpy()
    terms = rows.select(pl.col("term_id").alias("id"), pl.col("term").cast(pl.String), "weight")[
        _one_row_per_key(term_ids)
    ]
    size = int(terms["id"].max() or 0) + 1
    # one byte per held term: the row copies of _shared_sums move less memory (100k
    # synthetic articles: 2.3 s -> 1.6 s), and 1 * value is exact
    matrix = sparse.csr_matrix(
        (np.ones(rows.height, dtype=np.int8), (docs, term_ids)), shape=(document_count, size)
    )
    matrix.sort_indices()
    values = _term_values(terms, size)
    norms = np.maximum(np.sqrt(np.asarray(matrix @ values[:, :_COSINES])), 1e-12)
    # a document without compared terms has no source to compare (-1)
    source_of = sources.fill_null("").cast(pl.Categorical).to_physical().to_numpy()
    source_of = np.where(np.bincount(docs, minlength=document_count) > 0, source_of, -1)
    return TermPresence(matrix, terms, values, norms, source_of.astype(np.int64))


def pair_features(
    rows: pl.DataFrame,
    presence: TermPresence,
    pairs: pl.DataFrame,
    anchor_pairs: pl.DataFrame,
    background: tuple[np.ndarray, np.ndarray] | None = None,
) -> pl.DataFrame:
    """The PAIR_FEATURES of each candidate pair (a, b) of the pool whose terms are ``rows``
    (pool_terms) and ``presence`` (term_presence).

    A term's weight is the same in every document (pool_terms), so every similarity is a
    sum over the terms two documents share: one sparse product of their term-presence rows
    gives all of them (cosines divided by the two norms afterwards).

    ``background`` pairs are unrelated reports of the same pool: their mean similarity (a
    pool written in a small vocabulary shares much by chance) is subtracted from every pair's,
    so a similarity counts only above chance in this pool."""
    norms, source_of = presence.norms, presence.source_of
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    background_a, background_b = background or (np.zeros(0, np.int64), np.zeros(0, np.int64))
    left, right = np.concatenate([a, background_a]), np.concatenate([b, background_b])
    sums = _shared_sums(presence.matrix, presence.values, left, right)
    cosines = sums[:, :_COSINES] / (norms[left] * norms[right])
    similar = cosines[: len(a)]
    if len(background_a):
        chance = cosines[len(a) :].mean(axis=0)
        similar = np.clip(similar - chance, 0.0, None)
    concepts, titles, title_words = similar.T
    names = np.minimum(sums[: len(a), 3], _MAX_NAMES)
    facts = np.minimum(sums[: len(a), 4], _MAX_FACTS)
    conflict = _title_conflicts(rows, presence.terms, len(source_of), a, b)
    anchor = pairs.join(
        anchor_pairs.with_columns(pl.lit(1.0).alias("hit")), on=["a", "b"], how="left"
    )["hit"].fill_null(0.0)
    return pairs.with_columns(
        pl.Series("names", names),
        pl.Series("facts", facts),
        pl.Series("concepts", concepts),
        pl.Series("title_concepts", titles),
        pl.Series("title_words", title_words),
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
