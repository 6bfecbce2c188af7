"""How important a story is, and its tier among the day's stories.

    importance = 3.0 · ln(1 + Σ_s w_s)     coverage: distinct sources s with their weights w_s
               + 2.0 · E                  E: weight (0-1) of the heaviest entity named, halved
                                              when it appears only in the body
               + 1.5 · min(1.5, Σ_k g_k)  g_k: 1 when a release / funding / lawsuit signal word
                                              is in the title, 0.5 when only in the body
               + 0.5 · R                  R: the lead's publish time as a fraction of the day
                                              (00:00 = 0, 24:00 = 1) in the partition's timezone
               + 0.5 · min(1, chars / 4000)   text length of the lead article

(as documented in the README). Tiers, per day among on-topic stories ordered by importance
(then story_id): the first `headline_count` (3-5) are `headline`, the rest with importance >=
`section_importance_floor` are `section`, the others `brief`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from news_pipeline import schema
from news_pipeline.editorial.settings import CategorizeSettings
from news_pipeline.editorial.taxonomy import TaxonomyMatcher

__all__ = ["assign_tiers", "compute_importance", "story_importance"]


def _entity_factor(matcher: TaxonomyMatcher, title: str, body: str) -> float:
    best = 0.0
    for info in matcher.weighted_entities.count(title):
        best = max(best, matcher.entity_weights[info.term])
    for info in matcher.weighted_entities.count(body):
        best = max(best, 0.5 * matcher.entity_weights[info.term])
    return best


def _signal_factor(matcher: TaxonomyMatcher, title: str, body: str) -> float:
    in_title = {owner for info in matcher.signals.count(title) for owner, _ in info.owners}
    in_body = {owner for info in matcher.signals.count(body) for owner, _ in info.owners}
    total = len(in_title) + 0.5 * len(in_body - in_title)
    return min(1.5, total)


def _recency(published_at: datetime | None, day: date, timezone: str) -> float:
    if published_at is None:
        return 0.0
    window = schema.DayWindow(day, timezone)
    seconds = (published_at - window.start_utc).total_seconds()
    span = (window.end_utc - window.start_utc).total_seconds()
    return min(1.0, max(0.0, seconds / span))


def compute_importance(
    source_weights: dict[str, float],
    entity_factor: float,
    signal_factor: float,
    recency: float,
    text_chars: int,
) -> float:
    """The README formula (module docstring) from its already measured parts."""
    coverage = math.log(1.0 + sum(source_weights.values()))
    length = min(1.0, max(text_chars, 0) / 4000.0)
    value = (
        3.0 * coverage + 2.0 * entity_factor + 1.5 * signal_factor + 0.5 * recency + 0.5 * length
    )
    return round(value, 4)


def story_importance(
    matcher: TaxonomyMatcher,
    title: str,
    body: str,
    source_weights: dict[str, float],
    published_at: datetime | None,
    day: date,
    timezone: str,
    text_chars: int,
) -> float:
    """One story's importance: entities and signal words of its lead's title and body, its
    sources, the lead's publish time in the day of `day` and its length."""
    return compute_importance(
        source_weights=source_weights,
        entity_factor=_entity_factor(matcher, title, body),
        signal_factor=_signal_factor(matcher, title, body),
        recency=_recency(published_at, day, timezone),
        text_chars=text_chars,
    )


def assign_tiers(items: list[dict[str, Any]], settings: CategorizeSettings) -> None:
    """Set each on-topic item's `tier` in place, ranking the items of each day separately."""
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        if not item["off_topic"]:
            by_day[item["partition_date"]].append(item)
    for day_items in by_day.values():
        day_items.sort(key=lambda item: (-item["importance"], item["story_id"]))
        for rank, item in enumerate(day_items):
            if rank < settings.headline_count:
                item["tier"] = "headline"
            elif item["importance"] >= settings.section_importance_floor:
                item["tier"] = "section"
            else:
                item["tier"] = "brief"
