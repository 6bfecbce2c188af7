"""Key facts: the sentences or clauses of a story that state a number with its unit.

Facts are whole sentences of the articles (long ones broken at their clauses), never
rewritten; a year or a bare number is not a fact. The units come from data/fact_units.yaml.
"""

from __future__ import annotations

import math
import re

from news_pipeline.editorial import vocabulary
from news_pipeline.editorial.sentences import (
    Splitter,
    content_tokens,
    is_boilerplate,
    is_chinese,
    split_sentences,
    strip_dateline,
    text_length,
)

__all__ = ["extract_key_facts", "story_key_facts"]

_UNITS = vocabulary.fact_units()
_NUMBER = r"\d+(?:[.,]\d+)*"
_ZH_UNITS = (
    "(?:" + "|".join(_UNITS["zh_multipliers"]) + r")?\s*(?:" + "|".join(_UNITS["zh_units"]) + ")"
)
_EN_UNITS = "(?:" + "|".join(_UNITS["en_units"]) + ")"
_FACT_NUMBER_RE = re.compile(
    # Every alternative starts at a digit or a currency sign: the lookahead turns every other
    # position away before the alternatives are tried one by one.
    r"(?=[\d$¥€£])(?:"
    rf"(?:[$¥€£]\s?{_NUMBER})"  # currency amounts: $2B, ¥100
    rf"|(?:(?<![\d/])\d+/\d+(?![\d/]))"  # ratios: 1/18
    rf"|(?:(?<![A-Za-z]){_NUMBER}\s*{_ZH_UNITS})"  # 3970亿参数, 100万 Token, 10亿美元, 60%
    rf"|(?:(?<![A-Za-z]){_NUMBER}\s*{_EN_UNITS})"  # 397B, 8.6x, 2 billion
    ")"
)
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}\s*年?$")
# Every alternative of _FACT_NUMBER_RE holds a digit: a unit without one has no figure.
_DIGIT_RE = re.compile(r"\d")
_FIRST_WORD_RE = re.compile(r"\s*([A-Z][a-z]+)\b")
_LATIN_NAME_RE = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:[-. ][A-Z0-9][A-Za-z0-9.]*)*")
_CLAUSE_SPLIT_RE = re.compile(r"(?<=[，,：:])\s*")
# A member's fact is left out when the facts already chosen hold this share of its content.
_COVERED_SHARE = 0.6


def _number_hits(text: str) -> list[str]:
    hits = [match.group(0) for match in _FACT_NUMBER_RE.finditer(text)]
    return [hit for hit in hits if not _YEAR_RE.match(hit.strip())]


def _named_entity_count(text: str, chinese: bool) -> int:
    names = _LATIN_NAME_RE.findall(text)
    if not chinese:
        # An English sentence's first word is capitalised anyway.
        first = _FIRST_WORD_RE.match(text)
        if first and names and names[0] == first.group(1):
            names = names[1:]
    return len(set(names))


def _fact_units(text: str, language: str, split: Splitter) -> list[str]:
    """Sentences, with over-long ones broken into their clauses."""
    chinese = is_chinese(text, language)
    limit = 80 if chinese else 40
    units: list[str] = []
    for sentence in map(strip_dateline, split(text)):
        if text_length(sentence, language) <= limit:
            units.append(sentence)
            continue
        clauses = [clause.strip() for clause in _CLAUSE_SPLIT_RE.split(sentence)]
        units.extend(clause.rstrip("，,：:") for clause in clauses if clause)
    return units


def extract_key_facts(
    text: str, language: str, max_facts: int = 4, split: Splitter = split_sentences
) -> list[str]:
    """Sentences or clauses that state a number with its unit, named entities counting extra.

    Returns at most `max_facts` items in text order; empty when the text has no figures.
    """
    if not text or max_facts <= 0:
        return []
    chinese = is_chinese(text, language)
    scored: list[tuple[float, int, str]] = []
    seen: set[str] = set()
    for position, unit in enumerate(_fact_units(text, language, split)):
        # A unit counts once, at its first position, if it states a figure and is not
        # furniture; the cheap digit test goes first.
        if unit in seen:
            continue
        seen.add(unit)
        if not _DIGIT_RE.search(unit) or is_boilerplate(unit):
            continue
        numbers = _number_hits(unit)
        if not numbers:
            continue
        entities = _named_entity_count(unit, chinese)
        score = 2.0 * len(numbers) + min(entities, 3) - 0.02 * position
        score -= max(0.0, math.log(max(text_length(unit, language), 1) / 60.0))
        scored.append((score, position, unit))
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:max_facts]
    return [unit for _, _, unit in sorted(best, key=lambda item: item[1])]


def story_key_facts(
    lead_text: str,
    other_texts: list[str],
    language: str,
    max_facts: int,
    split: Splitter = split_sentences,
) -> list[str]:
    """The lead's key facts, topped up from other members with facts the lead lacks."""
    facts: list[str] = []
    covered: set[str] = set()
    for text in [lead_text, *other_texts]:
        for fact in extract_key_facts(text, language, max_facts=max_facts, split=split):
            tokens = content_tokens(fact)
            if len(facts) >= max_facts or not tokens:
                break
            if len(tokens & covered) / len(tokens) >= _COVERED_SHARE:
                continue
            facts.append(fact)
            covered |= tokens
    return facts
