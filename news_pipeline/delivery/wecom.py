"""WeCom (企业微信) group bot: `markdown` messages of at most 4,096 bytes, split when longer.

WeCom's markdown documents no escape syntax, and `<font>` and `<@userid>` tags are live in
it, so feed text cannot be escaped: the characters that would start markup there are
replaced by their full-width forms (＜ ＞ ［ ］ ＊ ｀ ＃ ＿ ～), which read the same.
"""

from __future__ import annotations

from typing import Any

from news_pipeline.delivery.digest import Digest
from news_pipeline.delivery.packing import (
    SUMMARY_CHARS,
    TITLE_CHARS,
    ChatFormat,
    chat_messages,
    clip,
    link_target,
    utf8_bytes,
)

MAX_CONTENT_BYTES = 4096
_FULL_WIDTH = str.maketrans({ch: chr(ord(ch) + 0xFEE0) for ch in "<>[]*`#_~"})


def neutralize(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def link(url: object, text: str) -> str:
    target = link_target(url, "()<> ")
    return f"[{neutralize(text)}]({target})" if target else neutralize(text)


def _story_candidates(digest: Digest, story: dict[str, Any]) -> list[str]:
    """The story's block, then smaller versions of it for when the full one is too long."""
    title = clip(story.get("title"), TITLE_CHARS)
    meta = " · ".join(
        [digest.category_name(str(story.get("category"))), *digest.source_names(story)]
    )
    comment = f'<font color="comment">{neutralize(clip(meta, 200))}</font>'
    summary = neutralize(clip(story.get("summary"), SUMMARY_CHARS))
    linked = f"**{link(story.get('url'), title)}**"
    return [
        "\n".join(part for part in (linked, summary, comment) if part),
        f"{linked}\n{comment}",
        f"**{neutralize(title)}**",
    ]


_WECOM = ChatFormat(
    escape=neutralize,
    link=link,
    bold=lambda text: f"**{text}**",
    bullet="· ",
    measure=utf8_bytes,
    limit=MAX_CONTENT_BYTES,
    header=lambda title, part, intro: f"**{neutralize(title)}{part}**\n> {intro}",
)


def wecom_messages(digest: Digest) -> list[dict[str, Any]]:
    """The markdown messages of one digest, in order."""
    return [
        {"msgtype": "markdown", "markdown": {"content": content}}
        for content in chat_messages(digest, _WECOM, _story_candidates)
    ]
