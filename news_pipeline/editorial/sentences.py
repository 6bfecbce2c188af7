"""Sentences of Chinese, English and mixed text, and what summaries need to know about them.

Splitting, the budget unit (characters for Chinese, words otherwise), content tokens for
comparing sentences across a story's articles, page furniture and datelines. The word lists
and patterns come from news_pipeline/data/ (see `vocabulary`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_CLASS, HAN_RE, HAN_RUN_PATTERN, is_chinese_text_char
from news_pipeline.editorial import vocabulary
from news_pipeline.pattern_sets import PatternSet

__all__ = [
    "Splitter",
    "content_tokens",
    "is_boilerplate",
    "is_chinese",
    "split_sentences",
    "strip_dateline",
    "text_length",
]

# ---- sentence splitting ------------------------------------------------------------------

_ALWAYS_END = set("。！？；")
_ASCII_END = set("!?")
_ELLIPSIS = "…"
_CLOSERS = set("”’」』\"')）]】》")
_ABBREVIATIONS = vocabulary.abbreviations()
# Every character that may end a sentence; the splitter jumps from one to the next.
_END_CANDIDATE_RE = re.compile(
    "[" + re.escape("".join(sorted({*_ALWAYS_END, *_ASCII_END}))) + "….]"
)
# Characters swallowed into a sentence after its end ("?!", "。。", "...").
_END_RUN = frozenset({*_ALWAYS_END, *_ASCII_END, _ELLIPSIS, "."})
_LINE_BREAKS_RE = re.compile(r"\n+")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_WORD_CHARS = _ASCII_LETTERS | {"."}
_SPACE_OR_TAB = frozenset(" \t")
# Texts split recently: a story's lead is split for the furniture, the summary and the
# key facts; a few hundred texts cover the members of the stories in flight.
_SPLIT_CACHE_SIZE = 256


def _word_before(text: str, index: int) -> str | None:
    """The word of ASCII letters and inner dots that ends right before text[index] ("U.S",
    "Dr", "J"), found by walking back from the dot rather than searching the whole prefix."""
    if index == 0 or text[index - 1] not in _ASCII_LETTERS:
        return None
    start = index - 1
    while start > 0 and text[start - 1] in _WORD_CHARS:
        start -= 1
    while text[start] not in _ASCII_LETTERS:
        start += 1
    return text[start:index]


def _dot_ends_sentence(text: str, index: int) -> bool:
    """Decide whether the '.' at text[index] closes a sentence.

    Not when it sits inside a number or version (3.5, GPT-5.2), follows a known abbreviation
    or a single initial (U.S., Dr., J. Smith), or is followed by a lower-case word.
    """
    length = len(text)
    after = text[index + 1] if index + 1 < length else ""
    if after and (after.isalnum() or after in "._-/"):
        # "morning.The" (a lost space) still ends a sentence; "3.5", "GPT-5.2", "Node.js" do not.
        following = text[index + 2] if index + 2 < length else ""
        lost_space = after.isupper() and following.islower() and text[index - 1 : index].islower()
        if not lost_space:
            return False
    word = _word_before(text, index)
    if word is not None:
        word = word.lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
    # The next word, past spaces and closing quotes or brackets, decides.
    position = index + 1
    while position < length and text[position] in _SPACE_OR_TAB:
        position += 1
    while position < length and text[position] in _CLOSERS:
        position += 1
    while position < length and text[position] in _SPACE_OR_TAB:
        position += 1
    return not (position < length and text[position].islower())


def _ends_sentence(paragraph: str, index: int) -> bool:
    char = paragraph[index]
    if char in _ALWAYS_END or char == _ELLIPSIS:
        return True
    if char == ".":
        return _dot_ends_sentence(paragraph, index)
    # ! or ?: at the end, before a space, a closer, Chinese text or another ! or ?
    after = paragraph[index + 1] if index + 1 < len(paragraph) else ""
    return (
        not after
        or after.isspace()
        or after in _CLOSERS
        or is_chinese_text_char(after)
        or after in _ASCII_END
    )


@functools.lru_cache(maxsize=_SPLIT_CACHE_SIZE)
def _split(text: str) -> tuple[str, ...]:
    sentences: list[str] = []
    find_end = _END_CANDIDATE_RE.search
    for paragraph in _LINE_BREAKS_RE.split(text):
        start = 0
        length = len(paragraph)
        candidate = find_end(paragraph)
        while candidate is not None:
            index = candidate.start()
            if not _ends_sentence(paragraph, index):
                candidate = find_end(paragraph, index + 1)
                continue
            end = index + 1
            while end < length and paragraph[end] in _END_RUN:
                end += 1
            while end < length and paragraph[end] in _CLOSERS:
                end += 1
            piece = paragraph[start:end].strip()
            if piece:
                sentences.append(piece)
            start = end
            candidate = find_end(paragraph, end)
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return tuple(sentences)


# What splits a text into sentences: split_sentences, or a day's split read back
# (furniture.DaySentences.split).
Splitter = Callable[[str], list[str]]


def split_sentences(text: str) -> list[str]:
    """Split Chinese, English or mixed text into sentences.

    Ends a sentence at 。！？；… and at . ! ? when they close one (see `_dot_ends_sentence`),
    keeps closing quotes and brackets with the sentence they close, and treats line breaks
    as hard boundaries (paragraphs and list items are never joined).
    """
    return list(_split(text))


# ---- lengths, tokens ---------------------------------------------------------------------

_UNDETERMINED_LANGUAGES = {"und", "unknown", "mixed", "mul"}
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-']*")
_EN_STOPWORDS = wordlists.function_words()
_SPACES_RE = re.compile(r"\s+")
_HAN_RUN_RE = re.compile(HAN_RUN_PATTERN)


def is_chinese(text: str, language: str | None) -> bool:
    """Chinese-style text (budget in characters); undetermined languages are judged by script."""
    if language:
        lowered = language.lower()
        if lowered not in _UNDETERMINED_LANGUAGES:
            return lowered.startswith(("zh", "ja"))
    cjk = len(HAN_RE.findall(text))
    return cjk > 0 and cjk >= len(_WORD_RE.findall(text))


def text_length(text: str, language: str) -> int:
    """Length in the budget's unit: characters (without spaces) for Chinese, words otherwise."""
    if is_chinese(text, language):
        return len(_SPACES_RE.sub("", text))
    return len(text.split())


