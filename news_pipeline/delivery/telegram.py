"""Telegram: `sendMessage` with `parse_mode: HTML`, split under the 4,096-character limit.

Telegram's HTML mode knows a few tags (b, i, a, code, ...) and three entities that must be
escaped in text: `&`, `<` and `>` (and `"` inside an attribute). Lengths are counted in UTF-16
code units, as Telegram counts them, on the HTML before parsing, which is never shorter than
the text Telegram measures.
"""

from __future__ import annotations

from html import escape as html_escape
from typing import Any

from news_pipeline.delivery.digest import Digest
from news_pipeline.delivery.packing import (
    SUMMARY_CHARS,
    TITLE_CHARS,
    ChatFormat,
    chat_messages,
    clip,
    link_target,
    utf16_units,
)

MAX_TEXT_UNITS = 4096


def escape(text: str) -> str:
    return html_escape(text, quote=False)


def link(url: object, text: str) -> str:
    target = link_target(url, "")
    if not target:
        return escape(text)
    return f'<a href="{html_escape(target, quote=True)}">{escape(text)}</a>'


def _story_candidates(digest: Digest, story: dict[str, Any]) -> list[str]:
    title = clip(story.get("title"), TITLE_CHARS)
    meta = " · ".join(
        [digest.category_name(str(story.get("category"))), *digest.source_names(story)]
    )
    summary = escape(clip(story.get("summary"), SUMMARY_CHARS))
    linked = f"<b>{link(story.get('url'), title)}</b>"
    note = f"<i>{escape(clip(meta, 200))}</i>"
    return [
        "\n".join(part for part in (linked, summary, note) if part),
        f"{linked}\n{note}",
        f"<b>{escape(title)}</b>",
    ]


_TELEGRAM = ChatFormat(
    escape=escape,
    link=link,
    bold=lambda text: f"<b>{text}</b>",
    bullet="• ",
    measure=utf16_units,
    limit=MAX_TEXT_UNITS,
    header=lambda title, part, intro: f"<b>{escape(title + part)}</b>\n{intro}",
)


def telegram_messages(digest: Digest, chat_id: str) -> list[dict[str, Any]]:
    """The sendMessage bodies of one digest, in order."""
    return [
        {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        for text in chat_messages(digest, _TELEGRAM, _story_candidates)
    ]
