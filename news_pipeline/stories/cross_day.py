"""The cross-day rule (the README's paragraph): stories already reported are excluded.

A story is ``seen_before`` when it matches a story reported (not itself excluded) in the
previous ``lookback_days`` (7) partitions: the mean link probability (similarity.py) over all
pairs of their articles reaches ``cross_day_threshold``; its rows name that earlier
story_id. It is a new development, a new story that ``continues`` the earlier one, when its
titles and leads name at least ``novelty_min_new_facts`` (2) facts (numbers with their units,
versioned names such as "GLM-5", proper names such as a new company or person) that appear in
none of the earlier story's articles; an article that is itself a copy of an earlier article
stays ``seen_before`` even then. Only the partition's own rows and the earlier partitions' stored
rows decide this, so a day gives the same result whether days run in order, in a backfill or
out of order.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from news_pipeline.schema import RECORD_ITEM
from news_pipeline.stories.anchors import TERMS_COLUMN
from news_pipeline.stories.links import EDGE_RANK, MATCH_NEAR_DUPLICATE
from news_pipeline.stories.settings import DedupeSettings

# the story an article's story develops, and the partition that reported it
CONTINUES_COLUMNS = ("continues_story_id", "continues_partition_date")


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


def match_earlier(
    components: np.ndarray,
    today_terms: pl.Series,
    earlier: pl.DataFrame,
    cross: pl.DataFrame,
    today_count: int,
    settings: DedupeSettings,
) -> pl.DataFrame:
    """Per today's article (row ``doc``): ``repeats``, the earlier story_id it repeats, or
    ``continues`` and ``continues_date``, the earlier story its story develops.

    ``cross`` holds today-earlier pairs (doc, old, p, reason). Today's story matches the
    earlier story with the highest mean, over today's articles, of each article's best link
    probability into that story, when that mean reaches cross_day_threshold. It repeats it
    when the mean also reaches repeat_threshold and its titles and leads carry fewer than
    novelty_min_new_facts anchors found nowhere in the earlier story's articles; otherwise it
    continues it. An article
    that is itself a copy (same text or near-duplicate) of an earlier article repeats that
    story even inside a new development."""
    per_doc = pl.DataFrame(
        {"doc": np.arange(today_count), "component": components},
        schema={"doc": pl.Int64, "component": pl.Int64},
    )
    none = per_doc.with_columns(
        pl.lit(None, dtype=pl.String).alias("repeats"),
        pl.lit(None, dtype=pl.String).alias("continues"),
        pl.lit(None, dtype=pl.Date).alias("continues_date"),
    )
    if cross.height == 0:
        return none.sort("doc")
    old_rows = earlier.with_row_index("old").select(
        pl.col("old").cast(pl.Int64), "story_id", "partition_date", TERMS_COLUMN
    )
    component_sizes = per_doc.group_by("component").agg(pl.len().alias("component_size"))
    links = cross.join(per_doc, on="doc").join(
        old_rows.select("old", "story_id", "partition_date"), on="old"
    )
    # each of today's articles counts its best link into the earlier story (an earlier story
    # told by many reports is not harder to match), averaged over today's story
    scores = (
        links.group_by("component", "doc", "story_id", "partition_date")
        .agg(pl.col("p").max().alias("best"))
        .group_by("component", "story_id", "partition_date")
        .agg(pl.col("best").sum().alias("total"))
        .join(component_sizes, on="component")
        .with_columns((pl.col("total") / pl.col("component_size")).alias("mean"))
        .filter(pl.col("mean") >= settings.cross_day_threshold)
        .sort(
            ["component", "mean", "partition_date", "story_id"],
            descending=[False, True, True, False],
        )
        .group_by("component", maintain_order=True)
        .agg(pl.col("story_id").first(), pl.col("partition_date").first(), pl.col("mean").first())
    )
    old_facts = (
        old_rows.explode(TERMS_COLUMN)
        .filter(pl.col(TERMS_COLUMN).str.starts_with("f:"))
        .select("story_id", pl.col(TERMS_COLUMN).str.slice(2).alias("fact"))
        .unique()
    )
    known_facts = scores.select("component", "story_id").join(old_facts, on="story_id")
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
        today_anchors.join(
            known_facts.select("component", "fact"), on=["component", "fact"], how="anti"
        )
        .group_by("component")
        .agg(pl.len().alias("new_facts"))
    )
    judged = scores.join(new_facts, on="component", how="left").with_columns(
        (
            (pl.col("new_facts").fill_null(0) >= settings.novelty_min_new_facts)
            | (pl.col("mean") < settings.repeat_threshold)
        ).alias("new")
    )
    copies = (
        links.filter(pl.col("reason") <= EDGE_RANK[MATCH_NEAR_DUPLICATE])
        .group_by("doc", "story_id", "partition_date")
        .agg(pl.len().alias("links"))
        .sort(["doc", "links", "partition_date", "story_id"], descending=[False, True, True, False])
        .group_by("doc", maintain_order=True)
        .agg(pl.col("story_id").first().alias("copy_of"))
    )
    story = pl.col("story_id")
    return (
        per_doc.join(judged, on="component", how="left")
        .join(copies, on="doc", how="left")
        .select(
            "doc",
            "component",
            pl.coalesce("copy_of", pl.when(~pl.col("new").fill_null(True)).then(story)).alias(
                "repeats"
            ),
            pl.when(pl.col("new").fill_null(False) & pl.col("copy_of").is_null())
            .then(story)
            .alias("continues"),
            pl.when(pl.col("new").fill_null(False) & pl.col("copy_of").is_null())
            .then(pl.col("partition_date"))
            .alias("continues_date"),
        )
        .sort("doc")
    )
