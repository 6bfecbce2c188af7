"""The dedupe stage, a day at a time: URL duplicates, the union of the links into stories,
each story's lead and id, and the cross-day rule applied (the package docstring gives the
whole picture)."""

from __future__ import annotations

import hashlib
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import date

import numpy as np
import polars as pl

from news_pipeline.forking import default_signal_handling
from news_pipeline.schema import (
    CLEANED_ARTICLES_SCHEMA,
    DEDUPED_STORIES_SCHEMA,
    REASON_DUPLICATE_URL,
    REASON_SEEN_BEFORE,
    RECORD_ITEM,
    conform,
)
from news_pipeline.stories.anchors import TERMS_COLUMN
from news_pipeline.stories.canonical import canonical_urls
from news_pipeline.stories.clustering import average_linkage
from news_pipeline.stories.cross_day import CONTINUES_COLUMNS, earlier_stories, match_earlier
from news_pipeline.stories.fingerprints import (
    SIGNATURE_COLUMN,
    VERSION_COLUMN,
    ensure_fingerprints,
)
from news_pipeline.stories.links import (
    EDGE_RANK,
    MATCH_LEAD,
    MATCH_NEAR_DUPLICATE,
    find_edges,
    scored_links,
)
from news_pipeline.stories.settings import DedupeSettings

# How much closer (in link probability) to an earlier story than to any of today's reports an
# article must be to repeat that story on its own. Tune split: a recap posted the day after
# 0.99 against 0.61; a new development's report 0.98 against 0.90 (it belongs with today's).
REPEAT_MARGIN = 0.2


def dedupe_articles(
    cleaned: pl.DataFrame,
    previous: pl.DataFrame,
    settings: DedupeSettings | None = None,
) -> pl.DataFrame:
    """deduped_stories for the partition(s) in ``cleaned``: one output row per input row.

    ``previous`` holds earlier partitions' deduped_stories rows; rows outside the lookback
    (or not before the partition) are ignored, so the order in which days are materialized
    does not matter. Several partition dates are processed oldest first, each seeing the
    earlier ones' output.
    """
    settings = settings or DedupeSettings()
    cleaned = conform(cleaned, CLEANED_ARTICLES_SCHEMA)
    history = conform(previous, DEDUPED_STORIES_SCHEMA)
    if cleaned.height == 0:
        return conform(cleaned, DEDUPED_STORIES_SCHEMA)
    outputs: list[pl.DataFrame] = []
    dates = sorted(cleaned["partition_date"].unique().to_list(), key=lambda day: (day is None, day))
    for day in dates:
        rows = (
            cleaned.filter(pl.col("partition_date").is_null())
            if day is None
            else cleaned.filter(pl.col("partition_date") == day)
        )
        result = _dedupe_one_day(rows, history, day, settings)
        outputs.append(result)
        if day is not None:
            history = pl.concat([history, result], how="vertical_relaxed")
    return conform(pl.concat(outputs, how="vertical_relaxed"), DEDUPED_STORIES_SCHEMA)


def _dedupe_one_day(
    rows: pl.DataFrame, history: pl.DataFrame, day: date | None, settings: DedupeSettings
) -> pl.DataFrame:
    frame = conform(rows, DEDUPED_STORIES_SCHEMA).with_row_index("_row")
    eligible = frame.filter(
        (pl.col("record_kind") == RECORD_ITEM)
        & pl.col("excluded_reason").is_null()
        & (pl.col("url").fill_null("") != "")
    ).sort(
        pl.col("published_at"),
        pl.col("source_weight"),
        "source",
        pl.col("url").str.len_chars(),
        "url",
        "article_id",
        descending=[False, True, False, False, False, False],
        nulls_last=True,
    )
    # the eligible rows are fingerprinted (a URL duplicate too: they are few) while a worker
    # beside them spells the URLs canonically, then takes half of the OpenCC conversion
    with _side_worker(frame.height) as worker:
        spelled = worker.submit(
            canonical_urls, frame["url"].to_list(), frame["page_canonical_url"].to_list()
        )
        eligible = ensure_fingerprints(
            eligible.with_columns(pl.lit(None, dtype=pl.String).alias(VERSION_COLUMN)),
            settings,
            worker,
        )
        canonical = pl.Series("canonical_url", spelled.result(), dtype=pl.String)
    frame = frame.with_columns(canonical)
    # exact URL duplicates: the first row in (earliest, heaviest source, shortest URL: the
    # one without tracking or mobile decoration) order is kept
    eligible = eligible.with_columns(canonical.gather(eligible["_row"])).with_columns(
        pl.col("url").first().over("canonical_url").alias("_kept_url"),
        (pl.int_range(pl.len()).over("canonical_url") > 0).alias("_duplicate"),
    )
    duplicates = eligible.filter(pl.col("_duplicate")).select(
        "_row",
        "canonical_url",
        pl.lit(REASON_DUPLICATE_URL).alias("excluded_reason"),
        pl.col("_kept_url").alias("excluded_detail"),
    )
    members = eligible.filter(~pl.col("_duplicate")).drop("_kept_url", "_duplicate")
    stories = _group_stories(members, history, day, settings)

    updates = pl.concat(
        [
            stories,
            duplicates.with_columns(
                *[
                    pl.lit(None, dtype=DEDUPED_STORIES_SCHEMA[name]).alias(name)
                    for name in stories.columns
                    if name not in duplicates.columns
                ]
            ).select(stories.columns),
        ],
        how="vertical_relaxed",
    )
    # canonical_url stays as computed for every row; the other story columns come from updates
    updates = updates.drop("canonical_url")
    replaced = [
        name
        for name in updates.columns
        if name not in ("_row", "excluded_reason", "excluded_detail")
    ]
    merged = frame.drop(replaced).join(
        updates.rename({"excluded_reason": "_reason", "excluded_detail": "_detail"}),
        on="_row",
        how="left",
        maintain_order="left",
    )
    merged = merged.with_columns(
        pl.coalesce("_reason", "excluded_reason").alias("excluded_reason"),
        pl.when(pl.col("_reason").is_not_null())
        .then(pl.col("_detail"))
        .otherwise(pl.col("excluded_detail"))
        .alias("excluded_detail"),
    )
    return conform(merged, DEDUPED_STORIES_SCHEMA)


