"""The cross-day rule (the README's paragraph): stories already reported are excluded.

A story is ``seen_before`` when one of its articles is the same text, a near-duplicate or a
same-event report of an article of a story reported (not itself excluded) in the previous
``lookback_days`` (7) partitions; its rows name that earlier story_id. It is a new
development, and so a new story, when its titles and leads name at least
``novelty_min_new_facts`` (2) facts (numbers with their units, versioned names such as
"GLM-5", proper names such as a new company or person) that appear in none of the earlier
story's articles; an article that is itself a copy of an earlier article stays
``seen_before`` even then. Only the partition's own rows and the earlier partitions' stored
rows decide this, so a day gives the same result whether days run in order, in a backfill or
out of order.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from news_pipeline.schema import RECORD_ITEM
from news_pipeline.stories.anchors import TERMS_COLUMN
from news_pipeline.stories.links import EDGE_RANK, MATCH_NEAR_DUPLICATE, Edges
from news_pipeline.stories.settings import DedupeSettings


def earlier_stories(
    history: pl.DataFrame, day: date | None, settings: DedupeSettings
) -> pl.DataFrame:
    """The rows a partition is compared with: reported story members (not excluded) of the
    lookback_days partitions before ``day``; none for rows without a partition date."""
    earlier = history.filter(
        pl.col("excluded_reason").is_null()
        & pl.col("story_id").is_not_null()
        & (pl.col("record_kind") == RECORD_ITEM)
    )
    if day is None:
        return earlier.clear()
    return earlier.filter(
        (pl.col("partition_date") < day)
        & (pl.col("partition_date") >= day - timedelta(days=settings.lookback_days))
    )


def seen_before(
    components: np.ndarray,
    today_terms: pl.Series,
    earlier: pl.DataFrame,
    edges: Edges,
    today_count: int,
    settings: DedupeSettings,
) -> list[str | None]:
    """Per today's article: the earlier story_id it repeats, or None.

    A story linked to an earlier story is a repeat unless its titles and leads carry at
    least novelty_min_new_facts anchors found nowhere in the earlier story's articles; an
    article that is itself a copy (same text or near-duplicate) of an earlier article is a
    repeat even inside a new development."""
    cross = edges.pairs[:, 1] >= today_count
    if not cross.any():
        return [None] * today_count
    old_rows = earlier.with_row_index("old").select(
        pl.col("old").cast(pl.Int64), "story_id", "partition_date", TERMS_COLUMN
    )
    links = pl.DataFrame(
        {
            "doc": edges.pairs[cross, 0],
            "old": edges.pairs[cross, 1] - today_count,
            "reason": edges.reasons[cross],
        }
    ).with_columns(pl.Series("component", components[edges.pairs[cross, 0]], dtype=pl.Int64))
    links = links.join(old_rows.select("old", "story_id", "partition_date"), on="old")
    preference = ["links", "partition_date", "story_id"]
    story_links = (
        links.group_by("component", "story_id", "partition_date")
        .agg(pl.len().alias("links"))
        .sort(["component", *preference], descending=[False, True, True, False])
    )
    old_facts = (
        old_rows.explode(TERMS_COLUMN)
        .filter(pl.col(TERMS_COLUMN).str.starts_with("f:"))
        .select("story_id", pl.col(TERMS_COLUMN).str.slice(2).alias("fact"))
        .unique()
    )
    known_facts = (
        story_links.select("component", "story_id")
        .join(old_facts, on="story_id")
        .select("component", "fact")
        .unique()
    )
    today_anchors = (
        pl.DataFrame(
            {"component": components, "term": today_terms},
            schema={"component": pl.Int64, "term": pl.List(pl.String)},
        )
        .explode("term")
        .filter(pl.col("term").str.starts_with("a:") & ~pl.col("term").str.starts_with("a:h:"))
        .select("component", pl.col("term").str.slice(2).alias("fact"))
        .unique()
    )
    new_facts = (
        today_anchors.join(known_facts, on=["component", "fact"], how="anti")
        .group_by("component")
        .agg(pl.len().alias("new_facts"))
    )
    repeated = (
        story_links.group_by("component", maintain_order=True)
        .agg(pl.col("story_id").first().alias("repeats"))
        .join(new_facts, on="component", how="left")
        .filter(pl.col("new_facts").fill_null(0) < settings.novelty_min_new_facts)
    )
    copies = (
        links.filter(pl.col("reason") <= EDGE_RANK[MATCH_NEAR_DUPLICATE])
        .group_by("doc", "story_id", "partition_date")
        .agg(pl.len().alias("links"))
        .sort(["doc", *preference], descending=[False, True, True, False])
        .group_by("doc", maintain_order=True)
        .agg(pl.col("story_id").first().alias("copy_of"))
    )
    per_doc = (
        pl.DataFrame({"doc": np.arange(today_count), "component": components})
        .with_columns(pl.col("doc").cast(pl.Int64), pl.col("component").cast(pl.Int64))
        .join(repeated.select("component", "repeats"), on="component", how="left")
        .join(copies, on="doc", how="left")
        .sort("doc")
    )
    return per_doc.select(pl.coalesce("repeats", "copy_of"))["repeats"].to_list()
