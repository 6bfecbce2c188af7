"""What a title says happened: its genre label, its background, and what a release released.

Three readings of a title's structure, plain string work over data/title_structure.yaml:

- Genre label. "观点：…", "Interview: …", "对话某公司CTO：…": a genre word (a category's
  `labels`) opening the title before its colon is the outlet's own label for the piece.

- Background. "诉讼未了仍如期发布新版" and "launches a music model weeks after a lawsuit"
  mention a lawsuit, but what happened is a release. A clause's text before 仍/依然 or
  after despite/amid/after/尽管 is background: it counts as body evidence, not title evidence.
- What was released. "推出云端训练芯片，用于大模型" releases a chip, "unveils a voice-first
  model for call centres" a model, "开源自动驾驶数据集" a dataset: the
  category terms after the release verb, up to the end of its clause or a word that ends the
  phrase (for, with, 面向), name the released thing, and the last of them (the head noun)
  decides; when it is a generic head (模型, model), the term right before it does ("配音模型"
  is a dubbing model, a kind of voice generation).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from news_pipeline.datafiles import load_data_yaml
from news_pipeline.editorial.taxonomy import TaxonomyMatcher, _TermInfo

__all__ = ["TitleParts", "genre_label", "released_categories", "split_background"]


# a label is short: its colon comes within the title's first characters
_LABEL_CHARS = 24


@dataclass(frozen=True)
class TitleParts:
    # the title with its background blanked out (same length, so positions hold)
    foreground: str
    background: str


@dataclass(frozen=True)
class _Structure:
    clause: re.Pattern[str]
    before: re.Pattern[str]
    after: re.Pattern[str]
    phrase_end: re.Pattern[str]
    generic_heads: frozenset[str]
    label_end: re.Pattern[str]


def _words(words: list[str]) -> str:
    """An alternation; Latin words match whole words, Chinese ones anywhere."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word)
        if word.isascii() and word[:1].isalnum():
            escaped = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])"
        parts.append(escaped)
    return "|".join(parts)


@functools.cache
def _structure() -> _Structure:
    data = load_data_yaml("title_structure.yaml")
    return _Structure(
        clause=re.compile(_words(data["clause_separators"])),
        before=re.compile(_words(data["background_before"])),
        after=re.compile(_words(data["background_after"]), re.IGNORECASE),
        phrase_end=re.compile(_words(data["phrase_ends"]), re.IGNORECASE),
        generic_heads=frozenset(word.lower() for word in data["generic_heads"]),
        label_end=re.compile(r"[:：]"),
    )


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of the text."""
    spans, start = [], 0
    for separator in _structure().clause.finditer(text):
        spans.append((start, separator.start()))
        start = separator.end()
    spans.append((start, len(text)))
    return spans


def split_background(title: str) -> TitleParts:
    """The title's foreground (background blanked) and its background text."""
    structure = _structure()
    blanks: list[tuple[int, int]] = []
    for start, end in _clauses(title):
        clause = title[start:end]
        before = structure.before.search(clause)
        if before and before.start() > 0:
            blanks.append((start, start + before.start()))
        after = structure.after.search(clause)
        if after:
            blanks.append((start + after.end(), end))
    if not blanks:
        return TitleParts(title, "")
    foreground = list(title)
    for start, end in blanks:
        foreground[start:end] = " " * (end - start)
    background = " ".join(title[start:end] for start, end in blanks)
    return TitleParts("".join(foreground), background)


def genre_label(matcher: TaxonomyMatcher, title: str) -> frozenset[str]:
    """The categories whose `labels` open the title before its colon ("观点：", "Interview:",
    "对话某公司CTO："): the outlet's own word for what the piece is. Empty when none does."""
    colon = _structure().label_end.search(title, 0, _LABEL_CHARS + 1)
    if colon is None:
        return frozenset()
    label = title[: colon.start()].strip().lower()
    for word, category_id in matcher.labels:
        rest = label[len(word) :]
        # a Latin label word ends where a word ends ("review:", not "reviewed")
        if label.startswith(word) and not (
            word[-1:].isascii() and rest[:1].isascii() and rest[:1].isalnum()
        ):
            return frozenset([category_id])
    return frozenset()


def released_categories(matcher: TaxonomyMatcher, title: str) -> frozenset[str] | None:
    """The categories of what a release in the title released (its head noun's), an empty set
    when the title releases nothing, None when it releases something no term names."""
    terms = matcher.categories.find(title)
    # a release verb inside a longer term ("开源" in "开源模型") releases nothing
    releases = [
        end
        for start, end, info in matcher.signals.find(title)
        if any(owner == "release" for owner, _ in info.owners)
        and not any(t_start <= start and end <= t_end for t_start, t_end, _ in terms)
    ]
    if not releases:
        return frozenset()
    for release_end in releases:
        clause_end = next(end for start, end in _clauses(title) if start <= release_end <= end)
        phrase_end = _structure().phrase_end.search(title, release_end, clause_end)
        limit = phrase_end.start() if phrase_end else clause_end
        phrase = [term for term in terms if release_end <= term[0] < limit]
        if phrase:
            return _head_categories(phrase)
    return None


def _head_categories(phrase: list[tuple[int, int, _TermInfo]]) -> frozenset[str]:
    """The categories of the phrase's last term; of the term before it when the last one is a
    generic head ("配音模型", "image editing model": the kind of model decides)."""
    _, _, head = phrase[-1]
    if len(phrase) >= 2 and head.term.lower() in _structure().generic_heads:
        _, modifier_end, modifier = phrase[-2]
        head_start = phrase[-1][0]
        if head_start - modifier_end <= 1 and not modifier.is_entity:
            head = modifier
    return frozenset(owner for owner, _ in head.owners)
