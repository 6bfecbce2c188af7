"""Which code points are Chinese (and other CJK) characters: one definition for every stage.

Ranges are given once; regex character classes are built from the characters themselves, so
the same class works in Python's `re` and in polars' Rust regex engine.
"""

from __future__ import annotations

import re

# Han ideographs: unified (basic block, extension A), compatibility, extensions B and later.
HAN_BASIC = (0x4E00, 0x9FFF)
HAN_EXTENSION_A = (0x3400, 0x4DBF)
HAN_COMPATIBILITY = (0xF900, 0xFAFF)
HAN_SUPPLEMENTARY = (0x20000, 0x2FFFF)
HAN_RANGES = (HAN_EXTENSION_A, HAN_BASIC, HAN_COMPATIBILITY, HAN_SUPPLEMENTARY)
# Other CJK scripts and the punctuation blocks Chinese text uses.
KANA = (0x3040, 0x30FF)
HANGUL_SYLLABLES = (0xAC00, 0xD7AF)
CJK_SYMBOLS_AND_PUNCTUATION = (0x3000, 0x303F)
HALFWIDTH_AND_FULLWIDTH_FORMS = (0xFF00, 0xFFEF)
CJK_LETTER_RANGES = (KANA, *HAN_RANGES, HANGUL_SYLLABLES)


def character_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """`[...]` matching any code point of `ranges`, for `re` and polars alike."""
    return "[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges) + "]"


HAN_CLASS = character_class(HAN_RANGES)
HAN_RE = re.compile(HAN_CLASS)
HAN_RUN_PATTERN = HAN_CLASS + "+"


def in_ranges(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def is_han(char: str) -> bool:
    return in_ranges(char, HAN_RANGES)


def is_chinese_text_char(char: str) -> bool:
    """A Han character or Chinese punctuation (full-width forms included)."""
    return in_ranges(
        char, (*HAN_RANGES, CJK_SYMBOLS_AND_PUNCTUATION, HALFWIDTH_AND_FULLWIDTH_FORMS)
    )
