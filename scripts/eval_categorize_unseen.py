"""Measure categories, off-topic detection and headlines on stories with names never seen.

Usage: python scripts/eval_categorize_unseen.py [--split all|tune|holdout] [--taxonomy FILE]
       [--data FILE] [--show-errors]

The labelled set is news_pipeline_tests/data/categorize_unseen/stories.yaml (its README says
how it was written). The whole set goes through `categorize_stories` as the pipeline runs it:
one deduped_stories frame, each story's articles the members of one story (the first article
its lead), every day ranked on its own, so coverage by several sites and languages counts.
Metrics per split (the split is recorded on each story; tune only against `tune`):

- category accuracy: an on-topic story is right when it is not flagged off-topic and its
  category is the editor's `category` or one of `also`;
- the confusion matrix (true category against predicted; `off_topic` when an AI story was
  dropped as off-topic);
- off-topic precision and recall;
- on-topic stories filed as `other` where the editor chose another category;
- headline recall of stories covered by three or more distinct sources, and of all stories
  the editor marked `headline` (a story is a headline when its tier is `headline`).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from news_pipeline.editorial import Taxonomy, categorize_stories, load_taxonomy
from news_pipeline_tests.factories import deduped_frame, deduped_row

DEFAULT_DATA = (
    Path(__file__).resolve().parent.parent
    / "news_pipeline_tests"
    / "data"
    / "categorize_unseen"
    / "stories.yaml"
)
SPLITS = ("all", "tune", "holdout")
OFF_TOPIC_COLUMN = "off_topic"
TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Article:
    source: str
    language: str
    published_at: datetime
    title: str
    body: str


@dataclass(frozen=True)
class UnseenStory:
    id: str
    day: date
    category: str
    also: tuple[str, ...]
    off_topic: bool
    headline: bool
    split: str
    hard: tuple[str, ...]
    articles: tuple[Article, ...]

    @property
    def source_count(self) -> int:
        return len({article.source for article in self.articles})

    @property
    def accepted(self) -> set[str]:
        return {self.category, *self.also}


@dataclass(frozen=True)
class Prediction:
    category: str
    off_topic: bool
    tier: str | None
    importance: float
    evidence: tuple[str, ...]
    relevance: float


@dataclass
class UnseenResult:
    on_topic_total: int = 0
    on_topic_correct: int = 0
    off_topic_total: int = 0
    off_topic_caught: int = 0
    ai_flagged_off_topic: int = 0
    other_where_another_fits: int = 0
    multi_source_total: int = 0
    multi_source_headlines: int = 0
    headline_total: int = 0
    headline_found: int = 0
    predicted_headlines: int = 0
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[tuple[UnseenStory, Prediction, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.on_topic_correct / self.on_topic_total if self.on_topic_total else 0.0

    @property
    def off_topic_recall(self) -> float:
        return self.off_topic_caught / self.off_topic_total if self.off_topic_total else 0.0

    @property
    def off_topic_precision(self) -> float:
        flagged = self.off_topic_caught + self.ai_flagged_off_topic
        return self.off_topic_caught / flagged if flagged else 1.0

    @property
    def multi_source_headline_recall(self) -> float:
        if not self.multi_source_total:
            return 1.0
        return self.multi_source_headlines / self.multi_source_total

    @property
    def headline_recall(self) -> float:
        return self.headline_found / self.headline_total if self.headline_total else 1.0


def _timestamp(value: str) -> datetime:
    """Naive UTC, as the tables store it."""
    parsed = datetime.fromisoformat(value)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def load_unseen_set(path: Path = DEFAULT_DATA) -> list[UnseenStory]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]
    return [
        UnseenStory(
            id=item["id"],
            day=date.fromisoformat(str(item["day"])),
            category=item["category"],
            also=tuple(item.get("also") or ()),
            off_topic=bool(item.get("off_topic", False)),
            headline=bool(item.get("headline", False)),
            split=item["split"],
            hard=tuple(item.get("hard") or ()),
            articles=tuple(
                Article(
                    source=article["source"],
                    language=article["language"],
                    published_at=_timestamp(str(article["published_at"])),
                    title=article["title"],
                    body=" ".join(article["body"].split())
                    if article["language"] == "en"
                    else article["body"].strip(),
                )
                for article in item["articles"]
            ),
        )
        for item in raw
    ]


def _language_and_script(language: str) -> tuple[str, str | None]:
    if language == "zh-Hant":
        return "zh", "hant"
    if language == "zh-Hans":
        return "zh", "hans"
    return language, None


def deduped_for(stories: list[UnseenStory]) -> pl.DataFrame:
    """The deduped_stories frame of the set: each story one group, its first article lead."""
    rows: list[dict[str, Any]] = []
    for story in stories:
        for index, article in enumerate(story.articles):
            language, script = _language_and_script(article.language)
            url = f"https://{article.source}.example.com/{story.id}"
            rows.append(
                deduped_row(
                    partition_date=story.day,
                    source=article.source,
                    url=url,
                    listed_title=article.title,
                    published_at=article.published_at,
                    text=article.body,
                    text_chars=len(article.body),
                    language=language,
                    script=script,
                    story_id=story.id,
                    is_lead=index == 0,
                    story_size=len(story.articles),
                    match_reason="lead" if index == 0 else "same_event",
                )
            )
    return deduped_frame(rows)


def predict(stories: list[UnseenStory], taxonomy: Taxonomy) -> dict[str, Prediction]:
    """Every story's category, off-topic flag and tier, from one run over the whole set."""
    categorized = categorize_stories(deduped_for(stories), taxonomy, timezone=TIMEZONE)
    return {
        row["story_id"]: Prediction(
            category=row["category"],
            off_topic=bool(row["off_topic"]),
            tier=row["tier"],
            importance=row["importance"],
            evidence=tuple(row["category_evidence"] or ()),
            relevance=row["ai_relevance"],
        )
        for row in categorized.iter_rows(named=True)
    }