def content_tokens(text: str) -> set[str]:
    """Character bigrams of Chinese runs plus lower-cased non-stopword Latin words."""
    tokens: set[str] = set()
    # (a plain search rules out Han text several times faster than the run pattern does)
    for run in _HAN_RUN_RE.findall(text) if HAN_RE.search(text) else ():
        if len(run) == 1:
            tokens.add(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    words = _WORD_RE.findall(text)
    if words:
        # The words are ASCII without spaces: one lower() of them all, split again, is
        # each word's lower().
        lowered = {word.strip(".'-") for word in " ".join(words).lower().split(" ")}
        lowered.discard("")
        tokens |= lowered - _EN_STOPWORDS
    return tokens


# ---- furniture and datelines -------------------------------------------------------------

_FURNITURE_PATTERNS = PatternSet(vocabulary.boilerplate_sentence_patterns())
# Neither a Han character nor an ASCII letter: counting these is faster than the letters.
_ASCII_LETTER_BYTES = "".join(sorted(_ASCII_LETTERS)).encode("ascii")
_NOT_LETTER_RE = re.compile("[^" + HAN_CLASS[1:-1] + "A-Za-z]")
_DATELINE_PATTERNS = [re.compile(pattern) for pattern in vocabulary.dateline_patterns()]
# Summaries and key facts ask about the same sentences of a story's lead.
_SENTENCE_CACHE_SIZE = 8192


@functools.lru_cache(maxsize=_SENTENCE_CACHE_SIZE)
def is_boilerplate(sentence: str) -> bool:
    """True for sentences that look like page furniture rather than reporting: one of the
    furniture patterns matches, or fewer than a third of the characters are letters."""
    if HAN_RE.search(sentence):
        letters = len(sentence) - len(_NOT_LETTER_RE.findall(sentence))
    else:  # ASCII letters only: counted on the ASCII bytes, in C
        ascii_bytes = sentence.encode("ascii", "ignore")
        letters = len(ascii_bytes) - len(ascii_bytes.translate(None, _ASCII_LETTER_BYTES))
    return letters < max(4, len(sentence) // 3) or _FURNITURE_PATTERNS.search(sentence)


@functools.lru_cache(maxsize=_SENTENCE_CACHE_SIZE)
def strip_dateline(sentence: str) -> str:
    """Drop a leading agency tag or dateline, which says who wrote it, not what happened."""
    stripped = sentence
    for pattern in _DATELINE_PATTERNS:
        stripped = pattern.sub("", stripped, count=1)
    return stripped.strip() or sentence
