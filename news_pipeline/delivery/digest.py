"""What one subscriber receives for one day: the report's stories that pass its filters.

Filters (all optional, all must pass): `categories` (the story's category is one of them),
`min_tier` (headline < section < brief: `section` keeps headlines and sections) and
`keywords` (one of them appears in the title or the summary, ignoring case and width).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from news_pipeline.datafiles import data_path
from news_pipeline.report import Language, report_title
from news_pipeline.sources import SubscriberConfig

TIER_RANK = {"headline": 0, "section": 1, "brief": 2}
DELIVERY_TEXT_FILE = "delivery_text.yaml"


def _load_text() -> dict[str, dict[str, str]]:
    with data_path(DELIVERY_TEXT_FILE).open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


DELIVERY_TEXT = _load_text()


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def passes_filters(story: Mapping[str, Any], subscriber: SubscriberConfig) -> bool:
    """True when the story passes every filter the subscriber set."""
    if subscriber.categories is not None and story.get("category") not in subscriber.categories:
        return False
    rank = TIER_RANK.get(str(story.get("tier")), TIER_RANK["brief"])
    if rank > TIER_RANK[subscriber.min_tier]:
        return False
    if subscriber.keywords is not None:
        haystack = _folded(f"{story.get('title') or ''}\n{story.get('summary') or ''}")
        if not any(_folded(word) in haystack for word in subscriber.keywords):
            return False
    return True


def report_url(base_url: str | None, day: str) -> str | None:
    """The day's report.html under the site's base URL (None without a site)."""
    return f"{base_url}{day}/report.html" if base_url else None


@dataclass(frozen=True)
class Digest:
    """One day's message for one subscriber, before any channel formats it."""

    day: str
    title: str
    report_url: str | None
    language: Language
    stories: list[dict[str, Any]]
    total_stories: int
    category_names: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> dict[str, str]:
        return DELIVERY_TEXT[self.language]

    def category_name(self, category: str) -> str:
        return self.category_names.get(category, category)

    def by_tier(self, *tiers: str) -> list[dict[str, Any]]:
        return [story for story in self.stories if story.get("tier") in tiers]

    def source_names(self, story: Mapping[str, Any]) -> list[str]:
        return list(dict.fromkeys(str(a.get("source") or "") for a in story.get("articles", [])))

    def selection_line(self) -> str:
        if len(self.stories) == self.total_stories:
            return self.text["story_count"].format(count=len(self.stories))
        return self.text["selected"].format(count=len(self.stories), total=self.total_stories)

    def webhook_payload(self) -> dict[str, Any]:
        """The contract's webhook JSON: date, title, report URL and the story objects."""
        return {
            "date": self.day,
            "title": self.title,
            "url": self.report_url,
            "stories": self.stories,
        }


def build_digest(
    report: Mapping[str, Any],
    subscriber: SubscriberConfig,
    *,
    language: Language,
    base_url: str | None,
    category_names: Mapping[str, Mapping[str, str]] | None = None,
) -> Digest:
    """The subscriber's digest of one report.json (a dict as the file holds it);
    `category_names` maps category id -> {"zh": ..., "en": ...} (the taxonomy's names)."""
    names = category_names or {}
    stories: Sequence[dict[str, Any]] = report.get("stories", [])
    day = str(report["date"])
    return Digest(
        day=day,
        title=report_title(date.fromisoformat(day), language),
        report_url=report_url(base_url, day),
        language=language,
        stories=[dict(story) for story in stories if passes_filters(story, subscriber)],
        total_stories=len(stories),
        category_names={
            category: entry.get(language) or entry.get("en") or category
            for category, entry in names.items()
        },
    )
