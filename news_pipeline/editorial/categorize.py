"""Categorize stories: AI relevance, one category with its evidence, importance and tier.

Input is `deduped_stories` (one row per article); output is `categorized_items`, one row per
story, in the columns of `schema.CATEGORIZED_ITEMS_SCHEMA`. Everything here is deterministic
and offline: term matching against the taxonomy (`data/taxonomy.yaml`, or a user's file).

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

Importance (as documented in the README):

    importance = 3.0 · ln(1 + Σ_s w_s)     coverage: distinct sources s with their weights w_s
               + 2.0 · E                  E: weight (0-1) of the heaviest entity named, halved
                                              when it appears only in the body
               + 1.5 · min(1.5, Σ_k g_k)  g_k: 1 when a release / funding / lawsuit signal word
                                              is in the title, 0.5 when only in the body
               + 0.5 · R                  R: the lead's publish time as a fraction of the day
                                              (00:00 = 0, 24:00 = 1) in the partition's timezone
               + 0.5 · min(1, chars / 4000)   text length of the lead article

Tiers, per day among on-topic stories ordered by importance (then story_id): the first
`headline_count` (3-5) are `headline`, the rest with importance >= `section_importance_floor`
are `section`, the others `brief`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from news_pipeline import schema
from news_pipeline.datafiles import data_path
from news_pipeline.editorial.summarize import (
    content_tokens,
    extract_key_facts,
    split_sentences,
    summarize_story,
)

__all__ = [
    "CategorizeSettings",
    "Category",
    "StoryClassification",
    "Taxonomy",
    "categorize_stories",
    "classify_story",
    "compute_importance",
    "load_taxonomy",
]

DEFAULT_TAXONOMY_PATH = data_path("taxonomy.yaml")
OTHER_CATEGORY = "other"
STRONG_KEYWORD_FACTOR = 2.0
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


# ---- taxonomy -----------------------------------------------------------------------------


class LocalizedNames(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: str
    en: str


class TermLists(BaseModel):
    """Terms per language; all languages are matched against every text (news mixes them)."""

    model_config = ConfigDict(extra="forbid")

    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    def all_terms(self) -> list[str]:
        return [*self.zh, *self.en]


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    names: LocalizedNames
    description: str = ""
    keywords: TermLists = Field(default_factory=TermLists)
    # Terms that decide the category almost by themselves: a genre (论文, opinion), a legal or
    # financial event (起诉, sues, 融资, raises). They score twice a keyword.
    strong_keywords: TermLists = Field(default_factory=TermLists)
    entities: list[str] = Field(default_factory=list)


class Taxonomy(BaseModel):
    """Categories with their evidence terms, plus the vocabularies of relevance and importance."""

    model_config = ConfigDict(extra="forbid")

    ai_terms: TermLists
    entity_weights: dict[str, float] = Field(default_factory=dict)
    importance_signals: dict[str, TermLists] = Field(default_factory=dict)
    categories: list[Category]
    _matcher: _TaxonomyMatcher | None = PrivateAttr(default=None)

    @field_validator("entity_weights")
    @classmethod
    def _weights_in_unit_range(cls, weights: dict[str, float]) -> dict[str, float]:
        for name, weight in weights.items():
            if not 0.0 <= weight <= 1.0:
                raise ValueError(f"entity_weights[{name!r}] must be between 0 and 1, got {weight}")
        return weights

    @model_validator(mode="after")
    def _ids_unique_with_other(self) -> Taxonomy:
        ids = [category.id for category in self.categories]
        duplicates = sorted({one for one in ids if ids.count(one) > 1})
        if duplicates:
            raise ValueError(f"duplicate category ids: {', '.join(duplicates)}")
        if OTHER_CATEGORY not in ids:
            raise ValueError(f"the taxonomy must define the fallback category {OTHER_CATEGORY!r}")
        return self

    def category_ids(self) -> list[str]:
        return [category.id for category in self.categories]

    def display_names(self) -> dict[str, dict[str, str]]:
        """id -> {"zh": ..., "en": ...}, in file order."""
        return {
            category.id: {"zh": category.names.zh, "en": category.names.en}
            for category in self.categories
        }

    def matcher(self) -> _TaxonomyMatcher:
        if self._matcher is None:
            self._matcher = _TaxonomyMatcher(self)
        return self._matcher


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load the taxonomy YAML; a user's file replaces the packaged default entirely."""
    path = DEFAULT_TAXONOMY_PATH if path is None else Path(path)
    text = path.read_text(encoding="utf-8")
    origin = str(path)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"taxonomy {origin}: expected a mapping at the top level")
    try:
        return Taxonomy.model_validate(data)
    except ValueError as error:
        raise ValueError(f"taxonomy {origin}: {error}") from error


class CategorizeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ai_relevance_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    headline_count: int = 5
    section_importance_floor: float = 3.5
    summary_budget_chars: int = Field(default=120, gt=0)
    summary_budget_words: int = Field(default=60, gt=0)
    min_category_score: float = Field(default=1.5, ge=0.0)
    max_key_facts: int = Field(default=4, ge=0)

    @field_validator("headline_count")
    @classmethod
    def _clamp_headlines(cls, value: int) -> int:
        """Editors want three to five headlines; out-of-range values are clamped, not refused."""
        return min(5, max(3, value))


# ---- term matching ------------------------------------------------------------------------

_ASCII_ALNUM = "A-Za-z0-9"


def _term_pattern(term: str, is_entity: bool) -> str:
    """Regex for one term: whole words for Latin edges, anywhere for Chinese edges."""
    body = r"\s+".join(re.escape(part) for part in term.split())
    if not any(char.isupper() for char in term):
        body = f"(?i:{body})"
    prefix = f"(?<![{_ASCII_ALNUM}])" if term[0].isascii() and term[0].isalnum() else ""
    last = term[-1]
    if not (last.isascii() and last.isalnum()):
        suffix = ""
    elif is_entity:
        # A name may be followed by a version number: "Qwen" in "Qwen4", not "Qwenly".
        suffix = "(?![A-Za-z])" if last.isalpha() else "(?![0-9])"
    elif last.isalpha():
        suffix = f"(?:(?i:e?s))?(?![{_ASCII_ALNUM}])"
    else:
        suffix = f"(?![{_ASCII_ALNUM}])"
    return prefix + body + suffix


def _normalize(term: str) -> str:
    return " ".join(term.split())


@dataclass(frozen=True)
class _TermInfo:
    term: str
    # (category id, signal kind or "" for plain vocabularies; the term's weight there)
    owners: tuple[tuple[str, float], ...]
    is_entity: bool


class _TermSet:
    """One alternation over many terms, longest first, so overlapping terms resolve to the
    longest one at each position; matches map back to their taxonomy spelling and owners."""

    def __init__(self, entries: list[tuple[str, str, bool, float]]) -> None:
        owners: dict[tuple[str, bool], dict[str, float]] = defaultdict(dict)
        for term, owner, is_entity, weight in entries:
            term = _normalize(term)
            if term:
                known = owners[(term, is_entity)]
                known[owner] = max(weight, known.get(owner, 0.0))
        self._infos: list[_TermInfo] = [
            _TermInfo(term, tuple(owner_weights.items()), is_entity)
            for (term, is_entity), owner_weights in owners.items()
        ]
        order = sorted(range(len(self._infos)), key=lambda i: (-len(self._infos[i].term), i))
        self._lookup_exact: dict[str, list[int]] = defaultdict(list)
        self._lookup_folded: dict[str, list[int]] = defaultdict(list)
        for index in order:
            info = self._infos[index]
            if any(char.isupper() for char in info.term):
                self._lookup_exact[info.term].append(index)
            else:
                self._lookup_folded[info.term.lower()].append(index)
        # One compiled pattern per term, longest first, each behind a plain substring test of
        # its first word: a 745-term alternation tries every term at every position of the
        # text (~20-40 ms per article); testing first words with `in` skips almost all terms.
        self._ranked = [
            (
                self._infos[i].term.split()[0].lower(),
                re.compile(_term_pattern(self._infos[i].term, self._infos[i].is_entity)),
            )
            for i in order
        ]

    def _resolve(self, surface: str) -> list[_TermInfo]:
        surface = _normalize(surface)
        candidates = [surface]
        lowered = surface.lower()
        if lowered.endswith("es"):
            candidates.append(surface[:-2])
        if lowered.endswith("s"):
            candidates.append(surface[:-1])
        for candidate in candidates:
            indexes = self._lookup_exact.get(candidate) or self._lookup_folded.get(
                candidate.lower()
            )
            if indexes:
                return [self._infos[i] for i in indexes]
        return []

    def count(self, text: str) -> dict[_TermInfo, int]:
        """Occurrences of every term found in the text."""
        counts: dict[_TermInfo, int] = defaultdict(int)
        if not text:
            return counts
        lowered = text.lower()
        found: list[tuple[int, int, int, str]] = []
        for rank, (first_word, pattern) in enumerate(self._ranked):
            if first_word in lowered:
                found += [(m.start(), rank, m.end(), m.group(0)) for m in pattern.finditer(text)]
        # leftmost match wins, the longest term at one position, no overlaps: what one
        # alternation of all terms (longest first) would have found
        position = 0
        for start, _rank, end, surface in sorted(found):
            if start >= position:
                position = end
                for info in self._resolve(surface):
                    counts[info] += 1
        return counts


