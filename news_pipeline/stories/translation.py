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

import numpy as np
import polars as pl
from opencc import OpenCC

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_CLASS, HAN_RE
from news_pipeline.stories.lexicon import (
    generic_names,
    gloss_stopwords,
    load_lexicon,
    segment,
    stem,
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


def to_simplified(texts: list[str]) -> list[str]:
    """Simplified Chinese (with mainland phrases) for texts holding Traditional-only
    characters; other texts are returned unchanged (OpenCC is the slow step)."""
    traditional = _traditional_characters()
    converter = _converter()
    return [
        converter.convert(text) if text and any(char in traditional for char in text) else text
        for text in texts
    ]


@functools.cache
def _traditional_characters() -> frozenset[str]:
    """Characters that OpenCC changes on the way to Simplified."""
    lexicon = load_lexicon()
    converter = _converter()
    sample = "".join(lexicon.pinyin)
    converted = converter.convert(sample)
    changed = {a for a, b in zip(sample, converted, strict=False) if a != b}
    return frozenset(changed)


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
    unique = words["word"].unique().to_list()
    stems = {word: stem(word) if word.isalpha() else word for word in unique}
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


def _chinese_terms(texts: list[str], concept_prefix: str, name_prefix: str) -> pl.DataFrame:
    """Concepts and dictionary names of the Chinese words of each text, plus the English
    names of the aliases it contains."""
    lexicon = load_lexicon()
    found = segment(texts, lexicon)
    rows_doc: list[int] = []
    rows_term: list[str] = []
    for doc, entry in zip(found.doc.tolist(), found.entry.tolist(), strict=True):
        for concept in lexicon.concepts[entry]:
            rows_doc.append(doc)
            rows_term.append(concept_prefix + concept)
        for name in lexicon.names[entry]:
            rows_doc.append(doc)
            rows_term.append(name_prefix + name)
    pattern, aliases = _alias_pattern()
    for doc, text in enumerate(texts):
        if HAN_RE.search(text):
            for alias in pattern.findall(text):
                for word in aliases[alias].split(" "):
                    rows_doc.append(doc)
                    rows_term.append(name_prefix + word)
    return pl.DataFrame(
        {"doc": rows_doc, "term": rows_term}, schema={"doc": pl.Int64, "term": pl.String}
    )


def translated_terms(titles: list[str], leads: list[str]) -> pl.DataFrame:
    """(doc, term) rows of c:, ct:, m: and mt: terms for each (title, lead) pair."""
    titles = to_simplified([title or "" for title in titles])
    leads = to_simplified([lead or "" for lead in leads])
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
        _chinese_terms(texts, CONCEPT, NAME),
        _chinese_terms(titles, TITLE_CONCEPT, TITLE_NAME),
    ]
    return pl.concat(parts).unique()


# ---- names written in pinyin ------------------------------------------------------------------


def _poly_hash(text: str) -> int:
    value = 0
    for char in text:
        value = (value * _POLY_BASE + ord(char)) & 0xFFFFFFFFFFFFFFFF
    return value


@functools.cache
def _pinyin_table() -> tuple[dict[str, int], dict[str, int]]:
    """Per character: the hash of its toneless pinyin and that pinyin's length."""
    pinyin = load_lexicon().pinyin
    return (
        {char: _poly_hash(reading) for char, reading in pinyin.items() if reading.isalpha()},
        {char: len(reading) for char, reading in pinyin.items() if reading.isalpha()},
    )


def pinyin_hashes(titles: list[str], max_syllables: int = 4) -> pl.DataFrame:
    """(doc, hash) of the pinyin of every run of 2..max_syllables Han characters of each
    title (灵犀智动 -> lingxi, xizhi, ..., lingxizhidong), hashed like ``name_hash``."""
    hashes, lengths = _pinyin_table()
    docs: list[int] = []
    values: list[int] = []
    mask = 0xFFFFFFFFFFFFFFFF
    for doc, title in enumerate(titles):
        for run in _HAN_RUN.findall(title or ""):
            for start in range(len(run) - 1):
                value = hashes.get(run[start])
                if value is None:
                    continue
                for offset in range(1, min(max_syllables, len(run) - start)):
                    char = run[start + offset]
                    if char not in hashes:
                        break
                    scale = pow(_POLY_BASE, lengths[char], 1 << 64)
                    value = (value * scale + hashes[char]) & mask
                    docs.append(doc)
                    values.append(value)
    return pl.DataFrame(
        {"doc": docs, "hash": np.array(values, dtype=np.uint64)},
        schema={"doc": pl.Int64, "hash": pl.UInt64},
    )


def name_hash(name: str) -> int:
    """The hash pinyin_hashes gives the pinyin spelled by ``name`` (lingxi)."""
    return _poly_hash(name)
