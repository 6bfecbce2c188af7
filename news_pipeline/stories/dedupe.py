"""Group one day's articles into stories and drop stories already reported.

Within a day: an item whose canonical URL was already listed is a ``duplicate_url`` (the
earliest listing, then the heaviest source, is kept). The rest are joined into stories by
three links: the same text (``same_text``: letters, digits and CJK characters equal),
MinHash LSH near-duplicates over character 5-grams for CJK and word 3-grams for Latin text
(``near_duplicate``: syndicated copies with other boilerplate), and a same-event link for
reports written in other words (``same_event``: shared rare anchors such as "Qwen3.5",
"397B" = "3970亿", a proper name, plus overlapping titles; the capitals of a Title Case
headline name nothing). Links are unioned into stories;
the lead is the member with the highest source weight, then the longest text, then the
earliest time. Shingling, banding and pair scoring are vectorised (numpy, polars, rensa).

Cross-day rule (README paragraph): a story is ``seen_before`` when one of its articles is
the same text, a near-duplicate or a same-event report of an article of a story reported
(not itself excluded) in the previous seven partitions; its rows name that earlier
story_id. It is a new development, and so a new story, when its titles and leads name at
least two facts (numbers with their units, versioned names such as "GLM-5", proper names
such as a new company or person) that appear in none of the earlier story's articles; an
article that is itself a copy of an earlier article stays ``seen_before`` even then. Only
the partition's own rows and the earlier partitions' stored rows decide this, so a day
gives the same result whether days run in order, in a backfill or out of order.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
from pydantic import BaseModel, Field
from rensa import RMinHash

from news_pipeline import wordlists
from news_pipeline.cjk import CJK_LETTER_RANGES, HAN_RUN_PATTERN
from news_pipeline.schema import (
    CLEANED_ARTICLES_SCHEMA,
    DEDUPED_STORIES_SCHEMA,
    REASON_DUPLICATE_URL,
    REASON_SEEN_BEFORE,
    RECORD_ITEM,
    conform,
)
from news_pipeline.stories.canonical import canonical_url

MATCH_LEAD = "lead"
MATCH_SAME_TEXT = "same_text"
MATCH_NEAR_DUPLICATE = "near_duplicate"
MATCH_SAME_EVENT = "same_event"
# strongest first: a member's match_reason is the strongest link it has inside its story
EDGE_RANK = {MATCH_SAME_TEXT: 0, MATCH_NEAR_DUPLICATE: 1, MATCH_SAME_EVENT: 2}

SIGNATURE_COLUMN = "minhash_signature"
TERMS_COLUMN = "fingerprint_terms"
VERSION_COLUMN = "fingerprint_version"
# bump when shingling, hashing or term extraction changes: stored fingerprints are then redone
FINGERPRINT_ALGORITHM = "fp2"

_CHUNK_DOCS = 256  # small chunks keep numpy temporaries in cache (2x faster than 4096)
_FINGERPRINT_BLOCK_DOCS = 1024  # documents per rensa call (see text_fingerprints)
_TITLE_PAIR_BLOCK = 262_144  # candidate pairs per title lookup (see _shared_title_weight)
# float slack of the title similarity bound: sums of the same weights in another order
_SIMILARITY_BOUND_SLACK = 1e-9


class DedupeSettings(BaseModel):
    """Thresholds of the dedupe stage. Defaults sit in the middle of the plateaus measured on
    the labelled set (news_pipeline_tests/data/dedupe_eval, 82 articles, 29 stories, 3 days;
    scripts/eval_dedupe.py): each value below keeps pairwise precision 1.000 and recall
    0.977 there, and the description says where that plateau ends."""

    near_duplicate_threshold: float = Field(
        0.5,
        description="Estimated Jaccard above which two texts are copies. Measured: syndicated "
        "copies with other boilerplate 0.72-1.0, reworded reports of one event <= 0.14, "
        "different stories <= 0.07; any value in 0.3-0.8 scores the same, 0.9 loses copies "
        "(recall 0.931).",
    )
    num_perm: int = Field(
        128, description="MinHash permutations: standard error of the estimate ~0.044 at 0.5."
    )
    lsh_bands: int = Field(
        32,
        description="LSH bands (rows = num_perm / bands). 32 x 4 makes a pair a candidate with "
        "probability 0.5 at Jaccard ~0.42 and 0.99 at 0.72 (the lowest copy measured).",
    )
    char_shingle_size: int = Field(
        5,
        description="Character n-grams for CJK text (data-juicer's choice for Chinese); 3-6 "
        "score the same on the labelled set, 5 keeps unrelated Chinese texts further apart.",
    )
    word_shingle_size: int = Field(
        3, description="Word n-grams for Latin-script text; 2-5 score the same."
    )
    cjk_ratio_for_char_shingles: float = Field(
        0.3, description="Share of CJK tokens above which an article is shingled by characters."
    )
    lead_chars: int = Field(
        240,
        description="Characters of text read with the title for anchors. 120 misses anchors "
        "(precision 0.967, recall 0.908); 240-800 score the same.",
    )
    same_event_min_anchors: int = Field(
        2,
        description="Shared anchors (numbers, versioned names, proper names) needed together "
        "with same_event_min_title_similarity; 1 is fragile (precision 0.50 at title 0.08).",
    )
    same_event_min_title_similarity: float = Field(
        0.1,
        description="idf-weighted Jaccard of title tokens needed with same_event_min_anchors. "
        "Plateau 0.08-0.12; 0.07 links two OpenAI stories of one day (precision 0.914), 0.13 "
        "drops a reworded Chinese pair (recall 0.969), 0.3 drops many (0.916).",
    )
    same_event_title_similarity: float = Field(
        0.5,
        description="Title similarity that needs just one shared anchor (or capitalised word "
        "of two Title Case headlines), for near-identical headlines; every value from 0.3 "
        "up (even 'never') scores the same on the set.",
    )
    same_event_strong_anchors: int = Field(
        4,
        description="Shared anchors that link without any title overlap (one event reported "
        "in Chinese and English shares names and sizes, not words). 3-4 score the same, 5 "
        "loses cross-language pairs (recall 0.916).",
    )
    same_event_strong_facts: int = Field(
        2,
        description="Shared numbers/versioned names that, with one more anchor, link without "
        "title overlap (Galbot + $300M + $3B in both languages); 1-2 score the same.",
    )
    max_term_documents: int = Field(
        200,
        description="Anchors held by more documents of the pool (today plus the lookback) "
        "link nothing: they are generic (e:openai on a busy week) and would only cost pairs. "
        "200 keeps a hot story's anchors (50 reports of Qwen3.5) usable.",
    )
    max_headline_word_documents: int = Field(
        50,
        description="max_term_documents for h: words (capitalised words of Title Case "
        "headlines), which only back a near-identical headline. 10k synthetic articles: 50 "
        "scores as 200 (pairwise F1 0.992) with a smaller pair join (peak memory 813 MiB, "
        "1.3 GiB at 200).",
    )
    novelty_min_new_facts: int = Field(
        2,
        description="New anchors in a matched story's titles and leads, absent from every "
        "article of the earlier story, that make it a new development. Measured: "
        "republications and recaps bring 0-1, follow-ups 2-6 (the LMArena ranking of Seed "
        "2.0: lmarena + seed; the MPA complaint about Seedance: mpa, rivkin, paramount...).",
    )
    lookback_days: int = Field(7, description="Partitions before this one searched for repeats.")
    minhash_seed: int = Field(
        20260214,
        description="Fixed seed: signatures are stored and compared across days (a change "
        "changes fingerprint_version, and stored rows are fingerprinted again).",
    )


# ---- normalisation and hashing ------------------------------------------------------------


def story_id_for(partition_date: date, earliest_canonical_url: str) -> str:
    """Stable id: the same partition and the same first article always give the same id."""
    key = f"{partition_date.isoformat()}|{earliest_canonical_url}".encode()
    return "s" + hashlib.blake2b(key, digest_size=8).hexdigest()


def _mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over a uint64 array (wrapping arithmetic), computed in place in
    one new array (1.7x faster than a temporary per step)."""
    with np.errstate(over="ignore"):
        mixed = values + np.uint64(0x9E3779B97F4A7C15)
        mixed ^= mixed >> np.uint64(30)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(27)
        mixed *= np.uint64(0x94D049BB133111EB)
        mixed ^= mixed >> np.uint64(31)
        return mixed


