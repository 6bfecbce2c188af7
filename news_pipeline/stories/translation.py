"""Language-neutral terms of an article's title and lead, so reports of one event in zh-Hans,
zh-Hant and English can be compared word for word.

Per article (``translated_terms``): Traditional text is first converted to Simplified with
Taiwan phrases (OpenCC ``tw2sp``: 晶片 -> 芯片, 軟體 -> 软件); Chinese words are carried into
English through CC-CEDICT (lexicon.py) and English words are stemmed the same way, giving
``c:`` concepts of the title and lead and ``ct:`` concepts of the title alone. ``m:`` names
are the actors and products: capitalised Latin words (Latin words of any case inside Chinese
text), the proper nouns CC-CEDICT knows (微信 -> wechat), and the English names of
data/entities.yaml (which helps, and decides nothing alone). ``mt:`` marks the names in the
title. Names English writes in pinyin (Lingxi, Zhipu, Wang Xingxing) are matched at
comparison time against the pinyin of Chinese titles (``pinyin_hashes``).
"""

from __future__ import annotations

import functools
import re
import sys
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import polars as pl
from opencc import OpenCC

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_CLASS, HAN_RANGES, HAN_RE
from news_pipeline.stories.lexicon import (
    generic_names,
    gloss_stopwords,
    load_lexicon,
    segment,
    stem_words,
)

CONCEPT, TITLE_CONCEPT, NAME, TITLE_NAME = "c:", "ct:", "m:", "mt:"
TRANSLATED_PREFIXES = (CONCEPT, TITLE_CONCEPT, NAME, TITLE_NAME)
# Latin words; capitalised runs (Wang Xingxing, Lingxi Dynamics) are names
_LATIN_WORD = r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
_CAPITALISED_RUN = (
    r"[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*(?: [A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)*"
)
_HAN_RUN = re.compile(f"{HAN_CLASS}+")
_POLY_BASE = 1_000_003  # polynomial string hash, so a pinyin n-gram's hash composes


@functools.cache
def _converter() -> OpenCC:
    return OpenCC("tw2sp")


def to_simplified(
    texts: list[str],
    scripts: list[str | None] | None = None,
    helper: Executor | None = None,
) -> list[str]:
    """Simplified Chinese for every text. OpenCC ``tw2sp`` (phrases too: 晶片 -> 芯片) for the
    texts the text stage found Traditional (``scripts``: "hant"), or, without that verdict,
    whose Han characters are at least TRADITIONAL_SHARE Traditional-only; then OpenCC's
    character table, as one numpy gather, for all (a stray 億 in a Simplified text). OpenCC
    is pure Python: 1k synthetic articles drawn from jieba's dictionary (which holds
    Traditional words) took 12 s through it, against 0.1 s for the gather. The counts that
    decide come from the same gather; only texts that change are rebuilt. A ``helper`` (a
    process beside this one) converts half of the texts OpenCC takes while this converts the
    other half."""
    result = [text or "" for text in texts]
    verdicts = scripts or [None] * len(texts)
    table, han_table = _simplified_table(), _han_table()
    phrase_rows: list[int] = []
    for chunk_start in range(0, len(result), _GATHER_CHUNK):
        chunk = result[chunk_start : chunk_start + _GATHER_CHUNK]
        codes = np.frombuffer("".join(chunk).encode("utf-32-le"), dtype=np.uint32)
        mapped = _gather(table, codes)
        ends = np.cumsum(np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)))
        starts = ends - np.diff(ends, prepend=0)
        changed_at = np.flatnonzero(mapped != codes)
        traditional = np.bincount(
            np.searchsorted(ends, changed_at, side="right"), minlength=len(chunk)
        )
        script = verdicts[chunk_start : chunk_start + len(chunk)]
        hant = {offset for offset, verdict in enumerate(script) if verdict == "hant"}
        candidates = sorted(hant.union(np.flatnonzero(traditional).tolist()))
        mostly_traditional = _mostly_traditional(
            han_table, codes, starts[candidates], ends[candidates], traditional[candidates]
        )
        for offset, traditional_share in zip(candidates, mostly_traditional.tolist(), strict=True):
            if offset in hant or (script[offset] is None and traditional_share):
                phrase_rows.append(chunk_start + offset)
            else:
                span = slice(starts[offset], ends[offset])
                result[chunk_start + offset] = mapped[span].tobytes().decode("utf-32-le")
    phrase_texts = [result[index] for index in phrase_rows]
    # the helper's half: the later texts, about half of the characters
    split = len(phrase_texts)
    if helper is not None and split > 1:
        sizes = np.cumsum([len(text) for text in phrase_texts])
        split = max(int(np.searchsorted(sizes, sizes[-1] / 2)), 1)
    helped = None
    if helper is not None and split < len(phrase_texts):
        helped = helper.submit(convert_phrases, phrase_texts[split:])
    converted = convert_phrases(phrase_texts[:split])
    if helped is not None:
        converted += helped.result()
    for index, text in zip(phrase_rows, _character_table_gather(converted), strict=True):
        result[index] = text
    return result


