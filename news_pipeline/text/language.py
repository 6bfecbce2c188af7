"""Which language a text is in, and for Chinese, which script: Simplified or Traditional.

Language comes from lingua over a sample of the text, restricted to the languages the sources
publish in; a text too short to tell takes its source's declared language. A first pass spares
lingua (whose models for the Latin-script languages take about a second to load in every
worker process) the plain cases: Han characters without kana or hangul are Chinese, and a
Latin-script text most of whose words are function words of English, German, French or
Spanish (data/language_markers.yaml) is that language. Script counts
the Han characters that exist in only one of the two scripts (by OpenCC's tables).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from news_pipeline.cjk import HAN_RE
from news_pipeline.datafiles import load_data_yaml

# Language detection needs a few words; shorter texts take the source's declared language.
MIN_DETECTION_LETTERS = 20
DETECTION_SAMPLE_CHARS = 2000
SCRIPT_SAMPLE_CHARS = 3000
SCRIPT_SIMPLIFIED = "hans"
SCRIPT_TRADITIONAL = "hant"

DETECTABLE_LANGUAGES = ("zh", "en", "ja", "ko", "fr", "de", "es")

_LETTER = re.compile(r"[^\W\d_]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LATIN_WORD = re.compile(r"[a-z\u00df-\u024f]+")
# The first pass decides only for Latin-script text (this share of its letters) of at least
# MIN_MARKED_WORDS words, when one language's markers make MIN_MARKER_SHARE of the words and
# outnumber every other language's MARKER_LEAD times over.
MIN_LATIN_SHARE = 0.95
MIN_HAN_SHARE = 0.7
_KANA_OR_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")
MIN_MARKED_WORDS = 20
MIN_MARKER_SHARE = 0.15
MARKER_LEAD = 4


@lru_cache(maxsize=1)
def _markers() -> dict[str, str]:
    """Marker word -> its language, from data/language_markers.yaml."""

    data = load_data_yaml("language_markers.yaml")
    return {word: language for language, words in data.items() for word in words}


def _plain_language(sample: str, letters: int) -> str | None:
    """Chinese for text written in Han characters alone (no kana, no hangul), or the language
    of a Latin-script text whose function words leave no doubt; else None."""
    if len(HAN_RE.findall(sample)) >= MIN_HAN_SHARE * letters and not _KANA_OR_HANGUL.search(
        sample
    ):
        return "zh"
    if len(_LATIN_LETTER.findall(sample)) < MIN_LATIN_SHARE * letters:
        return None
    words = _LATIN_WORD.findall(sample.lower())
    if len(words) < MIN_MARKED_WORDS:
        return None
    markers = _markers()
    counts: dict[str, int] = {}
    for word in words:
        language = markers.get(word)
        if language is not None:
            counts[language] = counts.get(language, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.values(), reverse=True)
    best = max(counts, key=counts.__getitem__)
    runner_up = ranked[1] if len(ranked) > 1 else 0
    if ranked[0] >= MIN_MARKER_SHARE * len(words) and ranked[0] >= MARKER_LEAD * runner_up:
        return best
    return None


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
    letters = len(_LETTER.findall(sample))
    if letters < MIN_DETECTION_LETTERS:
        return fallback
    plain = _plain_language(sample, letters)
    if plain is not None:
        return plain
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
