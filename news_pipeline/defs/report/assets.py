"""daily_report: the rendered digest of each day, and one row per day in DuckDB."""

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetsDefinition,
    FreshnessPolicy,
    MetadataValue,
    Output,
    asset,
)

from news_pipeline import schema
from news_pipeline.defs.resources import (
    EditorialResource,
    OutputLocationResource,
    SourcesResource,
)
from news_pipeline.defs.wiring import PARTITION_METADATA, Wiring, day_windows, rows_of_day
from news_pipeline.health import report_sources
from news_pipeline.report import (
    ReportSource,
    build_report,
    counts_by_category,
    counts_by_tier,
    markdown_preview,
    write_report,
)

# The report lists articles and exclusions, never their text: it reads deduped_stories
# without the text columns, so its memory does not grow with the length of the articles.
REPORT_COLUMNS = [
    name
    for name in schema.DEDUPED_STORIES_SCHEMA
    if name not in {"text", "listed_summary", "description"}
]


def deduped_without_text() -> AssetIn:
    return AssetIn(key="deduped_stories", metadata={"columns": REPORT_COLUMNS})


def build_daily_report(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **wiring.asset_settings(),
        metadata=PARTITION_METADATA,
        ins={
            "categorized_items": AssetIn(),
            "edited_stories": AssetIn(),
            "deduped_stories": deduped_without_text(),
            "source_health": AssetIn(),
        },
        kinds={"python", "jinja", "markdown", "html", "json"},
        # The schedule ticks at 07:00; a report older than that morning's 09:00 deadline is late.
        freshness_policy=FreshnessPolicy.cron(
            deadline_cron="0 9 * * *",
            lower_bound_delta=timedelta(hours=2),
            timezone=wiring.partitions.timezone,
        ),
        description=(
            "The rendered daily digest: report.md (Jekyll/Hugo post), report.html "
            "(standalone) and report.json under <data-dir>/reports/<date>/, with each "
            "story's title, summary and insight from edited_stories. The table keeps "
            "one row per day with the paths, counts and the report JSON."
        ),
    )
    def daily_report(
        context: AssetExecutionContext,
        categorized_items: pl.DataFrame,
        edited_stories: pl.DataFrame,
        deduped_stories: pl.DataFrame,
        source_health: pl.DataFrame,
        sources: SourcesResource,
        editorial: EditorialResource,
        output_location: OutputLocationResource,
    ) -> Output[pl.DataFrame]:
        started = time.perf_counter()
        config = sources.load()
        categorized = schema.conform(categorized_items, schema.CATEGORIZED_ITEMS_SCHEMA)
        deduped = schema.conform(deduped_stories, schema.DEDUPED_STORIES_SCHEMA)
        edited = schema.conform(edited_stories, schema.EDITED_STORIES_SCHEMA)
        taxonomy = editorial.taxonomy()
        templates_dir = Path(editorial.templates_dir) if editorial.templates_dir else None
        generated_at = datetime.now(UTC)
        rows = []
        previews = []
        by_category: Counter[str] = Counter()
        by_tier: Counter[str] = Counter()
        for window in day_windows(context, config.timezone):
            day_categorized = rows_of_day(categorized, window.day)
            day_deduped = rows_of_day(deduped, window.day)
            report = build_report(
                day_categorized,
                day_deduped,
                day=window.day,
                timezone=config.timezone,
                generated_at=generated_at,
                edited=rows_of_day(edited, window.day),
            ).model_copy(
                update={
                    "sources": [
                        ReportSource(**entry) for entry in report_sources(source_health, window.day)
                    ]
                }
            )
            paths = write_report(
                report,
                categorized=day_categorized,
                deduped=day_deduped,
                out_dir=output_location.report_dir(window.day.isoformat()),
                language=config.report_language,
                category_names=taxonomy.display_names(),
                templates_dir=templates_dir,
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

    return daily_report
