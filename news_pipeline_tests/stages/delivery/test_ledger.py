"""The at-most-once rule of the ledger, and what may be shown of a subscriber's address."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from news_pipeline.delivery import Ledger, Redactor, shown_url, url_secrets
from news_pipeline.delivery.ledger import Claim, decide

DAY = date(2026, 2, 15)


@pytest.mark.parametrize(
    ("row", "force", "send", "start"),
    [
        (None, False, True, 0),
        ({"status": "empty", "parts_sent": 0}, False, True, 0),
        ({"status": "failed", "parts_sent": 2}, False, True, 2),
        (
            {"status": "sent", "parts_sent": 3, "delivered_at": datetime(2026, 2, 15)},
            False,
            False,
            0,
        ),
        ({"status": "pending", "parts_sent": 1}, False, False, 0),
        ({"status": "sent", "parts_sent": 3}, True, True, 0),
        ({"status": "pending", "parts_sent": 1}, True, True, 0),
    ],
)
def test_decide(row: dict | None, force: bool, send: bool, start: int) -> None:
    decision = decide(row, force)
    assert (decision.send, decision.start_part) == (send, start)


def test_a_claim_is_committed_before_sending_and_finished_after(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "news.duckdb")
    claim = Claim(DAY, "team", "webhook", "https://hooks.example.com/***", 2, 5, 900, "run-1")
    assert ledger.claim(claim, force=False).send
    assert ledger.get(DAY, "team")["status"] == "pending"
    assert not ledger.claim(claim, force=False).send
    ledger.part_sent(DAY, "team", 1)
    ledger.finish(DAY, "team", ok=False, attempts=3, response_code=503, error="HTTP 503")
    row = ledger.get(DAY, "team")
    assert (row["status"], row["parts_sent"], row["attempts"], row["sends"]) == ("failed", 1, 3, 0)
    resumed = ledger.claim(claim, force=False)
    assert (resumed.send, resumed.start_part) == (True, 1)
    ledger.finish(DAY, "team", ok=True, attempts=1, response_code=200, error=None)
    row = ledger.get(DAY, "team")
    assert (row["status"], row["attempts"], row["sends"], row["error"]) == ("sent", 4, 1, None)
    assert row["delivered_at"] is not None
    ledger.record_empty(DAY, "team", "webhook", "x", "run-2")
    assert ledger.get(DAY, "team")["status"] == "sent"  # an empty re-run keeps what was sent


def test_shown_urls_keep_only_scheme_host_and_port() -> None:
    assert shown_url("https://hooks.slack.com/services/T0/B0/XYZ") == "https://hooks.slack.com/***"
    assert shown_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc") == (
        "https://qyapi.weixin.qq.com/***"
    )
    assert shown_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/"
    assert shown_url("smtp://mailer@smtp.example.com:587") == "smtp://smtp.example.com:587/"


def test_redaction_masks_tokens_but_not_words() -> None:
    url = "https://api.telegram.org/bot123456:AAE-key_part/sendMessage?x=1"
    redactor = Redactor([*url_secrets(url), "a-password"])
    text = f"POST {url} failed: token 123456:AAE-key_part, key AAE-key_part, a-password"
    cleaned = redactor.clean(text)
    assert "AAE-key_part" not in cleaned and "a-password" not in cleaned
    assert "sendMessage" not in url_secrets(url)
    assert Redactor([]).clean("nothing") == "nothing"
