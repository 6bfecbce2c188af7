"""The whole graph on the demo corpus with the editor on, against the Chat Completions test
server on 127.0.0.1 that misbehaves on a few stories: the runs succeed, the reports carry the
editor's text where its answer held up, a second run is answered from the cache, re-rendering
a report sends nothing, and the key is nowhere it must not be."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import AssetSelection, instance_for_test, materialize, serialize_value

from news_pipeline.cjk import HAN_RE
from news_pipeline.defs import build_defs
from news_pipeline.defs.resources import EditorResource, SourcesResource
from news_pipeline.demo.server import DEMO_SOURCES_PATH
from news_pipeline_tests.conftest import materialize_day
from news_pipeline_tests.support.chat_server import (
    ChatServer,
    invented_figure,
    prose,
    serve_chat,
    stall,
    status,
)

DAYS = ["2026-02-14", "2026-02-15"]
KEY_ENV = "NEWS_PIPELINE_TEST_EDITOR_KEY"
KEY = "sk-demo-5f2c9a7e41d08b36SECRETKEY"
EDITOR_BLOCK = """
editor:
  base_url: "{base_url}"
  model: test-model
  api_key_env: {key_env}
  max_calls_per_day: 200
  max_tokens_per_day: 400000
  allow_private_addresses: true
  price_per_million_input_tokens: 2
  price_per_million_output_tokens: 8
  currency: CNY
