"""The daily report: report.json (the CONTRACT.md shape), and report.md / report.html rendered
from jinja2 templates that a user can override from a folder of their own.

Two layers keep the contract exact: `Report` is precisely what report.json holds (no extra
keys), while `ReportView` carries everything a page needs on top of it (display names, key
facts, per-article publish times, counts) and never reaches the JSON file.

Everything that comes from a feed is untrusted: the HTML environment autoescapes, and the
Markdown environment escapes every `{{ ... }}` output by default (see `md_escape`), so a
template has to opt in to raw Markdown through `link()`; only http(s) URLs become links.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import jinja2
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict

from news_pipeline import schema

TEMPLATES_DIR = Path(__file__).parent / "templates"
MARKDOWN_TEMPLATE = "report.md.j2"
HTML_TEMPLATE = "report.html.j2"

Language = Literal["zh", "en"]
Tier = Literal["headline", "section", "brief"]
ExclusionReason = Literal[
    "duplicate_url", "off_topic", "no_text", "fetch_failed", "out_of_window", "seen_before"
]

# ---- report.json: exactly the CONTRACT.md shape --------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportArticle(_Strict):
    url: str
    source: str
    title: str


class ReportStory(_Strict):
    story_id: str
    title: str
    url: str
    category: str
    tier: Tier
    importance: float
    summary: str
    published_at: str
    articles: list[ReportArticle]


class ReportExcluded(_Strict):
    url: str
    source: str
    reason: ExclusionReason
    detail: str


class ReportStats(_Strict):
    listed: int
    fetched: int
    extracted: int
    stories: int
    excluded: int


class Report(_Strict):
    date: str
    timezone: str
    generated_at: str
    stories: list[ReportStory]
    excluded: list[ReportExcluded]
    stats: ReportStats


class ReportAccountingError(ValueError):
    """The inputs would make the report lose an item (CONTRACT.md: nothing is lost)."""


# ---- building the report -------------------------------------------------------------------

_FAILED_FEED_DETAIL = "feed listing could not be read"
_DEFAULT_DETAILS: dict[str, str] = {
    schema.REASON_DUPLICATE_URL: "same canonical URL as another item of the day",
    schema.REASON_NO_TEXT: "no article text could be extracted",
    schema.REASON_FETCH_FAILED: "the article page could not be fetched",
    schema.REASON_OUT_OF_WINDOW: "published outside the day's window",
    schema.REASON_SEEN_BEFORE: "already reported on a previous day",
}
_REASON_ORDER = {reason: index for index, reason in enumerate(schema.EXCLUSION_REASONS)}
_UNREACHABLE_FETCH = (schema.REASON_FETCH_FAILED, schema.REASON_OUT_OF_WINDOW)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _local_iso(moment: datetime, tz: ZoneInfo) -> str:
    """A naive-UTC timestamp as ISO 8601 with the partition timezone's offset."""
    return moment.replace(tzinfo=UTC).astimezone(tz).isoformat(timespec="seconds")


def _importance(value: Any) -> float:
    if value is None or not math.isfinite(float(value)):
        return 0.0
    return round(float(value), 4)


def _article_title(row: Mapping[str, Any]) -> str:
    return _text(row.get("listed_title") or row.get("title") or row.get("url")).strip()


def _member_sort_key(row: Mapping[str, Any]) -> tuple[bool, datetime, str, str]:
    """Lead article first, then by publish time, source and URL (stable across runs)."""
    published = row.get("published_at") or datetime.max
    return (not row.get("is_lead"), published, _text(row.get("source")), _text(row.get("url")))


def _default_detail(row: Mapping[str, Any], tz: ZoneInfo) -> str:
    """What to say when the upstream stage left no detail: the publish time, if it explains."""
    reason = row["excluded_reason"]
    if reason == schema.REASON_OUT_OF_WINDOW and row["published_at"] is not None:
        return f"published {_local_iso(row['published_at'], tz)}, outside the day's window"
    return _DEFAULT_DETAILS.get(reason, "")


