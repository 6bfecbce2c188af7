"""Extractive, offline summaries of a story.

Summaries are built only from sentences of the lead article, so they never say anything its
source did not; the rest of the story's cluster only votes on which lead sentences matter
(content several outlets repeat is what the story is about). Boilerplate (editor credits,
"follow us", stock-app ads, cookie notices) never reaches a summary, and a sentence is never
cut: the budget decides which whole sentences fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from news_pipeline.cjk import HAN_RE
from news_pipeline.editorial.sentences import (
    content_tokens,
    is_boilerplate,
    is_chinese,
    split_sentences,
    strip_dateline,
    text_length,
)

__all__ = ["summarize_story"]

_RELATIVE_SCORE_FLOOR = 0.6
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class _ScoredSentence:
    position: int
    text: str
    length: int
    score: float


def _is_candidate(sentence: str, language: str) -> bool:
    if is_boilerplate(sentence):
        return False
    if is_chinese(sentence, language):
        return len(HAN_RE.findall(sentence)) >= 8
    return len(sentence.split()) >= 5


def _cluster_support(sentence_tokens: set[str], other_token_sets: list[set[str]]) -> float:
    """Share of the other members that carry at least half of this sentence's content."""
    if not other_token_sets or not sentence_tokens:
        return 0.0
    supporting = sum(
        1
        for other in other_token_sets
        if len(sentence_tokens & other) / len(sentence_tokens) >= 0.5
    )
    return supporting / len(other_token_sets)


def _rank_lead_sentences(
    lead_text: str, other_texts: list[str], language: str
) -> list[_ScoredSentence]:
    """Score every usable lead sentence: position prior plus cluster support plus facts."""
    other_token_sets = [content_tokens(text) for text in other_texts if text and text.strip()]
    sentences = [strip_dateline(sentence) for sentence in split_sentences(lead_text)]
    candidates = [sentence for sentence in sentences if _is_candidate(sentence, language)]
    if not candidates:
        # A very short text: any sentence that is not page furniture will do.
        candidates = [sentence for sentence in sentences if not is_boilerplate(sentence)]
    scored = []
    for position, sentence in enumerate(candidates):
        position_prior = 1.0 / (1.0 + 0.5 * position)
        support = (
            _cluster_support(content_tokens(sentence), other_token_sets)
            if other_token_sets
            else 0.0
        )
        has_number = 0.1 if _DIGIT_RE.search(sentence) else 0.0
        score = position_prior + 2.0 * support + has_number
        scored.append(_ScoredSentence(position, sentence, text_length(sentence, language), score))
    return scored


def summarize_story(
    lead_text: str,
    other_texts: list[str],
    language: str,
    budget_chars: int = 120,
    budget_words: int = 60,
) -> str:
    """Pick whole lead sentences, best first, until the budget is used; keep text order.

    The budget is `budget_chars` characters for Chinese and `budget_words` words otherwise.
    Sentences scoring below 60% of the best are left out even when they would fit. When no
    sentence fits, the shortest of the three best is used whole rather than cut.
    """
    if not lead_text or not lead_text.strip():
        return ""
    budget = budget_chars if is_chinese(lead_text, language) else budget_words
    ranked = _rank_lead_sentences(lead_text, other_texts, language)
    if not ranked:
        return ""

    by_score = sorted(ranked, key=lambda item: (-item.score, item.position))
    # Filler is worse than a short summary: only sentences close to the best one are added.
    floor = _RELATIVE_SCORE_FLOOR * by_score[0].score
    chosen: list[_ScoredSentence] = []
    used = 0
    for candidate in by_score:
        if candidate.score >= floor and used + candidate.length <= budget:
            chosen.append(candidate)
            used += candidate.length
    if not chosen:
        chosen = [min(by_score[:3], key=lambda item: (item.length, -item.score))]
    chosen.sort(key=lambda item: item.position)
    joiner = "" if is_chinese(lead_text, language) else " "
    return joiner.join(item.text for item in chosen)
