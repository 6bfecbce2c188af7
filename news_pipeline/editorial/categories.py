"""A story's category with its evidence, and its AI relevance, from its title and body text.

Category. Every keyword of a category found in the lead title scores 3 and an entity of the
category (a product, lab or model name: its prior) 2. In the body (lead text, first 1,500
characters, plus the other members' titles) a keyword scores 1 + 0.5·ln(occurrences) and an
entity not in the title 1; the body sum b counts as 3·(1 − e^(−b/3)), so a background paragraph
never outweighs one title keyword. Strong keywords (a genre such as 论文/opinion, a legal or
financial event such as 起诉/sues, 融资/raises) count double. Where terms overlap the longer one
wins. The highest total wins; ties go to the larger title score, then more distinct terms, then
the earlier category in the file; below `min_category_score` (1.5) the story is `other`. The
matched terms are kept in `category_evidence`.

AI relevance. Each distinct AI term or entity counts 2 in the title and 1 + 0.25·(extra
occurrences, up to 4) in the body; relevance = raw / (raw + 2). The default threshold 0.3 keeps
a story that names AI once (dropping a real AI story costs more than keeping a marginal one);
stories below `ai_relevance_threshold` are `off_topic` (tier null).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from news_pipeline.editorial.settings import CategorizeSettings
from news_pipeline.editorial.taxonomy import OTHER_CATEGORY, Taxonomy, TaxonomyMatcher

__all__ = [
    "BODY_CHARS_FOR_MATCHING",
    "StoryClassification",
    "ai_relevance_score",
    "classify_story",
]

# Body evidence saturates towards this score: a background paragraph full of one topic's
# vocabulary must not outweigh what the title says the story is about.
BODY_SATURATION = 3.0
BODY_CHARS_FOR_MATCHING = 1500

_TITLE_KEYWORD_SCORE = 3.0
_BODY_KEYWORD_SCORE = 1.0
_TITLE_ENTITY_SCORE = 2.0
_BODY_ENTITY_SCORE = 1.0
_TITLE_AI_SCORE = 2.0
_BODY_AI_SCORE = 1.0
_RELEVANCE_HALF_POINT = 2.0


@dataclass(frozen=True)
class StoryClassification:
    category: str
    evidence: list[str]
    ai_relevance: float
    off_topic: bool
    category_scores: dict[str, float] = field(default_factory=dict)


def _body_weight(occurrences: int) -> float:
    return 1.0 + 0.5 * math.log(occurrences) if occurrences > 0 else 0.0


def _score_categories(
    matcher: TaxonomyMatcher, title: str, body: str
) -> tuple[dict[str, float], dict[str, float], dict[str, list[tuple[float, str]]]]:
    """Per category: title evidence plus saturated body evidence, the title part, the terms."""
    title_scores = {category_id: 0.0 for category_id in matcher.category_ids}
    body_scores = dict(title_scores)
    evidence: dict[str, list[tuple[float, str]]] = defaultdict(list)
    title_counts = matcher.categories.count(title)
    body_counts = matcher.categories.count(body)
    for info in set(title_counts) | set(body_counts):
        in_title = info in title_counts
        if info.is_entity:
            title_part = _TITLE_ENTITY_SCORE if in_title else 0.0
            body_part = 0.0 if in_title else _BODY_ENTITY_SCORE
        else:
            title_part = _TITLE_KEYWORD_SCORE if in_title else 0.0
            body_part = _BODY_KEYWORD_SCORE * _body_weight(body_counts.get(info, 0))
        for category_id, weight in info.owners:
            title_scores[category_id] += weight * title_part
            body_scores[category_id] += weight * body_part
            evidence[category_id].append((weight * (title_part + body_part), info.term))
    totals = {
        category_id: title_scores[category_id]
        + BODY_SATURATION * (1.0 - math.exp(-body_scores[category_id] / BODY_SATURATION))
        for category_id in matcher.category_ids
    }
    return totals, title_scores, evidence


def ai_relevance_score(matcher: TaxonomyMatcher, title: str, body: str) -> float:
    """AI relevance from 0 to 1 (module docstring): AI terms and entities, title counting more."""
    title_counts = matcher.relevance.count(title)
    body_counts = matcher.relevance.count(body)
    raw = _TITLE_AI_SCORE * len(title_counts)
    for occurrences in body_counts.values():
        raw += _BODY_AI_SCORE + 0.25 * min(occurrences - 1, 4)
    return round(raw / (raw + _RELEVANCE_HALF_POINT), 4)


def classify_story(
    title: str, body: str, taxonomy: Taxonomy, settings: CategorizeSettings | None = None
) -> StoryClassification:
    """Category, evidence and AI relevance of one story from its title and body text."""
    settings = settings or CategorizeSettings()
    matcher = taxonomy.matcher()
    title = title or ""
    body = (body or "")[:BODY_CHARS_FOR_MATCHING]
    totals, title_scores, evidence = _score_categories(matcher, title, body)
    order = {category_id: index for index, category_id in enumerate(matcher.category_ids)}

    def rank(category_id: str) -> tuple[float, float, int, int]:
        return (
            round(totals[category_id], 6),
            round(title_scores[category_id], 6),
            len(evidence[category_id]),
            -order[category_id],
        )

    best = max(matcher.category_ids, key=rank)
    if totals[best] < settings.min_category_score:
        best = OTHER_CATEGORY
    terms = [term for _, term in sorted(evidence[best], key=lambda item: (-item[0], item[1]))]
    relevance = ai_relevance_score(matcher, title, body)
    return StoryClassification(
        category=best,
        evidence=terms[:8],
        ai_relevance=relevance,
        off_topic=relevance < settings.ai_relevance_threshold,
        category_scores={key: round(value, 4) for key, value in totals.items()},
    )
