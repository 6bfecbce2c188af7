"""The asset graph: raw articles -> cleaned text -> deduped stories -> categorized items ->
daily report, with the checks that guard each step.

Asset bodies stay thin: they pick the partition's day window, call one stage function and
describe the result in metadata. Every asset accepts a range of days (single-run backfills),
so each works day by day over `context.partition_keys`.
"""

import json
import os
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    BackfillPolicy,
    Backoff,
    DailyPartitionsDefinition,
    FreshnessPolicy,
    Jitter,
    MetadataValue,
    Output,
    RetryPolicy,
    TableColumn,
    TableSchema,
    TimeWindowPartitionMapping,
    asset,
    asset_check,
)

from news_pipeline import schema
from news_pipeline.defs.resources import (
    EditorialResource,
    HttpClientResource,
    OutputLocationResource,
    SourcesResource,
    default_sources_path,
    read_sources_timezone,
)
from news_pipeline.editorial.categorize import categorize_stories
from news_pipeline.fetch import collect_raw_articles, source_summary
from news_pipeline.report.render import (
    build_report,
    counts_by_category,
    counts_by_tier,
    markdown_preview,
    write_report,
)
from news_pipeline.stories.dedupe import dedupe_articles
from news_pipeline.text.extract import clean_articles, load_boilerplate_rules

PARTITIONS_START_ENV = "NEWS_PIPELINE_START_DATE"
GROUP = "daily_report"
OWNERS = ["team:news-pipeline"]
PARTITION_METADATA = {"partition_expr": "partition_date"}
# Every step that opens news.duckdb (assets and checks alike) takes a slot of this pool;
# dagster.yaml gives unconfigured pools one slot, so one writer at a time across all runs.
DUCKDB_POOL = "news_duckdb"

daily_partitions = DailyPartitionsDefinition(
    start_date=os.environ.get(PARTITIONS_START_ENV, "2026-01-01"),
    timezone=read_sources_timezone(default_sources_path()),
)

# Whole-step retries for what the in-asset HTTP retries cannot absorb (a crashed worker,
# a locked database file): exponential backoff with jitter so parallel runs spread out.
STEP_RETRY_POLICY = RetryPolicy(
    max_retries=3, delay=5, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
)
# Up to a week of days in one run: few run start-ups per backfill, and the self-dependent
# dedupe stays ordered because each run handles its days in sequence.
BACKFILL_POLICY = BackfillPolicy.multi_run(max_partitions_per_run=7)

# What every stage asset and every check shares.
STAGE = {
    "partitions_def": daily_partitions,
    "group_name": GROUP,
    "owners": OWNERS,
    "retry_policy": STEP_RETRY_POLICY,
    "backfill_policy": BACKFILL_POLICY,
    "pool": DUCKDB_POOL,
}
CHECK = {"partitions_def": daily_partitions, "pool": DUCKDB_POOL}


# The report lists articles and exclusions, never their text: it reads deduped_stories
# without the text columns, so its memory does not grow with the length of the articles.
REPORT_COLUMNS = [
    name
    for name in schema.DEDUPED_STORIES_SCHEMA
    if name not in {"text", "listed_summary", "description"}
]


def _asset_metadata(columns: dict[str, pl.DataType]) -> dict[str, object]:
    """Partition column for the IO manager plus the column schema the UI shows."""
    column_schema = TableSchema(
        columns=[TableColumn(name, str(dtype)) for name, dtype in columns.items()]
    )
    return {**PARTITION_METADATA, "dagster/column_schema": column_schema}


def _windows(context: AssetExecutionContext, timezone: str) -> list[schema.DayWindow]:
    return [schema.DayWindow.from_key(key, timezone) for key in context.partition_keys]


def _rows_of_day(frame: pl.DataFrame, day: date) -> pl.DataFrame:
    if frame.width == 0:
        return frame
    return frame.filter(pl.col("partition_date") == day)


def _count(frame: pl.DataFrame, predicate: pl.Expr) -> int:
    return 0 if frame.is_empty() else frame.filter(predicate).height


