"""A story's category with its evidence, and its AI relevance, from its title and body text.

What happened decides before who it happened to. Texts are first read as Simplified Chinese
(`chinese.py`) and non-AI senses are blanked out (fashion model, travel agent). Names the
text shows are not topic words (`names.py`): an organisation suffix that is a category term
is blanked inside the name ("Halyard Research", "…研究院" are not research stories; "…
Robotics" stays as a prior for robotics), and so is a product named by a bare category word
("Code" inside Chinese text). A title clause that is background ("…仍如期发布", "weeks after
a lawsuit": `events.py`) counts as body. Then, per category:

- in the lead title, an event term (`events`: 起诉/sues, 罚款/fined, 融资/raises, 论文/paper)
  scores 9, a keyword 3, a hint (`hints`: 视频, app) 1.5, a known entity or a name's suffix
  (a prior) 1;
- in the body (lead text, first 1,500 characters, the other members' titles, the title's
  background) an event scores 3·(1 + 0.5·ln n), a keyword 1 + 0.5·ln n, a hint half that, for
  n occurrences, a prior 0.5; the body sum b counts as 3·(1 − e^(−b/3)), so a background
  paragraph never outweighs the title;
- a genre label opening the title ("观点：", "Interview:": a category's `labels`) adds 9, as an
  event would: the outlet's own word for the piece;
- a release in the title (发布, releases: the `release` importance signal) adds 2 to the
  category of what it released, the head noun of the phrase after the verb; when no term
  names it, to every category of things (`subject: true`) with evidence of 1 or more;
- `other`'s own terms (education, hospital, competition) count half: it is the category of AI
  stories that fit no other.

The highest total wins; ties go to the larger title score, then more distinct terms, then the
earlier category in the file; below `min_category_score` the story is `other`.
`category_evidence` lists the deciding phrases, strongest first, each as
"<where> <kind>: <phrase>" ("title event: 起诉", "body topic: 视频生成", "title name: Robotics").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from news_pipeline.editorial.chinese import is_traditional, to_simplified
from news_pipeline.editorial.events import genre_label, released_categories, split_background
from news_pipeline.editorial.names import (
    ORG,
    PRODUCT,
    RecognisedName,
    mask_names,
    recognise_names,
)
from news_pipeline.editorial.relevance import ai_relevance_score
from news_pipeline.editorial.settings import CategorizeSettings
from news_pipeline.editorial.taxonomy import (
    EVENT_FACTOR,
    OTHER_CATEGORY,
    Taxonomy,
    TaxonomyMatcher,
    _TermInfo,
)

__all__ = [
    "BODY_CHARS_FOR_MATCHING",
    "StoryClassification",
    "classify_story",
]

BODY_SATURATION = 3.0
BODY_CHARS_FOR_MATCHING = 1500
MAX_EVIDENCE = 6

_TITLE_KEYWORD = 3.0
_BODY_KEYWORD = 1.0
_TITLE_ENTITY = 1.0
_BODY_ENTITY = 0.5
_RELEASE_BONUS = 2.0
_LABEL_BONUS = 9.0
# at most this many characters (a space, a hyphen) between two terms of one noun phrase
_PHRASE_GAP = 1
# a category of things needs this much evidence to take a release whose object is unnamed
_RELEASE_EVIDENCE = 1.0
_OTHER_FACTOR = 0.5


@dataclass(frozen=True)
class StoryClassification:
    category: str
    evidence: list[str]
    ai_relevance: float
    off_topic: bool
    category_scores: dict[str, float] = field(default_factory=dict)


@dataclass
class _Evidence:
    """One matched term's contribution to one category."""

    score: float
    phrase: str
    where: str
    kind: str


def _body_weight(occurrences: int) -> float:
    return 1.0 + 0.5 * math.log(occurrences) if occurrences > 0 else 0.0


def _kind(is_entity: bool, weight: float) -> str:
    if is_entity:
        return "name"
    return "event" if weight >= EVENT_FACTOR else "topic"


def _absorbed_in_phrases(
    matches: list[tuple[int, int, _TermInfo]],
) -> set[tuple[_TermInfo, str]]:
    """(term, category) pairs of a title that only repeat their phrase: terms of one category
    next to each other ("GPU server", "桌面智能体") are one noun phrase, one piece of evidence,
    counted by its strongest term."""
    kept: set[tuple[_TermInfo, str]] = set()
    absorbed: set[tuple[_TermInfo, str]] = set()
    owners = {category for _, _, info in matches for category, _ in info.owners}
    for category_id in owners:
        phrase: list[tuple[int, _TermInfo, float]] = []
        for start, end, info in [*matches, (-1, -1, None)]:
            weight = dict(info.owners).get(category_id) if info is not None else None
            if phrase and (weight is None or start - phrase[-1][0] > _PHRASE_GAP):
                strongest = max(phrase, key=lambda item: (item[2], not item[1].is_entity))
                kept.add((strongest[1], category_id))
                absorbed.update((term, category_id) for _, term, _ in phrase)
                phrase = []
            if info is not None and weight is not None:
                phrase.append((end, info, weight))
    return absorbed - kept