class _TaxonomyMatcher:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.category_ids = taxonomy.category_ids()
        category_entries: list[tuple[str, str, bool, float]] = []
        relevance_entries: list[tuple[str, str, bool, float]] = [
            (term, "", False, 1.0) for term in taxonomy.ai_terms.all_terms()
        ]
        for category in taxonomy.categories:
            category_entries += [
                (term, category.id, False, 1.0) for term in category.keywords.all_terms()
            ]
            category_entries += [
                (term, category.id, False, STRONG_KEYWORD_FACTOR)
                for term in category.strong_keywords.all_terms()
            ]
            category_entries += [(name, category.id, True, 1.0) for name in category.entities]
            relevance_entries += [(name, "", True, 1.0) for name in category.entities]
        self.categories = _TermSet(category_entries)
        self.relevance = _TermSet(relevance_entries)
        self.signals = _TermSet(
            [
                (term, kind, False, 1.0)
                for kind, terms in taxonomy.importance_signals.items()
                for term in terms.all_terms()
            ]
        )
        self.entity_weights = dict(taxonomy.entity_weights)
        self.weighted_entities = _TermSet(
            [(name, "", True, 1.0) for name in taxonomy.entity_weights]
        )


# ---- classification -----------------------------------------------------------------------


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
    matcher: _TaxonomyMatcher, title: str, body: str
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


def ai_relevance_score(matcher: _TaxonomyMatcher, title: str, body: str) -> float:
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


# ---- importance ---------------------------------------------------------------------------


def _entity_factor(matcher: _TaxonomyMatcher, title: str, body: str) -> float:
    best = 0.0
    for info in matcher.weighted_entities.count(title):
        best = max(best, matcher.entity_weights[info.term])
    for info in matcher.weighted_entities.count(body):
        best = max(best, 0.5 * matcher.entity_weights[info.term])
    return best


def _signal_factor(matcher: _TaxonomyMatcher, title: str, body: str) -> float:
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


# ---- stories ------------------------------------------------------------------------------


