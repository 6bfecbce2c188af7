"""Same-event anchors: the terms that show two reports written in other words to be
reports of one event.

Per article, ``fingerprint_terms`` stores t: title tokens, a: anchors of the title and lead,
f: anchors of the whole text (the facts the cross-day rule compares). Anchors are rare,
language-neutral facts: numbers with their units (397B = 3970亿), versioned names (Qwen3.5),
proper names, the English names of Chinese actors (data/entities.yaml). ``same_event_pairs``
links two articles that share enough anchors and enough of their titles. Terms are stored
with each row: a change to them must bump FINGERPRINT_ALGORITHM (fingerprints.py), so that
earlier partitions' rows are fingerprinted again.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl
from scipy import sparse

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_RUN_PATTERN
from news_pipeline.stories.settings import DedupeSettings

TERMS_COLUMN = "fingerprint_terms"

_TITLE_PAIR_BLOCK = 262_144  # candidate pairs per sparse product (see _shared_title_weight)
# float slack of the title similarity bound: sums of the same weights in another order
_SIMILARITY_BOUND_SLACK = 1e-9

# Latin tokens that can be anchors: runs of capitalised words (Sam Altman, Walt Disney), and
# lower-case tokens with a digit (qwen3.5, gpt-5.2)
_LATIN_TOKEN_PATTERN = (
    r"[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*(?: [A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)*"
    r"|[a-z]+(?:[0-9]|[-.][0-9])[A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
)
# a number, then an optional unit; (?-u:\b) lets "397B参数" end the unit at the CJK character
# and keeps the digits of a name ("Quirapra7b") from being read as a number. Durations
# (2分钟 = 2 minutes = 120 s) are facts a development brings: "wait times cut to 2 minutes".
_NUMBER_PATTERN = (
    r"(?-u:\b)\d+(?:[.,]\d+)*\s?(?:%|万亿|亿|万|千|百|分钟|分鐘|小时|小時|秒|"
    r"(?i:trillion|billion|million|thousand|bn|minutes?|hours?|seconds?|[kmbt])(?-u:\b))?"
)
_UNIT_PATTERN = (
    r"(%|万亿|亿|万|千|百|分钟|分鐘|小时|小時|秒|trillion|billion|million|thousand|bn|minute|hour|second"
    r"|[kmbt])s?$"
)
# a headline word with one capital and no digit: a name in running text, any word in a
# Title Case headline
_TITLE_CASE_WORD_PATTERN = r"^[A-Z][a-z]+(?:['’]s)?[,:;!?]*$"
_TITLE_CASE_MIN_WORDS = 3
_TITLE_CASE_SHARE = 0.75  # capitalised share of a headline's words of 4+ letters
_LATIN_WORD_PATTERN = r"[a-z][a-z0-9]+"
_UNIT_SCALE = {
    "分钟": 60.0,
    "分鐘": 60.0,
    "小时": 3600.0,
    "小時": 3600.0,
    "秒": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
    "second": 1.0,
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
    title+lead, f: anchors of the whole article (facts, for the new-development rule). Titles
    and texts come in NFKC (nfkc.py), so full-width digits and letters read as ASCII.

    Anchors are rare, language-neutral facts: numbers with units (n:, p:), versioned names
    (i:qwen3.5, i:gpt-5.2), capitalised proper names (e:deepseek) and the English names of
    Chinese actors (字节跳动 -> e:bytedance). The plain capitalised words of a Title Case
    headline are h: headline words instead: read as names, any two such headlines sharing
    two words linked (10k synthetic articles: pairwise precision 0.348 -> 0.992)."""
    base = pl.DataFrame({"title": titles, "text": texts}).select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("doc"), "title", "text"
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
    """Per pair (a[i], b[i]): summed weight of the title tokens both documents carry (a
    token's weight depends on the token alone). One sparse product per block of pairs: the
    two documents' title rows multiplied, times the weights (100k synthetic articles, 2.5M
    pairs: 1.1 s as hash joins, 0.8 s so). Tokens are numbered in term order, so each sum adds
    the shared tokens' weights in term order, as the lookups did."""
    numbered = titles.select(
        "doc", (pl.col("term").rank("dense") - 1).cast(pl.Int64).alias("token"), "weight"
    )
    token = numbered["token"].to_numpy()
    token_count = int(token.max(initial=-1)) + 1
    weight_of = np.zeros(token_count)
    weight_of[token] = numbered["weight"].to_numpy()
    doc = numbered["doc"].to_numpy()
    document_count = int(max(doc.max(initial=-1), a.max(initial=-1), b.max(initial=-1))) + 1
    presence = sparse.csr_matrix(
        (np.ones(len(token), dtype=np.int8), (doc, token)), shape=(document_count, token_count)
    )
    presence.sort_indices()
    shared = np.zeros(len(a), dtype=np.float64)
    for start in range(0, len(a), _TITLE_PAIR_BLOCK):
        rows = slice(start, start + _TITLE_PAIR_BLOCK)
        shared[rows] = presence[a[rows]].multiply(presence[b[rows]]) @ weight_of
    return shared
