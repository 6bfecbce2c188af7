"""Which language a text is in, and for Chinese, which script: Simplified or Traditional.

Language comes from lingua over a sample of the text, restricted to the languages the sources
publish in; a text too short to tell takes its source's declared language. Script counts the
Han characters that exist in only one of the two scripts (by OpenCC's tables).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from news_pipeline.cjk import HAN_RE

# Language detection needs a few words; shorter texts take the source's declared language.
MIN_DETECTION_LETTERS = 20
DETECTION_SAMPLE_CHARS = 2000
SCRIPT_SAMPLE_CHARS = 3000
SCRIPT_SIMPLIFIED = "hans"
SCRIPT_TRADITIONAL = "hant"

DETECTABLE_LANGUAGES = ("zh", "en", "ja", "ko", "fr", "de", "es")

_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _language_detector() -> Any:
    """Built once per process (the pool's workers each build their own on first use)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in DETECTABLE_LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def _normalise_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    return re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0] or None


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of the text; the source's language when the text is too short."""
    sample = text[:DETECTION_SAMPLE_CHARS]
    fallback = _normalise_hint(hint)
    if len(_LETTER.findall(sample)) < MIN_DETECTION_LETTERS:
        return fallback
    detected = _language_detector().detect_language_of(sample)
    if detected is None:
        return fallback
    return detected.iso_code_639_1.name.lower()


@lru_cache(maxsize=2)
def _opencc(config: str) -> Any:
    from opencc import OpenCC

    return OpenCC(config)


@lru_cache(maxsize=65536)
def _han_variant(character: str) -> int:
    """+1 for a Traditional-only character, -1 for a Simplified-only one, 0 for shared."""
    if _opencc("t2s").convert(character) != character:
        return 1
    if _opencc("s2t").convert(character) != character:
        return -1
    return 0


def detect_script(text: str) -> str | None:
    """hant when Traditional-only characters outnumber Simplified-only ones, else hans."""
    han = HAN_RE.findall(text[:SCRIPT_SAMPLE_CHARS])
    if not han:
        return None
    balance = sum(_han_variant(character) for character in han)
    return SCRIPT_TRADITIONAL if balance > 0 else SCRIPT_SIMPLIFIED