"""


def _script(server: ChatServer) -> None:
    """The misbehaviours of real providers, one story each."""
    server.on("GLM-5", invented_figure)
    server.on("Greene", prose(), prose("I am unable to answer in JSON."))
    server.on("迪士尼", status(429, "rate limit reached", Retry_After="0"))
    server.on("Ling-2.5-1T", status(503, "the engine is overloaded"))
    server.on("Suleyman", stall())


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _metadata(result: Any) -> dict[str, Any]:
    (materialization,) = result.asset_materializations_for_node("edited_stories")
    return {key: value.value for key, value in materialization.metadata.items()}


@pytest.fixture(scope="module")
def editor_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("editor_demo")
    data_dir = root / "data"
    (root / "home").mkdir()
    records = _Records()
    logging.getLogger().addHandler(records)
    previous_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    os.environ[KEY_ENV] = KEY
    try:
        with serve_chat() as server, instance_for_test(temp_dir=str(root / "home")) as instance:
            _script(server)
            sources_file = root / "sources.yaml"
            sources_file.write_text(
                DEMO_SOURCES_PATH.read_text("utf-8")
                + EDITOR_BLOCK.format(base_url=server.base_url, key_env=KEY_ENV),
                encoding="utf-8",
            )
            sources = SourcesResource(sources_file=str(sources_file), demo_corpus=True)
            overrides = {
                "sources": sources,
                "editor": EditorResource.for_editor(
                    sources.load().editor, read_timeout=1.0, backoff_base_seconds=0.0
                ),
            }
            first = {day: materialize_day(day, data_dir, instance, **overrides) for day in DAYS}
            sent_first = len(server.requests)
            again = materialize_day(DAYS[-1], data_dir, instance, **overrides)
            sent_again = len(server.requests) - sent_first
            defs = build_defs(None, data_dir, resource_overrides=overrides)
            # daily_report alone, reading edited_stories from DuckDB: a re-render.
            rerender = materialize(
                defs.assets,
                selection=AssetSelection.assets("daily_report"),
                partition_key=DAYS[-1],
                resources=defs.resources,
                instance=instance,
            )
            event_log = [
                serialize_value(entry)
                for run in instance.get_runs()
                for entry in instance.all_logs(run.run_id)
            ]
            yield {
                "first": first,
                "again": again,
                "rerender": rerender,
                "sent_first": sent_first,
                "sent_again": sent_again,
                "sent_total": len(server.requests),
                "requests": list(server.requests),
                "data_dir": data_dir,
                "home": root / "home",
                "event_log": event_log,
                "logs": records.lines,
                "reports": {
                    day: json.loads((data_dir / "reports" / day / "report.json").read_text("utf-8"))
                    for day in DAYS
                },
            }
    finally:
        os.environ.pop(KEY_ENV, None)
        logging.getLogger().removeHandler(records)
        logging.getLogger().setLevel(previous_level)


def _story(report: dict[str, Any], text: str) -> dict[str, Any]:
    (story,) = [s for s in report["stories"] if text in json.dumps(s, ensure_ascii=False)]
    return story


def test_runs_succeed_and_the_reports_carry_the_editors_text(editor_run: dict[str, Any]) -> None:
    for result in [*editor_run["first"].values(), editor_run["again"], editor_run["rerender"]]:
        assert result.success
    for report in editor_run["reports"].values():
        for story in report["stories"]:
            assert story["summary_source"] in ("llm", "extractive")
            if story["summary_source"] == "llm":
                assert HAN_RE.search(story["title"]) and story["insight"]
    openclaw = _story(editor_run["reports"]["2026-02-14"], "openclaw")
    assert openclaw["summary_source"] == "llm" and HAN_RE.search(openclaw["title"])
    assert any(not HAN_RE.search(a["title"]) for a in openclaw["articles"])


def test_rejected_and_failed_stories_keep_their_extractive_text(
    editor_run: dict[str, Any],
) -> None:
    first_day = editor_run["reports"]["2026-02-14"]
    for marker in ("GLM-5", "Greene"):
        story = _story(first_day, marker)
        assert story["summary_source"] == "extractive" and story["insight"] is None
    metadata = _metadata(editor_run["first"]["2026-02-14"])
    assert metadata["rejected_ungrounded_number"] == 1
    assert metadata["rejected_invalid_json"] == 1
    assert metadata["rejected"] == 2
    assert metadata["stories_llm"] == 4  # 6 on-topic stories, 2 answers rejected
    assert metadata["estimated_cost"] > 0 and metadata["prompt_tokens"] > 0
    # 6 on-topic stories; one retried after a 429, one answered twice in prose.
    assert metadata["requests"] == 8 and metadata["cache_hits"] == 0
    second_day = _metadata(editor_run["first"]["2026-02-15"])
    assert second_day["rejected"] == 0
    # 7 stories; one retried after a 503, one after a stalled answer.
    assert second_day["requests"] == 9


def test_the_rejection_check_warns_on_the_day_with_many_rejections(
    editor_run: dict[str, Any],
) -> None:
    for day, passed in (("2026-02-14", False), ("2026-02-15", True)):
        (evaluation,) = [
            e
            for e in editor_run["first"][day].get_asset_check_evaluations()
            if e.check_name == "edited_stories_few_rejected_answers"
        ]
        assert evaluation.passed is passed
        assert evaluation.severity.value == "WARN"


def test_a_second_run_and_a_rerendered_report_send_nothing(editor_run: dict[str, Any]) -> None:
    assert editor_run["sent_again"] == 0
    metadata = _metadata(editor_run["again"])
    assert metadata["requests"] == 0
    assert metadata["cache_hits"] == metadata["stories_llm"] + metadata["rejected"]
    assert editor_run["sent_total"] == editor_run["sent_first"]
    rendered = editor_run["rerender"].get_asset_materialization_events()
    assert [event.asset_key.to_user_string() for event in rendered] == ["daily_report"]


def test_the_key_is_sent_and_appears_nowhere_else(editor_run: dict[str, Any]) -> None:
    assert {r.headers["Authorization"] for r in editor_run["requests"]} == {f"Bearer {KEY}"}
    database = editor_run["data_dir"] / "news.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CHECKPOINT")
    assert KEY.encode() not in database.read_bytes()
    for path in (editor_run["data_dir"] / "reports").rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text("utf-8"), path
    for path in Path(editor_run["home"]).rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert all(KEY not in line for line in editor_run["event_log"])
    assert editor_run["event_log"] and editor_run["logs"]
    assert all(KEY not in line for line in editor_run["logs"])
