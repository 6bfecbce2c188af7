"""What the editor sends for one story: its articles (source, title, the start of the text),
cut to a token budget, and the text an answer is later grounded in.

Every article of the story is sent, lead first, so the model can draw on all of them; texts
are cut at sentence ends so that together they fit `input_tokens_per_story`, each article
getting an equal share that shorter ones leave to longer ones. An article whose text repeats
an earlier one's (a syndicated copy) is sent with its title only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from news_pipeline import schema
from news_pipeline.cjk import HAN_RE
from news_pipeline.editor.injection import strip_instructions
from news_pipeline.editorial import is_boilerplate, split_sentences

__all__ = ["ArticleInput", "StoryInput", "estimate_tokens", "story_inputs"]

_CUT_MARK = "…"


@dataclass(frozen=True)
class ArticleInput:
    source: str
    title: str
    text: str


@dataclass(frozen=True)
class StoryInput:
    partition_date: date
    story_id: str
    importance: float
    report_language: str
    articles: tuple[ArticleInput, ...]
    # Titles, sources and full texts (planted instructions removed): what answers must match.
    grounding_text: str
    instructions_removed: int

    def payload(self) -> dict[str, Any]:
        """The story as the model sees it (and as the cache key hashes it)."""
        return {
            "articles": [
                {"source": a.source, "title": a.title, "text": a.text} for a in self.articles
            ]
        }


def estimate_tokens(text: str) -> int:
    """A deliberately high estimate: one token per Han character, one per 4 other characters."""
    han = len(HAN_RE.findall(text))
    return han + math.ceil((len(text) - han) / 4)


def _member_order(row: dict[str, Any]) -> tuple[bool, datetime, str, str]:
    return (
        not row.get("is_lead"),
        row.get("published_at") or datetime.max,
        row.get("source") or "",
        row.get("url") or "",
    )


def _readable_text(text: str) -> str:
    """The article without page furniture (ads, credits): it costs tokens and says nothing."""
    lines = []
    for line in text.split("\n"):
        kept = [s for s in split_sentences(line) if not is_boilerplate(s)]
        if kept:
            lines.append(("" if HAN_RE.search(line) else " ").join(kept))
    return "\n".join(lines)


def _share_per_article(costs: list[int], budget: int) -> int:
    """The largest equal cap t with sum(min(cost, t)) <= budget (water-filling)."""
    if sum(costs) <= budget:
        return max(costs, default=0)
    remaining, count = budget, len(costs)
    for cost in sorted(costs):
        if cost * count > remaining:
            return remaining // count
        remaining -= cost
        count -= 1
    return budget


def _cut(text: str, tokens: int) -> str:
    """Whole sentences up to `tokens`; the first sentence cut short if even it is too long."""
    if estimate_tokens(text) <= tokens:
        return text
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        joiner = "" if HAN_RE.search(line) else " "
        sentences = []
        for sentence in split_sentences(line):
            cost = estimate_tokens(sentence) + 1
            if used + cost > tokens:
                break
            sentences.append(sentence)
            used += cost
        if sentences:
            kept.append(joiner.join(sentences))
        if len(sentences) < len(split_sentences(line)):
            break
    if kept:
        return "\n".join(kept) + _CUT_MARK
    characters = []
    for character in text:
        used += estimate_tokens(character)
        if used > tokens:
            break
        characters.append(character)
    return "".join(characters) + _CUT_MARK


def _story_input(
    item: dict[str, Any], members: list[dict[str, Any]], language: str, tokens_per_story: int
) -> StoryInput:
    members = sorted(members, key=_member_order)
    titles: list[str] = []
    texts: list[str] = []
    full_texts: list[str] = []
    removed = 0
    seen_texts: set[str] = set()
    for row in members:
        title, title_removed = strip_instructions(row.get("title") or row.get("listed_title") or "")
        text, text_removed = strip_instructions(
            _readable_text(row.get("text") or row.get("description") or "")
        )
        removed += title_removed + text_removed
        titles.append(title)
        full_texts.append(text)
        texts.append("" if text in seen_texts else text)
        seen_texts.add(text)
    share = _share_per_article([estimate_tokens(t) for t in texts], tokens_per_story)
    articles = tuple(
        ArticleInput(source=row.get("source") or "", title=title, text=_cut(text, share))
        for row, title, text in zip(members, titles, texts, strict=True)
    )
    sources = sorted({row.get("source") or "" for row in members})
    return StoryInput(
        partition_date=item["partition_date"],
        story_id=item["story_id"],
        importance=float(item["importance"] or 0.0),
        report_language=language,
        articles=articles,
        grounding_text="\n".join([*sources, *titles, *full_texts]),
        instructions_removed=removed,
    )


def story_inputs(
    categorized: pl.DataFrame,
    deduped: pl.DataFrame,
    report_language: str,
    tokens_per_story: int,
) -> list[StoryInput]:
    """One input per on-topic story, by day, most important first."""
    categorized = schema.conform(categorized, schema.CATEGORIZED_ITEMS_SCHEMA)
    deduped = schema.conform(deduped, schema.DEDUPED_STORIES_SCHEMA)
    members: dict[tuple[date, str], list[dict[str, Any]]] = defaultdict(list)
    eligible = deduped.filter(
        pl.col("excluded_reason").is_null() & pl.col("story_id").is_not_null()
    )
    for row in eligible.iter_rows(named=True):
        members[(row["partition_date"], row["story_id"])].append(row)
    on_topic = categorized.filter(~pl.col("off_topic").fill_null(False)).sort(
        ["partition_date", "importance", "story_id"],
        descending=[False, True, False],
        nulls_last=True,
    )
    inputs = []
    for item in on_topic.iter_rows(named=True):
        story_members = members.get((item["partition_date"], item["story_id"]))
        if story_members:
            inputs.append(_story_input(item, story_members, report_language, tokens_per_story))
    return inputs
