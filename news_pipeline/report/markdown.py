"""Markdown output: escaping of feed text, links, YAML front matter and the jinja environment.

The Markdown environment escapes every `{{ ... }}` output by default (see `md_escape`), so a
template has to opt in to raw Markdown through `link()` or `raw()`; only http(s) URLs become
links. The result must stay literal text under CommonMark, goldmark (Hugo) and kramdown
(Jekyll), including their Liquid tags and shortcodes.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
import yaml

from news_pipeline.report.loader import template_loader
from news_pipeline.report.model import Report, counts_by_category, counts_by_tier
from news_pipeline.report.untrusted import plain_text, safe_url

if TYPE_CHECKING:
    from news_pipeline.report.view import ReportView

MARKDOWN_TEMPLATE = "report.md.j2"

# Characters that can start Markdown syntax anywhere in a line. CommonMark, goldmark (Hugo)
# and kramdown (Jekyll) all accept these backslash-escaped; the rest become entities because
# kramdown has no escape for & and ~, and a backslash does not break Liquid's `{%` or Hugo's
# `{{<`.
_MD_BACKSLASH = re.compile(r"([\\`*_\[\]|$#])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "~": "&#126;", "{": "&#123;", "}": "&#125;"}
# Syntax that only counts at the start of a line: lists, setext underlines, kramdown
# definitions, ordered-list numbers.
_MD_LINE_START = re.compile(r"^(?:([+\-=:])|(\d+)([.)]))")
_URL_SAFE_CHARS = "/:?#@!$&'*+,;=%-._~"


def md_escape(value: Any) -> str:
    """Inline Markdown that renders as the literal text: no link, heading, list, HTML tag,
    emphasis, table cell, Liquid tag or Hugo shortcode can come out of it."""
    text = plain_text(value)
    text = _MD_BACKSLASH.sub(r"\\\1", text)
    text = "".join(_MD_ENTITIES.get(ch, ch) for ch in text)
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def md_url(url: str) -> str:
    """An http(s) URL made safe inside `(...)`: parentheses, spaces and brackets encoded."""
    return quote(url, safe=_URL_SAFE_CHARS)


class MarkdownSafe(str):
    """Markdown produced by this module (links, front matter): emitted without escaping."""


def md_link(text: Any, url: str | None) -> MarkdownSafe:
    """`[text](url)` for http(s) URLs; otherwise the escaped text alone, never a link."""
    label = md_escape(text) or md_escape(url)
    target = safe_url(url)
    if target is None:
        return MarkdownSafe(label)
    return MarkdownSafe(f"[{label}]({md_url(target)})")


def _markdown_finalize(value: Any) -> str:
    if isinstance(value, MarkdownSafe):
        return value
    return md_escape(value)


# ---- front matter -------------------------------------------------------------------------


class _FrontMatterDumper(yaml.SafeDumper):
    """SafeDumper that writes multi-line strings as literal blocks (readable summary bullets)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FrontMatterDumper.add_representer(str, _represent_str)


def build_front_matter(
    title: str, day: date, categories: list[str], tags: list[str], headlines: list[str]
) -> str:
    """YAML front matter that Jekyll and Hugo accept, built with yaml.safe_dump semantics.

    `summary` is one string of `- ` bullet lines (seed 002's form): Hugo decodes the summary
    field into a string and would reject a list. Headlines are Markdown-escaped, since Hugo
    renders the front-matter summary as Markdown and Jekyll themes may print it raw.
    """
    data = {
        "title": title,
        "date": day,
        "categories": categories,
        "tags": tags,
        "summary": "\n".join(f"- {md_escape(headline)}" for headline in headlines),
    }
    body = yaml.dump(
        data, Dumper=_FrontMatterDumper, allow_unicode=True, sort_keys=False, width=1_000_000
    )
    return f"---\n{body}---\n"


# ---- rendering ----------------------------------------------------------------------------


def markdown_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """Jinja for Markdown: every `{{ }}` output is Markdown-escaped unless built by link()."""
    env = jinja2.Environment(
        loader=template_loader(templates_dir),
        autoescape=False,
        finalize=_markdown_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["link"] = md_link
    env.globals["raw"] = MarkdownSafe
    return env


def render_markdown(view: ReportView, templates_dir: Path | None = None) -> str:
    """The fixed strings `t` are the project's own text and go out as written (spacing kept)."""
    template = markdown_environment(templates_dir).get_template(MARKDOWN_TEMPLATE)
    fixed_text = {key: MarkdownSafe(value) for key, value in view.t.items()}
    return template.render(view=view, t=fixed_text, front_matter=MarkdownSafe(view.front_matter))


def markdown_preview(report: Report, max_stories: int = 5) -> str:
    """A short Markdown list of the top stories, with counts by tier and category, for
    Dagster materialization metadata."""
    tiers = " · ".join(f"{tier} {count}" for tier, count in counts_by_tier(report).items())
    categories = " · ".join(
        f"{md_escape(category)} {count}" for category, count in counts_by_category(report).items()
    )
    lines = [
        f"**{report.date}**: {report.stats.stories} stories, "
        f"{report.stats.listed} listed, {report.stats.excluded} excluded",
        "",
        f"Tiers: {tiers}",
        "",
    ]
    if categories:
        lines += [f"Categories: {categories}", ""]
    for rank, story in enumerate(report.stories[:max_stories], start=1):
        lines.append(
            f"{rank}. {md_link(story.title, story.url)} ({md_escape(story.category)}, "
            f"{story.tier}, {story.importance:g}, {len(story.articles)} articles)"
        )
    if len(report.stories) > max_stories:
        lines.append(f"\n… and {len(report.stories) - max_stories} more")
    return "\n".join(lines) + "\n"
