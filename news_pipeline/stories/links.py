"""The links between articles and their union.

Three links join articles: the same text (``same_text``), a MinHash near-duplicate
(``near_duplicate``) and a same-event report (``same_event``). ``find_edges`` finds them in a
pool of today's articles followed by the earlier days' articles; ``connected_components``
unions them.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from news_pipeline.stories.anchors import TERMS_COLUMN, same_event_pairs
from news_pipeline.stories.fingerprints import (
    estimated_jaccard,
    lsh_candidate_pairs,
    pairs_from_keys,
)
from news_pipeline.stories.settings import DedupeSettings
from news_pipeline.stories.similarity import (
    candidate_pairs,
    link_probability,
    pair_features,
    pool_terms,
    term_presence,
)
from news_pipeline.stories.translation import pinyin_hashes, to_simplified

MATCH_LEAD = "lead"
MATCH_SAME_TEXT = "same_text"
MATCH_NEAR_DUPLICATE = "near_duplicate"
MATCH_SAME_EVENT = "same_event"
# strongest first: a member's match_reason is the strongest link it has inside its story
EDGE_RANK = {MATCH_SAME_TEXT: 0, MATCH_NEAR_DUPLICATE: 1, MATCH_SAME_EVENT: 2}


def connected_components(count: int, edges: np.ndarray) -> np.ndarray:
    """Component label (smallest member index) per node, by vectorised min-label propagation
    with pointer jumping."""
    labels = np.arange(count, dtype=np.int64)
    if len(edges) == 0:
        return labels
    left, right = edges[:, 0], edges[:, 1]
    while True:
        lowest = np.minimum(labels[left], labels[right])
        updated = labels.copy()
        np.minimum.at(updated, left, lowest)
        np.minimum.at(updated, right, lowest)
        updated = updated[updated]
        while True:
            jumped = updated[updated]
            if np.array_equal(jumped, updated):
                break
            updated = jumped
        if np.array_equal(updated, labels):
            return labels
        labels = updated


@dataclass(frozen=True)
class Edges:
    """Links between documents of a pool, each with the reason it was made."""

    pairs: np.ndarray
    reasons: np.ndarray  # rank in EDGE_RANK


def find_edges(
    signatures: np.ndarray,
    hashes: pl.Series,
    terms: pl.Series,
    today_count: int,
    settings: DedupeSettings,
) -> Edges:
    """All links of a pool of documents (today's first, then earlier days') that touch one
    of today's documents."""
    found: list[tuple[np.ndarray, int]] = []
    involves = np.arange(len(hashes)) < today_count
    usable = hashes.is_not_null().to_numpy()
    # 15 hex digits = 60 bits of the blake2b digest: an integer key polars can parse
    hash_keys = hashes.str.slice(0, 15).str.to_integer(base=16, strict=False).to_numpy()
    hash_docs = np.flatnonzero(usable)
    if len(hash_docs):
        same_text = pairs_from_keys(hash_docs, hash_keys[hash_docs].astype(np.uint64), 2)
        found.append((same_text, EDGE_RANK[MATCH_SAME_TEXT]))
    candidates = lsh_candidate_pairs(signatures, usable, settings.lsh_bands)
    if len(candidates):
        candidates = candidates[involves[candidates[:, 0]] | involves[candidates[:, 1]]]
        similar = estimated_jaccard(signatures, candidates) >= settings.near_duplicate_threshold
        found.append((candidates[similar], EDGE_RANK[MATCH_NEAR_DUPLICATE]))
    event = same_event_pairs(terms, today_count, settings).to_numpy().reshape(-1, 2)
    event = event.astype(np.int64)
    found.append((event, EDGE_RANK[MATCH_SAME_EVENT]))
    pairs = [edge_pairs for edge_pairs, _ in found if len(edge_pairs)]
    if not pairs:
        return Edges(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64))
    all_pairs = np.concatenate(pairs)
    reasons = np.concatenate(
        [np.full(len(edge_pairs), rank) for edge_pairs, rank in found if len(edge_pairs)]
    )
    keep = involves[all_pairs[:, 0]] | involves[all_pairs[:, 1]]
    frame = pl.DataFrame({"a": all_pairs[keep, 0], "b": all_pairs[keep, 1], "r": reasons[keep]})
    frame = frame.group_by("a", "b").agg(pl.col("r").min()).sort("a", "b")
    return Edges(
        frame.select("a", "b").to_numpy().astype(np.int64).reshape(-1, 2),
        frame["r"].to_numpy().astype(np.int64),
    )


