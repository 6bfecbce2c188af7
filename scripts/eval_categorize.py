"""Measure the categorizer on the labelled set: accuracy, confusion matrix, off-topic detection.

Usage: python scripts/eval_categorize.py [--split all|tune|holdout] [--taxonomy FILE]
       [--data FILE] [--show-errors]

The labelled set is news_pipeline_tests/data/categorize_eval/stories.yaml. Within each true
category (off-topic stories form their own group), in file order, every third story is held
out; tune the taxonomy only against `--split tune`, then report `--split holdout` once.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from news_pipeline.editorial import Taxonomy, classify_story, load_taxonomy

DEFAULT_DATA = (
    Path(__file__).resolve().parent.parent
    / "news_pipeline_tests"
    / "data"
    / "categorize_eval"
    / "stories.yaml"
)
SPLITS = ("all", "tune", "holdout")


@dataclass(frozen=True)
class LabelledStory:
    id: str
    lang: str
    category: str
    off_topic: bool
    title: str
    body: str
    split: str


@dataclass
class EvalResult:
    on_topic_total: int = 0
    on_topic_correct: int = 0
    off_topic_total: int = 0
    off_topic_caught: int = 0
    ai_flagged_off_topic: int = 0
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[tuple[LabelledStory, str, list[str]]] = field(default_factory=list)

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
    def ai_false_off_topic_rate(self) -> float:
        return self.ai_flagged_off_topic / self.on_topic_total if self.on_topic_total else 0.0


def load_labelled_set(path: Path = DEFAULT_DATA) -> list[LabelledStory]:
    """Stories in file order, each with its split (every third of its group is held out)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]
    seen_in_group: Counter[str] = Counter()
    stories = []
    for item in raw:
        off_topic = bool(item.get("off_topic", False))
        group = "off_topic" if off_topic else item["category"]
        seen_in_group[group] += 1
        split = "holdout" if seen_in_group[group] % 3 == 0 else "tune"
        stories.append(
            LabelledStory(
                id=item["id"],
                lang=item["lang"],
                category=item["category"],
                off_topic=off_topic,
                title=item["title"],
                body=item["body"],
                split=split,
            )
        )
    return stories


def evaluate(stories: list[LabelledStory], taxonomy: Taxonomy) -> EvalResult:
    result = EvalResult()
    for story in stories:
        predicted = classify_story(story.title, story.body, taxonomy)
        if story.off_topic:
            result.off_topic_total += 1
            result.off_topic_caught += int(predicted.off_topic)
            if not predicted.off_topic:
                result.errors.append((story, "not flagged off-topic", predicted.evidence))
            continue
        result.on_topic_total += 1
        result.confusion[story.category][predicted.category] += 1
        if predicted.category == story.category:
            result.on_topic_correct += 1
        else:
            result.errors.append((story, predicted.category, predicted.evidence))
        if predicted.off_topic:
            result.ai_flagged_off_topic += 1
            result.errors.append((story, "flagged off-topic", predicted.evidence))
    return result


def format_confusion(result: EvalResult, category_ids: list[str]) -> str:
    width = max(len(category_id) for category_id in category_ids) + 1
    header = "true\\pred".ljust(width) + "".join(c[:6].rjust(7) for c in category_ids)
    lines = [header]
    for true_id in category_ids:
        row = result.confusion.get(true_id, Counter())
        lines.append(
            true_id.ljust(width) + "".join(str(row.get(c, 0)).rjust(7) for c in category_ids)
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="all")
    parser.add_argument("--taxonomy", type=Path, default=None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)

    taxonomy = load_taxonomy(args.taxonomy)
    stories = load_labelled_set(args.data)
    splits = ["tune", "holdout", "all"] if args.split == "all" else [args.split]
    for split in splits:
        chosen = [story for story in stories if split == "all" or story.split == split]
        result = evaluate(chosen, taxonomy)
        print(
            f"[{split}] stories={len(chosen)} on-topic accuracy={result.accuracy:.3f} "
            f"({result.on_topic_correct}/{result.on_topic_total}); off-topic recall="
            f"{result.off_topic_recall:.3f} ({result.off_topic_caught}/{result.off_topic_total}),"
            f" precision={result.off_topic_precision:.3f}, AI stories flagged off-topic="
            f"{result.ai_flagged_off_topic} ({result.ai_false_off_topic_rate:.1%})"
        )
    final = evaluate(
        [story for story in stories if args.split == "all" or story.split == args.split],
        taxonomy,
    )
    print()
    print(format_confusion(final, taxonomy.category_ids()))
    if args.show_errors:
        print()
        for story, predicted, evidence in final.errors:
            print(f"{story.id} [{story.category}] -> {predicted}: {story.title} | {evidence}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
