"""Traditional Chinese (Taiwan, Hong Kong) read as Simplified, so one vocabulary serves both.

The categorizer matches Simplified terms; a zh-Hant report writes 軟體, 伺服器, 晶片 and 影片
where a zh-Hans one writes 软件, 服务器, 芯片 and 视频. `to_simplified` applies OpenCC's own
tables (shipped with `opencc-python-reimplemented`): first the Taiwan and Hong Kong phrase and
variant tables, longest phrase first, then the character table. It is one dictionary pass and a
`str.translate`, several times faster than OpenCC's own converter on a news article, and
text without a Traditional-only character is returned unchanged, so Simplified and English
text cost one `translate`.
"""

from __future__ import annotations

import functools
from importlib import resources

__all__ = ["is_traditional", "to_simplified"]

# Phrase tables first (regional usage, then variants), then the character table.
_PHRASE_TABLES = (
    "TWPhrasesRev.txt",
    "TWVariantsRevPhrases.txt",
    "HKVariantsRevPhrases.txt",
    "TSPhrases.txt",
)
_CHARACTER_TABLE = "TSCharacters.txt"


def _read_table(name: str) -> dict[str, str]:
    """source -> first target of one OpenCC dictionary file (tab, then space-separated)."""
    text = resources.files("opencc").joinpath("dictionary", name).read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        if source and targets:
            table.setdefault(source, targets.split()[0])
    return table


@functools.cache
def _tables() -> tuple[dict[int, str], dict[str, str], dict[str, tuple[int, ...]]]:
    characters = _read_table(_CHARACTER_TABLE)
    translate = str.maketrans({k: v for k, v in characters.items() if len(k) == 1})
    phrases: dict[str, str] = {}
    for name in _PHRASE_TABLES:
        for source, target in _read_table(name).items():
            if len(source) > 1:
                phrases.setdefault(source, target)
    lengths: dict[str, set[int]] = {}
    for phrase in phrases:
        lengths.setdefault(phrase[0], set()).add(len(phrase))
    longest_first = {first: tuple(sorted(sizes, reverse=True)) for first, sizes in lengths.items()}
    return translate, phrases, longest_first


def _replace_phrases(
    text: str, phrases: dict[str, str], lengths: dict[str, tuple[int, ...]]
) -> str:
    """Left to right, the longest phrase of the tables at each position."""
    parts: list[str] = []
    position = 0
    while position < len(text):
        for size in lengths.get(text[position], ()):
            target = phrases.get(text[position : position + size])
            if target is not None:
                parts.append(target)
                position += size
                break
        else:
            parts.append(text[position])
            position += 1
    return "".join(parts)


@functools.cache
def _traditional_characters() -> frozenset[str]:
    """The characters the character table changes."""
    translate, _, _ = _tables()
    return frozenset(chr(code) for code, target in translate.items() if target != chr(code))


@functools.lru_cache(maxsize=256)
def is_traditional(text: str) -> bool:
    """Whether the text has a character that only Traditional Chinese uses (a set lookup per
    character: 4x faster than translating a copy, and 25x faster than a character class)."""
    return not _traditional_characters().isdisjoint(text)


@functools.lru_cache(maxsize=4096)
def to_simplified(text: str, traditional: bool | None = None) -> str:
    """The text in Simplified characters and mainland usage (軟體 -> 软件, 晶片 -> 芯片).

    Regional usage is converted only in Traditional text (`traditional`, by default whether
    the text itself has a Traditional-only character): in zh-Hans text 影片 means a film, in a
    Taiwanese report a video. Pass the story's own answer for a short title."""
    translate, phrases, lengths = _tables()
    if traditional is None:
        traditional = is_traditional(text)
    if not traditional:
        return text
    return _replace_phrases(text, phrases, lengths).translate(translate)
