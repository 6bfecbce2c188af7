"""Feishu / Lark: one interactive card (`msg_type: interactive`) for a custom bot webhook.

Feed text goes into `lark_md` elements, where Markdown and the `<at>`/`<font>` tags are live:
every character that could start markup is written as an HTML character reference, which the
card renders as the character itself. Titles in `plain_text` are shown as they are. A custom
bot takes a request body of about 20 KB: stories past that are counted in a last line.
"""

from __future__ import annotations

import json
from typing import Any

from news_pipeline.delivery.digest import Digest
from news_pipeline.delivery.packing import SUMMARY_CHARS, TITLE_CHARS, clip, link_target

MAX_BODY_BYTES = 20_000
BRIEFS_PER_ELEMENT = 10
# Markup anywhere in a line, and markup only at the start of a line.
_INLINE_MARKUP = set("\\`*_~[]()<>&")
_LINE_START_MARKUP = set("#>-+")


def escape(text: str) -> str:
    """Feed text for lark_md: markup characters as HTML character references."""
    return "".join(
        f"&#{ord(ch)};" if ch in _INLINE_MARKUP or (index == 0 and ch in _LINE_START_MARKUP) else ch
        for index, ch in enumerate(text)
    )


def link(url: object, text: str) -> str:
    target = link_target(url, "()<> ")
    return f"[{escape(text)}]({target})" if target else escape(text)


def _markdown(content: str) -> dict[str, Any]:
    return {"tag": "div", "text": {"tag": "lark_md", "content": content}}


def _story(digest: Digest, story: dict[str, Any]) -> dict[str, Any]:
    lines = [f"**{link(story.get('url'), clip(story.get('title'), TITLE_CHARS))}**"]
    summary = clip(story.get("summary"), SUMMARY_CHARS)
    if summary:
        lines.append(escape(summary))
    meta = " · ".join(
        [digest.category_name(str(story.get("category"))), *digest.source_names(story)]
    )
    lines.append(escape(clip(meta, 300)))
    return _markdown("\n".join(lines))


def _size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def feishu_message(digest: Digest) -> dict[str, Any]:
    """The interactive card of one digest."""
    t = digest.text
    entries: list[tuple[dict[str, Any], int]] = [
        (_story(digest, s), 1) for s in digest.by_tier("headline", "section")
    ]
    briefs = digest.by_tier("brief")
    if briefs:
        entries.append((_markdown(f"**{escape(t['more_news'])}**"), 0))
        for start in range(0, len(briefs), BRIEFS_PER_ELEMENT):
            chunk = briefs[start : start + BRIEFS_PER_ELEMENT]
            lines = ["• " + link(s.get("url"), clip(s.get("title"), TITLE_CHARS)) for s in chunk]
            entries.append((_markdown("\n".join(lines)), len(chunk)))
    tail: list[dict[str, Any]] = []
    if digest.report_url:
        tail.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "type": "primary",
                        "text": {"tag": "plain_text", "content": t["full_report"]},
                        "url": link_target(digest.report_url, "") or "",
                    }
                ],
            }
        )
    card: dict[str, Any] = {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "template": "blue",
                "title": {"tag": "plain_text", "content": digest.title},
            },
            "elements": [_markdown(escape(digest.selection_line())), {"tag": "hr"}],
        },
    }
    elements = card["card"]["elements"]
    reserve = _size({"tail": tail, "more": _markdown(escape(t["more_stories"]))}) + 64
    for index, (element, _count) in enumerate(entries):
        if _size(card) + _size(element) + reserve > MAX_BODY_BYTES:
            hidden = sum(count for _element, count in entries[index:])
            elements.append(_markdown(escape(t["more_stories"].format(count=hidden))))
            break
        elements.append(element)
    elements.extend(tail)
    return card