# A day of this many rows has its pure-Python side work (canonical URLs: 0.9 s per 100k; OpenCC
# phrases) done by a forked process: in a thread it would hold the GIL that the fingerprinting
# threads need, while a process works beside them from the start. A fork of the step's
# process costs tens of milliseconds, more than that work on a small day.
SIDE_FORK_MIN_ROWS = 20_000


def _side_worker(rows: int) -> Executor:
    """Where the side work runs: a forked process for a large day where processes can be
    forked (it runs no polars, whose thread pool a fork leaves behind), else a thread."""
    if rows >= SIDE_FORK_MIN_ROWS and "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("fork"), initializer=default_signal_handling
        )
    return ThreadPoolExecutor(1)


def _group_stories(
    members: pl.DataFrame, history: pl.DataFrame, day: date | None, settings: DedupeSettings
) -> pl.DataFrame:
    """Story columns for today's members (keyed by _row), seen_before applied."""
    members = members.drop("story_id", "is_lead", "story_size", "match_reason", *CONTINUES_COLUMNS)
    earlier = ensure_fingerprints(earlier_stories(history, day, settings), settings)
    today_count = members.height
    columns = [
        SIGNATURE_COLUMN,
        TERMS_COLUMN,
        "text_hash",
        "source",
        "title",
        "listed_title",
        "article_id",
        "script",
    ]
    pool = pl.concat([members.select(columns), earlier.select(columns)], how="vertical_relaxed")
    signatures = (
        pool[SIGNATURE_COLUMN].explode().to_numpy().astype(np.uint32).reshape(-1, settings.num_perm)
    )
    # the links' terms are weighed while the copies and same-event anchors are found
    with ThreadPoolExecutor(1) as executor:
        edges = executor.submit(
            find_edges, signatures, pool["text_hash"], pool[TERMS_COLUMN], today_count, settings
        )
        links = scored_links(pool, edges, today_count, settings)
    pairs = links.select("a", "b").to_numpy().astype(np.int64).reshape(-1, 2)
    probability = links["p"].to_numpy()
    reasons = links["reason"].to_numpy()
    within = pairs[:, 1] < today_count
    cross = links.filter(pl.col("b") >= today_count).select(
        pl.col("a").alias("doc"), (pl.col("b") - today_count).alias("old"), "p", "reason"
    )
    # an article that on its own repeats an earlier story and adds no fact to it (a recap, a
    # late copy) is excluded before today's stories form, so it cannot carry the old story
    # into today's new development
    alone = np.arange(today_count)
    repeated = match_earlier(alone, members[TERMS_COLUMN], earlier, cross, today_count, settings)
    best_today = np.zeros(today_count)
    for column in (0, 1):
        ends = np.minimum(pairs[within, column], today_count - 1)
        np.maximum.at(best_today, ends, probability[within])
    best_earlier = np.zeros(today_count)
    np.maximum.at(best_earlier, cross["doc"].to_numpy(), cross["p"].to_numpy())
    # ... and that is clearly closer to the earlier story than to any report of today
    is_repeat = repeated["repeats"].is_not_null().to_numpy() & (
        best_earlier >= best_today + REPEAT_MARGIN
    )
    repeated = repeated.with_columns(
        pl.when(pl.Series(is_repeat)).then(pl.col("repeats")).alias("repeats")
    )
    grouped = (
        within & ~is_repeat[pairs[:, 0]] & ~is_repeat[np.minimum(pairs[:, 1], today_count - 1)]
    )
    components = average_linkage(
        today_count,
        pairs[grouped],
        probability[grouped],
        reasons[grouped] <= EDGE_RANK[MATCH_NEAR_DUPLICATE],
        settings.link_threshold,
        members["source"].fill_null("").rank("dense").to_numpy(),
    )
    judged = match_earlier(
        components,
        members[TERMS_COLUMN],
        earlier,
        cross.filter(~pl.col("doc").is_in(np.flatnonzero(is_repeat).tolist())),
        today_count,
        settings,
    ).with_columns(pl.coalesce(repeated["repeats"], pl.col("repeats")).alias("repeats"))
    seen_story = judged["repeats"].to_list()
    # a story splits into the part that is reported and the part excluded as seen_before
    group_key = components * 2 + np.array([story is not None for story in seen_story])
    # why an article joined: the strongest link it has to another article of its story
    joined = grouped & (
        components[pairs[:, 0]] == components[np.minimum(pairs[:, 1], today_count - 1)]
    )
    joined &= (probability >= settings.link_threshold) | (
        reasons <= EDGE_RANK[MATCH_NEAR_DUPLICATE]
    )
    best_reason = np.full(today_count, len(EDGE_RANK) - 1, dtype=np.int64)
    for column in (0, 1):
        np.minimum.at(best_reason, pairs[joined, column], reasons[joined])
    reason_names = list(EDGE_RANK)

    # the story columns are decided on a narrow frame, then joined to the members' own
    # columns (their fingerprints), which are never sorted
    stories = members.select(
        "_row",
        "canonical_url",
        "source_weight",
        "published_at",
        "article_id",
        pl.Series("_group", group_key, dtype=pl.Int64),
        pl.Series("_best_reason", best_reason, dtype=pl.Int64),
        pl.Series("excluded_detail", seen_story, dtype=pl.String),
        judged["continues"].alias("continues_story_id"),
        judged["continues_date"].alias("continues_partition_date"),
        members["text"].fill_null("").str.len_chars().alias("_length"),
    )
    lead_order = [
        pl.col("source_weight").fill_null(0.0),
        pl.col("_length"),
        pl.col("published_at"),
        pl.col("canonical_url"),
        pl.col("article_id"),
    ]
    ranked = stories.sort(
        lead_order, descending=[True, True, False, False, False], nulls_last=True
    ).with_columns(
        (pl.int_range(pl.len()).over("_group") == 0).alias("is_lead"),
        pl.len().over("_group").cast(pl.Int64).alias("story_size"),
    )
    partition = day or date(1970, 1, 1)
    earliest = (
        ranked.sort("published_at", "canonical_url", nulls_last=True)
        .group_by("_group", maintain_order=True)
        .agg(pl.col("canonical_url").first().alias("_earliest_url"))
    )
    earliest = earliest.with_columns(
        pl.Series(
            "story_id",
            [story_id_for(partition, url) for url in earliest["_earliest_url"].to_list()],
            dtype=pl.String,
        )
    )
    ranked = ranked.join(earliest.select("_group", "story_id"), on="_group")
    ranked = ranked.with_columns(
        pl.when(pl.col("is_lead"))
        .then(pl.lit(MATCH_LEAD))
        .otherwise(
            pl.col("_best_reason").replace_strict(
                list(range(len(reason_names))), reason_names, return_dtype=pl.String
            )
        )
        .alias("match_reason"),
        pl.when(pl.col("excluded_detail").is_not_null())
        .then(pl.lit(REASON_SEEN_BEFORE))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("excluded_reason"),
    )
    story_columns = ranked.select(
        "_row",
        "story_id",
        "is_lead",
        "story_size",
        "match_reason",
        *CONTINUES_COLUMNS,
        "excluded_reason",
        "excluded_detail",
    )
    return (
        members.select(
            "_row", "canonical_url", "text_hash", SIGNATURE_COLUMN, TERMS_COLUMN, VERSION_COLUMN
        )
        .join(story_columns, on="_row", how="left", maintain_order="left")
        .select(
            "_row",
            "canonical_url",
            "text_hash",
            "story_id",
            "is_lead",
            "story_size",
            "match_reason",
            SIGNATURE_COLUMN,
            TERMS_COLUMN,
            VERSION_COLUMN,
            *CONTINUES_COLUMNS,
            "excluded_reason",
            "excluded_detail",
        )
    )


def story_id_for(partition_date: date, earliest_canonical_url: str) -> str:
    """Stable id: the same partition and the same first article always give the same id."""
    key = f"{partition_date.isoformat()}|{earliest_canonical_url}".encode()
    return "s" + hashlib.blake2b(key, digest_size=8).hexdigest()
