"""Each channel's message parts for one digest, and how to tell whether the receiver took one."""

from __future__ import annotations

import json
from typing import Any

from news_pipeline.delivery.digest import Digest
from news_pipeline.delivery.feishu import feishu_message
from news_pipeline.delivery.slack import slack_message
from news_pipeline.delivery.telegram import telegram_messages
from news_pipeline.delivery.verdicts import (
    Judge,
    feishu_verdict,
    http_verdict,
    telegram_verdict,
    wecom_verdict,
)
from news_pipeline.delivery.wecom import wecom_messages
from news_pipeline.sources import SubscriberConfig

JUDGES: dict[str, Judge] = {
    "webhook": http_verdict,
    "slack": http_verdict,
    "feishu": feishu_verdict,
    "wecom": wecom_verdict,
    "telegram": telegram_verdict,
}


def http_messages(digest: Digest, subscriber: SubscriberConfig) -> list[dict[str, Any]]:
    """The JSON bodies to POST, in order (one, or several for a split message)."""
    channel = subscriber.channel
    if channel == "webhook":
        return [digest.webhook_payload()]
    if channel == "slack":
        return [slack_message(digest)]
    if channel == "feishu":
        return [feishu_message(digest)]
    if channel == "wecom":
        return wecom_messages(digest)
    if channel == "telegram":
        return telegram_messages(digest, subscriber.chat_id or "")
    raise ValueError(f"channel {channel!r} is not sent over HTTP")


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