def convert_phrases(texts: list[str]) -> list[str]:
    """OpenCC tw2sp of each text: pure Python, 4 µs a character (100k synthetic articles:
    142 texts judged mostly Traditional, 0.9 s)."""
    converter = _converter()
    return [converter.convert(text) for text in texts]


TRADITIONAL_SHARE = 0.15


def _gather(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[codes] for code points the table covers: np.take without bounds checks is about
    2x faster than indexing with a uint32 array."""
    return np.take(table, codes, mode="clip")


def _mostly_traditional(
    han_table: np.ndarray,
    codes: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    traditional: np.ndarray,
) -> np.ndarray:
    """Per span [starts[i], ends[i]) of codes: whether its traditional[i] changed characters
    are at least TRADITIONAL_SHARE of its Han characters. Most spans are decided without
    counting them all: by their length (Han characters are at most all of them) or by the
    Han characters of their first _HAN_PREFIX characters (at least those)."""
    decided_yes = traditional >= TRADITIONAL_SHARE * (ends - starts)
    prefix = _han_counts(han_table, codes, starts, np.minimum(ends, starts + _HAN_PREFIX))
    decided_no = traditional < TRADITIONAL_SHARE * prefix
    result = decided_yes.copy()
    open_spans = np.flatnonzero(~decided_yes & ~decided_no)
    if len(open_spans):
        han = _han_counts(han_table, codes, starts[open_spans], ends[open_spans])
        result[open_spans] = traditional[open_spans] >= TRADITIONAL_SHARE * han
    return result


_HAN_PREFIX = 128  # characters whose Han count usually decides (see _mostly_traditional)


def _han_counts(
    han_table: np.ndarray, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Han characters in each span [starts[i], ends[i]) of codes: only the spans' code
    points are looked up (one repeat gives their positions), then summed per span."""
    lengths = np.maximum(ends - starts, 0)
    positions = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    positions += np.arange(len(positions))
    is_han = _gather(han_table, codes[positions]).astype(np.int64)
    sums = np.zeros(len(starts), dtype=np.int64)
    spans = np.flatnonzero(lengths)
    if len(spans):
        sums[spans] = np.add.reduceat(is_han, (np.cumsum(lengths) - lengths)[spans])
    return sums


_GATHER_CHUNK = 1024  # texts per gather: arrays that stay in cache


def _character_table_gather(texts: list[str]) -> list[str]:
    """Each text through OpenCC's character table; only the texts that change are rebuilt."""
    table = _simplified_table()
    result = list(texts)
    for chunk_start in range(0, len(texts), _GATHER_CHUNK):
        chunk = texts[chunk_start : chunk_start + _GATHER_CHUNK]
        codes = np.frombuffer("".join(chunk).encode("utf-32-le"), dtype=np.uint32)
        mapped = _gather(table, codes)
        changed = np.flatnonzero(mapped != codes)
        if not len(changed):
            continue
        ends = np.cumsum(np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)))
        for index in np.unique(np.searchsorted(ends, changed, side="right")).tolist():
            start = int(ends[index - 1]) if index else 0
            result[chunk_start + index] = mapped[start : ends[index]].tobytes().decode("utf-32-le")
    return result


@functools.cache
def _han_table() -> np.ndarray:
    """Code point -> whether it is a Han character (cjk.HAN_RANGES)."""
    table = np.zeros(sys.maxunicode + 1, dtype=bool)
    for low, high in HAN_RANGES:
        table[low : high + 1] = True
    return table


@functools.cache
def _simplified_table() -> np.ndarray:
    """Code point -> its Simplified code point (OpenCC's TSCharacters, first choice), for
    every code point."""
    table = np.arange(sys.maxunicode + 1, dtype=np.uint32)
    for source, target in _character_pairs():
        table[ord(source)] = ord(target)
    # a target that is itself a source (薴 -> 苧 -> 苎) maps to the end of its chain, so
    # that to_simplified of its own output changes nothing
    while not np.array_equal(table[table], table):
        table = table[table]
    return table


@functools.cache
def _character_pairs() -> tuple[tuple[str, str], ...]:
    """(Traditional, Simplified) characters of OpenCC's TSCharacters table that differ."""
    import opencc

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    pairs = []
    for line in table.read_text("utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0]
        if len(source) == 1 and len(target) == 1 and target != source:
            pairs.append((source, target))
    return tuple(pairs)


@functools.cache
def _alias_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    aliases = wordlists.entity_aliases()
    ordered = sorted(aliases, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))), aliases