def scored_links(
    pool: pl.DataFrame,
    edges: Edges | Future[Edges],
    today_count: int,
    settings: DedupeSettings,
) -> pl.DataFrame:
    """Every scored pair (a, b) of the pool touching today's documents, with the probability
    ``p`` that they report one event (similarity.py), its features, and the ``reason`` rank
    of the link (copies keep theirs and probability 1; any other pair is a same_event
    candidate). ``edges`` may still be being found on another thread: they are waited for
    only once the pool's terms are weighed and its candidate pairs found."""
    titles = pool.select(pl.coalesce("title", "listed_title").fill_null(""))["title"]
    # a thread reads the titles' pinyin while the pool's terms are gathered, then builds the
    # presence matrix (scipy, numpy: outside the GIL) while the candidates are found
    with ThreadPoolExecutor(1) as executor:
        pinyin = executor.submit(
            lambda: pinyin_hashes(to_simplified(titles.to_list(), pool["script"].to_list()))
        )
        rows = pool_terms(pool[TERMS_COLUMN], pool["source"], pinyin, settings)
        presence = executor.submit(term_presence, rows, pool["source"])
        candidates = candidate_pairs(rows, today_count, settings)
        if isinstance(edges, Future):
            edges = edges.result()
        presence = presence.result()
    found = pl.DataFrame(
        {"a": edges.pairs[:, 0], "b": edges.pairs[:, 1], "reason": edges.reasons},
        schema={"a": pl.Int64, "b": pl.Int64, "reason": pl.Int64},
    )
    candidates = pl.concat([candidates, found.select("a", "b")]).unique().sort("a", "b")
    anchor = found.filter(pl.col("reason") == EDGE_RANK[MATCH_SAME_EVENT]).select("a", "b")
    features = pair_features(
        rows, presence, candidates, anchor, background_pairs(pool, today_count)
    )
    scored = features.with_columns(link_probability(features, settings))
    copy = pl.col("reason") <= EDGE_RANK[MATCH_NEAR_DUPLICATE]
    return (
        scored.join(found, on=["a", "b"], how="left")
        .with_columns(
            pl.col("reason").fill_null(EDGE_RANK[MATCH_SAME_EVENT]),
            pl.when(copy.fill_null(False)).then(1.0).otherwise(pl.col("p")).alias("p"),
        )
        .sort("a", "b")
    )


# offsets (in text-hash order) that pair today's reports for the background similarity
_BACKGROUND_OFFSETS = (1, 3, 7, 15, 31)
_BACKGROUND_MIN_DOCUMENTS = 8
# reports that start background pairs: 50,000 pairs measure a mean similarity as well as
# 500,000 do, and each pair costs as much as a candidate's (100k synthetic articles: 1/3 of
# the pair similarity time)
_BACKGROUND_MAX_DOCUMENTS = 10_000


def background_pairs(pool: pl.DataFrame, today_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of today's reports that are, but for chance, unrelated: each report with the
    ones a few places after it in text-hash order (an order that does not depend on how the
    rows came in), pairs of one text left out; the first _BACKGROUND_MAX_DOCUMENTS reports
    of that order start them."""
    if today_count < _BACKGROUND_MIN_DOCUMENTS:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = pool.head(today_count).select(
        pl.int_range(pl.len()).alias("doc"),
        pl.col("text_hash").fill_null(""),
        pl.col("article_id").fill_null(""),
    )
    ordered = keys.sort("text_hash", "article_id")
    order = ordered["doc"].to_numpy()
    hashes = ordered["text_hash"].to_numpy()
    starts = np.arange(min(today_count, _BACKGROUND_MAX_DOCUMENTS))
    lefts, rights = [], []
    for offset in _BACKGROUND_OFFSETS:
        if offset >= today_count:
            break
        partner = (starts + offset) % today_count
        keep = hashes[starts] != hashes[partner]
        lefts.append(order[starts[keep]])
        rights.append(order[partner[keep]])
    return np.concatenate(lefts).astype(np.int64), np.concatenate(rights).astype(np.int64)
