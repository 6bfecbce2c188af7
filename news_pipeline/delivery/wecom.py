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
    block_budget,
    clip,
    first_fitting,
    link_target,
    pack,
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


def wecom_messages(digest: Digest) -> list[dict[str, Any]]:
    """The markdown messages of one digest, in order."""
    t = digest.text
    intro = neutralize(digest.selection_line())
    if digest.report_url:
        intro += " · " + link(digest.report_url, t["full_report"])

    def header(index: int, total: int) -> str:
        part = t["part"].format(index=index, total=total) if total > 1 else ""
        return f"**{neutralize(digest.title)}{part}**\n> {intro}"

    budget = block_budget(MAX_CONTENT_BYTES, utf8_bytes, header)
    blocks = [
        first_fitting(_story_candidates(digest, story), budget, utf8_bytes)
        for story in digest.by_tier("headline", "section")
    ]
    briefs = digest.by_tier("brief")
    if briefs:
        blocks.append(f"**{neutralize(t['more_news'])}**")
        blocks += [
            first_fitting(
                [
                    "· " + link(s.get("url"), clip(s.get("title"), TITLE_CHARS)),
                    "· " + neutralize(clip(s.get("title"), TITLE_CHARS)),
                ],
                budget,
                utf8_bytes,
            )
            for s in briefs
        ]
    return [
        {"msgtype": "markdown", "markdown": {"content": content}}
        for content in pack(blocks, MAX_CONTENT_BYTES, utf8_bytes, header)
    ]