def _latin_terms(frame: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
    """Stemmed Latin words of a text column as (doc, term)."""
    words = (
        frame.select("doc", pl.col(column).str.extract_all(_LATIN_WORD).alias("word"))
        .explode("word")
        .drop_nulls("word")
        .with_columns(pl.col("word").str.to_lowercase())
        .filter(
            ~pl.col("word").is_in(list(gloss_stopwords())) & (pl.col("word").str.len_chars() > 1)
        )
    )
    unique = words["word"].unique()
    stemmed = pl.select(
        pl.when(unique.str.contains(r"^[a-z]+$")).then(stem_words(unique)).otherwise(unique)
    ).to_series()
    stems = dict(zip(unique.to_list(), stemmed.to_list(), strict=True))
    return words.select(
        "doc", (prefix + pl.col("word").replace_strict(stems, return_dtype=pl.String)).alias("term")
    )


def _latin_names(frame: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
    """Names: each word of a capitalised run, and the run joined (wang xingxing ->
    wangxingxing); in Chinese text every Latin word is a name (GLM-5, QQ, Tavily)."""
    generic = list(generic_names())
    capitalised = frame.select(
        "doc",
        pl.when(pl.col("han"))
        .then(pl.col(column).str.extract_all(_LATIN_WORD))
        .otherwise(pl.col(column).str.extract_all(_CAPITALISED_RUN))
        .alias("run"),
    ).explode("run")
    words = (
        capitalised.drop_nulls("run")
        .with_columns(pl.col("run").str.to_lowercase().str.split(" ").alias("word"))
        .with_columns(pl.col("word").list.eval(pl.element().filter(~pl.element().is_in(generic))))
    )
    single = words.explode("word").drop_nulls("word").filter(pl.col("word").str.len_chars() > 1)
    joined = words.filter(pl.col("word").list.len() > 1).select(
        "doc", pl.col("word").list.join("").alias("word")
    )
    return pl.concat([single.select("doc", "word"), joined]).select(
        "doc", (prefix + pl.col("word")).alias("term")
    )


def _chinese_terms(texts: list[str], title_lengths: list[int]) -> pl.DataFrame:
    """Concepts and dictionary names of the Chinese words of each text (c:, m:) and of its
    first title_lengths characters, the title (ct:, mt:), plus the English names of the
    aliases they contain. The dictionary is read only once Chinese is seen."""
    if not any(HAN_RE.search(text) for text in texts):
        return pl.DataFrame(schema={"doc": pl.Int64, "term": pl.String})
    lexicon = load_lexicon()
    found = segment(texts, lexicon)
    in_title = found.start < np.asarray(title_lengths, dtype=np.int64)[found.doc]
    vocabulary = pl.Series(lexicon.vocabulary, dtype=pl.String)
    parts = []
    for prefix, title_prefix, names in ((CONCEPT, TITLE_CONCEPT, False), (NAME, TITLE_NAME, True)):
        counts, ids = lexicon.expand(found.entry, names)
        docs = np.repeat(found.doc, counts)
        title_words = np.repeat(in_title, counts)
        for field_prefix, keep in ((prefix, slice(None)), (title_prefix, title_words)):
            spelled = (field_prefix + vocabulary).gather(ids[keep])
            parts.append(pl.DataFrame({"doc": docs[keep], "term": spelled}))
    pattern, aliases = _alias_pattern()
    sources = pl.DataFrame(
        {
            "text": texts,
            "title": [text[:length] for text, length in zip(texts, title_lengths, strict=True)],
        },
        schema={"text": pl.String, "title": pl.String},
    ).with_row_index("doc")
    for column, prefix in (("text", NAME), ("title", TITLE_NAME)):
        matched = (
            sources.select(
                pl.col("doc").cast(pl.Int64),
                pl.col(column).str.extract_all(pattern.pattern).alias("alias"),
            )
            .explode("alias")
            .drop_nulls("alias")
            .with_columns(
                pl.col("alias").replace_strict(aliases, return_dtype=pl.String).str.split(" ")
            )
            .explode("alias")
        )
        parts.append(matched.select("doc", (prefix + pl.col("alias")).alias("term")))
    return pl.concat(parts)


def translated_terms(titles: list[str], leads: list[str]) -> pl.DataFrame:
    """(doc, term) rows of c:, ct:, m: and mt: terms for each (title, lead) pair; a term
    may repeat (the caller groups them: one pass instead of two)."""
    return simplified_translated_terms(
        to_simplified([title or "" for title in titles]),
        to_simplified([lead or "" for lead in leads]),
    )


def simplified_translated_terms(titles: list[str], leads: list[str]) -> pl.DataFrame:
    """translated_terms of titles and leads already through to_simplified (which changes
    nothing the second time): the caller that holds them saves a pass over every lead."""
    texts = [f"{title}\n{lead}" for title, lead in zip(titles, leads, strict=True)]
    frame = pl.DataFrame(
        {"doc": list(range(len(texts))), "text": texts, "title": titles},
        schema={"doc": pl.Int64, "text": pl.String, "title": pl.String},
    ).with_columns(pl.col("text").str.contains(HAN_CLASS).alias("han"))
    parts = [
        _latin_terms(frame, "text", CONCEPT),
        _latin_terms(frame, "title", TITLE_CONCEPT),
        _latin_names(frame, "text", NAME),
        _latin_names(frame, "title", TITLE_NAME),
        _chinese_terms(texts, [len(title) for title in titles]),
    ]
    return pl.concat(parts)


# ---- names written in pinyin ------------------------------------------------------------------


def _poly_hash(text: str) -> int:
    value = 0
    for char in text:
        value = (value * _POLY_BASE + ord(char)) & _MASK
    return value


_MASK = (1 << 64) - 1
_CODE_POINTS = 0x30000


@functools.cache
def _pinyin_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per code point: the hash of its toneless pinyin and that pinyin's length (0: none);
    and _POLY_BASE ** n for the lengths a syllable has."""
    hashes = np.zeros(_CODE_POINTS, dtype=np.uint64)
    lengths = np.zeros(_CODE_POINTS, dtype=np.int64)
    for char, reading in load_lexicon().pinyin.items():
        if reading.isalpha() and ord(char) < _CODE_POINTS and HAN_RE.fullmatch(char):
            hashes[ord(char)] = _poly_hash(reading)
            lengths[ord(char)] = len(reading)
    powers = np.array(
        [pow(_POLY_BASE, n, 1 << 64) for n in range(int(lengths.max()) + 1)], dtype=np.uint64
    )
    return hashes, lengths, powers


def pinyin_hashes(titles: list[str], max_syllables: int = 4) -> pl.DataFrame:
    """(doc, hash) of the pinyin of every run of 2..max_syllables Han characters of each
    title (灵犀智动 -> lingxi, xizhi, ..., lingxizhidong), hashed like ``name_hash``:
    h(ab) = h(a) * base ** len(b) + h(b), so n-grams compose without building strings."""
    empty = pl.DataFrame(schema={"doc": pl.Int64, "hash": pl.UInt64})
    if not any(HAN_RE.search(title or "") for title in titles):
        return empty
    texts = [title or "" for title in titles]
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    codes = np.minimum(codes, _CODE_POINTS - 1)
    starts = np.zeros(len(texts), dtype=np.int64)
    starts[1:] = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)[:-1]
    table, lengths, powers = _pinyin_arrays()
    syllable, length = table[codes], lengths[codes]
    readable = length > 0
    docs, values = [], []
    with np.errstate(over="ignore"):
        value = syllable.copy()
        ok = readable.copy()
        for width in range(2, max_syllables + 1):
            size = len(codes) - width + 1
            if size <= 0:
                break
            following = width - 1
            value = (
                value[:size] * powers[length[following : following + size]]
                + syllable[following : following + size]
            )
            ok = ok[:size] & readable[following : following + size]
            positions = np.flatnonzero(ok)
            docs.append(np.searchsorted(starts, positions, side="right") - 1)
            values.append(value[positions])
    if not docs:
        return empty
    return pl.DataFrame(
        {"doc": np.concatenate(docs).astype(np.int64), "hash": np.concatenate(values)},
        schema={"doc": pl.Int64, "hash": pl.UInt64},
    ).unique()


def name_hash(name: str) -> int:
    """The hash pinyin_hashes gives the pinyin spelled by ``name`` (lingxi)."""
    return _poly_hash(name)


def name_hashes(names: list[str]) -> np.ndarray:
    """name_hash of many names, without a Python loop over characters: the polynomial runs
    over a padded code-point matrix a column at a time, in uint64 arithmetic, which wraps
    as the mask does."""
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
    codes = np.zeros((len(names), int(lengths.max(initial=0))), dtype=np.uint64)
    flat = np.frombuffer("".join(names).encode("utf-32-le"), dtype=np.uint32)
    columns = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    codes[np.repeat(np.arange(len(names)), lengths), columns] = flat
    hashes = np.zeros(len(names), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(codes.shape[1]):
            longer = lengths > column
            hashes[longer] = hashes[longer] * np.uint64(_POLY_BASE) + codes[longer, column]
    return hashes