@asset(
    **STAGE,
    metadata=_asset_metadata(schema.RAW_ARTICLES_SCHEMA),
    kinds={"python", "httpx", "duckdb"},
    description=(
        "Every item the sources list for the day, fetched over HTTP: one row per feed fetch "
        "and per listed item, with its status (ok, http_error, timeout, too_large, blocked, "
        "not_html, parse_error, out_of_window, fetch_error), HTTP metadata and the "
        "content hash of the body, which is kept in the data directory's body store."
    ),
)
def raw_articles(
    context: AssetExecutionContext,
    sources: SourcesResource,
    http_client: HttpClientResource,
    output_location: OutputLocationResource,
) -> Output[pl.DataFrame]:
    started = time.perf_counter()
    frames = []
    with sources.open() as config:
        for window in _windows(context, config.timezone):
            frame = collect_raw_articles(
                config,
                window,
                http_client.settings(),
                output_location.body_store(),
                cache=output_location.http_cache(),
            )
            frames.append(frame)
            context.log.info(
                f"{window.day}: {frame.height} rows from {len(config.sources)} sources"
            )
    raw = pl.concat(frames) if frames else schema.empty_frame(schema.RAW_ARTICLES_SCHEMA)
    items = raw.filter(pl.col("record_kind") == schema.RECORD_ITEM)
    per_source = source_summary(raw)
    return Output(
        raw,
        metadata={
            "rows": raw.height,
            "items_listed": items.height,
            "items_fetched": _count(items, pl.col("status") == schema.STATUS_OK),
            "items_failed": _count(
                items,
                ~pl.col("status").is_in([schema.STATUS_OK, schema.STATUS_OUT_OF_WINDOW]),
            ),
            "items_out_of_window": _count(items, pl.col("status") == schema.STATUS_OUT_OF_WINDOW),
            "conditional_cache_hits": _count(raw, pl.col("from_cache")),
            "per_source": MetadataValue.md(_markdown_table(per_source)),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )


def _markdown_table(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return "_no rows_"
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * frame.width
    rows = ["| " + " | ".join(str(value) for value in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows])


@asset_check(asset=raw_articles, **CHECK, blocking=True)
def raw_articles_unique_per_source(raw_articles: pl.DataFrame) -> AssetCheckResult:
    """A URL listed twice by one source must have been collapsed before fetching."""
    items = schema.conform(raw_articles, schema.RAW_ARTICLES_SCHEMA).filter(
        pl.col("record_kind") == schema.RECORD_ITEM
    )
    repeated = items.group_by("partition_date", "source", "url").len().filter(pl.col("len") > 1)
    return AssetCheckResult(
        passed=repeated.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={"repeated_urls": repeated.height, "sample": repeated.head(5).rows()},
    )


@asset_check(asset=raw_articles, **CHECK)
def raw_articles_every_source_answered(raw_articles: pl.DataFrame) -> AssetCheckResult:
    """A dead source is worth a warning, not a failed run: the other sources still report."""
    feeds = schema.conform(raw_articles, schema.RAW_ARTICLES_SCHEMA).filter(
        pl.col("record_kind") == schema.RECORD_FEED
    )
    dead = feeds.filter(pl.col("status") != schema.STATUS_OK)
    return AssetCheckResult(
        passed=dead.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={
            "sources": feeds.height,
            "failed_sources": dead.select("source", "status", "error").unique().rows(),
        },
    )


@asset(
    **STAGE,
    metadata=_asset_metadata(schema.CLEANED_ARTICLES_SCHEMA),
    kinds={"python", "trafilatura", "duckdb"},
    description=(
        "Main text, title, author, date and language of every fetched article, with the "
        "charset decoded, portal boilerplate removed and mojibake repaired. Items that could "
        "not be used carry excluded_reason (fetch_failed, out_of_window, no_text)."
    ),
)
def cleaned_articles(
    raw_articles: pl.DataFrame,
    editorial: EditorialResource,
    output_location: OutputLocationResource,
) -> Output[pl.DataFrame]:
    started = time.perf_counter()
    cleaned = clean_articles(
        raw_articles,
        output_location.body_store(),
        rules=load_boilerplate_rules(),
        workers=editorial.workers(),
    )
    items = cleaned.filter(pl.col("record_kind") == schema.RECORD_ITEM)
    return Output(
        cleaned,
        metadata={
            "rows": cleaned.height,
            "items_with_text": _count(items, pl.col("excluded_reason").is_null()),
            "items_no_text": _count(items, pl.col("excluded_reason") == schema.REASON_NO_TEXT),
            "text_from_feed": _count(items, pl.col("text_source") == "feed"),
            "mojibake_repaired": _count(items, pl.col("mojibake_repaired")),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )


@asset_check(asset=cleaned_articles, **CHECK, blocking=True)
def cleaned_articles_have_text(cleaned_articles: pl.DataFrame) -> AssetCheckResult:
    """An item that is not excluded must carry text, or dedupe and summaries work on air."""
    items = schema.conform(cleaned_articles, schema.CLEANED_ARTICLES_SCHEMA).filter(
        (pl.col("record_kind") == schema.RECORD_ITEM) & pl.col("excluded_reason").is_null()
    )
    empty = items.filter(pl.col("text").fill_null("").str.strip_chars() == "")
    return AssetCheckResult(
        passed=empty.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={"items": items.height, "empty_text": empty.select("url").to_series().to_list()},
    )


@asset_check(asset=cleaned_articles, **CHECK)
def cleaned_articles_no_replacement_characters(cleaned_articles: pl.DataFrame) -> AssetCheckResult:
    """U+FFFD in text means a charset was guessed wrong somewhere upstream."""
    items = schema.conform(cleaned_articles, schema.CLEANED_ARTICLES_SCHEMA)
    damaged = items.filter(
        pl.col("text").fill_null("").str.contains("\ufffd", literal=True)
        | pl.col("title").fill_null("").str.contains("\ufffd", literal=True)
    )
    return AssetCheckResult(
        passed=damaged.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={"damaged": damaged.select("url").to_series().to_list()},
    )


@asset(
    **STAGE,
    metadata=_asset_metadata(schema.DEDUPED_STORIES_SCHEMA),
    kinds={"python", "polars", "duckdb"},
    ins={
        "cleaned_articles": AssetIn(),
        "previous_days": AssetIn(
            key="deduped_stories",
            partition_mapping=TimeWindowPartitionMapping(
                start_offset=-7, end_offset=-1, allow_nonexistent_upstream_partitions=True
            ),
        ),
    },
    description=(
        "Articles grouped into stories: same canonical URL (duplicate_url), same text, "
        "near-duplicate text and same-event reports across sites. A story already reported "
        "in the previous 7 days is excluded as seen_before."
    ),
)
def deduped_stories(
    context: AssetExecutionContext,
    cleaned_articles: pl.DataFrame,
    previous_days: pl.DataFrame,
    editorial: EditorialResource,
) -> Output[pl.DataFrame]:
    started = time.perf_counter()
    cleaned = schema.conform(cleaned_articles, schema.CLEANED_ARTICLES_SCHEMA)
    history = schema.conform(previous_days, schema.DEDUPED_STORIES_SCHEMA)
    settings = editorial.dedupe_settings()
    days = []
    for key in context.partition_keys:
        day = date.fromisoformat(key)
        # Days of this run that precede `day` replace whatever stale rows were loaded.
        history = pl.concat([history.filter(pl.col("partition_date") != day), *days]).filter(
            pl.col("partition_date") < day
        )
        days.append(dedupe_articles(_rows_of_day(cleaned, day), history, settings))
    deduped = pl.concat(days) if days else schema.empty_frame(schema.DEDUPED_STORIES_SCHEMA)
    eligible = deduped.filter(
        (pl.col("record_kind") == schema.RECORD_ITEM) & pl.col("story_id").is_not_null()
    )
    stories = eligible.filter(pl.col("excluded_reason").is_null())
    story_count = stories.select("partition_date", "story_id").unique().height
    return Output(
        deduped,
        metadata={
            "rows": deduped.height,
            "stories": story_count,
            "articles_in_stories": stories.height,
            "merged_into_stories": stories.height - story_count,
            "duplicate_url": _count(
                deduped, pl.col("excluded_reason") == schema.REASON_DUPLICATE_URL
            ),
            "seen_before": _count(deduped, pl.col("excluded_reason") == schema.REASON_SEEN_BEFORE),
            "dedupe_ratio": round(stories.height / story_count, 3) if story_count else 0.0,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )


@asset_check(asset=deduped_stories, **CHECK, blocking=True)
def deduped_stories_one_lead_each(deduped_stories: pl.DataFrame) -> AssetCheckResult:
    """Every story needs exactly one lead article and no canonical URL may sit in two stories."""
    rows = schema.conform(deduped_stories, schema.DEDUPED_STORIES_SCHEMA).filter(
        pl.col("story_id").is_not_null() & pl.col("excluded_reason").is_null()
    )
    leads = rows.group_by("partition_date", "story_id").agg(pl.col("is_lead").sum().alias("leads"))
    bad_leads = leads.filter(pl.col("leads") != 1)
    split_urls = (
        rows.group_by("partition_date", "canonical_url")
        .agg(pl.col("story_id").n_unique().alias("stories"))
        .filter(pl.col("stories") > 1)
    )
    return AssetCheckResult(
        passed=bad_leads.is_empty() and split_urls.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "stories": leads.height,
            "stories_without_single_lead": bad_leads.height,
            "urls_in_several_stories": split_urls.height,
        },
    )


@asset(
    **STAGE,
    metadata=_asset_metadata(schema.CATEGORIZED_ITEMS_SCHEMA),
    kinds={"python", "polars", "duckdb"},
    description=(
        "One row per story: category from the taxonomy (with the evidence that chose it), "
        "AI relevance (off-topic stories flagged), importance, tier (headline, section, "
        "brief), an extractive summary and key facts."
    ),
)
def categorized_items(
    context: AssetExecutionContext,
    deduped_stories: pl.DataFrame,
    sources: SourcesResource,
    editorial: EditorialResource,
) -> Output[pl.DataFrame]:
    started = time.perf_counter()
    deduped = schema.conform(deduped_stories, schema.DEDUPED_STORIES_SCHEMA)
    categorized = categorize_stories(
        deduped,
        editorial.taxonomy(),
        editorial.categorize_settings(),
        timezone=sources.load().timezone,
    )
    on_topic = categorized.filter(~pl.col("off_topic"))
    metadata: dict[str, object] = {
        "stories": categorized.height,
        "off_topic": categorized.height - on_topic.height,
        "seconds": round(time.perf_counter() - started, 3),
    }
    for column in ("category", "tier"):
        for value, count in on_topic.group_by(column).len().sort(column).iter_rows():
            metadata[f"{column}_{value}"] = count
    return Output(categorized, metadata=metadata)


@asset_check(asset=categorized_items, **CHECK, blocking=True)
def categorized_items_valid_labels(
    categorized_items: pl.DataFrame, editorial: EditorialResource
) -> AssetCheckResult:
    """One row per story, a category the taxonomy knows and a tier for every on-topic story."""
    items = schema.conform(categorized_items, schema.CATEGORIZED_ITEMS_SCHEMA)
    known = set(editorial.taxonomy().display_names())
    unknown = items.filter(~pl.col("category").is_in(sorted(known)))
    repeated = items.group_by("partition_date", "story_id").len().filter(pl.col("len") > 1)
    no_tier = items.filter(~pl.col("off_topic") & ~pl.col("tier").is_in(schema.TIERS))
    return AssetCheckResult(
        passed=unknown.is_empty() and repeated.is_empty() and no_tier.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "unknown_category": unknown.height,
            "story_listed_twice": repeated.height,
            "on_topic_without_tier": no_tier.height,
        },
    )


@asset(
    **STAGE,
    metadata=PARTITION_METADATA,
    ins={
        "categorized_items": AssetIn(),
        "deduped_stories": AssetIn(metadata={"columns": REPORT_COLUMNS}),
    },
    kinds={"python", "jinja", "markdown", "html", "json"},
    # The schedule ticks at 07:00; a report older than that morning's 09:00 deadline is late.
    freshness_policy=FreshnessPolicy.cron(
        deadline_cron="0 9 * * *",
        lower_bound_delta=timedelta(hours=2),
        timezone=daily_partitions.timezone,
    ),
    description=(
        "The rendered daily digest: report.md (Jekyll/Hugo post), report.html (standalone) "
        "and report.json under <data-dir>/reports/<date>/. The table keeps one row per day "
        "with the paths, counts and the report JSON."
    ),
)
def daily_report(
    context: AssetExecutionContext,
    categorized_items: pl.DataFrame,
    deduped_stories: pl.DataFrame,
    sources: SourcesResource,
    editorial: EditorialResource,
    output_location: OutputLocationResource,
) -> Output[pl.DataFrame]:
    started = time.perf_counter()
    config = sources.load()
    categorized = schema.conform(categorized_items, schema.CATEGORIZED_ITEMS_SCHEMA)
    deduped = schema.conform(deduped_stories, schema.DEDUPED_STORIES_SCHEMA)
    taxonomy = editorial.taxonomy()
    generated_at = datetime.now(UTC)
    rows = []
    previews = []
    by_category: Counter[str] = Counter()
    by_tier: Counter[str] = Counter()
    for window in _windows(context, config.timezone):
        report = build_report(
            _rows_of_day(categorized, window.day),
            _rows_of_day(deduped, window.day),
            day=window.day,
            timezone=config.timezone,
            generated_at=generated_at,
        )
        paths = write_report(
            report,
            categorized=_rows_of_day(categorized, window.day),
            deduped=_rows_of_day(deduped, window.day),
            out_dir=output_location.report_dir(window.day.isoformat()),
            language=config.report_language,
            category_names=taxonomy.display_names(),
            templates_dir=Path(editorial.templates_dir) if editorial.templates_dir else None,
        )
        previews.append(markdown_preview(report))
        by_category.update(counts_by_category(report))
        by_tier.update(counts_by_tier(report))
        rows.append(
            {
                "partition_date": window.day,
                "generated_at": generated_at.replace(tzinfo=None),
                "markdown_path": str(paths.markdown),
                "html_path": str(paths.html),
                "json_path": str(paths.json),
                "stories": report.stats.stories,
                "listed": report.stats.listed,
                "excluded": report.stats.excluded,
                "report_json": report.model_dump_json(),
            }
        )
    frame = pl.DataFrame(rows)
    last = rows[-1]
    return Output(
        frame,
        metadata={
            "markdown_path": MetadataValue.path(last["markdown_path"]),
            "html_path": MetadataValue.path(last["html_path"]),
            "json_path": MetadataValue.path(last["json_path"]),
            "stories": int(frame["stories"].sum()),
            "listed": int(frame["listed"].sum()),
            "excluded": int(frame["excluded"].sum()),
            **{f"category_{name}": count for name, count in sorted(by_category.items())},
            **{f"tier_{name}": count for name, count in by_tier.items()},
            "preview": MetadataValue.md("\n\n".join(previews)),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )


@asset_check(
    asset=daily_report,
    **CHECK,
    blocking=True,
    additional_ins={"deduped_stories": AssetIn(metadata={"columns": REPORT_COLUMNS})},
)
def daily_report_accounts_for_every_item(
    daily_report: pl.DataFrame, deduped_stories: pl.DataFrame
) -> AssetCheckResult:
    """Nothing is lost: each listed item is in exactly one story or in `excluded`, once."""
    deduped = schema.conform(deduped_stories, schema.DEDUPED_STORIES_SCHEMA)
    missing: list[str] = []
    repeated: list[str] = []
    for row in daily_report.iter_rows(named=True):
        report = json.loads(row["report_json"])
        reported = [(a["source"], a["url"]) for s in report["stories"] for a in s["articles"]]
        reported += [(e["source"], e["url"]) for e in report["excluded"]]
        counts = Counter(reported)
        window_start = schema.DayWindow(row["partition_date"], report["timezone"]).start_utc
        expected = _rows_of_day(deduped, row["partition_date"]).filter(
            (pl.col("record_kind") == schema.RECORD_ITEM)
            & ~(
                (pl.col("excluded_reason") == schema.REASON_OUT_OF_WINDOW)
                & (pl.col("published_at") < window_start)
            )
        )
        missing += [
            url
            for source, url in expected.select("source", "url").iter_rows()
            if counts[(source, url)] == 0
        ]
        repeated += [url for (_, url), count in counts.items() if count > 1]
    return AssetCheckResult(
        passed=not missing and not repeated,
        severity=AssetCheckSeverity.ERROR,
        metadata={"missing": missing[:20], "listed_twice": repeated[:20]},
    )


all_assets = [raw_articles, cleaned_articles, deduped_stories, categorized_items, daily_report]
all_asset_checks = [
    raw_articles_unique_per_source,
    raw_articles_every_source_answered,
    cleaned_articles_have_text,
    cleaned_articles_no_replacement_characters,
    deduped_stories_one_lead_each,
    categorized_items_valid_labels,
    daily_report_accounts_for_every_item,
]