def _accounted_items(deduped: pl.DataFrame, window: schema.DayWindow) -> pl.DataFrame:
    """Item rows the report must account for: all but out-of-window items dated before it."""
    items = deduped.filter(pl.col("record_kind").ne_missing(schema.RECORD_FEED))
    before_window = (
        (pl.col("excluded_reason") == schema.REASON_OUT_OF_WINDOW)
        & pl.col("published_at").is_not_null()
        & (pl.col("published_at") < window.start_utc)
    )
    return items.filter(~before_window.fill_null(False))


def build_report(
    categorized: pl.DataFrame,
    deduped: pl.DataFrame,
    day: date,
    timezone: str,
    generated_at: datetime,
) -> Report:
    """Assemble report.json for one partition from its categorized stories and deduped rows.

    Raises ReportAccountingError when an item row has neither an exclusion reason nor a
    categorized story, or a story has no member article: the report would then lose an item.
    """
    categorized = schema.conform(categorized, schema.CATEGORIZED_ITEMS_SCHEMA)
    deduped = schema.conform(deduped, schema.DEDUPED_STORIES_SCHEMA)
    window = schema.DayWindow(day, timezone)
    tz = window.tz
    items = _accounted_items(deduped, window)

    members: dict[str, list[dict[str, Any]]] = {}
    excluded: list[ReportExcluded] = []
    for row in items.iter_rows(named=True):
        reason = row["excluded_reason"]
        if reason is not None:
            excluded.append(
                ReportExcluded(
                    url=_text(row["url"]),
                    source=_text(row["source"]),
                    reason=reason,
                    detail=_text(row["excluded_detail"]) or _default_detail(row, tz),
                )
            )
        elif row["story_id"] is not None:
            members.setdefault(row["story_id"], []).append(row)
        else:
            raise ReportAccountingError(
                f"item {row['url']!r} from {row['source']!r} has no story and no exclusion reason"
            )

    for row in deduped.filter(
        (pl.col("record_kind") == schema.RECORD_FEED) & pl.col("excluded_reason").is_not_null()
    ).iter_rows(named=True):
        cause = _text(row["excluded_detail"])
        excluded.append(
            ReportExcluded(
                url=_text(row["url"] or row["final_url"]),
                source=_text(row["source"]),
                reason=schema.REASON_FETCH_FAILED,
                detail=f"{_FAILED_FEED_DETAIL}: {cause}" if cause else _FAILED_FEED_DETAIL,
            )
        )

    stories: list[ReportStory] = []
    ordered = categorized.with_columns(
        pl.col("importance").fill_nan(0.0).fill_null(0.0).alias("_rank")
    ).sort(["_rank", "story_id"], descending=[True, False])
    seen: set[str] = set()
    for row in ordered.iter_rows(named=True):
        story_id = row["story_id"]
        if story_id in seen:
            raise ReportAccountingError(f"story {story_id!r} is listed twice in categorized")
        seen.add(story_id)
        story_members = sorted(members.pop(story_id, []), key=_member_sort_key)
        if row["off_topic"]:
            relevance = row["ai_relevance"]
            reason_detail = f"story {story_id}: not about AI"
            if relevance is not None:
                reason_detail += f" (AI relevance {relevance:.2f})"
            excluded.extend(
                ReportExcluded(
                    url=_text(member["url"]),
                    source=_text(member["source"]),
                    reason=schema.REASON_OFF_TOPIC,
                    detail=reason_detail,
                )
                for member in story_members
            )
            continue
        if not story_members:
            raise ReportAccountingError(f"story {story_id!r} has no member article")
        published = row["published_at"] or min(
            (m["published_at"] for m in story_members if m["published_at"] is not None),
            default=window.start_utc,
        )
        stories.append(
            ReportStory(
                story_id=story_id,
                title=_text(row["title"]).strip() or _article_title(story_members[0]),
                url=_text(row["url"]) or _text(story_members[0]["url"]),
                category=row["category"] or "other",
                tier=row["tier"] or "brief",
                importance=_importance(row["importance"]),
                summary=_text(row["summary"]),
                published_at=_local_iso(published, tz),
                articles=[
                    ReportArticle(
                        url=_text(m["url"]), source=_text(m["source"]), title=_article_title(m)
                    )
                    for m in story_members
                ],
            )
        )
    if members:
        orphans = sorted(members)[:5]
        raise ReportAccountingError(f"items belong to stories missing from categorized: {orphans}")

    excluded.sort(key=lambda e: (_REASON_ORDER[e.reason], e.source, e.url))
    reasons = items["excluded_reason"]
    fetched = int((~reasons.is_in(_UNREACHABLE_FETCH)).fill_null(True).sum())
    no_text = int((reasons == schema.REASON_NO_TEXT).fill_null(False).sum())
    if generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=UTC)
    return Report(
        date=day.isoformat(),
        timezone=timezone,
        generated_at=generated_at.astimezone(tz).isoformat(timespec="seconds"),
        stories=stories,
        excluded=excluded,
        stats=ReportStats(
            listed=items.height,
            fetched=fetched,
            extracted=fetched - no_text,
            stories=len(stories),
            excluded=len(excluded),
        ),
    )


