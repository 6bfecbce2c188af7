"""Fit the link model (settings.link_coefficients) on the TUNE split of stories_eval.

Reads the cleaned_articles table that `scripts/eval_stories.py --data-dir DIR` left, keeps the
articles of tune-split stories (news_pipeline_tests/data/stories_eval, never the holdout) and
the older labelled set (news_pipeline_tests/data/dedupe_eval), runs the dedupe stage day by
day, collects every scored candidate pair with its features, fits an L2-regularised logistic
regression on the same-day pairs and prints the coefficients, then the pairwise figures of
the stage on both sets with them, for a range of link thresholds.

    python scripts/fit_story_links.py --data-dir DIR [--l2 1.0]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_dedupe import load_eval_set  # noqa: E402

from news_pipeline.schema import CLEANED_ARTICLES_SCHEMA, conform  # noqa: E402
from news_pipeline.stories import (  # noqa: E402
    DedupeSettings,
    dedupe_articles,
    evaluate_pairs,
    evaluation_labels,
    grouping,
)
from news_pipeline.stories.similarity import PAIR_FEATURES  # noqa: E402
from news_pipeline_tests.support.site_corpus import load_corpus  # noqa: E402


def tune_articles(data_dir: Path) -> pl.DataFrame:
    """cleaned_articles rows of the tune split, with their true story key."""
    corpus = load_corpus()
    bases = json.loads((data_dir / "stories_eval_bases.json").read_text("utf-8"))
    truth = {
        corpus.listed_url(a, bases): a.story
        for a in corpus.articles
        if corpus.stories[a.story].split == "tune"
    }
    with duckdb.connect(str(data_dir / "news.duckdb"), read_only=True) as connection:
        cleaned = connection.execute("select * from cleaned_articles").pl()
    cleaned = cleaned.filter(pl.col("url").is_in(list(truth)) | (pl.col("record_kind") == "feed"))
    return cleaned.with_columns(
        pl.col("url").replace_strict(truth, default=None, return_dtype=pl.String).alias("story")
    )


def run(articles: pl.DataFrame, settings: DedupeSettings, capture: list | None = None):
    """Dedupe day by day; optionally collect (pool, links, today_count) of each day."""
    original = grouping.scored_links

    def recording(pool, edges, today_count, inner_settings):
        links = original(pool, edges, today_count, inner_settings)
        if capture is not None:
            capture.append((pool.select("article_id"), links, today_count))
        return links

    grouping.scored_links = recording
    try:
        outputs, history = [], pl.DataFrame()
        for day in sorted(articles["partition_date"].drop_nulls().unique().to_list()):
            cleaned = conform(
                articles.filter(pl.col("partition_date") == day), CLEANED_ARTICLES_SCHEMA
            )
            result = dedupe_articles(cleaned, history, settings)
            outputs.append(result.with_columns(pl.lit(None, dtype=pl.String).alias("_")))
            history = pl.concat(outputs, how="vertical_relaxed")
        return pl.concat(outputs, how="vertical_relaxed")
    finally:
        grouping.scored_links = original


def scores(articles: pl.DataFrame, settings: DedupeSettings) -> dict[str, float]:
    deduped = run(articles, settings)
    story_of = dict(zip(articles["article_id"], articles["story"], strict=True))
    labels = evaluation_labels(deduped)
    # articles the stage judged (out-of-window listings and pages without text are not)
    keep = [
        (story_of[article_id], label)
        for article_id, label in zip(deduped["article_id"], labels, strict=True)
        if story_of.get(article_id) is not None and label is not None
    ]
    return evaluate_pairs([truth for truth, _ in keep], [label for _, label in keep])


def training_pairs(
    articles: pl.DataFrame, settings: DedupeSettings
) -> tuple[np.ndarray, np.ndarray]:
    captured: list = []
    run(articles, settings, captured)
    story_of = dict(zip(articles["article_id"], articles["story"], strict=True))
    features, labels = [], []
    for pool, links, today_count in captured:
        ids = pool["article_id"].to_list()
        same_day = links.filter(pl.col("b") < today_count)
        for row in same_day.iter_rows(named=True):
            left, right = story_of.get(ids[row["a"]]), story_of.get(ids[row["b"]])
            if left is None or right is None:
                continue
            features.append([row[name] for name in PAIR_FEATURES])
            labels.append(float(left == right))
    return np.array(features, dtype=np.float64), np.array(labels)


def fit(features: np.ndarray, labels: np.ndarray, l2: float) -> np.ndarray:
    """Logistic regression by Newton's method (intercept last, not regularised)."""
    design = np.hstack([features, np.ones((len(features), 1))])
    weights = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        probability = 1.0 / (1.0 + np.exp(-design @ weights))
        gradient = design.T @ (probability - labels) + penalty * weights
        hessian = (design * (probability * (1 - probability))[:, None]).T @ design
        weights -= np.linalg.solve(
            hessian + np.diag(penalty) + 1e-9 * np.eye(len(weights)), gradient
        )
    return weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--set", action="append", default=[], help="setting=value (JSON value)")
    args = parser.parse_args()
    tune = tune_articles(args.data_dir)
    older = load_eval_set()
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    base = DedupeSettings(**overrides)
    x_tune, y_tune = training_pairs(tune, base)
    x_old, y_old = training_pairs(older, base)
    features, labels = np.vstack([x_tune, x_old]), np.concatenate([y_tune, y_old])
    print(f"pairs: {len(labels)} ({int(labels.sum())} same story)")
    weights = fit(features, labels, args.l2)
    coefficients = {
        name: round(float(w), 3) for name, w in zip(PAIR_FEATURES, weights, strict=False)
    }
    coefficients["intercept"] = round(float(weights[-1]), 3)
    print(json.dumps(coefficients, indent=1))
    for threshold in (0.25, 0.3, 0.35, 0.4, 0.45):
        settings = base.model_copy(
            update={"link_coefficients": coefficients, "link_threshold": threshold}
        )
        for name, articles in (("tune", tune), ("dedupe_eval", older)):
            figures = scores(articles, settings)
            print(
                f"threshold {threshold} {name}: P {figures['pairwise_precision']:.3f} "
                f"R {figures['pairwise_recall']:.3f} B-cubed F1 {figures['bcubed_f1']:.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
