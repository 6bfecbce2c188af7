"""Scoring predicted stories against hand-labelled ones: pairwise and B-cubed precision,
recall and F1 (scripts/eval_dedupe.py and the quality floors of the tests)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from news_pipeline.schema import (
    DEDUPED_STORIES_SCHEMA,
    REASON_DUPLICATE_URL,
    REASON_SEEN_BEFORE,
    conform,
)


def evaluate_pairs(
    true_story_ids: Sequence[str], predicted_story_ids: Sequence[str]
) -> dict[str, float]:
    """Pairwise precision/recall/F1 of "same story" and B-cubed precision/recall/F1."""
    if len(true_story_ids) != len(predicted_story_ids):
        raise ValueError("true and predicted story ids must be aligned")
    frame = pl.DataFrame(
        {"truth": list(true_story_ids), "predicted": list(predicted_story_ids)},
        schema={"truth": pl.String, "predicted": pl.String},
    )
    if frame.height == 0:
        return {
            name: 1.0
            for name in (
                "pairwise_precision",
                "pairwise_recall",
                "pairwise_f1",
                "bcubed_precision",
                "bcubed_recall",
                "bcubed_f1",
            )
        }
    cells = frame.group_by("truth", "predicted").agg(pl.len().alias("n"))
    true_sizes = frame.group_by("truth").agg(pl.len().alias("true_size"))
    predicted_sizes = frame.group_by("predicted").agg(pl.len().alias("predicted_size"))

    def pair_count(column: pl.Series) -> int:
        values = column.cast(pl.Int64).to_numpy()
        return int((values * (values - 1) // 2).sum())

    same_both = pair_count(cells["n"])
    same_predicted = pair_count(predicted_sizes["predicted_size"])
    same_truth = pair_count(true_sizes["true_size"])
    precision = same_both / same_predicted if same_predicted else 1.0
    recall = same_both / same_truth if same_truth else 1.0
    cells = cells.join(true_sizes, on="truth").join(predicted_sizes, on="predicted")
    total = frame.height
    bcubed_precision = float((cells["n"] ** 2 / cells["predicted_size"]).sum()) / total
    bcubed_recall = float((cells["n"] ** 2 / cells["true_size"]).sum()) / total

    def harmonic(first: float, second: float) -> float:
        return 2 * first * second / (first + second) if first + second else 0.0

    return {
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": harmonic(precision, recall),
        "bcubed_precision": bcubed_precision,
        "bcubed_recall": bcubed_recall,
        "bcubed_f1": harmonic(bcubed_precision, bcubed_recall),
    }


def evaluation_labels(deduped: pl.DataFrame) -> list[str | None]:
    """The story each row was put in, as evaluate_pairs needs it: a story member's story_id,
    a seen_before row's earlier story_id, a duplicate_url row's kept row's label; None for
    rows the stage did not judge (feeds and other exclusions)."""
    frame = conform(deduped, DEDUPED_STORIES_SCHEMA).with_row_index("_position")
    own = (
        pl.when(pl.col("excluded_reason") == REASON_SEEN_BEFORE)
        .then(pl.col("excluded_detail"))
        .when(pl.col("excluded_reason").is_null())
        .then(pl.col("story_id"))
    )
    frame = frame.with_columns(own.alias("_label"))
    kept = (
        frame.filter(pl.col("_label").is_not_null())
        .select(
            "partition_date",
            pl.col("url").alias("excluded_detail"),
            pl.col("_label").alias("_kept"),
        )
        .unique(subset=["partition_date", "excluded_detail"], keep="first", maintain_order=True)
    )
    frame = frame.join(kept, on=["partition_date", "excluded_detail"], how="left")
    frame = frame.with_columns(
        pl.when(pl.col("excluded_reason") == REASON_DUPLICATE_URL)
        .then(pl.col("_kept"))
        .otherwise(pl.col("_label"))
        .alias("_label")
    ).sort("_position")
    return frame["_label"].to_list()
