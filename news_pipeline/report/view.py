"""The display model of one report: what the Markdown and HTML templates read.

`ReportView` carries report.json (`report`) plus everything a page needs on top of it:
localized names and dates, key facts, per-article publish times, sections and counts. Its URLs
have passed `safe_url`: None where the feed's URL must not become a link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import polars as pl
from pydantic import BaseModel, ConfigDict

from news_pipeline import schema
from news_pipeline.report.i18n import (
    DEFAULT_CATEGORY_NAMES,
    FIXED_TEXT,
    HTML_LANG,
    Language,
    format_day,
    format_moment,
)
from news_pipeline.report.markdown import build_front_matter
from news_pipeline.report.model import DEFAULT_DETAILS, Report, ReportStory, article_title
from news_pipeline.report.untrusted import as_text, plain_text, safe_url


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
    # The editor's line on why the story matters, and whether it wrote the summary (the
    # pages say so, so a reader knows a model wrote it).
    insight: str | None
    summary_source: str
    key_facts: list[str]
    published: str
    articles: list[ArticleView]
    source_names: list[str]
    # a new development: the earlier day's report, relative to this one, and that day shown
    continues_link: str | None = None
    continues_day: str | None = None


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


def _category_name(
    category: str, language: Language, category_names: Mapping[str, Mapping[str, str]]
) -> str:
    names = category_names.get(category) or DEFAULT_CATEGORY_NAMES.get(category) or {}
    return names.get(language) or names.get("en") or category


def _anchor(story_id: str) -> str:
    return "story-" + re.sub(r"[^A-Za-z0-9_-]", "-", story_id)


def _continues(story: ReportStory, earlier_day: date | None, language: Language) -> dict:
    """The link to the earlier story a new development continues: the earlier day's page,
    relative to this one (reports/<day>/report.html), at that story's anchor."""
    if not story.continues or earlier_day is None:
        return {}
    return {
        "continues_link": f"../{earlier_day.isoformat()}/report.html#{_anchor(story.continues)}",
        "continues_day": format_day(earlier_day, language),
    }


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
    if language not in FIXED_TEXT:
        raise ValueError(f"report language must be one of {sorted(FIXED_TEXT)}, got {language!r}")
    names = dict(category_names or DEFAULT_CATEGORY_NAMES)
    t = FIXED_TEXT[language]
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
    continued_days = {
        row["story_id"]: row["continues_partition_date"]
        for row in categorized.select("story_id", "continues_partition_date").iter_rows(named=True)
        if row["continues_partition_date"] is not None
    }
    listed_titles = {
        (as_text(row["source"]), as_text(row["url"])): article_title(row)
        for row in deduped.filter(pl.col("record_kind").ne_missing(schema.RECORD_FEED)).iter_rows(
            named=True
        )
    }
    published_by_url: dict[tuple[str, str, str], datetime] = {}
    for row in deduped.filter(pl.col("published_at").is_not_null()).iter_rows(named=True):
        key = (as_text(row["story_id"]), as_text(row["source"]), as_text(row["url"]))
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
            insight=story.insight,
            summary_source=story.summary_source,
            key_facts=key_facts.get(story.story_id, []),
            published=format_moment(datetime.fromisoformat(story.published_at), day, language),
            articles=articles,
            source_names=list(dict.fromkeys(a.source for a in story.articles)),
            **_continues(story, continued_days.get(story.story_id), language),
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
                    detail="" if e.detail == DEFAULT_DETAILS.get(reason) else plain_text(e.detail),
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