_CHAR_OTHER, _CHAR_WORD, _CHAR_CJK = 0, 1, 2


_UNICODE_SIZE = 0x110000


@functools.cache
def _character_classes() -> np.ndarray:
    """Class of every code point: CJK characters are tokens on their own, runs of
    Latin/Greek/Cyrillic letters and digits form word tokens, everything else separates."""
    classes = np.zeros(_UNICODE_SIZE, dtype=np.uint8)
    for low, high in ((0x30, 0x39), (0x61, 0x7A), (0xC0, 0x24F), (0x370, 0x52F)):
        classes[low : high + 1] = _CHAR_WORD
    classes[[0xD7, 0xF7]] = _CHAR_OTHER
    for low, high in CJK_LETTER_RANGES:
        classes[low : high + 1] = _CHAR_CJK
    return classes


@functools.cache
def _fold_table() -> np.ndarray:
    """NFKC + lower case of every BMP code point that maps to one code point (full-width
    ＡＢＣ１２３ -> abc123, ideographic space -> space): text normalisation as one gather."""
    table = np.arange(_UNICODE_SIZE, dtype=np.uint32)
    for code in range(0x80, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        folded = unicodedata.normalize("NFKC", chr(code)).lower()
        if len(folded) == 1:
            table[code] = ord(folded)
    table[0x41:0x5B] += 0x20
    return table


# odd 64-bit multipliers: a token's weight depends on its place in the word / shingle
_POSITION_MULTIPLIERS = _mix64(np.arange(1, 65, dtype=np.uint64)) | np.uint64(1)


@dataclass(frozen=True)
class Shingles:
    """Flat shingle hashes of many documents: row i owns hashes[offsets[i]:offsets[i+1]].
    text_hashes[i] digests row i's whole shingle multiset (0 when it has none): two texts
    with the same letters, digits and CJK characters in the same order share it."""

    hashes: np.ndarray
    offsets: np.ndarray
    text_hashes: np.ndarray


def shingle_documents(texts: Sequence[str | None], settings: DedupeSettings) -> Shingles:
    """Vectorised shingling: CJK characters and Latin words become tokens, then n-grams of
    tokens (n = char_shingle_size for mostly-CJK text, word_shingle_size otherwise) are
    hashed to uint64. No Python loop touches a character or a token."""
    parts_hashes: list[np.ndarray] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    text_hashes = np.zeros(len(texts), dtype=np.uint64)
    for chunk_start in range(0, len(texts), _CHUNK_DOCS):
        chunk = [text or "" for text in texts[chunk_start : chunk_start + _CHUNK_DOCS]]
        chunk_hashes, chunk_counts = _shingle_chunk(chunk, settings)
        parts_hashes.append(chunk_hashes)
        chunk_slice = slice(chunk_start, chunk_start + len(chunk))
        counts[chunk_slice] = chunk_counts
        non_empty = chunk_counts > 0
        if non_empty.any():
            starts = np.zeros(len(chunk), dtype=np.int64)
            starts[1:] = np.cumsum(chunk_counts)[:-1]
            with np.errstate(over="ignore"):
                sums = np.add.reduceat(chunk_hashes, starts[non_empty])
            text_hashes[chunk_slice][non_empty] = _mix64(
                sums ^ chunk_counts[non_empty].astype(np.uint64)
            )
    offsets = np.zeros(len(texts) + 1, dtype=np.uint64)
    np.cumsum(counts, out=offsets[1:])
    hashes = np.concatenate(parts_hashes) if parts_hashes else np.zeros(0, dtype=np.uint64)
    return Shingles(hashes=hashes, offsets=offsets, text_hashes=text_hashes)


def _tokenise_chunk(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token hashes in text order, token count and CJK token count per document."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codepoints = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    folded = _fold_table()[codepoints]
    classes = _character_classes()[folded]
    cjk_positions = np.flatnonzero(classes == _CHAR_CJK)
    token_hash_at = np.zeros(len(codepoints), dtype=np.uint64)
    token_hash_at[cjk_positions] = folded[cjk_positions]
    is_token_start = np.zeros(len(codepoints), dtype=bool)
    is_token_start[cjk_positions] = True
    word_positions = np.flatnonzero(classes == _CHAR_WORD)
    if len(word_positions):
        run_starts = np.empty(len(word_positions), dtype=bool)
        run_starts[0] = True
        np.not_equal(np.diff(word_positions), 1, out=run_starts[1:])
        start_indexes = np.flatnonzero(run_starts)
        run_lengths = np.diff(np.append(start_indexes, len(word_positions)))
        offset_in_word = np.arange(len(word_positions)) - np.repeat(start_indexes, run_lengths)
        with np.errstate(over="ignore"):
            weighted = (
                folded[word_positions].astype(np.uint64)
                * _POSITION_MULTIPLIERS[np.minimum(offset_in_word, 63)]
            )
        start_positions = word_positions[start_indexes]
        token_hash_at[start_positions] = _mix64(np.add.reduceat(weighted, start_indexes))
        is_token_start[start_positions] = True
    token_positions = np.flatnonzero(is_token_start)
    doc_bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=doc_bounds[1:])
    token_counts = np.diff(np.searchsorted(token_positions, doc_bounds))
    cjk_counts = np.diff(np.searchsorted(cjk_positions, doc_bounds))
    return token_hash_at[token_positions], token_counts, cjk_counts


def _shingle_chunk(texts: list[str], settings: DedupeSettings) -> tuple[np.ndarray, np.ndarray]:
    tokens, counts, cjk_counts = _tokenise_chunk(texts)
    token_count = len(tokens)
    token_doc = np.repeat(np.arange(len(texts)), counts)
    uses_chars = cjk_counts > settings.cjk_ratio_for_char_shingles * np.maximum(counts, 1)
    sizes = np.where(uses_chars, settings.char_shingle_size, settings.word_shingle_size)

    first_token = np.zeros(len(texts), dtype=np.int64)
    first_token[1:] = np.cumsum(counts)[:-1]
    index = np.arange(token_count)
    token_size = sizes[token_doc]
    # full windows: token i starts a shingle when the next size-1 tokens are in its document
    last_token = (first_token + counts - 1)[token_doc]
    starts_window = index + token_size - 1 <= last_token
    window = tokens * _POSITION_MULTIPLIERS[0]
    smallest = int(sizes.min(initial=1))
    with np.errstate(over="ignore"):
        for shift in range(1, int(sizes.max(initial=1))):
            length = token_count - shift
            if length <= 0:
                break
            contribution = tokens[shift:] * _POSITION_MULTIPLIERS[shift]
            if shift >= smallest:
                contribution[shift >= token_size[:length]] = 0
            window[:length] += contribution
    shingle_doc = token_doc[starts_window]
    shingle_hashes = window[starts_window]
    # documents shorter than their shingle size: the whole document is one shingle
    short_docs = np.flatnonzero((counts > 0) & (counts < sizes))
    if len(short_docs):
        in_short = np.isin(token_doc, short_docs)
        offsets_in_doc = (index - first_token[token_doc])[in_short]
        with np.errstate(over="ignore"):
            weighted = tokens[in_short] * _POSITION_MULTIPLIERS[offsets_in_doc]
        short_sums = np.add.reduceat(
            weighted, np.flatnonzero(np.r_[True, np.diff(token_doc[in_short]) != 0])
        )
        shingle_doc = np.concatenate([shingle_doc, short_docs])
        shingle_hashes = np.concatenate([shingle_hashes, short_sums])
        order = np.argsort(shingle_doc, kind="stable")
        shingle_doc, shingle_hashes = shingle_doc[order], shingle_hashes[order]
    return _mix64(shingle_hashes), np.bincount(shingle_doc, minlength=len(texts))


def minhash_signatures(shingles: Shingles, settings: DedupeSettings) -> np.ndarray:
    """(documents x num_perm) uint32 MinHash signatures, computed by rensa in Rust."""
    if len(shingles.offsets) <= 1:
        return np.zeros((0, settings.num_perm), dtype=np.uint32)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(
        shingles.hashes, shingles.offsets, settings.num_perm, settings.minhash_seed
    )
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(-1, settings.num_perm)


def text_fingerprints(
    texts: Sequence[str | None], settings: DedupeSettings
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures and text hashes (see Shingles) of many texts, a block of documents
    at a time: rensa's time per shingle grows with the buffer it is given, and the whole
    pool's shingles never exist at once (100k synthetic articles, 83M shingles: 13.3 CPU s
    as one buffer, 7.0 s in blocks of 1024 documents)."""
    signatures = np.zeros((len(texts), settings.num_perm), dtype=np.uint32)
    text_hashes = np.zeros(len(texts), dtype=np.uint64)
    for start in range(0, len(texts), _FINGERPRINT_BLOCK_DOCS):
        block = slice(start, start + _FINGERPRINT_BLOCK_DOCS)
        shingles = shingle_documents(texts[block], settings)
        signatures[block] = minhash_signatures(shingles, settings)
        text_hashes[block] = shingles.text_hashes
    return signatures, text_hashes


# ---- candidate pairs ------------------------------------------------------------------------


def _pairs_from_keys(doc: np.ndarray, key: np.ndarray, max_bucket: int) -> np.ndarray:
    """Unique (a, b) pairs, a < b, of documents sharing a key. Buckets up to max_bucket give
    every pair; larger buckets link each member to the bucket's smallest document only."""
    if len(doc) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    # most keys (LSH band hashes) are held by one document: drop them before any grouping
    frame = pl.DataFrame({"doc": doc.astype(np.int64), "key": key})
    frame = frame.filter(pl.col("key").is_duplicated()).unique()
    sizes = frame.group_by("key").agg(pl.len().alias("size"), pl.col("doc").min().alias("head"))
    frame = frame.join(sizes.filter(pl.col("size") >= 2), on="key")
    small = frame.filter(pl.col("size") <= max_bucket).select("key", "doc")
    full = (
        small.join(small, on="key", suffix="_b")
        .filter(pl.col("doc") < pl.col("doc_b"))
        .select(pl.col("doc").alias("a"), pl.col("doc_b").alias("b"))
    )
    star = frame.filter((pl.col("size") > max_bucket) & (pl.col("doc") != pl.col("head")))
    star = star.select(pl.col("head").alias("a"), pl.col("doc").alias("b"))
    pairs = pl.concat([full, star]).unique().sort("a", "b")
    return pairs.to_numpy().astype(np.int64).reshape(-1, 2)


def lsh_candidate_pairs(signatures: np.ndarray, usable: np.ndarray, bands: int) -> np.ndarray:
    """Banding without a Python loop over documents: each band's rows are mixed into one key."""
    rows_per_band = signatures.shape[1] // bands
    docs = np.flatnonzero(usable)
    if len(docs) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    banded = signatures[docs, : bands * rows_per_band].reshape(len(docs), bands, rows_per_band)
    keys = np.repeat(np.arange(bands, dtype=np.uint64)[None, :], len(docs), axis=0) << np.uint64(40)
    with np.errstate(over="ignore"):
        for row in range(rows_per_band):
            keys = _mix64(keys ^ banded[:, :, row].astype(np.uint64))
    doc_ids = np.repeat(docs, bands)
    return _pairs_from_keys(doc_ids, keys.reshape(-1), max_bucket=64)


def estimated_jaccard(signatures: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Share of equal MinHash values per pair, in blocks to bound the temporary matrix."""
    result = np.zeros(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), 65536):
        block = pairs[start : start + 65536]
        equal = signatures[block[:, 0]] == signatures[block[:, 1]]
        result[start : start + len(block)] = equal.mean(axis=1)
    return result


# ---- same-event anchors ---------------------------------------------------------------------

# Latin tokens that can be anchors: runs of capitalised words (Sam Altman, Walt Disney), and
# lower-case tokens with a digit (qwen3.5, gpt-5.2)
_LATIN_TOKEN_PATTERN = (
    r"[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*(?: [A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)*"
    r"|[a-z]+(?:[0-9]|[-.][0-9])[A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
)
# a number, then an optional unit; (?-u:\b) lets "397B参数" end the unit at the CJK character
# and keeps the digits of a name ("Quirapra7b") from being read as a number
_NUMBER_PATTERN = (
    r"(?-u:\b)\d+(?:[.,]\d+)*\s?(?:%|万亿|亿|万|千|百|"
    r"(?i:trillion|billion|million|thousand|bn|[kmbt])(?-u:\b))?"
)
_UNIT_PATTERN = r"(%|万亿|亿|万|千|百|trillion|billion|million|thousand|bn|[kmbt])$"
# a headline word with one capital and no digit: a name in running text, any word in a
# Title Case headline
_TITLE_CASE_WORD_PATTERN = r"^[A-Z][a-z]+(?:['’]s)?[,:;!?]*$"
_TITLE_CASE_MIN_WORDS = 3
_TITLE_CASE_SHARE = 0.75  # capitalised share of a headline's words of 4+ letters
_LATIN_WORD_PATTERN = r"[a-z][a-z0-9]+"
_UNIT_SCALE = {
    "万亿": 1e12,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
    "百": 1e2,
    "trillion": 1e12,
    "billion": 1e9,
    "million": 1e6,
    "thousand": 1e3,
    "bn": 1e9,
    "k": 1e3,
    "m": 1e6,
    "b": 1e9,
    "t": 1e12,
}


STOPWORDS = wordlists.stopwords()
GENERIC_NAME_WORDS = wordlists.generic_name_words()
# Chinese names of actors and products, mapped to the words English reports use, so one event
# reported in both languages shares its anchors.
ENTITY_ALIASES = wordlists.entity_aliases()
_ALIAS_PATTERN = "|".join(sorted(map(re.escape, ENTITY_ALIASES), key=len, reverse=True))


def _latin_anchors(tokens: pl.DataFrame) -> pl.DataFrame:
    """i: versioned names (any word with a digit); e: one anchor per proper name, its last
    word (Sam Altman -> altman, Walt Disney -> disney), so one actor counts once. Generic
    words split a run: "OpenAI CEO Sam Altman" names openai and altman."""
    words = (
        tokens.with_row_index("run")
        .with_columns(pl.col("token").str.split(" ").alias("word"))
        .explode("word")
        .with_columns(pl.col("word").str.to_lowercase().str.strip_chars_end(".").alias("lowered"))
    )
    versioned = pl.col("lowered").str.contains(r"\d")
    breaks = (
        versioned
        | (pl.col("lowered").str.len_chars() < 2)
        | pl.col("lowered").is_in(list(GENERIC_NAME_WORDS))
    )
    # a name is a run of words between breaks: (run, breaks so far) tells the names apart
    words = words.with_columns(
        versioned.alias("versioned"),
        breaks.alias("breaks"),
        breaks.cast(pl.Int64).cum_sum().alias("part"),
    )
    names = (
        words.filter(~pl.col("breaks"))
        .group_by("doc", "prefix", "run", "part")
        .agg(pl.col("lowered").last())
        .select("doc", "prefix", ("e:" + pl.col("lowered")).alias("anchor"))
    )
    versions = words.filter(pl.col("versioned")).select(
        "doc", "prefix", ("i:" + pl.col("lowered")).alias("anchor")
    )
    return pl.concat([versions, names])


def _number_anchors(numbers: pl.DataFrame) -> pl.DataFrame:
    """Canonical values, so 397B, 397 billion and 3970亿 are one anchor (n:397e9); percentages
    as p:; bare years, small integers and small decimals (dates, counts, versions) dropped."""
    match = pl.col("token").str.strip_chars()
    digits = match.str.extract(r"^(\d+(?:[.,]\d+)*)", 1)
    unit = match.str.to_lowercase().str.extract(_UNIT_PATTERN, 1)
    numbers = numbers.with_columns(
        digits.str.replace_all(",", "").cast(pl.Float64, strict=False).alias("value"),
        digits.str.contains(r"\.").alias("decimal"),
        unit.alias("unit"),
    ).drop_nulls("value")
    bare = pl.col("unit").is_null()
    year = (pl.col("value") >= 1990) & (pl.col("value") <= 2100) & ~pl.col("decimal")
    small = ((pl.col("value") < 100) & ~pl.col("decimal")) | (
        pl.col("decimal") & (pl.col("value") < 10)
    )
    numbers = numbers.filter(~(bare & (year | small)) & (pl.col("value") > 0))
    percent = numbers.filter(pl.col("unit") == "%").select(
        "doc", "prefix", ("p:" + pl.col("value").round(2).cast(pl.String)).alias("anchor")
    )
    scaled = numbers.filter((pl.col("unit") != "%") | bare).with_columns(
        (
            pl.col("value")
            * pl.col("unit").replace_strict(_UNIT_SCALE, default=1.0, return_dtype=pl.Float64)
        ).alias("scaled")
    )
    # three significant digits; the epsilon keeps 1000 from landing on log10 = 2.999...
    exponent = ((pl.col("scaled").log10() + 1e-9).floor() - 2).cast(pl.Int64)
    scaled = scaled.with_columns(exponent.alias("exponent")).with_columns(
        (pl.col("scaled") / pl.lit(10.0).pow(pl.col("exponent")))
        .round(0)
        .cast(pl.Int64)
        .alias("mantissa")
    )
    rounded_up = pl.col("mantissa") >= 1000
    scaled = scaled.with_columns(
        pl.when(rounded_up).then(pl.col("mantissa") // 10).otherwise(pl.col("mantissa")),
        pl.when(rounded_up).then(pl.col("exponent") + 1).otherwise(pl.col("exponent")),
    )
    value = "n:" + pl.col("mantissa").cast(pl.String) + "e" + pl.col("exponent").cast(pl.String)
    return pl.concat([percent, scaled.select("doc", "prefix", value.alias("anchor"))])


def _title_tokens(titles: pl.DataFrame) -> pl.DataFrame:
    """t: character bigrams of CJK runs and content words of Latin text in the title."""
    lowered = titles.select("doc", pl.col("title").str.to_lowercase())
    runs = (
        lowered.select("doc", pl.col("title").str.extract_all(HAN_RUN_PATTERN).alias("run"))
        .explode("run")
        .drop_nulls("run")
    )
    singles = runs.filter(pl.col("run").str.len_chars() == 1).select(
        "doc", ("t:" + pl.col("run")).alias("term")
    )
    bigrams = (
        runs.filter(pl.col("run").str.len_chars() >= 2)
        .with_columns(pl.int_ranges(0, pl.col("run").str.len_chars() - 1).alias("offset"))
        .explode("offset")
        .drop_nulls("offset")
        .select("doc", ("t:" + pl.col("run").str.slice(pl.col("offset"), 2)).alias("term"))
    )
    words = (
        lowered.select("doc", pl.col("title").str.extract_all(_LATIN_WORD_PATTERN).alias("word"))
        .explode("word")
        .drop_nulls("word")
        .filter(~pl.col("word").is_in(list(STOPWORDS)))
        .select("doc", ("t:" + pl.col("word")).alias("term"))
    )
    return pl.concat([singles, bigrams, words])


def fingerprint_terms(titles: pl.Series, texts: pl.Series, lead_chars: int) -> pl.Series:
    """Terms stored per article, all computed by polars in Rust: t: title tokens, a: anchors of
    title+lead, f: anchors of the whole article (facts, for the new-development rule).

    Anchors are rare, language-neutral facts: numbers with units (n:, p:), versioned names
    (i:qwen3.5, i:gpt-5.2), capitalised proper names (e:deepseek) and the English names of
    Chinese actors (字节跳动 -> e:bytedance). The plain capitalised words of a Title Case
    headline are h: headline words instead: read as names, any two such headlines sharing
    two words linked (10k synthetic articles: pairwise precision 0.348 -> 0.992)."""
    base = pl.DataFrame(
        {"title": titles, "text": texts}, schema={"title": pl.String, "text": pl.String}
    ).select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("doc"),
        pl.col("title").fill_null("").str.normalize("NFKC"),
        pl.col("text").fill_null("").str.normalize("NFKC"),
    )
    # the lead ends before a Latin word the cut would split ("Paramount" -> "Paramo")
    lead = pl.col("text").str.slice(0, lead_chars).str.replace(r"[A-Za-z0-9.-]+$", "")
    # In a Title Case headline ("Court Blocks Inference Deal") capitals mark no names: its
    # plain capitalised words leave the anchor sources (names it carries are found again in
    # the text) and become h: headline words, which only back a near-identical headline.
    # Words with a digit or an inner capital (GPT-5, OpenAI) stay anchors.
    words = pl.col("title").str.split(" ")
    plain = pl.element().str.contains(_TITLE_CASE_WORD_PATTERN)
    capitalised = words.list.eval(plain.sum()).list.first()
    long_words = words.list.eval(pl.element().str.contains(r"^[A-Za-z][a-z]{3,}").sum())
    title_case = (capitalised >= _TITLE_CASE_MIN_WORDS) & (
        capitalised >= _TITLE_CASE_SHARE * long_words.list.first()
    )
    base = base.with_columns(title_case.fill_null(False).alias("title_case"))
    anchor_title = (
        pl.when(pl.col("title_case"))
        .then(
            words.list.eval(pl.when(plain).then(pl.lit(";")).otherwise(pl.element())).list.join(" ")
        )
        .otherwise(pl.col("title"))
    )
    headline_words = (
        base.filter(pl.col("title_case"))
        .select("doc", pl.col("title").str.split(" ").alias("word"))
        .explode("word")
        .filter(pl.col("word").str.contains(_TITLE_CASE_WORD_PATTERN))
        .select(
            "doc",
            ("a:h:" + pl.col("word").str.extract(r"^([A-Za-z]+)", 1).str.to_lowercase()).alias(
                "term"
            ),
        )
        .filter(~pl.col("term").str.slice(4).is_in(list(GENERIC_NAME_WORDS)))
    )
    sources = pl.concat(
        [
            base.select(
                "doc",
                pl.lit("a:").alias("prefix"),
                (anchor_title + "\n" + lead).alias("source"),
            ),
            base.select(
                "doc",
                pl.lit("f:").alias("prefix"),
                (anchor_title + "\n" + pl.col("text")).alias("source"),
            ),
        ]
    )

    def extracted(pattern: str) -> pl.DataFrame:
        return (
            sources.select(
                "doc", "prefix", pl.col("source").str.extract_all(pattern).alias("token")
            )
            .explode("token")
            .drop_nulls("token")
        )

    aliases = (
        extracted(_ALIAS_PATTERN)
        .with_columns(
            pl.col("token")
            .replace_strict(ENTITY_ALIASES, return_dtype=pl.String)
            .str.split(" ")
            .alias("token")
        )
        .explode("token")
        .select("doc", "prefix", ("e:" + pl.col("token")).alias("anchor"))
    )
    anchors = pl.concat(
        [
            _latin_anchors(extracted(_LATIN_TOKEN_PATTERN)),
            aliases,
            _number_anchors(extracted(_NUMBER_PATTERN)),
        ]
    ).select("doc", (pl.col("prefix") + pl.col("anchor")).alias("term"))
    terms = pl.concat([_title_tokens(base.select("doc", "title")), anchors, headline_words])
    grouped = terms.group_by("doc").agg(pl.col("term").unique().sort())
    return (
        base.select("doc")
        .join(grouped, on="doc", how="left", maintain_order="left")
        .select(pl.col("term").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .to_series()
        .alias(TERMS_COLUMN)
    )


def same_event_pairs(terms: pl.Series, first_count: int, settings: DedupeSettings) -> pl.DataFrame:
    """Pairs (a, b), a < b and a < first_count, whose shared anchors and title overlap say
    they report one event. Candidates are documents sharing an anchor held by at most
    max_term_documents documents; title overlap is computed for those pairs only."""
    empty = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})
    rows = (
        pl.DataFrame({"term": terms}, schema={"term": pl.List(pl.String)})
        .with_row_index("doc")
        .with_columns(pl.col("doc").cast(pl.Int64))
        .explode("term")
        .drop_nulls("term")
    )
    anchors = rows.filter(pl.col("term").str.starts_with("a:"))
    frequent = anchors.group_by("term").agg(pl.len().alias("df"))
    anchors = anchors.join(
        frequent.filter(
            pl.col("df")
            <= pl.when(pl.col("term").str.starts_with("a:h:"))
            .then(settings.max_headline_word_documents)
            .otherwise(settings.max_term_documents)
        ).select("term"),
        on="term",
    )
    headline = pl.col("term").str.starts_with("a:h:")
    strong = ~pl.col("term").str.starts_with("a:e:") & ~headline
    shared = (
        anchors.filter(pl.col("doc") < first_count)
        .join(anchors.rename({"doc": "b"}), on="term")
        .filter(pl.col("doc") < pl.col("b"))
        .group_by(pl.col("doc").alias("a"), "b")
        .agg((~headline).sum().alias("anchors"), strong.sum().alias("strong"))
    )
    if shared.height == 0:
        return empty
    # title tokens weighted by rarity in the pool (idf), so 脑洞 counts more than 发布
    titles = rows.filter(pl.col("term").str.starts_with("t:"))
    documents = rows["doc"].n_unique()
    titles = titles.with_columns(
        ((documents + 1) / (pl.len().over("term") + 1)).log().alias("weight")
    )
    title_sizes = titles.group_by("doc").agg(pl.col("weight").sum().alias("size"))
    scored = (
        shared.join(title_sizes.rename({"doc": "a", "size": "size_a"}), on="a", how="left")
        .join(title_sizes.rename({"doc": "b", "size": "size_b"}), on="b", how="left")
        .fill_null(0)
    )
    anchor_count = pl.col("anchors")
    linked_by_anchors = (anchor_count >= settings.same_event_strong_anchors) | (
        (pl.col("strong") >= settings.same_event_strong_facts)
        & (anchor_count > settings.same_event_strong_facts)
    )
    # a candidate shares an anchor or a headline word; two anchors lower the title bar
    needed_similarity = (
        pl.when(anchor_count >= settings.same_event_min_anchors)
        .then(min(settings.same_event_min_title_similarity, settings.same_event_title_similarity))
        .otherwise(settings.same_event_title_similarity)
    )
    # the similarity is at most smaller title / larger title: pairs that cannot reach the
    # bar skip the title comparison (100k synthetic articles: 3.6M candidates, 2.5M left)
    larger = pl.max_horizontal("size_a", "size_b")
    reachable = pl.when(larger > 0).then(pl.min_horizontal("size_a", "size_b") / larger)
    scored = scored.with_columns(
        linked_by_anchors.alias("by_anchors"), needed_similarity.alias("needed")
    ).filter(
        pl.col("by_anchors")
        | (reachable.fill_null(0.0) >= pl.col("needed") - _SIMILARITY_BOUND_SLACK)
    )
    title_shared = _shared_title_weight(
        scored["a"].to_numpy(), scored["b"].to_numpy(), titles.select("doc", "term", "weight")
    )
    scored = scored.with_columns(pl.Series("title_shared", title_shared, dtype=pl.Float64))
    union = pl.col("size_a") + pl.col("size_b") - pl.col("title_shared")
    title_similarity = pl.when(union > 0).then(pl.col("title_shared") / union).otherwise(0.0)
    linked = pl.col("by_anchors") | (title_similarity >= pl.col("needed"))
    return scored.filter(linked).select("a", "b").sort("a", "b")


def _shared_title_weight(a: np.ndarray, b: np.ndarray, titles: pl.DataFrame) -> np.ndarray:
    """Per pair (a[i], b[i]): summed weight of the title tokens both documents carry. Each
    of a's tokens is looked up among b's by one integer key (document, token); pairs go in
    blocks so the expanded lookups stay small (a full join of 3.6M pairs with their titles
    held 3.4 GB)."""
    titles = titles.sort("doc", "term").with_columns(
        pl.col("term").cast(pl.Categorical).to_physical().cast(pl.Int64).alias("token")
    )
    token_count = int(titles["token"].max() or 0) + 1
    doc = titles["doc"].to_numpy()
    token = titles["token"].to_numpy()
    keyed = titles.select((pl.col("doc") * token_count + pl.col("token")).alias("key"), "weight")
    document_count = int(max(doc.max(initial=-1), a.max(initial=-1), b.max(initial=-1))) + 1
    first_token = np.searchsorted(doc, np.arange(document_count + 1))
    token_counts = np.diff(first_token)
    shared = np.zeros(len(a), dtype=np.float64)
    for start in range(0, len(a), _TITLE_PAIR_BLOCK):
        block_a = a[start : start + _TITLE_PAIR_BLOCK]
        block_b = b[start : start + _TITLE_PAIR_BLOCK]
        counts = token_counts[block_a]
        pair = np.repeat(np.arange(len(block_a)), counts)
        # position of each of a's tokens: a's first token plus the offset inside a's run
        run_start = np.cumsum(counts) - counts
        position = np.arange(len(pair)) - run_start[pair] + first_token[block_a][pair]
        lookups = pl.DataFrame({"pair": pair, "key": block_b[pair] * token_count + token[position]})
        found = lookups.join(keyed, on="key", maintain_order="left")
        shared[start : start + len(block_a)] = np.bincount(
            found["pair"].to_numpy(), weights=found["weight"].to_numpy(), minlength=len(block_a)
        )
    return shared


# ---- grouping ---------------------------------------------------------------------------------


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
        same_text = _pairs_from_keys(hash_docs, hash_keys[hash_docs].astype(np.uint64), 2)
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


# ---- the stage ----------------------------------------------------------------------------


def fingerprint_version(settings: DedupeSettings) -> str:
    """Names the algorithm and the settings that made a row's stored fingerprints; rows of
    earlier partitions with another version are fingerprinted again before matching."""
    return (
        f"{FINGERPRINT_ALGORITHM}/p{settings.num_perm}/s{settings.minhash_seed}"
        f"/c{settings.char_shingle_size}/w{settings.word_shingle_size}"
        f"/r{settings.cjk_ratio_for_char_shingles}/l{settings.lead_chars}"
    )


def _ensure_fingerprints(frame: pl.DataFrame, settings: DedupeSettings) -> pl.DataFrame:
    """Fill text_hash, signature and terms of rows whose fingerprints are missing or were made
    by another algorithm version or other settings."""
    version = fingerprint_version(settings)
    stale = frame.select(
        (pl.col(VERSION_COLUMN).is_null() | (pl.col(VERSION_COLUMN) != version)).alias("stale")
    )["stale"]
    if not stale.any():
        return frame
    marked = frame.with_columns(stale.alias("_stale"))
    current = marked.filter(~pl.col("_stale"))
    todo = marked.filter(pl.col("_stale"))
    signatures, text_hashes = text_fingerprints(todo["text"].to_list(), settings)
    todo = todo.with_columns(
        pl.Series(
            SIGNATURE_COLUMN,
            signatures,
            dtype=pl.List(pl.UInt32),
        ),
        pl.Series(
            "text_hash",
            [f"{value:016x}" if value else None for value in text_hashes.tolist()],
            dtype=pl.String,
        ),
        fingerprint_terms(_titles(todo), todo["text"], settings.lead_chars),
        pl.lit(version, dtype=pl.String).alias(VERSION_COLUMN),
    )
    return pl.concat([current, todo], how="vertical_relaxed").drop("_stale")


def _titles(frame: pl.DataFrame) -> pl.Series:
    return frame.select(pl.coalesce("title", "listed_title").fill_null(""))["title"]


def dedupe_articles(
    cleaned: pl.DataFrame,
    previous: pl.DataFrame,
    settings: DedupeSettings | None = None,
) -> pl.DataFrame:
    """deduped_stories for the partition(s) in ``cleaned``: one output row per input row.

    ``previous`` holds earlier partitions' deduped_stories rows; rows outside the lookback
    (or not before the partition) are ignored, so the order in which days are materialized
    does not matter. Several partition dates are processed oldest first, each seeing the
    earlier ones' output.
    """
    settings = settings or DedupeSettings()
    cleaned = conform(cleaned, CLEANED_ARTICLES_SCHEMA)
    history = conform(previous, DEDUPED_STORIES_SCHEMA)
    if cleaned.height == 0:
        return conform(cleaned, DEDUPED_STORIES_SCHEMA)
    outputs: list[pl.DataFrame] = []
    dates = sorted(cleaned["partition_date"].unique().to_list(), key=lambda day: (day is None, day))
    for day in dates:
        rows = (
            cleaned.filter(pl.col("partition_date").is_null())
            if day is None
            else cleaned.filter(pl.col("partition_date") == day)
        )
        result = _dedupe_one_day(rows, history, day, settings)
        outputs.append(result)
        if day is not None:
            history = pl.concat([history, result], how="vertical_relaxed")
    return conform(pl.concat(outputs, how="vertical_relaxed"), DEDUPED_STORIES_SCHEMA)


def _dedupe_one_day(
    rows: pl.DataFrame, history: pl.DataFrame, day: date | None, settings: DedupeSettings
) -> pl.DataFrame:
    frame = conform(rows, DEDUPED_STORIES_SCHEMA).with_row_index("_row")
    canonical = [
        canonical_url(url, page_canonical) if url else None
        for url, page_canonical in zip(
            frame["url"].to_list(), frame["page_canonical_url"].to_list(), strict=True
        )
    ]
    frame = frame.with_columns(pl.Series("canonical_url", canonical, dtype=pl.String))
    eligible_mask = (pl.col("record_kind") == RECORD_ITEM) & pl.col("excluded_reason").is_null()
    eligible_mask = eligible_mask & pl.col("canonical_url").is_not_null()
    eligible = frame.filter(eligible_mask).sort(
        pl.col("published_at"),
        pl.col("source_weight"),
        "source",
        pl.col("url").str.len_chars(),
        "url",
        "article_id",
        descending=[False, True, False, False, False, False],
        nulls_last=True,
    )
    # exact URL duplicates: the first row in (earliest, heaviest source, shortest URL: the
    # one without tracking or mobile decoration) order is kept
    eligible = eligible.with_columns(
        pl.col("url").first().over("canonical_url").alias("_kept_url"),
        (pl.int_range(pl.len()).over("canonical_url") > 0).alias("_duplicate"),
    )
    duplicates = eligible.filter(pl.col("_duplicate")).select(
        "_row",
        "canonical_url",
        pl.lit(REASON_DUPLICATE_URL).alias("excluded_reason"),
        pl.col("_kept_url").alias("excluded_detail"),
    )
    members = eligible.filter(~pl.col("_duplicate")).drop("_kept_url", "_duplicate")
    members = _ensure_fingerprints(
        members.with_columns(pl.lit(None, dtype=pl.String).alias(VERSION_COLUMN)), settings
    )
    stories = _group_stories(members, history, day, settings)

    updates = pl.concat(
        [
            stories,
            duplicates.with_columns(
                *[
                    pl.lit(None, dtype=DEDUPED_STORIES_SCHEMA[name]).alias(name)
                    for name in stories.columns
                    if name not in duplicates.columns
                ]
            ).select(stories.columns),
        ],
        how="vertical_relaxed",
    )
    # canonical_url stays as computed for every row; the other story columns come from updates
    updates = updates.drop("canonical_url")
    replaced = [
        name
        for name in updates.columns
        if name not in ("_row", "excluded_reason", "excluded_detail")
    ]
    merged = frame.drop(replaced).join(
        updates.rename({"excluded_reason": "_reason", "excluded_detail": "_detail"}),
        on="_row",
        how="left",
    )
    merged = merged.with_columns(
        pl.coalesce("_reason", "excluded_reason").alias("excluded_reason"),
        pl.when(pl.col("_reason").is_not_null())
        .then(pl.col("_detail"))
        .otherwise(pl.col("excluded_detail"))
        .alias("excluded_detail"),
    ).sort("_row")
    return conform(merged, DEDUPED_STORIES_SCHEMA)


def _group_stories(
    members: pl.DataFrame, history: pl.DataFrame, day: date | None, settings: DedupeSettings
) -> pl.DataFrame:
    """Story columns for today's members (keyed by _row), seen_before applied."""
    members = members.drop("story_id", "is_lead", "story_size", "match_reason")
    earlier = history.filter(
        pl.col("excluded_reason").is_null()
        & pl.col("story_id").is_not_null()
        & (pl.col("record_kind") == RECORD_ITEM)
    )
    if day is None:
        earlier = earlier.clear()
    else:
        earlier = earlier.filter(
            (pl.col("partition_date") < day)
            & (pl.col("partition_date") >= day - timedelta(days=settings.lookback_days))
        )
    earlier = _ensure_fingerprints(earlier, settings)
    today_count = members.height
    pool = pl.concat(
        [
            members.select(SIGNATURE_COLUMN, TERMS_COLUMN, "text_hash"),
            earlier.select(SIGNATURE_COLUMN, TERMS_COLUMN, "text_hash"),
        ],
        how="vertical_relaxed",
    )
    signatures = (
        pool[SIGNATURE_COLUMN].explode().to_numpy().astype(np.uint32).reshape(-1, settings.num_perm)
    )
    edges = find_edges(signatures, pool["text_hash"], pool[TERMS_COLUMN], today_count, settings)

    within = edges.pairs[:, 1] < today_count
    components = connected_components(today_count, edges.pairs[within])
    seen_story = _seen_before(
        components, members[TERMS_COLUMN], earlier, edges, today_count, settings
    )
    # a story splits into the part that is reported and the part excluded as seen_before
    group_key = components * 2 + np.array([story is not None for story in seen_story])
    # why an article joined: the strongest link it has to another article of today
    best_reason = np.full(today_count, len(EDGE_RANK) - 1, dtype=np.int64)
    for column in (0, 1):
        np.minimum.at(best_reason, edges.pairs[within, column], edges.reasons[within])
    reason_names = list(EDGE_RANK)

    stories = members.with_columns(
        pl.Series("_group", group_key, dtype=pl.Int64),
        pl.Series("_best_reason", best_reason, dtype=pl.Int64),
        pl.Series("excluded_detail", seen_story, dtype=pl.String),
        members["text"].fill_null("").str.len_chars().alias("_length"),
    )
    lead_order = [
        pl.col("source_weight").fill_null(0.0),
        pl.col("_length"),
        pl.col("published_at"),
        pl.col("canonical_url"),
        pl.col("article_id"),
    ]
    ranked = stories.sort(
        lead_order, descending=[True, True, False, False, False], nulls_last=True
    ).with_columns(
        (pl.int_range(pl.len()).over("_group") == 0).alias("is_lead"),
        pl.len().over("_group").cast(pl.Int64).alias("story_size"),
    )
    partition = day or date(1970, 1, 1)
    earliest = (
        ranked.sort("published_at", "canonical_url", nulls_last=True)
        .group_by("_group", maintain_order=True)
        .agg(pl.col("canonical_url").first().alias("_earliest_url"))
        .with_columns(
            pl.col("_earliest_url")
            .map_elements(lambda url: story_id_for(partition, url), return_dtype=pl.String)
            .alias("story_id")
        )
    )
    ranked = ranked.join(earliest.select("_group", "story_id"), on="_group")
    ranked = ranked.with_columns(
        pl.when(pl.col("is_lead"))
        .then(pl.lit(MATCH_LEAD))
        .otherwise(
            pl.col("_best_reason").replace_strict(
                list(range(len(reason_names))), reason_names, return_dtype=pl.String
            )
        )
        .alias("match_reason"),
        pl.when(pl.col("excluded_detail").is_not_null())
        .then(pl.lit(REASON_SEEN_BEFORE))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("excluded_reason"),
    )
    return ranked.select(
        "_row",
        "canonical_url",
        "text_hash",
        "story_id",
        "is_lead",
        "story_size",
        "match_reason",
        SIGNATURE_COLUMN,
        TERMS_COLUMN,
        VERSION_COLUMN,
        "excluded_reason",
        "excluded_detail",
    )


def _seen_before(
    components: np.ndarray,
    today_terms: pl.Series,
    earlier: pl.DataFrame,
    edges: Edges,
    today_count: int,
    settings: DedupeSettings,
) -> list[str | None]:
    """Per today's article: the earlier story_id it repeats, or None.

    A story linked to an earlier story is a repeat unless its titles and leads carry at
    least novelty_min_new_facts anchors found nowhere in the earlier story's articles; an
    article that is itself a copy (same text or near-duplicate) of an earlier article is a
    repeat even inside a new development."""
    cross = edges.pairs[:, 1] >= today_count
    if not cross.any():
        return [None] * today_count
    old_rows = earlier.with_row_index("old").select(
        pl.col("old").cast(pl.Int64), "story_id", "partition_date", TERMS_COLUMN
    )
    links = pl.DataFrame(
        {
            "doc": edges.pairs[cross, 0],
            "old": edges.pairs[cross, 1] - today_count,
            "reason": edges.reasons[cross],
        }
    ).with_columns(pl.Series("component", components[edges.pairs[cross, 0]], dtype=pl.Int64))
    links = links.join(old_rows.select("old", "story_id", "partition_date"), on="old")
    preference = ["links", "partition_date", "story_id"]
    story_links = (
        links.group_by("component", "story_id", "partition_date")
        .agg(pl.len().alias("links"))
        .sort(["component", *preference], descending=[False, True, True, False])
    )
    old_facts = (
        old_rows.explode(TERMS_COLUMN)
        .filter(pl.col(TERMS_COLUMN).str.starts_with("f:"))
        .select("story_id", pl.col(TERMS_COLUMN).str.slice(2).alias("fact"))
        .unique()
    )
    known_facts = (
        story_links.select("component", "story_id")
        .join(old_facts, on="story_id")
        .select("component", "fact")
        .unique()
    )
    today_anchors = (
        pl.DataFrame(
            {"component": components, "term": today_terms},
            schema={"component": pl.Int64, "term": pl.List(pl.String)},
        )
        .explode("term")
        .filter(pl.col("term").str.starts_with("a:") & ~pl.col("term").str.starts_with("a:h:"))
        .select("component", pl.col("term").str.slice(2).alias("fact"))
        .unique()
    )
    new_facts = (
        today_anchors.join(known_facts, on=["component", "fact"], how="anti")
        .group_by("component")
        .agg(pl.len().alias("new_facts"))
    )
    repeated = (
        story_links.group_by("component", maintain_order=True)
        .agg(pl.col("story_id").first().alias("repeats"))
        .join(new_facts, on="component", how="left")
        .filter(pl.col("new_facts").fill_null(0) < settings.novelty_min_new_facts)
    )
    copies = (
        links.filter(pl.col("reason") <= EDGE_RANK[MATCH_NEAR_DUPLICATE])
        .group_by("doc", "story_id", "partition_date")
        .agg(pl.len().alias("links"))
        .sort(["doc", *preference], descending=[False, True, True, False])
        .group_by("doc", maintain_order=True)
        .agg(pl.col("story_id").first().alias("copy_of"))
    )
    per_doc = (
        pl.DataFrame({"doc": np.arange(today_count), "component": components})
        .with_columns(pl.col("doc").cast(pl.Int64), pl.col("component").cast(pl.Int64))
        .join(repeated.select("component", "repeats"), on="component", how="left")
        .join(copies, on="doc", how="left")
        .sort("doc")
    )
    return per_doc.select(pl.coalesce("repeats", "copy_of"))["repeats"].to_list()


def evaluate_pairs(
    true_story_ids: Sequence[str], predicted_story_ids: Sequence[str]
) -> dict[str, float]:
    """Pairwise precision/recall/F1 of "same story" and B-cubed precision/recall/F1."""
    if len(true_story_ids) != len(predicted_story_ids):
        raise ValueError("true and predicted story ids must be aligned")
    frame = pl.DataFrame(
        {"truth": list(true_story_ids), "predicted": list(predicted_story_ids)},
        schema={"truth": pl.String, "predicted": pl.String},
    )
    if frame.height == 0:
        return {
            name: 1.0
            for name in (
                "pairwise_precision",
                "pairwise_recall",
                "pairwise_f1",
                "bcubed_precision",
                "bcubed_recall",
                "bcubed_f1",
            )
        }
    cells = frame.group_by("truth", "predicted").agg(pl.len().alias("n"))
    true_sizes = frame.group_by("truth").agg(pl.len().alias("true_size"))
    predicted_sizes = frame.group_by("predicted").agg(pl.len().alias("predicted_size"))

    def pair_count(column: pl.Series) -> int:
        values = column.cast(pl.Int64).to_numpy()
        return int((values * (values - 1) // 2).sum())

    same_both = pair_count(cells["n"])
    same_predicted = pair_count(predicted_sizes["predicted_size"])
    same_truth = pair_count(true_sizes["true_size"])
    precision = same_both / same_predicted if same_predicted else 1.0
    recall = same_both / same_truth if same_truth else 1.0
    cells = cells.join(true_sizes, on="truth").join(predicted_sizes, on="predicted")
    total = frame.height
    bcubed_precision = float((cells["n"] ** 2 / cells["predicted_size"]).sum()) / total
    bcubed_recall = float((cells["n"] ** 2 / cells["true_size"]).sum()) / total

    def harmonic(first: float, second: float) -> float:
        return 2 * first * second / (first + second) if first + second else 0.0

    return {
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": harmonic(precision, recall),
        "bcubed_precision": bcubed_precision,
        "bcubed_recall": bcubed_recall,
        "bcubed_f1": harmonic(bcubed_precision, bcubed_recall),
    }


def evaluation_labels(deduped: pl.DataFrame) -> list[str | None]:
    """The story each row was put in, as evaluate_pairs needs it: a story member's story_id,
    a seen_before row's earlier story_id, a duplicate_url row's kept row's label; None for
    rows the stage did not judge (feeds and other exclusions)."""
    frame = conform(deduped, DEDUPED_STORIES_SCHEMA).with_row_index("_position")
    own = (
        pl.when(pl.col("excluded_reason") == REASON_SEEN_BEFORE)
        .then(pl.col("excluded_detail"))
        .when(pl.col("excluded_reason").is_null())
        .then(pl.col("story_id"))
    )
    frame = frame.with_columns(own.alias("_label"))
    kept = (
        frame.filter(pl.col("_label").is_not_null())
        .select(
            "partition_date",
            pl.col("url").alias("excluded_detail"),
            pl.col("_label").alias("_kept"),
        )
        .unique(subset=["partition_date", "excluded_detail"], keep="first", maintain_order=True)
    )
    frame = frame.join(kept, on=["partition_date", "excluded_detail"], how="left")
    frame = frame.with_columns(
        pl.when(pl.col("excluded_reason") == REASON_DUPLICATE_URL)
        .then(pl.col("_kept"))
        .otherwise(pl.col("_label"))
        .alias("_label")
    ).sort("_position")
    return frame["_label"].to_list()
