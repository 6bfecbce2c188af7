"""How important a story is, and its tier among the day's stories.

    importance = 4.0 · ln(1 + Σ_s w_s)     coverage: distinct sources s with their weights w_s
               + 1.0 · (L − 1)            L: distinct languages and scripts of its articles
                                              (zh-Hans, zh-Hant, en, ...)
               + 0.5 · ln(1 + F)          F: follow-ups, articles beyond one per source
               + 1.0 · E                  E: the heaviest named actor in the lead's title: its
                                              entity_weights weight (0-1), or 0.6 for an
                                              organisation or product recognised from the text
                                              alone; halved when named only in the body
               + 1.0 · min(1.5, Σ_k g_k)  g_k: 1 when a release / funding / lawsuit / policy
                                              signal word is in the title, 0.5 when only in
                                              the body
               + 0.5 · R                  R: the lead's publish time as a fraction of the day
                                              (00:00 = 0, 24:00 = 1) in the partition's timezone
               + 0.5 · min(1, chars / 4000)   text length of the lead article

Coverage dominates: a story from three sites in two languages (≥ 6.5) outranks any story from
one site (≤ 6.3), whatever its names and events, so it does not depend on the gazetteer
knowing who it is about. Tiers, per day among on-topic stories ordered by importance (then
story_id): the first `headline_count` (3-5) are `headline`, the rest with importance >=
`section_importance_floor` are `section`, the others `brief`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from news_pipeline import schema
from news_pipeline.editorial.chinese import is_traditional, to_simplified
from news_pipeline.editorial.names import recognise_names
from news_pipeline.editorial.settings import CategorizeSettings
from news_pipeline.editorial.taxonomy import TaxonomyMatcher

__all__ = ["assign_tiers", "compute_importance", "story_importance"]

# E of an organisation or product that no list names but the text shows (names.py)
RECOGNISED_NAME_WEIGHT = 0.6


def _entity_factor(matcher: TaxonomyMatcher, title: str, body: str) -> float:
    best = RECOGNISED_NAME_WEIGHT if recognise_names(title) else 0.0
    for info in matcher.weighted_entities.count(title):
        best = max(best, matcher.entity_weights[info.term])
    if recognise_names(body):
        best = max(best, 0.5 * RECOGNISED_NAME_WEIGHT)
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
    languages: int = 1,
    follow_ups: int = 0,
) -> float:
    """The README formula (module docstring) from its already measured parts."""
    coverage = 4.0 * math.log(1.0 + sum(source_weights.values()))
    coverage += 1.0 * max(languages - 1, 0) + 0.5 * math.log(1.0 + max(follow_ups, 0))
    length = min(1.0, max(text_chars, 0) / 4000.0)
    value = coverage + entity_factor + signal_factor + 0.5 * recency + 0.5 * length
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
    languages: int = 1,
    follow_ups: int = 0,
) -> float:
    """One story's importance: entities and signal words of its lead's title and body (read
    as Simplified Chinese), its sources, languages and follow-ups, the lead's publish time in
    the day of `day` and its length."""
    traditional = is_traditional(title) or is_traditional(body)
    title, body = to_simplified(title, traditional), to_simplified(body, traditional)
    return compute_importance(
        source_weights=source_weights,
        entity_factor=_entity_factor(matcher, title, body),
        signal_factor=_signal_factor(matcher, title, body),
        recency=_recency(published_at, day, timezone),
        text_chars=text_chars,
        languages=languages,
        follow_ups=follow_ups,
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
