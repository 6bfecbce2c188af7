"""Shared by the chat formats: shortening feed text and splitting a message under a limit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from news_pipeline.report import plain_text, safe_url

if TYPE_CHECKING:
    from news_pipeline.delivery.digest import Digest

Measure = Callable[[str], int]
# Summaries in chat messages are a teaser; the report and the e-mail have the whole text.
SUMMARY_CHARS = 280
TITLE_CHARS = 200


def clip(text: object, limit: int) -> str:
    """One line of feed text, cut at `limit` characters with an ellipsis."""
    line = plain_text(text)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def link_target(url: object, unsafe: str) -> str | None:
    """An absolute http(s) URL for a link, with each character of `unsafe` (those that would
    end the link in the target format) percent-encoded; None for anything else."""
    checked = safe_url(str(url) if url else None)
    if checked is None:
        return None
    return "".join(
        quote(character, safe="") if character in unsafe else character for character in checked
    )


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def utf16_units(text: str) -> int:
    """Length as Telegram and JavaScript count it (astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


def first_fitting(candidates: Sequence[str], budget: int, measure: Measure) -> str:
    """The first (richest) candidate that fits the budget; the last one otherwise, cut."""
    for candidate in candidates:
        if measure(candidate) <= budget:
            return candidate
    last = candidates[-1]
    while last and measure(last) > budget:
        last = last[: max(0, len(last) - max(1, len(last) // 10))]
    return last


def pack(
    blocks: Sequence[str],
    limit: int,
    measure: Measure,
    header: Callable[[int, int], str],
    joiner: str = "\n\n",
) -> list[str]:
    """Join blocks into as few texts as possible, each within `limit` and each starting with
    `header(index, total)`. A block must fit a part on its own (see `first_fitting`)."""
    budget = limit - measure(header(99, 99) + joiner)
    groups: list[list[str]] = [[]]
    size = 0
    for block in blocks:
        cost = measure(block) + (measure(joiner) if groups[-1] else 0)
        if groups[-1] and size + cost > budget:
            groups.append([])
            cost = measure(block)
            size = 0
        groups[-1].append(block)
        size += cost
    total = len(groups)
    return [joiner.join([header(index + 1, total), *group]) for index, group in enumerate(groups)]


def block_budget(limit: int, measure: Measure, header: Callable[[int, int], str]) -> int:
    """The most one block may take so that it fits a part with its header."""
    return limit - measure(header(99, 99) + "\n\n")


@dataclass(frozen=True)
class ChatFormat:
    """How a chat channel writes a digest: its escape, link and bold, the bullet of a brief,
    how it measures a message against its limit, and its header from the (unescaped) title,
    the part label and the escaped intro line."""

    escape: Callable[[str], str]
    link: Callable[[object, str], str]
    bold: Callable[[str], str]
    bullet: str
    measure: Measure
    limit: int
    header: Callable[[str, str, str], str]


def chat_messages(
    digest: Digest,
    chat: ChatFormat,
    story_candidates: Callable[[Digest, dict[str, Any]], list[str]],
) -> list[str]:
    """The texts of one digest in a chat format: headline and section stories as the richest
    block that fits, briefs as links, split into numbered parts under the limit."""
    t = digest.text
    intro = chat.escape(digest.selection_line())
    if digest.report_url:
        intro += " · " + chat.link(digest.report_url, t["full_report"])

    def header(index: int, total: int) -> str:
        part = t["part"].format(index=index, total=total) if total > 1 else ""
        return chat.header(digest.title, part, intro)

    budget = block_budget(chat.limit, chat.measure, header)
    blocks = [
        first_fitting(story_candidates(digest, story), budget, chat.measure)
        for story in digest.by_tier("headline", "section")
    ]
    briefs = digest.by_tier("brief")
    if briefs:
        blocks.append(chat.bold(chat.escape(t["more_news"])))
        blocks += [
            first_fitting(
                [
                    chat.bullet + chat.link(s.get("url"), clip(s.get("title"), TITLE_CHARS)),
                    chat.bullet + chat.escape(clip(s.get("title"), TITLE_CHARS)),
                ],
                budget,
                chat.measure,
            )
            for s in briefs
        ]
    return pack(blocks, chat.limit, chat.measure, header)
