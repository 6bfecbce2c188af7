"""Slack: one incoming-webhook message in Block Kit.

Slack's mrkdwn has three control characters, `&`, `<` and `>` (`<!channel>` would page a
whole channel), escaped as entities; a link is `<url|text>`, so `|`, `<` and `>` in a URL
are percent-encoded. A message holds at most 50 blocks and a section at most 3,000
characters: stories past that are counted in a last line that links the full report.
"""

from __future__ import annotations

from typing import Any

from news_pipeline.delivery.digest import Digest
from news_pipeline.delivery.packing import SUMMARY_CHARS, TITLE_CHARS, clip, link_target

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: object, text: str) -> str:
    target = link_target(url, "|<> ")
    return f"<{target}|{escape(text)}>" if target else escape(text)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _story_section(digest: Digest, story: dict[str, Any]) -> dict[str, Any]:
    lines = [f"*{link(story.get('url'), clip(story.get('title'), TITLE_CHARS))}*"]
    summary = clip(story.get("summary"), SUMMARY_CHARS)
    if summary:
        lines.append(escape(summary))
    meta = " · ".join(
        [digest.category_name(str(story.get("category"))), *digest.source_names(story)]
    )
    lines.append(escape(clip(meta, 300)))
    return _section("\n".join(lines))


def _brief_sections(
    digest: Digest, briefs: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], int]]:
    """Sections of one-line briefs, each with the number of stories it holds."""
    sections: list[list[str]] = [[f"*{escape(digest.text['more_news'])}*"]]
    counts = [0]
    for story in briefs:
        line = "• " + link(story.get("url"), clip(story.get("title"), TITLE_CHARS))
        if len("\n".join([*sections[-1], line])) > SECTION_CHARS:
            sections.append([])
            counts.append(0)
        sections[-1].append(line)
        counts[-1] += 1
    return [(_section("\n".join(lines)), n) for lines, n in zip(sections, counts, strict=True)]


def slack_message(digest: Digest) -> dict[str, Any]:
    """The Block Kit payload of one digest (one message)."""
    t = digest.text
    intro = escape(digest.selection_line())
    if digest.report_url:
        intro += " · " + link(digest.report_url, t["full_report"])
    head: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": digest.title[:HEADER_CHARS]}},
        _context(intro),
        {"type": "divider"},
    ]
    body = [(_story_section(digest, s), 1) for s in digest.by_tier("headline", "section")]
    briefs = digest.by_tier("brief")
    if briefs:
        body += _brief_sections(digest, briefs)
    room = MAX_BLOCKS - len(head)
    blocks = [block for block, _count in body]
    if len(body) > room:
        hidden = sum(count for _block, count in body[room - 1 :])
        more = t["more_stories"].format(count=hidden)
        more = link(digest.report_url, more) if digest.report_url else escape(more)
        blocks = [*blocks[: room - 1], _context(more)]
    return {"text": f"{escape(digest.title)}: {intro}", "blocks": [*head, *blocks]}