def evaluate(stories: list[UnseenStory], predictions: dict[str, Prediction]) -> UnseenResult:
    result = UnseenResult()
    for story in stories:
        predicted = predictions[story.id]
        is_headline = predicted.tier == "headline"
        result.predicted_headlines += int(is_headline)
        if story.headline:
            result.headline_total += 1
            result.headline_found += int(is_headline)
        if story.source_count >= 3:
            result.multi_source_total += 1
            result.multi_source_headlines += int(is_headline)
            if not is_headline:
                result.errors.append((story, predicted, "3+ sources, not a headline"))
        if story.off_topic:
            result.off_topic_total += 1
            result.off_topic_caught += int(predicted.off_topic)
            if not predicted.off_topic:
                result.errors.append((story, predicted, "not flagged off-topic"))
            continue
        result.on_topic_total += 1
        shown = OFF_TOPIC_COLUMN if predicted.off_topic else predicted.category
        result.confusion[story.category][shown] += 1
        if predicted.off_topic:
            result.ai_flagged_off_topic += 1
            result.errors.append((story, predicted, "flagged off-topic"))
        elif predicted.category in story.accepted:
            result.on_topic_correct += 1
        else:
            result.errors.append((story, predicted, f"filed as {predicted.category}"))
            if predicted.category == "other":
                result.other_where_another_fits += 1
    return result


def format_confusion(result: UnseenResult, category_ids: list[str]) -> str:
    columns = [*category_ids, OFF_TOPIC_COLUMN]
    width = max(len(category_id) for category_id in columns) + 1
    lines = ["true\\pred".ljust(width) + "".join(c[:6].rjust(7) for c in columns)]
    for true_id in category_ids:
        row = result.confusion.get(true_id, Counter())
        lines.append(true_id.ljust(width) + "".join(str(row.get(c, 0)).rjust(7) for c in columns))
    return "\n".join(lines)


def format_summary(split: str, result: UnseenResult) -> str:
    return (
        f"[{split}] category accuracy={result.accuracy:.3f} "
        f"({result.on_topic_correct}/{result.on_topic_total}); AI stories flagged off-topic="
        f"{result.ai_flagged_off_topic}; off-topic recall={result.off_topic_recall:.3f} "
        f"({result.off_topic_caught}/{result.off_topic_total}) precision="
        f"{result.off_topic_precision:.3f}; in other where another fits="
        f"{result.other_where_another_fits}; headline recall 3+ sources="
        f"{result.multi_source_headline_recall:.3f} "
        f"({result.multi_source_headlines}/{result.multi_source_total}); all editor headlines="
        f"{result.headline_found}/{result.headline_total} (predicted headlines "
        f"{result.predicted_headlines})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="all")
    parser.add_argument("--taxonomy", type=Path, default=None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)

    taxonomy = load_taxonomy(args.taxonomy)
    stories = load_unseen_set(args.data)
    predictions = predict(stories, taxonomy)
    splits = ["tune", "holdout", "all"] if args.split == "all" else [args.split]
    for split in splits:
        chosen = [story for story in stories if split == "all" or story.split == split]
        result = evaluate(chosen, predictions)
        print(format_summary(split, result))
        print(format_confusion(result, taxonomy.category_ids()))
        if args.show_errors:
            for story, predicted, what in result.errors:
                title = story.articles[0].title
                labels = "/".join(sorted(story.accepted, key=[story.category, *story.also].index))
                print(
                    f"  {story.id} [{labels}]"
                    f" {what}: {title} | rel={predicted.relevance:.2f} tier={predicted.tier} "
                    f"imp={predicted.importance:.2f} | {list(predicted.evidence)}"
                )
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
