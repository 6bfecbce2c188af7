"""The taxonomy: categories with their evidence terms, and the matcher that finds them in text.

The packaged default is `data/taxonomy.yaml`; a user's file of the same shape replaces it
entirely. Matching is plain term matching, deterministic and offline: Latin terms match whole
words (a plural s/es allowed, capitalised short terms case-sensitively), Chinese terms match
anywhere, entities may be followed by a version number ("Qwen4"), and where terms overlap the
longest one wins. Terms and texts are both read as Simplified Chinese (`chinese.py`), so one
vocabulary serves zh-Hans and zh-Hant.

A category has `events` (what happened: 起诉/sues, 融资/raises, 论文/paper: they decide the
category before the product does), `keywords` (what the story is about), `hints` (generic
words that lean towards it: 视频, app, users), `labels` (genre words opening a title before
its colon: 评论：, Interview:), `entities` (names the gazetteer knows: a prior that breaks
ties) and `subject: true` when it is a category of things (models, robots, chips) rather than
of events, so that a release of such a thing is filed under it. Relevance has strong
`ai_terms` (AI by themselves), weak `ai_context_terms` (model, agent, chip: ambiguous, AI
only in company) and the keywords of the categories of things (weak too, but in the digest's
scope: they may stand alone), `non_ai_senses` (fashion
model, travel agent, potato chips), which are blanked out of a text before anything else is
matched, and `non_ai_topics` (football, runway, casino), which say a story is about something
else, so that one weak term no longer suffices.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from news_pipeline.datafiles import data_path, parse_yaml
from news_pipeline.editorial.chinese import to_simplified

__all__ = [
    "DEFAULT_TAXONOMY_PATH",
    "OTHER_CATEGORY",
    "Category",
    "Taxonomy",
    "TaxonomyMatcher",
    "load_taxonomy",
]

DEFAULT_TAXONOMY_PATH = data_path("taxonomy.yaml")
OTHER_CATEGORY = "other"
# An event term counts as much as two keywords, a hint half a keyword.
EVENT_FACTOR = 3.0
HINT_FACTOR = 0.5


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
    # What happened: a legal or financial event (起诉, sues, 融资, raises) or a genre (论文,
    # opinion). They decide the category before the product does. (Files written before the
    # name changed call them `strong_keywords`.)
    events: TermLists = Field(
        default_factory=TermLists, validation_alias=AliasChoices("events", "strong_keywords")
    )
    # Generic words that lean towards the category (视频, app, users): half a keyword.
    hints: TermLists = Field(default_factory=TermLists)
    # Genre words that open a title before its colon ("评论：", "Interview:", "对话某某："):
    # the outlet's own label for the piece.
    labels: TermLists = Field(default_factory=TermLists)
    entities: list[str] = Field(default_factory=list)
    # A category of things (models, robots, chips): a story that releases one is filed here.
    subject: bool = False


class Taxonomy(BaseModel):
    """Categories with their evidence terms, plus the vocabularies of relevance and importance."""

    model_config = ConfigDict(extra="forbid")

    ai_terms: TermLists
    ai_context_terms: TermLists = Field(default_factory=TermLists)
    non_ai_senses: TermLists = Field(default_factory=TermLists)
    non_ai_topics: TermLists = Field(default_factory=TermLists)
    entity_weights: dict[str, float] = Field(default_factory=dict)
    importance_signals: dict[str, TermLists] = Field(default_factory=dict)
    categories: list[Category]
    _matcher: TaxonomyMatcher | None = PrivateAttr(default=None)

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

    def matcher(self) -> TaxonomyMatcher:
        """The compiled matcher, built on first use and kept with the taxonomy."""
        if self._matcher is None:
            self._matcher = TaxonomyMatcher(self)
        return self._matcher


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load the taxonomy YAML; a user's file replaces the packaged default entirely."""
    path = DEFAULT_TAXONOMY_PATH if path is None else Path(path)
    text = path.read_text(encoding="utf-8")
    origin = str(path)
    data = parse_yaml(text)
    if not isinstance(data, dict):
        raise ValueError(f"taxonomy {origin}: expected a mapping at the top level")
    try:
        return Taxonomy.model_validate(data)
    except ValueError as error:
        raise ValueError(f"taxonomy {origin}: {error}") from error


