"""E-mail: a multipart message (text and HTML with inline styles) delivered over real SMTP on
127.0.0.1, with STARTTLS when the server offers it, AUTH with the password from the
environment, and retries on 4xx answers."""

from __future__ import annotations

import re
import ssl
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import trustme

from news_pipeline.delivery import Deliverer, DeliverySettings, Ledger, build_digest, mail_message
from news_pipeline.delivery.transport import password_in_clear_allowed
from news_pipeline_tests.stages.delivery.receivers import smtp_server
from news_pipeline_tests.stages.delivery.sample import (
    BASE_URL,
    CATEGORY_NAMES,
    DAY,
    HOSTILE_TITLE,
    hostile_report,
    ordinary_report,
    sources_config,
    subscriber,
)

PASSWORD = "mail-Pa55word-never-shown"
SENDER = "digest@example.com"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _email_subscriber(port: int, **fields) -> dict:
    return {
        "name": "editors",
        "channel": "email",
        "smtp_url": f"smtp://mailer@127.0.0.1:{port}",
        "from": SENDER,
        "to": ["editor@example.com", "desk@example.com"],
        **fields,
    }


def _deliverer(tmp_path: Path, port: int, environ: dict, **settings) -> Deliverer:
    config = sources_config(_email_subscriber(port))
    return Deliverer(
        config,
        Ledger(tmp_path / "news.duckdb"),
        DeliverySettings(
            backoff_base_seconds=0, allowed_private_hosts=[f"127.0.0.1:{port}"], **settings
        ),
        category_names=CATEGORY_NAMES,
        environ=environ,
    )


def test_the_message_is_text_and_html_with_inline_styles_only() -> None:
    digest = build_digest(
        hostile_report(),
        subscriber("email"),
        language="zh",
        base_url=BASE_URL,
        category_names=CATEGORY_NAMES,
    )
    message = mail_message(digest, sender=SENDER, recipients=["a@example.com"])
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    html = html_part.get_content()
    tags = _tags(html)
    names = {tag for tag, _attrs in tags}
    assert not names & {"style", "link", "script", "img", "iframe", "object"}
    assert "<script>" not in html and "&lt;script&gt;" in html
    styled = [attrs for tag, attrs in tags if tag in {"h1", "h3", "a", "table", "td"}]
    assert styled and all(attrs.get("style") for attrs in styled)
    hrefs = [attrs["href"] for tag, attrs in tags if tag == "a"]
    assert hrefs and all(href.startswith(("https://", "http://")) for href in hrefs)
    assert not re.search(r"(src|href)=\"(?!https?://)", html)
    assert HOSTILE_TITLE in text_part.get_content()
    assert message["Subject"] == "AI 日报：2026年2月15日 星期日"


def test_delivered_over_smtp_with_auth_and_parsed_back(tmp_path: Path) -> None:
    with smtp_server(password=PASSWORD) as (port, store):
        deliverer = _deliverer(tmp_path, port, {"NEWS_PIPELINE_SMTP_PASSWORD": PASSWORD})
        (result,) = deliverer.deliver({_day(): ordinary_report()}, [_day()])
    assert result.outcome == "sent", result.detail
    (mail,) = store.messages
    assert store.logins == [("mailer", PASSWORD)]
    assert mail.authenticated_as == "mailer"
    assert mail.mail_from == SENDER
    assert mail.recipients == ["editor@example.com", "desk@example.com"]
    message = mail.message()
    assert message["Auto-Submitted"] == "auto-generated"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert "阿里开源 Qwen3.5 模型" in parts["text/plain"]
    assert "阿里开源 Qwen3.5 模型" in parts["text/html"]
    assert f"{BASE_URL}{DAY}/report.html" in parts["text/html"]
    row = deliverer.ledger.get(_day(), "editors")
    assert (row["status"], row["response_code"], row["attempts"]) == ("sent", 250, 1)
    assert PASSWORD not in str(row)


def test_starttls_is_used_when_offered(tmp_path: Path) -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    with smtp_server(tls_context=server_context, password=PASSWORD) as (port, store):
        trusted = _deliverer(
            tmp_path, port, {"NEWS_PIPELINE_SMTP_PASSWORD": PASSWORD}, tls_ca_file=str(ca_file)
        )
        (result,) = trusted.deliver({_day(): ordinary_report()}, [_day()])
        assert result.outcome == "sent", result.detail
        assert [mail.tls for mail in store.messages] == [True]
        untrusted = _deliverer(tmp_path / "other", port, {"NEWS_PIPELINE_SMTP_PASSWORD": PASSWORD})
        (refused,) = untrusted.deliver({_day(): ordinary_report()}, [_day()])
    assert refused.outcome == "failed"
    assert "CERTIFICATE_VERIFY_FAILED" in refused.detail
    assert refused.attempts == 1  # a certificate that does not verify is not retried
    assert len(store.messages) == 1


def test_a_temporary_refusal_is_retried(tmp_path: Path) -> None:
    with smtp_server() as (port, store):
        store.refuse_next = 1
        deliverer = _deliverer(tmp_path, port, {})
        (result,) = deliverer.deliver({_day(): ordinary_report()}, [_day()])
    assert (result.outcome, result.attempts, result.response_code) == ("sent", 2, 250)
    assert len(store.messages) == 1


def test_a_permanent_refusal_fails_at_once(tmp_path: Path) -> None:
    with smtp_server() as (port, store):
        store.refuse_next, store.refusal = 5, "554 5.7.1 Message rejected"
        deliverer = _deliverer(tmp_path, port, {})
        (result,) = deliverer.deliver({_day(): ordinary_report()}, [_day()])
    assert (result.outcome, result.attempts, result.response_code) == ("failed", 1, 554)
    assert "Message rejected" in result.detail


@pytest.mark.parametrize(
    ("addresses", "allowed"),
    [
        (["127.0.0.1"], True),
        (["::1", "127.0.0.2"], True),
        (["127.0.0.1", "mail.example.com"], False),
        ([], False),
    ],
)
def test_the_password_goes_in_clear_only_to_loopback(addresses: list[str], allowed: bool) -> None:
    """The decision alone, without connecting: a server that offers no STARTTLS gets the
    password only when every address it was reached at is loopback."""
    assert password_in_clear_allowed(addresses) is allowed


def _day() -> date:
    return date.fromisoformat(DAY)