def _pick_lead(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The row dedupe marked as lead; failing that the earliest, then smallest article_id."""

    def key(row: dict[str, Any]) -> tuple[bool, bool, datetime, str]:
        published = row.get("published_at")
        return (
            not bool(row.get("is_lead")),
            published is None,
            published or datetime.max,
            row.get("article_id") or "",
        )

    return min(rows, key=key)


def _row_text(row: dict[str, Any]) -> str:
    return row.get("text") or row.get("description") or ""


def _row_title(row: dict[str, Any]) -> str:
    return row.get("title") or row.get("listed_title") or ""


def _site_furniture(groups: dict[tuple[date, str], list[dict[str, Any]]]) -> set[str]:
    """Sentences found in the texts of two or more different stories of the same day.

    Two separate events do not share a sentence word for word; a portal's slogan, app
    advert or tag line does, so such sentences are kept out of summaries and key facts.
    """
    stories_of: dict[tuple[date, str], set[str]] = defaultdict(set)
    for (day, story_id), rows in groups.items():
        for row in rows:
            for sentence in split_sentences(_row_text(row)):
                if len(sentence) >= 6:
                    stories_of[(day, sentence)].add(story_id)
    return {sentence for (_, sentence), stories in stories_of.items() if len(stories) >= 2}


def _without(text: str, furniture: set[str]) -> str:
    if not furniture:
        return text
    return "\n".join(s for s in split_sentences(text) if s not in furniture)


def _categorize_one(
    rows: list[dict[str, Any]],
    taxonomy: Taxonomy,
    settings: CategorizeSettings,
    timezone: str,
    furniture: set[str],
) -> dict[str, Any]:
    lead = _pick_lead(rows)
    others = sorted(
        (row for row in rows if row is not lead),
        key=lambda row: (row.get("article_id") or "", row.get("url") or ""),
    )
    title = _row_title(lead)
    lead_text = _row_text(lead)
    body = "\n".join([lead_text[:BODY_CHARS_FOR_MATCHING], *(_row_title(row) for row in others)])
    classification = classify_story(title, body, taxonomy, settings)
    matcher = taxonomy.matcher()

    source_weights: dict[str, float] = {}
    for row in rows:
        source = row.get("source") or ""
        weight = row.get("source_weight")
        weight = 1.0 if weight is None else float(weight)
        source_weights[source] = max(weight, source_weights.get(source, 0.0))
    body_for_signals = lead_text[:BODY_CHARS_FOR_MATCHING]
    importance = compute_importance(
        source_weights=source_weights,
        entity_factor=_entity_factor(matcher, title, body_for_signals),
        signal_factor=_signal_factor(matcher, title, body_for_signals),
        recency=_recency(lead.get("published_at"), lead["partition_date"], timezone),
        text_chars=len(lead_text),
    )

    other_texts = [_without(_row_text(row), furniture) for row in others]
    clean_lead_text = _without(lead_text, furniture)
    language = lead.get("language") or ""
    summary = summarize_story(
        clean_lead_text,
        other_texts,
        language,
        budget_chars=settings.summary_budget_chars,
        budget_words=settings.summary_budget_words,
    )
    key_facts = _story_key_facts(clean_lead_text, other_texts, language, settings.max_key_facts)

    return {
        "partition_date": lead["partition_date"],
        "story_id": lead["story_id"],
        "title": title,
        "url": lead.get("canonical_url") or lead.get("url"),
        "lead_article_id": lead.get("article_id"),
        "source": lead.get("source"),
        "published_at": lead.get("published_at"),
        "language": lead.get("language"),
        "category": classification.category,
        "category_evidence": classification.evidence,
        "ai_relevance": classification.ai_relevance,
        "off_topic": classification.off_topic,
        "importance": importance,
        "tier": None,
        "summary": summary,
        "key_facts": key_facts,
        "source_count": len(source_weights),
        "article_count": len(rows),
    }


def _story_key_facts(
    lead_text: str, other_texts: list[str], language: str, max_facts: int
) -> list[str]:
    """The lead's key facts, topped up from other members with facts the lead lacks."""
    facts: list[str] = []
    covered: set[str] = set()
    for text in [lead_text, *other_texts]:
        for fact in extract_key_facts(text, language, max_facts=max_facts):
            tokens = content_tokens(fact)
            if len(facts) >= max_facts or not tokens:
                break
            if len(tokens & covered) / len(tokens) >= 0.6:
                continue
            facts.append(fact)
            covered |= tokens
    return facts


def _assign_tiers(items: list[dict[str, Any]], settings: CategorizeSettings) -> None:
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


def categorize_stories(
    deduped: pl.DataFrame,
    taxonomy: Taxonomy,
    settings: CategorizeSettings | None = None,
    timezone: str = schema.DEFAULT_TIMEZONE,
) -> pl.DataFrame:
    """One categorized row per story of `deduped_stories` (any number of partition dates).

    Rows still eligible (no `excluded_reason`, a `story_id`) are grouped by
    (partition_date, story_id). Output rows are ordered by date, then importance (highest
    first), then story_id.
    """
    settings = settings or CategorizeSettings()
    frame = schema.conform(deduped, schema.DEDUPED_STORIES_SCHEMA)
    eligible = frame.filter(
        pl.col("excluded_reason").is_null()
        & pl.col("story_id").is_not_null()
        & pl.col("partition_date").is_not_null()
    )
    groups: dict[tuple[date, str], list[dict[str, Any]]] = defaultdict(list)
    for row in eligible.iter_rows(named=True):
        groups[(row["partition_date"], row["story_id"])].append(row)
    furniture = _site_furniture(groups)
    items = [
        _categorize_one(groups[key], taxonomy, settings, timezone, furniture)
        for key in sorted(groups)
    ]
    _assign_tiers(items, settings)
    items.sort(key=lambda item: (item["partition_date"], -item["importance"], item["story_id"]))
    if not items:
        return schema.empty_frame(schema.CATEGORIZED_ITEMS_SCHEMA)
    result = pl.DataFrame(items, schema=schema.CATEGORIZED_ITEMS_SCHEMA)
    return schema.conform(result, schema.CATEGORIZED_ITEMS_SCHEMA)
