"""Checks of edited_stories."""

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from news_pipeline import schema
from news_pipeline.defs.checks_metadata import offending_rows
from news_pipeline.defs.resources import EditorResource
from news_pipeline.defs.wiring import Wiring

ROW_COLUMNS = ["partition_date", "story_id", "reason", "detail"]
# Outcomes in which the model answered: what the share of rejections is taken of.
ANSWERED = ("edited", "cached", "rejected")


def few_rejected_answers(edited_stories: pl.DataFrame, editor: EditorResource) -> AssetCheckResult:
    """A model whose answers are often refused (invented figures, prose, wrong language)
    needs another prompt or model: warn above `max_rejected_share` of the answers."""
    edited = schema.conform(edited_stories, schema.EDITED_STORIES_SCHEMA)
    answered = edited.filter(pl.col("outcome").is_in(ANSWERED))
    rejected = answered.filter(pl.col("outcome") == "rejected")
    share = rejected.height / answered.height if answered.height else 0.0
    by_kind = rejected.group_by("reason").len().sort("reason")
    return AssetCheckResult(
        passed=share <= editor.max_rejected_share,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "answers": answered.height,
            "rejected": rejected.height,
            "rejected_share": round(share, 4),
            "max_rejected_share": editor.max_rejected_share,
            **{f"rejected_{kind}": count for kind, count in by_kind.iter_rows()},
            "rows": offending_rows(rejected, ROW_COLUMNS),
        },
    )


def build_edited_stories_checks(wiring: Wiring) -> list[AssetChecksDefinition]:
    return [
        asset_check(
            asset="edited_stories",
            **wiring.check_settings(),
            name="edited_stories_few_rejected_answers",
        )(few_rejected_answers)
    ]