# ---- untrusted text: URLs, Markdown ----------------------------------------------------------

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_WHITESPACE = re.compile(r"\s+")
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


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL with a host, else None (render as text)."""
    if not url:
        return None
    candidate = url.strip()
    if _CONTROL_CHARS.search(candidate) or any(ch.isspace() for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return candidate


def plain_text(value: Any) -> str:
    """One line of text: control characters and line breaks folded into single spaces."""
    return _WHITESPACE.sub(" ", _CONTROL_CHARS.sub(" ", _text(value))).strip()


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


# ---- bilingual fixed text ---------------------------------------------------------------------

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "digest": "AI 日报",
        "title_separator": "：",
        "top_stories": "今日要闻",
        "key_facts": "要点",
        "sources": "来源",
        "more_news": "更多动态",
        "excluded": "未收录条目",
        "excluded_intro": "以下条目由来源列出，但未进入报告，按原因分组。",
        "no_stories": "今日没有符合条件的 AI 新闻。",
        "chart": "各分类新闻数",
        "listed": "列出",
        "fetched": "抓取",
        "extracted": "提取正文",
        "merged": "合并",
        "stories": "报道",
        "excluded_count": "排除",
        "generated": "生成于",
        "list_separator": "、",
        "colon": "：",
        "reason_duplicate_url": "重复链接",
        "reason_off_topic": "与 AI 无关",
        "reason_no_text": "无正文",
        "reason_fetch_failed": "抓取失败",
        "reason_out_of_window": "不在当日范围",
        "reason_seen_before": "此前已报道",
    },
    "en": {
        "digest": "AI Daily",
        "title_separator": ": ",
        "top_stories": "Top stories",
        "key_facts": "Key facts",
        "sources": "Sources",
        "more_news": "More news",
        "excluded": "Excluded items",
        "excluded_intro": "Items the sources listed that did not make the report, by reason.",
        "no_stories": "No AI news qualified for this day.",
        "chart": "Stories per category",
        "listed": "Listed",
        "fetched": "Fetched",
        "extracted": "With text",
        "merged": "Merged",
        "stories": "Stories",
        "excluded_count": "Excluded",
        "generated": "Generated",
        "list_separator": ", ",
        "colon": ": ",
        "reason_duplicate_url": "Duplicate URL",
        "reason_off_topic": "Not about AI",
        "reason_no_text": "No article text",
        "reason_fetch_failed": "Fetch failed",
        "reason_out_of_window": "Outside the day",
        "reason_seen_before": "Reported before",
    },
}
HTML_LANG = {"zh": "zh-CN", "en": "en"}

DEFAULT_CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "models": {"zh": "模型", "en": "Models"},
    "agents": {"zh": "智能体与应用", "en": "Agents & apps"},
    "multimodal": {"zh": "多模态生成", "en": "Multimodal"},
    "robotics": {"zh": "机器人", "en": "Robotics"},
    "compute": {"zh": "算力与基础设施", "en": "Compute"},
    "business": {"zh": "商业与市场", "en": "Business"},
    "policy": {"zh": "政策与安全", "en": "Policy & safety"},
    "research": {"zh": "研究与观点", "en": "Research & opinion"},
    "other": {"zh": "其他", "en": "Other"},
}

_ZH_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_day(day: date, language: Language) -> str:
    """2026年2月15日 星期日 / Sunday, 15 February 2026."""
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日 {_ZH_WEEKDAYS[day.weekday()]}"
    return f"{_EN_WEEKDAYS[day.weekday()]}, {day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def format_moment(moment: datetime, day: date, language: Language) -> str:
    """A local time: HH:MM on the report's day, with the date when it is another day."""
    clock = moment.strftime("%H:%M")
    if moment.date() == day:
        return clock
    if language == "zh":
        return f"{moment.month}月{moment.day}日 {clock}"
    return f"{moment.day} {_EN_MONTHS[moment.month - 1][:3]} {clock}"


