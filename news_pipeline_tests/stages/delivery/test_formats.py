"""Each channel's payload: the platform's shape, feed text escaped for its format, and its
size limit kept by splitting (WeCom, Telegram) or by counting what did not fit (Slack,
Feishu)."""

from __future__ import annotations

import html
import json
import re

import pytest

from news_pipeline.delivery import build_digest, encode, http_messages
from news_pipeline.delivery.feishu import MAX_BODY_BYTES
from news_pipeline.delivery.packing import utf16_units
from news_pipeline.delivery.slack import MAX_BLOCKS, SECTION_CHARS
from news_pipeline.delivery.telegram import MAX_TEXT_UNITS
from news_pipeline.delivery.wecom import MAX_CONTENT_BYTES
from news_pipeline_tests.stages.delivery.sample import (
    BASE_URL,
    CATEGORY_NAMES,
    DAY,
    hostile_report,
    long_report,
    ordinary_report,
    subscriber,
)

REPORT_URL = f"{BASE_URL}{DAY}/report.html"


def _messages(channel: str, report: dict, language: str = "zh", **fields) -> list[dict]:
    sub = subscriber(channel, **fields)
    digest = build_digest(
        report, sub, language=language, base_url=BASE_URL, category_names=CATEGORY_NAMES
    )
    return http_messages(digest, sub)


def _mrkdwn_texts(message: dict) -> list[str]:
    texts = [message["text"]]
    for block in message["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts += [element["text"] for element in block["elements"]]
    return texts


def test_webhook_sends_the_contract_json_with_the_report_story_objects() -> None:
    report = ordinary_report()
    (message,) = _messages("webhook", report, min_tier="section")
    assert set(message) == {"date", "title", "url", "stories"}
    assert message["date"] == DAY
    assert message["url"] == REPORT_URL
    assert message["title"].startswith("AI 日报")
    assert message["stories"] == [s for s in report["stories"] if s["tier"] != "brief"]
    hostile = hostile_report()
    (body,) = _messages("webhook", hostile)
    assert json.loads(encode(body))["stories"][0]["title"] == hostile["stories"][0]["title"]


def test_slack_is_block_kit_with_feed_text_escaped() -> None:
    (message,) = _messages("slack", hostile_report())
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "AI 日报：2026年2月15日 星期日"},
    }
    texts = _mrkdwn_texts(message)
    joined = "\n".join(texts)
    assert "<!channel>" not in joined and "&lt;!channel&gt;" in joined
    assert "<script>" not in joined and "&lt;script&gt;" in joined
    links = re.findall(r"<([^<>|]+)\|", joined)
    assert links and all(link.startswith(("https://", "http://")) for link in links)
    assert "https://evil.example.com/a_(b)%7Cc?x=1&y=%3C2%3E" in links
    assert not any("javascript" in link for link in links)


def test_slack_keeps_to_fifty_blocks_and_counts_the_rest() -> None:
    report = long_report(120)
    (message,) = _messages("slack", report)
    blocks = message["blocks"]
    assert len(blocks) == MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= SECTION_CHARS for b in blocks if b["type"] == "section")
    shown = sum(1 for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("*<"))
    shown += sum(b["text"]["text"].count("• ") for b in blocks if b["type"] == "section")
    last = blocks[-1]["elements"][0]["text"]
    hidden = int(re.search(r"另有 (\d+) 条", last).group(1))
    assert shown + hidden == len(report["stories"])
    assert REPORT_URL in last


def test_feishu_is_an_interactive_card_with_lark_md_escaped() -> None:
    (card,) = _messages("feishu", hostile_report())
    assert card["msg_type"] == "interactive"
    assert card["card"]["header"]["title"] == {
        "tag": "plain_text",
        "content": "AI 日报：2026年2月15日 星期日",
    }
    contents = [e["text"]["content"] for e in card["card"]["elements"] if e["tag"] == "div"]
    joined = "\n".join(contents)
    for raw in ("<at id=all>", "<font", "<script>", "[click](javascript", "*urgent*", "`code`"):
        assert raw not in joined
    # every escape is a character reference that decodes back to the feed's text
    assert html.unescape(contents[1]).startswith("**[<!channel> *urgent* [click]")
    button = card["card"]["elements"][-1]
    assert button["tag"] == "action"
    assert button["actions"][0]["url"] == REPORT_URL


def test_feishu_card_stays_under_the_body_limit_and_counts_the_rest() -> None:
    report = long_report(150)
    (card,) = _messages("feishu", report)
    assert len(encode(card)) <= MAX_BODY_BYTES
    contents = [e["text"]["content"] for e in card["card"]["elements"] if e["tag"] == "div"]
    shown = sum(c.count("](https://news.example.com/a/") for c in contents)
    hidden = int(re.search(r"另有 (\d+) 条", contents[-1]).group(1))
    assert shown + hidden == len(report["stories"])


def test_wecom_markdown_neutralizes_markup_and_splits_under_4096_bytes() -> None:
    (message,) = _messages("wecom", hostile_report())
    content = message["markdown"]["content"]
    assert message["msgtype"] == "markdown"
    assert '<font color="warning">' not in content and "＜font" in content
    assert "<at id=all>" not in content and "[click](javascript" not in content
    report = long_report(80)
    parts = _messages("wecom", report)
    assert len(parts) > 1
    contents = [p["markdown"]["content"] for p in parts]
    assert all(len(c.encode("utf-8")) <= MAX_CONTENT_BYTES for c in contents)
    assert all(f"（{i}/{len(parts)}）" in c for i, c in enumerate(contents, start=1))
    for s in report["stories"]:
        assert sum(s["title"][:4] in c for c in contents) == 1, s["title"]


def test_telegram_html_is_escaped_and_split_in_utf16_units() -> None:
    (message,) = _messages("telegram", hostile_report())
    assert message["parse_mode"] == "HTML" and message["chat_id"] == "-1001"
    text = message["text"]
    assert "<script>" not in text and "&lt;script&gt;" in text
    tags = set(re.findall(r"</?([a-z]+)", text))
    assert tags <= {"b", "i", "a"}
    assert 'href="javascript' not in text
    # astral characters count twice in Telegram's limit
    report = long_report(60, title_unit="🤖模型")
    parts = _messages("telegram", report)
    assert len(parts) > 1
    assert all(utf16_units(p["text"]) <= MAX_TEXT_UNITS for p in parts)
    assert max(utf16_units(p["text"]) for p in parts) > MAX_TEXT_UNITS * 0.8
    for s in report["stories"]:
        assert sum(s["title"][:4] in p["text"] for p in parts) == 1


@pytest.mark.parametrize("channel", ["slack", "feishu", "wecom", "telegram"])
def test_english_reports_get_english_fixed_text(channel: str) -> None:
    body = json.dumps(_messages(channel, ordinary_report(), language="en"), ensure_ascii=False)
    assert "AI Daily: Sunday, 15 February 2026" in body
    assert "条报道" not in body
