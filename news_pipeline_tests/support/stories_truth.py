"""Labels derived from the stories_eval corpus and the scores the harness computes with them.

Kept apart from the pipeline: nothing here imports `news_pipeline`. `scripts/eval_stories.py`
maps the pipeline's output onto the corpus and calls these; the corpus test uses the derived
labels (split rule, pairs, statistics).
"""

from __future__ import annotations

import difflib
import itertools
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from news_pipeline_tests.support.site_corpus import (
    MEMBER_OUTCOMES,
    THIN_KINDS,
    Article,
    Corpus,
)


def compute_split(corpus: Corpus) -> dict[str, str]:
    """The stored split's rule: story keys joined by `continues` or `look_alike_of` form one
    group (so a development, the story it continues and its look-alikes fall on the same side);
    the groups, in file order of their first key, are numbered from 0 and every third one,
    number 1, 4, 7, ..., is held out."""
    keys = list(corpus.stories)
    parent = {key: key for key in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    links = [(a.story, a.continues) for a in corpus.articles if a.continues]
    links += [(s.key, other) for s in corpus.stories.values() for other in s.look_alike_of]
    for left, right in links:
        first, second = sorted((root(left), root(right)), key=keys.index)
        parent[second] = first
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(root(key), []).append(key)
    return {
        key: "holdout" if number % 3 == 1 else "tune"
        for number, members in enumerate(groups.values())
        for key in members
    }


def members(corpus: Corpus) -> list[Article]:
    """Articles that belong to a story: outcome story, duplicate_url or seen_before."""
    return [article for article in corpus.articles if article.outcome in MEMBER_OUTCOMES]


def true_pairs(corpus: Corpus) -> list[tuple[Article, Article]]:
    """Same-story pairs among the member articles."""
    groups: dict[str, list[Article]] = {}
    for article in members(corpus):
        groups.setdefault(article.story, []).append(article)
    return [pair for group in groups.values() for pair in itertools.combinations(group, 2)]


def look_alike_pairs(corpus: Corpus) -> list[tuple[str, str]]:
    pairs = {
        (min(story.key, other), max(story.key, other))
        for story in corpus.stories.values()
        for other in story.look_alike_of
    }
    return sorted(pairs)


def continuity_cases(corpus: Corpus) -> list[tuple[str, str]]:
    """(new story, the story it continues), in file order."""
    seen: dict[tuple[str, str], None] = {}
    for article in corpus.articles:
        if article.continues:
            seen[(article.story, article.continues)] = None
    return list(seen)


def corpus_stats(corpus: Corpus) -> dict[str, Any]:
    pairs = true_pairs(corpus)
    cross = [pair for pair in pairs if pair[0].language != pair[1].language]
    outcomes = Counter(article.outcome for article in corpus.articles)
    kinds = Counter(article.kind for article in corpus.articles)
    split = Counter(story.split for story in corpus.stories.values())
    return {
        "articles": len(corpus.articles),
        "sites": len(corpus.sites),
        "days": dict(sorted(Counter(a.day for a in corpus.articles).items())),
        "languages": dict(Counter(a.language for a in corpus.articles)),
        "per_site": dict(Counter(a.site for a in corpus.articles)),
        "stories": len(corpus.stories),
        "split": dict(split),
        "member_articles": len(members(corpus)),
        "same_story_pairs": len(pairs),
        "cross_language_pairs": len(cross),
        "cross_language_share": round(len(cross) / len(pairs), 3) if pairs else 0.0,
        "look_alike_pairs": len(look_alike_pairs(corpus)),
        "continues_cases": len(continuity_cases(corpus)),
        "seen_before_cases": outcomes["seen_before"],
        "thin_pages": sum(kinds[kind] for kind in THIN_KINDS),
        "off_topic": outcomes["off_topic"],
        "outcomes": dict(outcomes),
        "kinds": dict(kinds),
    }


# ---- clustering scores -----------------------------------------------------------------------


def pair_set(labels: Mapping[str, str]) -> set[tuple[str, str]]:
    """Unordered pairs of item ids that share a label."""
    groups: dict[str, list[str]] = {}
    for item, label in labels.items():
        groups.setdefault(label, []).append(item)
    return {
        (min(a, b), max(a, b))
        for group in groups.values()
        for a, b in itertools.combinations(group, 2)
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None or precision + recall == 0:
        return None if precision is None or recall is None else 0.0
    return round(2 * precision * recall / (precision + recall), 4)


def pairwise_scores(truth: Mapping[str, str], predicted: Mapping[str, str]) -> dict[str, Any]:
    """Pairwise precision/recall/F1 of a predicted clustering over the truth's items."""
    true = pair_set(truth)
    found = pair_set({item: predicted[item] for item in truth})
    correct = len(true & found)
    precision, recall = _ratio(correct, len(found)), _ratio(correct, len(true))
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "true_pairs": len(true),
        "predicted_pairs": len(found),
        "correct_pairs": correct,
    }


def bcubed_f1(truth: Mapping[str, str], predicted: Mapping[str, str]) -> float | None:
    """B-cubed F1 (Bagga & Baldwin): per-item precision and recall of its cluster, averaged."""
    if not truth:
        return None
    true_groups: dict[str, set[str]] = {}
    found_groups: dict[str, set[str]] = {}
    for item, label in truth.items():
        true_groups.setdefault(label, set()).add(item)
        found_groups.setdefault(predicted[item], set()).add(item)
    precision = recall = 0.0
    for item in truth:
        true_group = true_groups[truth[item]]
        found_group = found_groups[predicted[item]]
        overlap = len(true_group & found_group)
        precision += overlap / len(found_group)
        recall += overlap / len(true_group)
    return _f1(precision / len(truth), recall / len(truth))


def pair_recall(pairs: Iterable[tuple[str, str]], predicted: Mapping[str, str]) -> dict[str, Any]:
    """How many of the given true pairs the prediction puts together."""
    pairs = list(pairs)
    together = sum(predicted[a] == predicted[b] for a, b in pairs)
    return {"recall": _ratio(together, len(pairs)), "pairs": len(pairs), "together": together}


# ---- text scores -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFKC, lower case, no whitespace: the form both sides are compared in."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def bigrams(text: str) -> set[str]:
    """Character bigram SET of the normalised text (a one-character text is its own gram)."""
    flat = normalise(text)
    if len(flat) < 2:
        return {flat} if flat else set()
    return {flat[i : i + 2] for i in range(len(flat) - 1)}


def bigram_overlap(truth: str, extracted: str) -> tuple[int, int, int]:
    """(shared, extracted, true) bigram counts for micro-averaged precision and recall."""
    true_grams, found_grams = bigrams(truth), bigrams(extracted)
    return len(true_grams & found_grams), len(found_grams), len(true_grams)


def recovered_chars(truth: str, got: str) -> int:
    """Characters of the (whitespace-free) truth found again, in order, in `got`."""
    a, b = "".join(truth.split()), "".join(got.split())
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())