# ---- the view the templates read ----------------------------------------------------------------


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ArticleView(_View):
    title: str
    url: str | None
    source: str
    published: str


class StoryView(_View):
    story_id: str
    anchor: str
    title: str
    url: str | None
    category: str
    category_name: str
    tier: str
    importance: float
    summary: str
    key_facts: list[str]
    published: str
    articles: list[ArticleView]
    source_names: list[str]


class SectionView(_View):
    category: str
    name: str
    stories: list[StoryView]


class CategoryCount(_View):
    category: str
    name: str
    count: int
    percent: int


class ExcludedView(_View):
    url: str
    link: str | None
    title: str
    source: str
    detail: str


class ExcludedGroup(_View):
    reason: str
    label: str
    items: list[ExcludedView]


class ReportView(_View):
    """Everything the templates show; `report` is the report.json content itself."""

    report: Report
    language: Language
    html_lang: str
    t: dict[str, str]
    title: str
    date_display: str
    generated_display: str
    headlines: list[StoryView]
    sections: list[SectionView]
    briefs: list[StoryView]
    category_counts: list[CategoryCount]
    excluded_groups: list[ExcludedGroup]
    merged: int
    front_matter: str


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


def _category_name(
    category: str, language: Language, category_names: Mapping[str, Mapping[str, str]]
) -> str:
    names = category_names.get(category) or DEFAULT_CATEGORY_NAMES.get(category) or {}
    return names.get(language) or names.get("en") or category


def _anchor(story_id: str) -> str:
    return "story-" + re.sub(r"[^A-Za-z0-9_-]", "-", story_id)


