"""The whole graph on the demo corpus with subscribers on every channel: a real HTTP receiver
and a real SMTP server on 127.0.0.1, one receiver that is down. What arrived, the ledger, a
re-run that sends nothing new, report.json's `sources`, the archive, the `deliver` command,
and no secret anywhere it could leak to."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import feedparser
import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, serialize_value

from news_pipeline.defs.delivery.resources import DeliveryResource
from news_pipeline.defs.resources import SourcesResource
from news_pipeline.demo.server import DEMO_SOURCES_PATH
from news_pipeline_tests.conftest import materialize_day
from news_pipeline_tests.paths import REPO_ROOT
from news_pipeline_tests.stages.delivery.receivers import Answer, RecordingServer, smtp_server

DAYS = ["2026-02-14", "2026-02-15"]
BASE_URL = "https://news.example.com/ai/"
PASSWORD = "smtp-Pa55-never-logged"
BOT_TOKEN = "987654:AAH-telegram-bot-secret"
SLACK_PATH = "/slack/services/T0001/B0002/slackSecret0123456789"
WECOM_KEY = "wecom-key-5f8e2a91"
WORKING = ["team", "chan", "group", "bot", "chat"]
SOURCE_NAMES = ["techzh", "aizhi", "kuaixun", "ainews"]


def _subscribers(server: RecordingServer, smtp_port: int, *, for_cli: bool = False) -> str:
    """The site and subscribers blocks. The CLI's file lets each subscriber reach loopback
    itself (its DeliveryResource has no allowed hosts) and adds one that refuses."""
    entries: list[dict[str, Any]] = [
        {
            "name": "team",
            "channel": "webhook",
            "url": f"{server.base}/webhook/team",
            "min_tier": "section",
        },
        {"name": "chan", "channel": "slack", "url": server.base + SLACK_PATH},
        {"name": "group", "channel": "feishu", "url": f"{server.base}/feishu/hook/3e1d"},
        {"name": "bot", "channel": "wecom", "url": f"{server.base}/wecom/send?key={WECOM_KEY}"},
        {
            "name": "chat",
            "channel": "telegram",
            "chat_id": -1001,
            "url": f"{server.base}/telegram/bot{BOT_TOKEN}/sendMessage",
        },
        {
            "name": "editors",
            "channel": "email",
            "smtp_url": f"smtp://mailer@127.0.0.1:{smtp_port}",
            "from": "digest@example.com",
            "to": ["editor@example.com"],
            "categories": ["models", "agents"],
        },
        {"name": "down", "channel": "webhook", "url": f"{server.base}/webhook/down"},
    ]
    if for_cli:
        entries.append(
            {"name": "refusing", "channel": "webhook", "url": f"{server.base}/webhook/refusing"}
        )
        entries = [entry | {"allow_private_addresses": True} for entry in entries]
    blocks = {"site": {"base_url": BASE_URL}, "subscribers": entries}
    return "\n" + yaml.safe_dump(blocks, allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("delivery")
    with (
        RecordingServer() as server,
        smtp_server(password=PASSWORD) as (smtp_port, mailbox),
        pytest.MonkeyPatch.context() as env,
    ):
        env.setenv("NEWS_PIPELINE_SMTP_PASSWORD", PASSWORD)
        server.always("/webhook/down", Answer(503, b"down for maintenance"))
        sources_file = root / "sources.yaml"
        sources_file.write_text(
            DEMO_SOURCES_PATH.read_text("utf-8") + _subscribers(server, smtp_port), "utf-8"
        )
        resources = {
            "sources": SourcesResource(sources_file=str(sources_file), demo_corpus=True),
            "delivery": DeliveryResource(
                allowed_private_hosts=[f"127.0.0.1:{server.port}", f"127.0.0.1:{smtp_port}"],
                backoff_base_seconds=0,
                part_interval_seconds=0,
            ),
        }
        data_dir = root / "data"
        counts = []
        with DagsterInstance.ephemeral() as instance:
            results = {}
            for day in DAYS:
                results[day] = materialize_day(day, data_dir, instance, None, **resources)
                counts.append(len(server.requests))
            rerun = materialize_day(DAYS[-1], data_dir, instance, None, **resources)
            events = [
                serialize_value(record)
                for result in [*results.values(), rerun]
                for record in instance.all_logs(result.run_id)
            ]
        yield {
            "server": server,
            "mailbox": mailbox,
            "results": results,
            "rerun": rerun,
            "counts": counts,
            "events": events,
            "data_dir": data_dir,
            "sources_file": sources_file,
            "smtp_port": smtp_port,
        }


def _ledger(data_dir: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(data_dir / "news.duckdb"), read_only=True) as connection:
        return (
            connection.execute(
                "select * from report_deliveries order by partition_date, subscriber"
            )
            .pl()
            .to_dicts()
        )


def test_every_run_succeeds_and_only_the_down_receiver_warns(delivered: dict) -> None:
    for result in [*delivered["results"].values(), delivered["rerun"]]:
        assert result.success
        failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
        assert failed == ["report_deliveries_every_delivery_arrived"]
        (evaluation,) = [
            e for e in result.get_asset_check_evaluations() if e.check_name == failed[0]
        ]
        shown = json.dumps({k: str(v.value) for k, v in evaluation.metadata.items()})
        assert "down" in shown and "HTTP 503: down for maintenance" in shown


def test_each_receiver_got_one_message_a_day_in_its_format(delivered: dict) -> None:
    server = delivered["server"]
    paths = {
        "team": "/webhook/team",
        "chan": SLACK_PATH,
        "group": "/feishu/hook/3e1d",
        "bot": f"/wecom/send?key={WECOM_KEY}",
        "chat": f"/telegram/bot{BOT_TOKEN}/sendMessage",
    }
    for name, path in paths.items():
        requests = server.to(path)
        assert len(requests) == len(DAYS), name
    webhooks = [r.json() for r in server.to("/webhook/team")]
    assert [w["date"] for w in webhooks] == DAYS
    assert webhooks[0]["url"] == f"{BASE_URL}{DAYS[0]}/report.html"
    # (the first day: the last was materialized again after its delivery)
    report = json.loads((delivered["data_dir"] / "reports" / DAYS[0] / "report.json").read_text())
    assert webhooks[0]["stories"] == [s for s in report["stories"] if s["tier"] != "brief"]
    assert server.to(SLACK_PATH)[1].json()["blocks"][0]["text"]["text"].startswith("AI 日报")
    assert server.to("/feishu/hook/3e1d")[1].json()["msg_type"] == "interactive"
    mails = delivered["mailbox"].messages
    assert len(mails) == len(DAYS) and mails[0].authenticated_as == "mailer"
    html = next(p for p in mails[0].message().iter_parts() if p.get_content_type() == "text/html")
    story_titles = [s["title"] for s in report["stories"] if s["category"] in {"models", "agents"}]
    assert story_titles and all(
        title.replace("&", "&amp;") in html.get_content() for title in story_titles
    )


def test_a_rerun_sends_nothing_new_but_retries_the_failed_delivery(delivered: dict) -> None:
    server = delivered["server"]
    after_runs = delivered["counts"][-1]
    new = [r.path for r in server.requests[after_runs:]]
    # Only the failed deliveries, of this day and of the day before, each with its retries.
    assert new == ["/webhook/down"] * 6
    ledger = {
        (str(r["partition_date"]), r["subscriber"]): r for r in _ledger(delivered["data_dir"])
    }
    assert len(ledger) == len(DAYS) * 7
    for day in DAYS:
        for name in [*WORKING, "editors"]:
            row = ledger[(day, name)]
            assert (row["status"], row["sends"], row["attempts"]) == ("sent", 1, 1), (day, name)
        down = ledger[(day, "down")]
        assert (down["status"], down["response_code"]) == ("failed", 503)
    assert ledger[(DAYS[1], "down")]["attempts"] == 6  # its run and the re-run
    assert ledger[(DAYS[0], "down")]["attempts"] == 9  # its run, the next day's and the re-run


def test_report_json_carries_sources_and_the_page_a_health_table(delivered: dict) -> None:
    for day in DAYS:
        folder = delivered["data_dir"] / "reports" / day
        report = json.loads((folder / "report.json").read_text("utf-8"))
        assert [s["name"] for s in report["sources"]] == SOURCE_NAMES
        for source in report["sources"]:
            assert set(source) == {"name", "listed", "fetched", "failed", "status", "failing_days"}
            assert source["status"] == "ok" and source["failing_days"] == 0
        html = (folder / "report.html").read_text("utf-8")
        assert '<section class="health">' in html
        assert all(f"<td>{name}</td>" in html for name in SOURCE_NAMES)


def test_the_archive_lists_both_days_with_links_under_the_site(delivered: dict) -> None:
    reports = delivered["data_dir"] / "reports"
    index = (reports / "index.html").read_text("utf-8")
    assert index.index(f'href="{DAYS[1]}/report.html"') < index.index(
        f'href="{DAYS[0]}/report.html"'
    )
    atom = feedparser.parse((reports / "feed.xml").read_bytes())
    assert not atom.bozo
    assert [entry.link for entry in atom.entries] == [
        f"{BASE_URL}{day}/report.html" for day in reversed(DAYS)
    ]
    feed = json.loads((reports / "feed.json").read_text("utf-8"))
    assert [item["url"] for item in feed["items"]] == [e.link for e in atom.entries]


def test_no_secret_in_logs_metadata_ledger_reports_or_the_database(delivered: dict) -> None:
    secrets = [PASSWORD, BOT_TOKEN, "AAH-telegram-bot-secret", SLACK_PATH, WECOM_KEY]
    events = "\n".join(delivered["events"])
    assert "delivery failed: HTTP 503" in events  # the logs were captured
    places = {"events": events, "ledger": json.dumps(_ledger(delivered["data_dir"]), default=str)}
    for path in delivered["data_dir"].rglob("*"):
        if path.is_file():
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    for place, text in places.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} in {place}"
    materializations = [
        serialize_value(event.event_specific_data)
        for result in delivered["results"].values()
        for event in result.all_events
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION
    ]
    assert any("report_deliveries" in m for m in materializations)
    assert not any(secret in m for m in materializations for secret in secrets)


def _run_cli(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWS_PIPELINE_", "DAGSTER_"))}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "news_pipeline.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_deliver_sends_nothing_again_unless_forced(delivered: dict, tmp_path: Path) -> None:
    """`news-pipeline deliver` on a copy of the data: a sent day is left alone, --force sends
    it again, a receiver that refuses makes the exit code 1 with one line on stderr."""
    server = delivered["server"]
    data_dir = tmp_path / "data"
    shutil.copytree(delivered["data_dir"], data_dir, ignore=shutil.ignore_patterns("bodies"))
    server.always("/webhook/refusing", Answer(400, b"bad request"))
    sources = tmp_path / "sources.yaml"
    demo = DEMO_SOURCES_PATH.read_text("utf-8").replace("{demo_base_url}", "http://127.0.0.1")
    sources.write_text(demo + _subscribers(server, delivered["smtp_port"], for_cli=True), "utf-8")
    common = ["--date", DAYS[1], "--sources", str(sources), "--data-dir", str(data_dir)]
    before = len(server.to("/webhook/team"))
    again = _run_cli("deliver", *common, "--subscriber", "team")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "not sent: already sent at" in again.stdout
    assert len(server.to("/webhook/team")) == before
    forced = _run_cli("deliver", *common, "--subscriber", "team", "--force")
    assert forced.returncode == 0, forced.stderr[-2000:]
    assert f"[{DAYS[1]}] team" in forced.stdout and " sent " in forced.stdout
    assert len(server.to("/webhook/team")) == before + 1
    refused = _run_cli("deliver", *common, "--subscriber", "refusing")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        f"error: 1 of 1 deliveries failed (refusing {DAYS[1]}: HTTP 400: bad request)"
    )
    unknown = _run_cli("deliver", *common, "--subscriber", "nobody")
    assert unknown.returncode == 2
    assert unknown.stderr.strip().startswith("error: no subscriber named 'nobody'")
    missing = _run_cli("deliver", "--date", "2026-02-10", *common[2:])
    assert missing.returncode == 2
    assert "no report for 2026-02-10" in missing.stderr
    for result in (again, forced, refused):
        assert BOT_TOKEN not in result.stdout + result.stderr
