"""Sentences of Chinese, English and mixed text, and what summaries need to know about them.

Splitting, the budget unit (characters for Chinese, words otherwise), content tokens for
comparing sentences across a story's articles, page furniture and datelines. The word lists
and patterns come from news_pipeline/data/ (see `vocabulary`).
"""

from __future__ import annotations

import re

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_RE, HAN_RUN_PATTERN, is_chinese_text_char
from news_pipeline.editorial import vocabulary

__all__ = [
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
_WORD_BEFORE_DOT = re.compile(r"([A-Za-z](?:[A-Za-z.]*[A-Za-z])?)$")


def _dot_ends_sentence(text: str, index: int) -> bool:
    """Decide whether the '.' at text[index] closes a sentence.

    Not when it sits inside a number or version (3.5, GPT-5.2), follows a known abbreviation
    or a single initial (U.S., Dr., J. Smith), or is followed by a lower-case word.
    """
    after = text[index + 1] if index + 1 < len(text) else ""
    if after and (after.isalnum() or after in "._-/"):
        # "morning.The" (a lost space) still ends a sentence; "3.5", "GPT-5.2", "Node.js" do not.
        following = text[index + 2] if index + 2 < len(text) else ""
        lost_space = after.isupper() and following.islower() and text[index - 1 : index].islower()
        if not lost_space:
            return False
    match = _WORD_BEFORE_DOT.search(text[:index])
    if match:
        word = match.group(1).lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
    rest = text[index + 1 :].lstrip(" \t")
    rest = rest.lstrip("".join(_CLOSERS))
    rest = rest.lstrip(" \t")
    return not (rest and rest[0].islower())


def split_sentences(text: str) -> list[str]:
    """Split Chinese, English or mixed text into sentences.

    Ends a sentence at 。！？；… and at . ! ? when they close one (see `_dot_ends_sentence`),
    keeps closing quotes and brackets with the sentence they close, and treats line breaks
    as hard boundaries (paragraphs and list items are never joined).
    """
    sentences: list[str] = []
    for paragraph in re.split(r"\n+", text):
        start = 0
        index = 0
        length = len(paragraph)
        while index < length:
            char = paragraph[index]
            is_end = False
            if char in _ALWAYS_END or char == _ELLIPSIS:
                is_end = True
            elif char in _ASCII_END:
                after = paragraph[index + 1] if index + 1 < length else ""
                is_end = (
                    not after or after.isspace() or after in _CLOSERS or is_chinese_text_char(after)
                )
                is_end = is_end or after in _ASCII_END
            elif char == ".":
                is_end = _dot_ends_sentence(paragraph, index)
            if is_end:
                end = index + 1
                while end < length and (
                    paragraph[end] in _ALWAYS_END
                    or paragraph[end] in _ASCII_END
                    or paragraph[end] == _ELLIPSIS
                    or paragraph[end] == "."
                ):
                    end += 1
                while end < length and paragraph[end] in _CLOSERS:
                    end += 1
                piece = paragraph[start:end].strip()
                if piece:
                    sentences.append(piece)
                start = end
                index = end
                continue
            index += 1
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


# ---- lengths, tokens ---------------------------------------------------------------------

_UNDETERMINED_LANGUAGES = {"und", "unknown", "mixed", "mul"}
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-']*")
_EN_STOPWORDS = wordlists.function_words()


def is_chinese(text: str, language: str | None) -> bool:
    """Chinese-style text (budget in characters); undetermined languages are judged by script."""
    if language and language.lower() not in _UNDETERMINED_LANGUAGES:
        return language.lower().startswith(("zh", "ja"))
    cjk = len(HAN_RE.findall(text))
    return cjk > 0 and cjk >= len(_WORD_RE.findall(text))


def text_length(text: str, language: str) -> int:
    """Length in the budget's unit: characters (without spaces) for Chinese, words otherwise."""
    if is_chinese(text, language):
        return len(re.sub(r"\s+", "", text))
    return len(text.split())


def content_tokens(text: str) -> set[str]:
    """Character bigrams of Chinese runs plus lower-cased non-stopword Latin words."""
    tokens: set[str] = set()
    for run in re.findall(HAN_RUN_PATTERN, text):
        if len(run) == 1:
            tokens.add(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in _WORD_RE.findall(text):
        lowered = word.lower().strip(".'-")
        if lowered and lowered not in _EN_STOPWORDS:
            tokens.add(lowered)
    return tokens


# ---- furniture and datelines -------------------------------------------------------------

_BOILERPLATE_RE = re.compile(
    "|".join(f"(?:{pattern})" for pattern in vocabulary.boilerplate_sentence_patterns()),
    re.IGNORECASE,
)
_DATELINE_PATTERNS = [re.compile(pattern) for pattern in vocabulary.dateline_patterns()]


def is_boilerplate(sentence: str) -> bool:
    """True for sentences that look like page furniture rather than reporting."""
    if _BOILERPLATE_RE.search(sentence):
        return True
    letters = len(HAN_RE.findall(sentence)) + len(re.findall(r"[A-Za-z]", sentence))
    return letters < max(4, len(sentence) // 3)


def strip_dateline(sentence: str) -> str:
    """Drop a leading agency tag or dateline, which says who wrote it, not what happened."""
    stripped = sentence
    for pattern in _DATELINE_PATTERNS:
        stripped = pattern.sub("", stripped, count=1)
    return stripped.strip() or sentence