def build_report_view(
    report: Report,
    categorized: pl.DataFrame | None = None,
    deduped: pl.DataFrame | None = None,
    *,
    language: Language,
    category_names: Mapping[str, Mapping[str, str]] | None = None,
) -> ReportView:
    """The display model: report.json plus key facts, publish times and localized names.

    `category_names` maps category id -> {"zh": ..., "en": ...} in taxonomy order (sections
    follow it); ids missing from it fall back to the default taxonomy's names.
    """
    if language not in STRINGS:
        raise ValueError(f"report language must be one of {sorted(STRINGS)}, got {language!r}")
    names = dict(category_names or DEFAULT_CATEGORY_NAMES)
    t = STRINGS[language]
    day = date.fromisoformat(report.date)
    tz = ZoneInfo(report.timezone)
    categorized = schema.conform(
        pl.DataFrame() if categorized is None else categorized, schema.CATEGORIZED_ITEMS_SCHEMA
    )
    deduped = schema.conform(
        pl.DataFrame() if deduped is None else deduped, schema.DEDUPED_STORIES_SCHEMA
    )
    key_facts = {
        row["story_id"]: [plain_text(f) for f in (row["key_facts"] or []) if plain_text(f)]
        for row in categorized.select("story_id", "key_facts").iter_rows(named=True)
    }
    listed_titles = {
        (_text(row["source"]), _text(row["url"])): _article_title(row)
        for row in deduped.filter(pl.col("record_kind").ne_missing(schema.RECORD_FEED)).iter_rows(
            named=True
        )
    }
    published_by_url: dict[tuple[str, str, str], datetime] = {}
    for row in deduped.filter(pl.col("published_at").is_not_null()).iter_rows(named=True):
        key = (_text(row["story_id"]), _text(row["source"]), _text(row["url"]))
        published_by_url[key] = row["published_at"]

    def local(moment: datetime) -> str:
        return format_moment(moment.replace(tzinfo=UTC).astimezone(tz), day, language)

    def story_view(story: ReportStory) -> StoryView:
        articles = []
        for article in story.articles:
            moment = published_by_url.get((story.story_id, article.source, article.url))
            articles.append(
                ArticleView(
                    title=article.title,
                    url=safe_url(article.url),
                    source=article.source,
                    published=local(moment) if moment else "",
                )
            )
        return StoryView(
            story_id=story.story_id,
            anchor=_anchor(story.story_id),
            title=story.title,
            url=safe_url(story.url),
            category=story.category,
            category_name=_category_name(story.category, language, names),
            tier=story.tier,
            importance=story.importance,
            summary=story.summary,
            key_facts=key_facts.get(story.story_id, []),
            published=format_moment(datetime.fromisoformat(story.published_at), day, language),
            articles=articles,
            source_names=list(dict.fromkeys(a.source for a in story.articles)),
        )

    views = [story_view(story) for story in report.stories]
    order = {category: index for index, category in enumerate(names)}

    def taxonomy_position(category: str) -> tuple[int, str]:
        return (order.get(category, len(order)), category)

    present = sorted({v.category for v in views}, key=taxonomy_position)
    counts = {c: sum(1 for v in views if v.category == c) for c in present}
    most = max(counts.values(), default=0)
    sections = [
        SectionView(
            category=c,
            name=_category_name(c, language, names),
            stories=[v for v in views if v.category == c and v.tier == "section"],
        )
        for c in present
    ]
    headlines = [v for v in views if v.tier == "headline"]
    groups = [
        ExcludedGroup(
            reason=reason,
            label=t[f"reason_{reason}"],
            items=[
                ExcludedView(
                    url=e.url,
                    link=safe_url(e.url),
                    title=listed_titles.get((e.source, e.url), ""),
                    source=e.source,
                    detail="" if e.detail == _DEFAULT_DETAILS.get(reason) else plain_text(e.detail),
                )
                for e in report.excluded
                if e.reason == reason
            ],
        )
        for reason in schema.EXCLUSION_REASONS
    ]
    title = f"{t['digest']}{t['title_separator']}{format_day(day, language)}"
    summary_titles = [v.title for v in (headlines or views[:5])]
    generated = datetime.fromisoformat(report.generated_at).astimezone(tz)
    return ReportView(
        report=report,
        language=language,
        html_lang=HTML_LANG[language],
        t=t,
        title=title,
        date_display=format_day(day, language),
        generated_display=f"{generated:%Y-%m-%d %H:%M} ({report.timezone})",
        headlines=headlines,
        sections=[s for s in sections if s.stories],
        briefs=[v for v in views if v.tier == "brief"],
        category_counts=[
            CategoryCount(
                category=c,
                name=_category_name(c, language, names),
                count=counts[c],
                percent=round(100 * counts[c] / most) if most else 0,
            )
            for c in present
        ],
        excluded_groups=[g for g in groups if g.items],
        merged=sum(len(s.articles) - 1 for s in report.stories),
        front_matter=build_front_matter(
            title,
            day,
            categories=[t["digest"]],
            tags=list(
                dict.fromkeys(["AI", *(_category_name(c, language, names) for c in present)])
            ),
            headlines=summary_titles,
        ),
    )


