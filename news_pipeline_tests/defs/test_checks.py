"""Every asset check, fed through Dagster with the rows it exists to catch, and with good rows.

A stand-in asset stores the upstream rows under the real asset key in a real DuckDB file; the
check definition that `build_defs` makes reads them through the IO manager, so these tests also
prove that each failure's metadata is accepted by Dagster and names the offending rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetsDefinition,
    DagsterInstance,
    asset,
    materialize,
)

from news_pipeline.defs import build_defs
from news_pipeline.delivery import LEDGER_COLUMNS
from news_pipeline.health import HEALTH_COLUMNS
from news_pipeline.schema import conform
from news_pipeline_tests.factories import (
    DAY,
    STORY_ID,
    TITLE,
    URL,
    categorized_frame,
    categorized_row,
    cleaned_frame,
    cleaned_row,
    deduped_frame,
    deduped_row,
    edited_frame,
    edited_row,
    raw_feed_row,
    raw_frame,
    raw_row,
)

PARTITION = DAY.isoformat()


@dataclass
class Case:
    check: str
    severity: AssetCheckSeverity
    bad: dict[str, pl.DataFrame]
    good: dict[str, pl.DataFrame]
    # text that the failing evaluation's metadata must show (the offending row's values)
    shows: list[str] = field(default_factory=list)


def _raw(*rows: dict) -> pl.DataFrame:
    return raw_frame(rows)


def _cleaned(*rows: dict) -> pl.DataFrame:
    return cleaned_frame(rows)


def _deduped(*rows: dict) -> pl.DataFrame:
    return deduped_frame(rows)


def _categorized(*rows: dict) -> pl.DataFrame:
    return categorized_frame(rows)


def _edited(*rows: dict) -> pl.DataFrame:
    return edited_frame(rows)


def _rejected(story_id: str, reason: str, detail: str) -> dict:
    return edited_row(
        story_id=story_id,
        summary_source="extractive",
        outcome="rejected",
        reason=reason,
        detail=detail,
        insight=None,
    )


def _report(*articles: tuple[str, str]) -> pl.DataFrame:
    report = {
        "date": PARTITION,
        "timezone": "Asia/Shanghai",
        "stories": [{"articles": [{"source": s, "url": u} for s, u in articles]}],
        "excluded": [],
    }
    return pl.DataFrame({"partition_date": [DAY], "report_json": [json.dumps(report)]})


def _health(*failing_days: tuple[str, int]) -> pl.DataFrame:
    rows = [
        {
            "partition_date": DAY,
            "source": source,
            "status": "failing" if days else "ok",
            "failing_days": days,
            "listing_status": "http_error" if days else "ok",
            "reason": "http_error: HTTP 503" if days else None,
        }
        for source, days in failing_days
    ]
    return conform(pl.DataFrame(rows), HEALTH_COLUMNS)


def _ledger(*deliveries: tuple[str, str]) -> pl.DataFrame:
    rows = [
        {
            "partition_date": DAY,
            "subscriber": subscriber,
            "channel": "webhook",
            "status": status,
            "attempts": 3 if status == "failed" else 1,
            "response_code": 503 if status == "failed" else 200,
            "error": "HTTP 503: down" if status == "failed" else None,
        }
        for subscriber, status in deliveries
    ]
    return conform(pl.DataFrame(rows), LEDGER_COLUMNS)


SECOND_URL = "https://news.example.com/a/2"
CASES = [
    Case(
        "raw_articles_unique_per_source",
        AssetCheckSeverity.ERROR,
        bad={"raw_articles": _raw(raw_row(), raw_row(listed_title="again"))},
        good={"raw_articles": _raw(raw_row(), raw_row(url=SECOND_URL))},
        shows=["example", URL, PARTITION],
    ),
    Case(
        "raw_articles_every_source_answered",
        AssetCheckSeverity.WARN,
        bad={
            "raw_articles": _raw(
                raw_feed_row(), raw_feed_row(source="site-b", status="http_error", error="HTTP 503")
            )
        },
        good={"raw_articles": _raw(raw_feed_row(), raw_feed_row(source="site-b"))},
        shows=["site-b", "http_error", "HTTP 503"],
    ),
    Case(
        "cleaned_articles_have_text",
        AssetCheckSeverity.ERROR,
        bad={"cleaned_articles": _cleaned(cleaned_row(), cleaned_row(url=SECOND_URL, text=" "))},
        good={
            "cleaned_articles": _cleaned(
                cleaned_row(), cleaned_row(url=SECOND_URL, text=None, excluded_reason="no_text")
            )
        },
        shows=[SECOND_URL],
    ),
    Case(
        "cleaned_articles_no_replacement_characters",
        AssetCheckSeverity.WARN,
        bad={
            "cleaned_articles": _cleaned(cleaned_row(url=SECOND_URL, title="Example \ufffd\ufffd"))
        },
        good={"cleaned_articles": _cleaned(cleaned_row())},
        shows=[SECOND_URL, "title"],
    ),
    Case(
        "deduped_stories_one_lead_each",
        AssetCheckSeverity.ERROR,
        bad={
            "deduped_stories": _deduped(
                deduped_row(), deduped_row(url=SECOND_URL, canonical_url=SECOND_URL)
            )
        },
        good={
            "deduped_stories": _deduped(
                deduped_row(),
                deduped_row(url=SECOND_URL, canonical_url=SECOND_URL, is_lead=False),
            )
        },
        shows=[STORY_ID, "| 2 |"],
    ),
    Case(
        "deduped_stories_url_in_one_story",
        AssetCheckSeverity.ERROR,
        bad={"deduped_stories": _deduped(deduped_row(), deduped_row(story_id="story-2"))},
        good={
            "deduped_stories": _deduped(
                deduped_row(),
                deduped_row(story_id="story-2", url=SECOND_URL, canonical_url=SECOND_URL),
            )
        },
        shows=[URL, "story-1, story-2"],
    ),
    Case(
        "categorized_items_known_category",
        AssetCheckSeverity.ERROR,
        bad={"categorized_items": _categorized(categorized_row(category="gossip"))},
        good={"categorized_items": _categorized(categorized_row())},
        shows=["gossip", STORY_ID],
    ),
    Case(
        "categorized_items_one_row_per_story",
        AssetCheckSeverity.ERROR,
        bad={
            "categorized_items": _categorized(
                categorized_row(), categorized_row(category="business")
            )
        },
        good={
            "categorized_items": _categorized(
                categorized_row(), categorized_row(story_id="story-2")
            )
        },
        shows=[STORY_ID, "business, models"],
    ),
    Case(
        "categorized_items_on_topic_have_tier",
        AssetCheckSeverity.ERROR,
        bad={"categorized_items": _categorized(categorized_row(tier=None))},
        good={
            "categorized_items": _categorized(
                categorized_row(), categorized_row(story_id="story-2", tier=None, off_topic=True)
            )
        },
        shows=[STORY_ID, TITLE],
    ),
    Case(
        "edited_stories_few_rejected_answers",
        AssetCheckSeverity.WARN,
        bad={
            "edited_stories": _edited(
                edited_row(),
                _rejected("story-2", "ungrounded_number", "summary: '87%' is in no article"),
                _rejected("story-3", "invalid_json", "not JSON"),
            )
        },
        good={
            "edited_stories": _edited(
                edited_row(),
                edited_row(story_id="story-2", outcome="cached"),
                edited_row(story_id="story-3", outcome="edited"),
                edited_row(story_id="story-4", outcome="edited"),
                _rejected("story-5", "ungrounded_name", "title: 'Gemini' is in no article"),
                edited_row(story_id="story-6", outcome="over_budget", summary_source="extractive"),
            )
        },
        shows=["story-2", "ungrounded_number", "87%", "0.6667"],
    ),
    Case(
        "daily_report_accounts_for_every_item",
        AssetCheckSeverity.ERROR,
        bad={
            "daily_report": _report(("example", URL)),
            "deduped_stories": _deduped(
                deduped_row(),
                deduped_row(url=SECOND_URL, canonical_url=SECOND_URL, is_lead=False),
            ),
        },
        good={
            "daily_report": _report(("example", URL), ("example", SECOND_URL)),
            "deduped_stories": _deduped(
                deduped_row(),
                deduped_row(url=SECOND_URL, canonical_url=SECOND_URL, is_lead=False),
            ),
        },
        shows=[SECOND_URL, "missing"],
    ),
    Case(
        "source_health_none_failing_3_days",
        AssetCheckSeverity.WARN,
        bad={"source_health": _health(("site-a", 0), ("site-b", 3))},
        good={"source_health": _health(("site-a", 0), ("site-b", 2))},
        shows=["site-b", "| 3 |", "HTTP 503"],
    ),
    Case(
        "report_deliveries_every_delivery_arrived",
        AssetCheckSeverity.WARN,
        bad={"report_deliveries": _ledger(("team", "sent"), ("editors", "failed"))},
        good={"report_deliveries": _ledger(("team", "sent"), ("editors", "empty"))},
        shows=["editors", "failed", "HTTP 503: down"],
    ),
]


def _stand_in(name: str, frame: pl.DataFrame, partitions) -> AssetsDefinition:
    @asset(name=name, partitions_def=partitions, metadata={"partition_expr": "partition_date"})
    def stand_in() -> pl.DataFrame:
        return frame

    return stand_in


def _evaluate(case: Case, frames: dict[str, pl.DataFrame], data_dir: Path) -> AssetCheckEvaluation:
    defs = build_defs(None, data_dir)
    partitions = defs.resolve_job_def("daily_report_job").partitions_def
    checks = [c for c in defs.asset_checks if any(s.name == case.check for s in c.check_specs)]
    assert len(checks) == 1, f"no check named {case.check}"
    stand_ins = [_stand_in(name, frame, partitions) for name, frame in frames.items()]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [*stand_ins, *checks],
            partition_key=PARTITION,
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
        )
    # A failing blocking check fails its step on purpose; any other failure is a bug.
    errors = [
        event.step_failure_data.error
        for event in result.all_events
        if event.is_step_failure
        and event.step_failure_data.error.cls_name != "DagsterAssetCheckFailedError"
    ]
    assert errors == []
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == case.check]
    return evaluation


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.check)
def test_check_fails_on_the_rows_it_guards_against(case: Case, tmp_path: Path) -> None:
    evaluation = _evaluate(case, case.bad, tmp_path)
    assert evaluation.passed is False
    assert evaluation.severity == case.severity
    shown = json.dumps(
        {k: v.value for k, v in evaluation.metadata.items()}, ensure_ascii=False, default=str
    )
    for text in case.shows:
        assert text in shown, f"{case.check}: {text!r} not in metadata {shown}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.check)
def test_check_passes_on_good_rows(case: Case, tmp_path: Path) -> None:
    assert _evaluate(case, case.good, tmp_path).passed is True


def test_every_check_has_a_case(tmp_path: Path) -> None:
    defs = build_defs(None, tmp_path)
    names = {spec.name for checks in defs.asset_checks for spec in checks.check_specs}
    assert names == {case.check for case in CASES}