# ---- term matching ------------------------------------------------------------------------

_ASCII_ALNUM = "A-Za-z0-9"
_ASCII_ALNUM_CHARS = frozenset(string.ascii_letters + string.digits)
_FIND_CACHE_SIZE = 2048


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


def _singular(term: str) -> str:
    """A term compared without case, script or a plural s ("Chips" is "chip")."""
    term = _normalize(to_simplified(term)).lower()
    return term[:-1] if term.endswith("s") and term[:-1].isascii() else term


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
            term = _normalize(to_simplified(term))
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
        # One compiled pattern per term, longest first. An Aho-Corasick automaton over the
        # terms' first words (lower case) finds where a term can start in one pass over the
        # text; only there is the term's pattern tried. A 1,500-term alternation tries every
        # term at every position (~20-40 ms per article). A pattern is compiled when its
        # first word is first seen: a day's stories use a few hundred of the terms.
        self._sources = [
            _term_pattern(self._infos[i].term, self._infos[i].is_entity) for i in order
        ]
        self._ranked: list[re.Pattern[str] | None] = [None] * len(order)
        ranks_by_first_word: dict[str, list[int]] = defaultdict(list)
        for rank, index in enumerate(order):
            ranks_by_first_word[self._infos[index].term.split()[0].lower()].append(rank)
        self._first_words = ahocorasick.Automaton()
        for first_word, ranks in ranks_by_first_word.items():
            # a term that starts with a Latin letter or digit starts a word (_term_pattern)
            word_start = first_word[0].isascii() and first_word[0].isalnum()
            self._first_words.add_word(first_word, (len(first_word), word_start, tuple(ranks)))
        if ranks_by_first_word:
            self._first_words.make_automaton()
        # the same texts are searched several times per story (title, clauses, names)
        self._found: dict[str, list[tuple[int, int, _TermInfo]]] = {}

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

    def find(self, text: str) -> list[tuple[int, int, _TermInfo]]:
        """(start, end, term) of every match, left to right."""
        if not text:
            return []
        cached = self._found.get(text)
        if cached is not None:
            return cached
        matches = [
            (start, end, info)
            for start, end, surface in self.spans(text)
            for info in self._resolve(surface)
        ]
        if len(self._found) >= _FIND_CACHE_SIZE:
            self._found.clear()
        self._found[text] = matches
        return matches

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, surface) of the matches, left to right: the leftmost match wins, the
        longest term at one position, no overlaps (what one alternation of all terms, longest
        first, would find)."""
        found = sorted(
            (start, rank, match.end(), match.group(0))
            for start, rank, match in self._starts(text)
            if match is not None
        )
        selected: list[tuple[int, int, str]] = []
        position = 0
        for start, _rank, end, surface in found:
            if start >= position:
                position = end
                selected.append((start, end, surface))
        return selected

    def _starts(self, text: str) -> Iterator[tuple[int, int, re.Match[str] | None]]:
        """(start, rank, the term's match there) wherever a term's first word occurs."""
        lowered = text.lower()
        if len(lowered) != len(text) or self._first_words.kind != ahocorasick.AHOCORASICK:
            # lower case changed the length (rare letters such as İ): try every term
            for rank in range(len(self._ranked)):
                for match in self._pattern(rank).finditer(text):
                    yield match.start(), rank, match
            return
        for end, (length, word_start, ranks) in self._first_words.iter(lowered):
            start = end - length + 1
            if word_start and start and text[start - 1] in _ASCII_ALNUM_CHARS:
                continue  # inside a word ("ai" in "said"): no term's pattern can match here
            for rank in ranks:
                yield start, rank, self._pattern(rank).match(text, start)

    def _pattern(self, rank: int) -> re.Pattern[str]:
        pattern = self._ranked[rank]
        if pattern is None:
            pattern = self._ranked[rank] = re.compile(self._sources[rank])
        return pattern

    def count(self, text: str) -> dict[_TermInfo, int]:
        """Occurrences of every term found in the text."""
        counts: dict[_TermInfo, int] = defaultdict(int)
        for _, _, info in self.find(text):
            counts[info] += 1
        return counts


class TaxonomyMatcher:
    """The taxonomy's terms compiled once: category evidence, AI relevance (strong and weak),
    the senses to blank out, importance signals and weighted entities."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.category_ids = taxonomy.category_ids()
        self.subject_ids = frozenset(c.id for c in taxonomy.categories if c.subject)
        category_entries: list[tuple[str, str, bool, float]] = []
        relevance_entries: list[tuple[str, str, bool, float]] = [
            (term, "", False, 1.0) for term in taxonomy.ai_terms.all_terms()
        ]
        for category in taxonomy.categories:
            category_entries += [
                (term, category.id, False, 1.0) for term in category.keywords.all_terms()
            ]
            category_entries += [
                (term, category.id, False, EVENT_FACTOR) for term in category.events.all_terms()
            ]
            category_entries += [
                (term, category.id, False, HINT_FACTOR) for term in category.hints.all_terms()
            ]
            category_entries += [(name, category.id, True, 1.0) for name in category.entities]
            relevance_entries += [(name, "", True, 1.0) for name in category.entities]
        self.categories = _TermSet(category_entries)
        # (label word, category id), longest first; Latin words lower case
        self.labels = sorted(
            (
                (to_simplified(word).lower(), category.id)
                for category in taxonomy.categories
                for word in category.labels.all_terms()
            ),
            key=lambda item: -len(item[0]),
        )
        self.relevance = _TermSet(relevance_entries)
        # weak AI evidence: the ambiguous context terms (model, agent, chip), and the topic
        # words of the categories of things (机械臂, 视频生成, data center): the digest's scope
        context_terms = taxonomy.ai_context_terms.all_terms()
        self.context = _TermSet([(term, "", False, 1.0) for term in context_terms])
        ambiguous = {_singular(term) for term in context_terms}
        self.scope = _TermSet(
            [
                (term, "", False, 1.0)
                for category in taxonomy.categories
                if category.subject
                for term in category.keywords.all_terms()
                if _singular(term) not in ambiguous
            ]
        )
        self.other_topics = _TermSet(
            [(term, "", False, 1.0) for term in taxonomy.non_ai_topics.all_terms()]
        )
        senses = taxonomy.non_ai_senses.all_terms()
        self._senses = _TermSet([(term, "", False, 1.0) for term in senses]) if senses else None
        self.signals = _TermSet(
            [
                (term, kind, False, 1.0)
                for kind, terms in taxonomy.importance_signals.items()
                for term in terms.all_terms()
            ]
        )
        self.entity_weights = {to_simplified(k): v for k, v in taxonomy.entity_weights.items()}
        self.weighted_entities = _TermSet(
            [(name, "", True, 1.0) for name in taxonomy.entity_weights]
        )

    def without_other_senses(self, text: str) -> tuple[str, bool]:
        """The text with every non-AI sense (fashion model, 旅行社) blanked out, and whether
        there was one."""
        if self._senses is None or not text:
            return text, False
        spans = self._senses.spans(text)
        if not spans:
            return text, False
        pieces: list[str] = []
        last = 0
        for start, end, _ in spans:
            pieces += [text[last:start], " " * (end - start)]
            last = end
        pieces.append(text[last:])
        return "".join(pieces), True
