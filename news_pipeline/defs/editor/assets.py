"""edited_stories: each story's title, summary and insight as the report prints them, from
the optional editor (an LLM) or else extractive; the requests, tokens, cost and cache hits of
each materialization in its metadata. daily_report reads this table, so rendering a report
again never calls a model."""

import time
from urllib.parse import urlsplit

import polars as pl
from dagster import AssetExecutionContext, AssetIn, AssetsDefinition, MetadataValue, Output, asset

from news_pipeline import schema
from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.resources import (
    EditorResource,
    OutputLocationResource,
    SourcesResource,
    StageProgressResource,
)
from news_pipeline.defs.wiring import Wiring, table_metadata
from news_pipeline.editor import REJECTION_KINDS, EditorStats, edit_stories

# The editor reads every article of a story (titles, sources, text), not the fingerprints.
EDITOR_COLUMNS = [
    "partition_date",
    "record_kind",
    "article_id",
    "source",
    "url",
    "listed_title",
    "published_at",
    "title",
    "description",
    "text",
    "excluded_reason",
    "story_id",
    "is_lead",
]


def _metadata(stats: EditorStats, frame: pl.DataFrame, seconds: float) -> dict[str, object]:
    metadata: dict[str, object] = {
        "stories": stats.stories,
        "stories_llm": stats.llm,
        "stories_extractive": stats.stories - stats.llm,
        "requests": stats.requests,
        "cache_hits": stats.cache_hits,
        "prompt_tokens": stats.prompt_tokens,
        "completion_tokens": stats.completion_tokens,
        "estimated_cost": round(stats.estimated_cost, 6),
        "rejected": sum(stats.rejected.values()),
        **{f"rejected_{kind}": stats.rejected[kind] for kind in REJECTION_KINDS},
        **{f"failed_{kind}": count for kind, count in sorted(stats.failed.items())},
        "instructions_removed": stats.instructions_removed,
        "seconds": round(seconds, 3),
    }
    not_llm = frame.filter(
        pl.col("summary_source").ne_missing("llm") & pl.col("reason").is_not_null()
    )
    metadata["kept_extractive"] = offending_rows(
        not_llm, ["partition_date", "story_id", "outcome", "reason", "detail"]
    )
    return metadata


def build_edited_stories(wiring: Wiring) -> AssetsDefinition:
    @asset(
        **wiring.asset_settings(),
        metadata=table_metadata(schema.EDITED_STORIES_SCHEMA),
        ins={
            "categorized_items": AssetIn(),
            "deduped_stories": AssetIn(metadata={"columns": EDITOR_COLUMNS}),
        },
        kinds={"python", "openai", "duckdb"},
        description=(
            "One row per story: the title, summary and insight line the report prints, "
            "written by the optional editor (an OpenAI-compatible model, `editor:` in the "
            "sources file) when its answer is valid and grounded in the articles, else the "
            "extractive ones; outcome and reason say which and why. Answers are cached in "
            "news.duckdb (editor_answers) and every request is in editor_requests."
        ),
    )
    def edited_stories(
        context: AssetExecutionContext,
        categorized_items: pl.DataFrame,
        deduped_stories: pl.DataFrame,
        sources: SourcesResource,
        editor: EditorResource,
        output_location: OutputLocationResource,
        stage_progress: StageProgressResource,
    ) -> Output[pl.DataFrame]:
        started = time.perf_counter()
        config = sources.load()
        frame, stats = edit_stories(
            categorized_items,
            deduped_stories,
            report_language=config.report_language,
            config=config.editor,
            api_key=editor.api_key,
            api_key_env=editor.api_key_env,
            settings=editor.client_settings(config.editor),
            database_path=output_location.database_path,
            progress=stage_progress.reporter(context, "edited_stories"),
        )
        for warning in stats.warnings:
            context.log.warning(warning)
        metadata = _metadata(stats, frame, time.perf_counter() - started)
        if config.editor is not None:
            metadata["model"] = config.editor.model
            metadata["endpoint_host"] = urlsplit(config.editor.base_url).hostname or ""
            metadata["currency"] = config.editor.currency
        metadata["editor"] = MetadataValue.text("on" if config.editor else "off")
        return Output(frame, metadata=metadata)

    return edited_stories
