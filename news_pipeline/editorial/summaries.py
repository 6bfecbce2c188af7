"""Extractive, offline summaries of a story.

A summary is whole sentences of the story's own articles, never rewritten, so it says nothing
its sources did not. It opens with the sentence that states the event: among the first
sentences of every article in the lead's language, the one that carries most of what the
articles' titles say (the titles are where each outlet named the event), so a lead that opens
with background still gets a summary that opens with the news. The rest of the budget goes to
the sentences the cluster repeats (content several outlets carry is what the story is about),
from any article, none saying again what a chosen one said. Boilerplate (editor credits,
"follow us", stock-app ads, cookie notices) never reaches a summary, and a sentence is never
cut: the budget decides which whole sentences fit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from news_pipeline.cjk import HAN_RE
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

__all__ = ["summarize_story"]

_RELATIVE_SCORE_FLOOR = 0.6
# Where an article states its event: among its first sentences, most often the first.
_EVENT_POSITION_PRIOR = (1.0, 0.6, 0.4)
_EVENT_POSITIONS = len(_EVENT_POSITION_PRIOR)
# Below this share of the titles' content, no sentence is taken to state the event.
_EVENT_MIN_TITLE_SHARE = 0.1
_EVENT_LEAD_BONUS = 0.2
_CUE_WEIGHT = 0.3
_EVENT_CUES = [re.compile(p, re.IGNORECASE) for p in vocabulary.summary_cue_patterns()["event"]]
_BACKGROUND_CUES = [
    re.compile(p, re.IGNORECASE) for p in vocabulary.summary_cue_patterns()["background"]
]
_DEPENDENT_CUES = [
    re.compile(p, re.IGNORECASE) for p in vocabulary.summary_cue_patterns()["dependent"]
]
# Figures and Latin-script names: what a sentence from another article must add.
_FACT_RE = re.compile(r"\d+(?:\.\d+)?|[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
# A lead sentence whose content is this much covered by the chosen ones would repeat them;
# one from another article must be mostly new, with a figure or a name of its own.
_REPEATS_SHARE = 0.6
_OTHER_ARTICLE_REPEATS_SHARE = 0.3
_LEAD_BONUS = 0.7
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class _Sentence:
    article: int
    position: int
    text: str
    language: str
    score: float
    # The score with the lead's preference: a fact several articles state is told in the
    # lead's words, but the preference does not lower the bar filler sentences must meet.
    rank: float

    @functools.cached_property
    def length(self) -> int:
        """Characters (Chinese) or words, read when first asked."""
        return text_length(self.text, self.language)

    @functools.cached_property
    def tokens(self) -> frozenset[str]:
        """Content tokens, read when first asked: most sentences of a one-article story
        never are (865 real stories: a tenth of the stage's time)."""
        return frozenset(content_tokens(self.text))


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


def _article_sentences(
    text: str, language: str, chinese: bool, is_lead: bool, split: Splitter
) -> list[str]:
    """Usable sentences of one article; other articles' only in the lead's script."""
    sentences = [strip_dateline(sentence) for sentence in split(text)]
    if not is_lead:
        sentences = [s for s in sentences if is_chinese(s, None) == chinese]
    candidates = [s for s in sentences if _is_candidate(s, language)]
    if not candidates and is_lead:
        # A very short text: any sentence that is not page furniture will do.
        candidates = [s for s in sentences if not is_boilerplate(s)]
    return candidates


def _rank_sentences(texts: list[str], language: str, split: Splitter) -> list[_Sentence]:
    """Score every usable sentence: position prior, cluster support, facts, the lead's own."""
    chinese = is_chinese(texts[0], language)
    # an article's own tokens only matter as the others of another article's sentences
    token_sets = [
        content_tokens(text) if len(texts) > 1 and text and text.strip() else set()
        for text in texts
    ]
    scored = []
    seen: set[str] = set()
    for article, text in enumerate(texts):
        others = [tokens for index, tokens in enumerate(token_sets) if index != article and tokens]
        for position, sentence in enumerate(
            _article_sentences(text, language, chinese, is_lead=article == 0, split=split)
        ):
            if sentence in seen:  # a syndicated copy says it again: the first one counts
                continue
            seen.add(sentence)
            position_prior = 1.0 / (1.0 + 0.5 * position)
            has_number = 0.1 if _DIGIT_RE.search(sentence) else 0.0
            support = _cluster_support(content_tokens(sentence), others) if others else 0.0
            score = position_prior + 2.0 * support + has_number
            rank = score + (_LEAD_BONUS if article == 0 else 0.0)
            scored.append(_Sentence(article, position, sentence, language, score, rank))
    return scored


def _title_weights(titles: Sequence[str]) -> dict[str, int]:
    """Each content token of the titles, weighted by how many titles carry it: what the
    outlets agree the event is weighs most."""
    weights: dict[str, int] = {}
    for title in titles:
        for token in content_tokens(title or ""):
            weights[token] = weights.get(token, 0) + 1
    return weights


def _cue(patterns: list[re.Pattern[str]], text: str) -> float:
    return 1.0 if any(pattern.search(text) for pattern in patterns) else 0.0


def _event_sentence(
    ranked: list[_Sentence], titles: Sequence[str], budget: int
) -> _Sentence | None:
    """The early sentence that states the event; None without titles to tell it by.

    Score: its share of the titles' weighted words (relative to the best sentence's), a news
    lead's position (first sentence of its article), the cues of a lead, minus those of
    background and of a sentence that leans on an earlier one; the lead article's sentences a
    little ahead. One that fits the budget wins.
    """
    weights = _title_weights(titles)
    total = sum(weights.values())
    early = [s for s in ranked if s.position < _EVENT_POSITIONS]
    if not total or not early:
        return None
    shares = {id(s): sum(weights.get(t, 0) for t in s.tokens) / total for s in early}
    best_share = max(shares.values())
    if best_share < _EVENT_MIN_TITLE_SHARE:
        return None

    def event_score(sentence: _Sentence) -> float:
        return (
            shares[id(sentence)] / best_share
            + _EVENT_POSITION_PRIOR[sentence.position]
            + _CUE_WEIGHT * _cue(_EVENT_CUES, sentence.text)
            - 2 * _CUE_WEIGHT * _cue(_BACKGROUND_CUES, sentence.text)
            - 4 * _CUE_WEIGHT * _cue(_DEPENDENT_CUES, sentence.text)
            + (_EVENT_LEAD_BONUS if sentence.article == 0 else 0.0)
        )

    ordered = sorted(early, key=lambda s: (-event_score(s), s.article, s.position))
    return next((s for s in ordered if s.length <= budget), ordered[0])


def _facts(text: str) -> set[str]:
    return {fact.lower() for fact in _FACT_RE.findall(text) if len(fact) > 1 or fact.isdigit()}


def _adds_to(candidate: _Sentence, chosen: list[_Sentence]) -> bool:
    """Whether the sentence says something the chosen ones do not.

    A lead sentence: unless most of its content is already there. A sentence of another
    article: only one that stands on its own, with little content in common and a figure or
    name of its own.
    """
    if not candidate.tokens:
        return False
    covered = set().union(*(s.tokens for s in chosen))
    overlap = len(candidate.tokens & covered) / len(candidate.tokens)
    if candidate.article == 0:
        return overlap < _REPEATS_SHARE
    if overlap >= _OTHER_ARTICLE_REPEATS_SHARE or _cue(_DEPENDENT_CUES, candidate.text):
        return False
    known = set().union(*(_facts(s.text) for s in chosen))
    return bool(_facts(candidate.text) - known)


def summarize_story(
    lead_text: str,
    other_texts: list[str],
    language: str,
    budget_chars: int = 120,
    budget_words: int = 60,
    titles: Sequence[str] = (),
    split: Splitter = split_sentences,
) -> str:
    """Whole sentences of the story's articles: the event first, then the best that fit.

    `titles` are the articles' titles (the lead's first); without them the best-scoring
    sentence opens the summary. The budget is `budget_chars` characters for Chinese and
    `budget_words` words otherwise. Sentences scoring below 60% of the best are left out even
    when they would fit. When no sentence fits, the shortest of the three best is used whole
    rather than cut. After the opening sentence, the lead's sentences come in text order,
    then the other articles'.
    """
    if not lead_text or not lead_text.strip():
        return ""
    budget = budget_chars if is_chinese(lead_text, language) else budget_words
    ranked = _rank_sentences([lead_text, *other_texts], language, split)
    if not ranked:
        return ""
    by_score = sorted(ranked, key=lambda s: (-s.rank, s.article, s.position))
    opening = _event_sentence(ranked, titles, budget)
    if opening is None:
        opening = next((s for s in by_score if s.length <= budget), None) or min(
            by_score[:3], key=lambda s: (s.length, -s.rank)
        )
    # Filler is worse than a short summary: only sentences close to the lead's best are added.
    floor = _RELATIVE_SCORE_FLOOR * max(s.score for s in ranked if s.article == 0)
    chosen = [opening]
    used = opening.length
    # The lead's sentences first, then what the other articles add.
    for candidate in sorted(by_score, key=lambda s: s.article != 0):
        if candidate is opening or candidate.score < floor or used + candidate.length > budget:
            continue
        if _adds_to(candidate, chosen):
            chosen.append(candidate)
            used += candidate.length
    rest = sorted(chosen[1:], key=lambda s: (s.article, s.position))
    joiner = "" if is_chinese(lead_text, language) else " "
    return joiner.join(s.text for s in [opening, *rest])