def _score_categories(
    matcher: TaxonomyMatcher, title: str, body: str, priors: list[tuple[str, str, str]]
) -> tuple[dict[str, float], dict[str, float], dict[str, list[_Evidence]]]:
    """Per category: the total (module docstring), its title part, and the evidence.
    `priors`: (category, phrase, title or body) of names that lean towards a category."""
    title_scores = dict.fromkeys(matcher.category_ids, 0.0)
    body_scores = dict(title_scores)
    evidence: dict[str, list[_Evidence]] = defaultdict(list)
    title_counts = matcher.categories.count(title)
    body_counts = matcher.categories.count(body)
    absorbed = _absorbed_in_phrases(matcher.categories.find(title))
    for info in set(title_counts) | set(body_counts):
        in_title = info in title_counts
        for category_id, weight in info.owners:
            factor = _OTHER_FACTOR if category_id == OTHER_CATEGORY else 1.0
            if (info, category_id) in absorbed:
                continue
            if info.is_entity:
                title_part = _TITLE_ENTITY if in_title else 0.0
                body_part = 0.0 if in_title else _BODY_ENTITY
            else:
                title_part = _TITLE_KEYWORD * weight if in_title else 0.0
                body_part = _BODY_KEYWORD * weight * _body_weight(body_counts.get(info, 0))
            title_scores[category_id] += factor * title_part
            body_scores[category_id] += factor * body_part
            evidence[category_id].append(
                _Evidence(
                    factor * (title_part + body_part),
                    info.term,
                    "title" if in_title else "body",
                    _kind(info.is_entity, weight),
                )
            )
    for category_id, phrase, where in priors:
        score = _TITLE_ENTITY if where == "title" else _BODY_ENTITY
        (title_scores if where == "title" else body_scores)[category_id] += score
        evidence[category_id].append(_Evidence(score, phrase, where, "name"))
    totals = {
        category_id: title_scores[category_id]
        + BODY_SATURATION * (1.0 - math.exp(-body_scores[category_id] / BODY_SATURATION))
        for category_id in matcher.category_ids
    }
    for category_id in sorted(genre_label(matcher, title)):
        totals[category_id] += _LABEL_BONUS
        title_scores[category_id] += _LABEL_BONUS
        evidence[category_id].append(_Evidence(_LABEL_BONUS, "genre label", "title", "event"))
    released = released_categories(matcher, title)
    if released is None:  # a release of something no term names: any thing in evidence
        released = frozenset(c for c in matcher.subject_ids if totals[c] >= _RELEASE_EVIDENCE)
    for category_id in sorted(released):
        totals[category_id] += _RELEASE_BONUS
        title_scores[category_id] += _RELEASE_BONUS
        evidence[category_id].append(_Evidence(_RELEASE_BONUS, "release", "title", "event"))
    return totals, title_scores, evidence


def _name_suffixes(matcher: TaxonomyMatcher, names: list[RecognisedName]) -> dict[str, set[str]]:
    """Organisation suffixes that are category terms (研究院, Research, Robotics, 半导体), with
    the categories of things among their owners. Inside a name a suffix says what the
    organisation is, not what the story is: it is blanked out, and a suffix of a category of
    things ("… Robotics") stays only as a prior, worth what a known entity is worth."""
    suffixes: dict[str, set[str]] = {}
    for name in names:
        if name.kind == ORG:
            owners = {
                owner for info in matcher.categories.count(name.suffix) for owner, _ in info.owners
            }
            if owners:
                suffixes[name.suffix] = owners & matcher.subject_ids
    return suffixes


def _generic_products(matcher: TaxonomyMatcher, names: list[RecognisedName]) -> frozenset[str]:
    """Product names that are a category word and nothing else ("Code", "Studio" inside
    Chinese text): a name, not what the story is about."""
    generic = set()
    for name in names:
        if name.kind == PRODUCT:
            found = matcher.categories.find(name.text)
            if any(
                start == 0 and end == len(name.text) and not info.is_entity
                for start, end, info in found
            ):
                generic.add(name.text)
    return frozenset(generic)


def _prepare(
    matcher: TaxonomyMatcher, text: str, traditional: bool
) -> tuple[str, list[RecognisedName], bool]:
    """The text read as Simplified and without non-AI senses, the names in it, and whether
    it had a non-AI sense."""
    text, other_sense = matcher.without_other_senses(to_simplified(text, traditional))
    return text, recognise_names(text), other_sense


def classify_story(
    title: str,
    body: str,
    taxonomy: Taxonomy,
    settings: CategorizeSettings | None = None,
    other_titles: Sequence[str] = (),
) -> StoryClassification:
    """Category, evidence and AI relevance of one story: its lead's title and body text and
    the titles of its other articles (which count as body)."""
    settings = settings or CategorizeSettings()
    matcher = taxonomy.matcher()
    body = "\n".join([(body or "")[:BODY_CHARS_FOR_MATCHING], *other_titles])
    traditional = is_traditional(title or "") or is_traditional(body)
    title, title_names, title_sense = _prepare(matcher, title or "", traditional)
    parts = split_background(title)
    body, body_names, body_sense = _prepare(matcher, f"{body}\n{parts.background}", traditional)
    relevance = ai_relevance_score(
        matcher, title, body, title_names, body_names, other_sense=title_sense or body_sense
    )

    title_suffixes = _name_suffixes(matcher, title_names)
    body_suffixes = _name_suffixes(matcher, body_names)
    priors = [
        (category_id, suffix, "title" if suffix in title_suffixes else "body")
        for suffix, owners in {**body_suffixes, **title_suffixes}.items()
        for category_id in sorted(owners)
    ]
    totals, title_scores, evidence = _score_categories(
        matcher,
        mask_names(
            parts.foreground,
            title_names,
            frozenset(title_suffixes),
            _generic_products(matcher, title_names),
        ),
        mask_names(
            body, body_names, frozenset(body_suffixes), _generic_products(matcher, body_names)
        ),
        priors,
    )
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
    ranked = sorted(evidence[best], key=lambda item: (-item.score, item.phrase))
    return StoryClassification(
        category=best,
        evidence=[f"{item.where} {item.kind}: {item.phrase}" for item in ranked[:MAX_EVIDENCE]],
        ai_relevance=relevance,
        off_topic=relevance < settings.ai_relevance_threshold,
        category_scores={key: round(value, 4) for key, value in totals.items()},
    )
