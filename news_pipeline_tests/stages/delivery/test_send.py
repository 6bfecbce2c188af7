"""Delivery over HTTP to a real recording server on 127.0.0.1: every channel arrives in its
platform's shape, retries with backoff, at most once per (subscriber, day) with the ledger,
resuming a split message where it stopped, the address policy on the resolved IP, and no
secret in what is recorded."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from news_pipeline.delivery import (
    Deliverer,
    DeliveryRequest,
    DeliverySettings,
    Ledger,
    MissingReportError,
    UnknownSubscriberError,
)
from news_pipeline.delivery.ledger import Claim
from news_pipeline_tests.stages.delivery.receivers import Answer, RecordingServer
from news_pipeline_tests.stages.delivery.sample import (
    CATEGORY_NAMES,
    DAY,
    long_report,
    ordinary_report,
    sources_config,
)

TODAY = date.fromisoformat(DAY)
TOKEN = "123456:AAE-secret-bot-token"


def _deliverer(
    tmp_path: Path, server: RecordingServer, *subscribers: dict, environ=None, **settings
) -> Deliverer:
    return Deliverer(
        sources_config(*subscribers),
        Ledger(tmp_path / "news.duckdb"),
        DeliverySettings(
            backoff_base_seconds=0,
            part_interval_seconds=0,
            allowed_private_hosts=[f"127.0.0.1:{server.port}"],
            **settings,
        ),
        category_names=CATEGORY_NAMES,
        environ=environ or {},
    )


def _hook(server: RecordingServer, name: str, channel: str = "webhook", **fields) -> dict:
    path = f"/{channel}/{name}"
    extra = {"chat_id": "-1001"} if channel == "telegram" else {}
    return {"name": name, "channel": channel, "url": server.base + path, **extra, **fields}


def test_every_chat_channel_arrives_in_its_platform_shape(tmp_path: Path) -> None:
    with RecordingServer() as server:
        deliverer = _deliverer(
            tmp_path,
            server,
            _hook(server, "team", min_tier="section"),
            _hook(server, "chan", "slack"),
            _hook(server, "group", "feishu"),
            _hook(server, "bot", "wecom"),
            _hook(server, "chat", "telegram"),
        )
        results = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
    assert [r.outcome for r in results] == ["sent"] * 5
    (webhook,) = server.to("/webhook/team")
    assert webhook.headers["Content-Type"] == "application/json"
    assert [s["story_id"] for s in webhook.json()["stories"]] == ["s1", "s2", "s3", "s4"]
    (slack,) = server.to("/slack/chan")
    assert slack.json()["blocks"][0]["type"] == "header"
    (feishu,) = server.to("/feishu/group")
    assert feishu.json()["msg_type"] == "interactive"
    (wecom,) = server.to("/wecom/bot")
    assert wecom.json()["msgtype"] == "markdown"
    (telegram,) = server.to("/telegram/chat")
    assert telegram.json()["parse_mode"] == "HTML" and telegram.json()["chat_id"] == "-1001"
    ledger = deliverer.ledger.rows()
    assert ledger["status"].to_list() == ["sent"] * 5
    assert ledger["response_code"].to_list() == [200] * 5
    assert ledger["payload_bytes"].to_list() == [
        len(server.to(f"/{c}/{n}")[0].body)
        for n, c in sorted(
            [
                ("bot", "wecom"),
                ("chan", "slack"),
                ("chat", "telegram"),
                ("group", "feishu"),
                ("team", "webhook"),
            ]
        )
    ]


def test_a_503_is_retried_then_delivered(tmp_path: Path) -> None:
    with RecordingServer() as server:
        server.script("/webhook/team", Answer(503, b"busy"))
        deliverer = _deliverer(tmp_path, server, _hook(server, "team"))
        (result,) = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
    assert (result.outcome, result.attempts, result.response_code) == ("sent", 2, 200)
    assert len(server.to("/webhook/team")) == 2
    row = deliverer.ledger.get(TODAY, "team")
    assert (row["status"], row["attempts"], row["response_code"]) == ("sent", 2, 200)


def test_a_dead_receiver_is_recorded_as_failed_and_retried_by_the_next_run(
    tmp_path: Path,
) -> None:
    with RecordingServer() as server:
        server.always("/webhook/team", Answer(503, b"down for maintenance"))
        deliverer = _deliverer(tmp_path, server, _hook(server, "team"), max_attempts=3)
        (first,) = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
        assert (first.outcome, first.attempts) == ("failed", 3)
        row = deliverer.ledger.get(TODAY, "team")
        assert (row["status"], row["response_code"]) == ("failed", 503)
        assert row["error"] == "HTTP 503: down for maintenance"
        # The next day's run retries it (and delivers the new day), once the receiver is up.
        server.always("/webhook/team", Answer(200, b"ok"))
        tomorrow = TODAY + timedelta(days=1)
        tomorrow_report = ordinary_report() | {"date": tomorrow.isoformat()}
        results = deliverer.deliver(
            {TODAY: ordinary_report(), tomorrow: tomorrow_report}, [tomorrow]
        )
    assert [(r.day, r.outcome) for r in results] == [(TODAY, "sent"), (tomorrow, "sent")]
    assert [r.json()["date"] for r in server.to("/webhook/team")][-2:] == [DAY, "2026-02-16"]
    assert deliverer.ledger.get(TODAY, "team")["attempts"] == 4


def test_a_client_error_is_not_retried_within_the_run(tmp_path: Path) -> None:
    with RecordingServer() as server:
        server.always("/slack/chan", Answer(404, b"no_service"))
        deliverer = _deliverer(tmp_path, server, _hook(server, "chan", "slack"))
        (result,) = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
    assert (result.outcome, result.attempts, result.response_code) == ("failed", 1, 404)
    assert result.detail == "HTTP 404: no_service"


def test_platform_errors_in_a_200_answer_are_failures(tmp_path: Path) -> None:
    with RecordingServer() as server:
        server.always("/feishu/group", Answer(200, b'{"code":19001,"msg":"param invalid"}'))
        server.always("/wecom/bot", Answer(200, b'{"errcode":93000,"errmsg":"invalid key"}'))
        deliverer = _deliverer(
            tmp_path, server, _hook(server, "group", "feishu"), _hook(server, "bot", "wecom")
        )
        results = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
    assert [(r.outcome, r.detail) for r in results] == [
        ("failed", "feishu code 19001: param invalid"),
        ("failed", "wecom errcode 93000: invalid key"),
    ]


def test_a_rerun_sends_nothing_and_force_sends_again(tmp_path: Path) -> None:
    with RecordingServer() as server:
        deliverer = _deliverer(tmp_path, server, _hook(server, "team"))
        reports = {TODAY: ordinary_report()}
        assert [r.outcome for r in deliverer.deliver(reports, [TODAY])] == ["sent"]
        (again,) = deliverer.deliver(reports, [TODAY])
        assert again.outcome == "skipped" and again.detail.startswith("already sent at")
        assert len(server.to("/webhook/team")) == 1
        (forced,) = deliverer.deliver(reports, [TODAY], DeliveryRequest(force=True))
        assert forced.outcome == "sent"
        assert len(server.to("/webhook/team")) == 2
    row = deliverer.ledger.get(TODAY, "team")
    assert (row["sends"], row["attempts"]) == (2, 2)


def test_a_split_message_resumes_after_its_last_delivered_part(tmp_path: Path) -> None:
    report = long_report(80)
    with RecordingServer() as server:
        server.script(
            "/wecom/bot",
            Answer(200, b'{"errcode":0}'),
            Answer(200, b'{"errcode":93000,"errmsg":"invalid"}'),
        )
        deliverer = _deliverer(tmp_path, server, _hook(server, "bot", "wecom"))
        (first,) = deliverer.deliver({TODAY: report}, [TODAY])
        row = deliverer.ledger.get(TODAY, "bot")
        assert first.outcome == "failed" and first.parts > 2
        assert (row["parts_sent"], row["parts_total"]) == (1, first.parts)
        (second,) = deliverer.deliver({TODAY: report}, [TODAY])
    assert second.outcome == "sent"
    contents = [r.json()["markdown"]["content"] for r in server.to("/wecom/bot")]
    parts = [c.split("\n", 1)[0] for c in contents]
    total = first.parts
    assert parts == [
        f"**AI 日报：2026年2月15日 星期日（{i}/{total}）**" for i in [1, 2, 2, *range(3, total + 1)]
    ]
    assert deliverer.ledger.get(TODAY, "bot")["parts_sent"] == total


def test_an_interrupted_send_is_left_to_a_person(tmp_path: Path) -> None:
    with RecordingServer() as server:
        deliverer = _deliverer(tmp_path, server, _hook(server, "team"))
        claim = Claim(TODAY, "team", "webhook", "x", 1, 6, 100, "dead-run")
        assert deliverer.ledger.claim(claim, force=False).send
        (result,) = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
        assert result.outcome == "skipped" and "--force" in result.detail
        assert server.to("/webhook/team") == []


def test_nothing_passing_the_filters_sends_nothing(tmp_path: Path) -> None:
    with RecordingServer() as server:
        deliverer = _deliverer(tmp_path, server, _hook(server, "team", keywords=["no-such"]))
        (result,) = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
    assert result.outcome == "empty" and server.requests == []
    assert deliverer.ledger.get(TODAY, "team")["status"] == "empty"


def test_unknown_subscriber_names_are_refused(tmp_path: Path) -> None:
    with RecordingServer() as server:
        deliverer = _deliverer(tmp_path, server, _hook(server, "team"))
        with pytest.raises(UnknownSubscriberError, match=r"'nobody' .*configured: team"):
            deliverer.deliver(
                {TODAY: ordinary_report()}, [TODAY], DeliveryRequest(subscribers=("nobody",))
            )


def test_a_day_without_a_report_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    with RecordingServer() as server:
        deliverer = _deliverer(tmp_path, server, _hook(server, "team"))
        with pytest.raises(MissingReportError, match="no daily report for 2026-02-16"):
            deliverer.deliver({TODAY: ordinary_report()}, [TODAY, TODAY + timedelta(days=1)])
    assert server.requests == []
    assert deliverer.ledger.rows().is_empty()


def test_the_address_policy_refuses_a_loopback_address_that_is_not_allowed(
    tmp_path: Path,
) -> None:
    """Only 127.0.0.1:PORT is allowed: a subscriber on 127.0.0.2 (a server listens there
    too) is refused on its resolved IP and never contacted, unless it allows private
    addresses itself."""
    with RecordingServer() as allowed, RecordingServer(host="127.0.0.2") as other:
        deliverer = _deliverer(
            tmp_path,
            allowed,
            _hook(allowed, "ok"),
            _hook(other, "refused"),
            {"name": "named", "channel": "webhook", "url": f"http://localhost:{other.port}/x"},
            _hook(other, "opted-in", allow_private_addresses=True),
        )
        results = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
    outcome = {r.subscriber: (r.outcome, r.detail) for r in results}
    assert outcome["ok"] == ("sent", "")
    assert outcome["refused"] == (
        "failed",
        "address policy: 127.0.0.2 resolves to 127.0.0.2, a loopback address",
    )
    assert outcome["named"][0] == "failed"
    assert "address policy: localhost resolves to" in outcome["named"][1]
    assert outcome["opted-in"] == ("sent", "")
    assert [r.path for r in other.requests] == ["/webhook/opted-in"]


def test_secrets_in_urls_never_reach_the_ledger(tmp_path: Path) -> None:
    """Telegram's token is in the path, WeCom's key in the query; a receiver that echoes the
    URL in its error does not get it into the ledger either."""
    with RecordingServer() as server:
        telegram_path = f"/telegram/bot{TOKEN}/sendMessage"
        wecom_path = "/wecom/send?key=wecom-key-0123456789"
        server.always(telegram_path, Answer(401, f"bad token {TOKEN}".encode()))
        server.always(wecom_path, Answer(500, f"error at {wecom_path}".encode()))
        deliverer = _deliverer(
            tmp_path,
            server,
            {"name": "tg", "channel": "telegram", "chat_id": 1, "url": server.base + telegram_path},
            {"name": "wc", "channel": "wecom", "url_env": "WECOM_URL"},
            environ={"WECOM_URL": server.base + wecom_path},
        )
        results = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
    assert len(server.to(telegram_path)) == 1 and len(server.to(wecom_path)) == 3
    recorded = str(deliverer.ledger.rows().to_dicts()) + str(results)
    for secret in (TOKEN, "AAE-secret-bot-token", "wecom-key-0123456789"):
        assert secret not in recorded
    assert f"http://127.0.0.1:{server.port}/***" in recorded
    assert "bad token ***" in recorded


def test_a_missing_url_variable_is_a_failed_delivery(tmp_path: Path) -> None:
    with RecordingServer() as server:
        deliverer = _deliverer(
            tmp_path, server, {"name": "wc", "channel": "wecom", "url_env": "NOT_SET_HERE"}
        )
        (result,) = deliverer.deliver({TODAY: ordinary_report()}, [TODAY])
    assert (result.outcome, result.detail) == (
        "failed",
        "environment variable NOT_SET_HERE is not set",
    )
    assert deliverer.ledger.get(TODAY, "wc")["target"] == "$NOT_SET_HERE"


def test_backoff_doubles_and_honours_retry_after_up_to_the_cap() -> None:
    settings = DeliverySettings(backoff_base_seconds=2, backoff_max_seconds=30)
    assert [settings.backoff(n) for n in (1, 2, 3, 4, 5)] == [2, 4, 8, 16, 30]
    assert settings.backoff(1, retry_after=10) == 10
    assert settings.backoff(1, retry_after=3600) == 30