# ---- templates and files ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPaths:
    markdown: Path
    html: Path
    json: Path


def _loader(templates_dir: Path | None) -> jinja2.BaseLoader:
    """The user's folder first (a template of the same name wins), then the packaged ones."""
    packaged = jinja2.FileSystemLoader(TEMPLATES_DIR)
    if templates_dir is None:
        return packaged
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(templates_dir), packaged])


def markdown_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """Jinja for Markdown: every `{{ }}` output is Markdown-escaped unless built by link()."""
    env = jinja2.Environment(
        loader=_loader(templates_dir),
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


def html_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """Jinja for HTML with autoescape on; use `url|safe_url` for every href."""
    env = jinja2.Environment(
        loader=_loader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


def render_markdown(view: ReportView, templates_dir: Path | None = None) -> str:
    """The fixed strings `t` are this module's own text and go out as written (spacing kept)."""
    template = markdown_environment(templates_dir).get_template(MARKDOWN_TEMPLATE)
    fixed_text = {key: MarkdownSafe(value) for key, value in view.t.items()}
    return template.render(view=view, t=fixed_text, front_matter=MarkdownSafe(view.front_matter))


def render_html(view: ReportView, templates_dir: Path | None = None) -> str:
    template = html_environment(templates_dir).get_template(HTML_TEMPLATE)
    return template.render(view=view, t=view.t)


def report_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_view(
    view: ReportView, out_dir: Path, *, templates_dir: Path | None = None
) -> ReportPaths:
    """Render the three files into out_dir (created if missing); all are rendered first, so a
    template error leaves the previous files in place."""
    markdown = render_markdown(view, templates_dir)
    html = render_html(view, templates_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(
        markdown=out_dir / "report.md", html=out_dir / "report.html", json=out_dir / "report.json"
    )
    _write_atomically(paths.json, report_json(view.report))
    _write_atomically(paths.markdown, markdown)
    _write_atomically(paths.html, html)
    return paths


def write_report(
    report: Report,
    *,
    out_dir: Path,
    language: Language = "zh",
    category_names: Mapping[str, Mapping[str, str]] | None = None,
    categorized: pl.DataFrame | None = None,
    deduped: pl.DataFrame | None = None,
    templates_dir: Path | None = None,
) -> ReportPaths:
    """Write report.md, report.html and report.json for one partition.

    `categorized` supplies key facts and `deduped` the per-article publish times (both the
    same partition's rows given to build_report); without them the pages simply omit those.
    """
    view = build_report_view(
        report, categorized, deduped, language=language, category_names=category_names
    )
    return write_view(view, out_dir, templates_dir=templates_dir)


def render_daily_report(
    categorized: pl.DataFrame,
    deduped: pl.DataFrame,
    *,
    day: date,
    timezone: str,
    generated_at: datetime,
    out_dir: Path,
    language: Language = "zh",
    category_names: Mapping[str, Mapping[str, str]] | None = None,
    templates_dir: Path | None = None,
) -> tuple[ReportView, ReportPaths]:
    """build_report + build_report_view + write_view for one partition, in one call."""
    report = build_report(categorized, deduped, day, timezone, generated_at)
    view = build_report_view(
        report, categorized, deduped, language=language, category_names=category_names
    )
    return view, write_view(view, out_dir, templates_dir=templates_dir)


def counts_by_category(report: Report) -> dict[str, int]:
    """Stories per category id, most first (for materialization metadata)."""
    counts = Counter(story.category for story in report.stories)
    return dict(counts.most_common())


def counts_by_tier(report: Report) -> dict[str, int]:
    """Stories per tier, in tier order; tiers without stories are listed with 0."""
    counts = Counter(story.tier for story in report.stories)
    return {tier: counts[tier] for tier in schema.TIERS}


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
