"""The archive of every report: `reports/index.html`, `feed.xml` (Atom) and `feed.json`
(JSON Feed 1.1), rebuilt from the report.json files on disk after each report, so that a
backfill, a re-run or a deleted day always leaves them matching what is published.

Links are absolute under the site's `base_url` when one is configured; without it the index
and the Atom feed link relatively (resolved against the feed's own address) and the JSON
Feed leaves its optional URLs out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from news_pipeline.report.files import _write_atomically
from news_pipeline.report.html import html_environment
from news_pipeline.report.i18n import FIXED_TEXT, HTML_LANG, Language, format_day
from news_pipeline.report.untrusted import plain_text, safe_url

INDEX_TEMPLATE = "archive_index.html.j2"
FEED_DAYS = 30
HEADLINES_WHEN_NONE = 3
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
_DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def report_title(day: date, language: Language) -> str:
    """The title of a day's report, as report.html and report.md show it."""
    t = FIXED_TEXT[language]
    return f"{t['digest']}{t['title_separator']}{format_day(day, language)}"


@dataclass(frozen=True)
class ArchiveHeadline:
    title: str
    url: str | None


@dataclass(frozen=True)
class ArchiveDay:
    """One published report, as the index and the feeds list it."""

    day: date
    title: str
    generated_at: datetime
    path: str  # relative to reports/: "2026-02-15/report.html"
    url: str | None  # absolute, under the site's base_url
    stories: int
    headlines: list[ArchiveHeadline]

    @property
    def entry_id(self) -> str:
        return self.url or f"urn:news-pipeline:report:{self.day.isoformat()}"


@dataclass(frozen=True)
class ArchivePaths:
    index: Path
    atom: Path
    json_feed: Path
    days: int
    problems: list[str] = field(default_factory=list)


def _headlines(stories: list[dict[str, Any]]) -> list[ArchiveHeadline]:
    chosen = [s for s in stories if s.get("tier") == "headline"] or stories[:HEADLINES_WHEN_NONE]
    return [
        ArchiveHeadline(plain_text(s.get("title")), safe_url(str(s.get("url") or "")))
        for s in chosen
    ]


def read_archive_days(
    reports_dir: Path, language: Language, base_url: str | None
) -> tuple[list[ArchiveDay], list[str]]:
    """Every day under reports_dir with a readable report.json, newest first, and a line per
    day that could not be read."""
    days, problems = [], []
    for folder in sorted(reports_dir.glob("*"), reverse=True):
        if not (folder.is_dir() and _DAY_DIR.match(folder.name)):
            continue
        path = folder / "report.json"
        if not path.is_file():
            continue
        try:
            day = date.fromisoformat(folder.name)
            report = json.loads(path.read_text(encoding="utf-8"))
            generated = datetime.fromisoformat(str(report["generated_at"]))
            stories = list(report.get("stories") or [])
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{path}: {type(error).__name__}: {error}")
            continue
        if generated.tzinfo is None:
            generated = generated.replace(tzinfo=UTC)
        relative = f"{folder.name}/report.html"
        days.append(
            ArchiveDay(
                day=day,
                title=report_title(day, language),
                generated_at=generated,
                path=relative,
                url=f"{base_url}{relative}" if base_url else None,
                stories=len(stories),
                headlines=_headlines(stories),
            )
        )
    return days, problems


def _entry_html(day: ArchiveDay) -> str:
    """The HTML of a feed entry: the day's headlines as links (escaped by the serializer)."""
    items = ElementTree.Element("ul")
    for headline in day.headlines:
        item = ElementTree.SubElement(items, "li")
        if headline.url:
            anchor = ElementTree.SubElement(item, "a", href=headline.url)
            anchor.text = headline.title
        else:
            item.text = headline.title
    return ElementTree.tostring(items, encoding="unicode", method="html")


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def atom_feed(
    days: list[ArchiveDay], *, language: Language, base_url: str | None, now: datetime
) -> str:
    """Atom 1.0 (RFC 4287): one entry per day, newest first."""
    t = FIXED_TEXT[language]
    ElementTree.register_namespace("", ATOM_NAMESPACE)

    def add(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str):
        element = ElementTree.SubElement(parent, f"{{{ATOM_NAMESPACE}}}{tag}", attributes)
        element.text = text
        return element

    feed = ElementTree.Element(f"{{{ATOM_NAMESPACE}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", HTML_LANG[language])
    add(feed, "id", f"{base_url}feed.xml" if base_url else "urn:news-pipeline:archive")
    add(feed, "title", t["digest"])
    add(feed, "updated", _rfc3339(max((d.generated_at for d in days), default=now)))
    add(feed, "link", rel="self", type="application/atom+xml", href=f"{base_url or ''}feed.xml")
    add(feed, "link", rel="alternate", type="text/html", href=f"{base_url or ''}index.html")
    author = add(feed, "author")
    add(author, "name", t["digest"])
    add(feed, "generator", "news_pipeline")
    for day in days:
        entry = add(feed, "entry")
        add(entry, "id", day.entry_id)
        add(entry, "title", day.title)
        add(entry, "link", rel="alternate", type="text/html", href=day.url or day.path)
        add(entry, "updated", _rfc3339(day.generated_at))
        add(entry, "summary", " · ".join(h.title for h in day.headlines) or day.title)
        add(entry, "content", _entry_html(day), type="html")
    body = ElementTree.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


def json_feed(days: list[ArchiveDay], *, language: Language, base_url: str | None) -> str:
    """JSON Feed 1.1: the same entries as the Atom feed."""
    t = FIXED_TEXT[language]
    feed: dict[str, Any] = {"version": JSON_FEED_VERSION, "title": t["digest"]}
    if base_url:
        feed["home_page_url"] = f"{base_url}index.html"
        feed["feed_url"] = f"{base_url}feed.json"
    feed["language"] = HTML_LANG[language]
    items = []
    for day in days:
        item: dict[str, Any] = {"id": day.entry_id}
        if day.url:
            item["url"] = day.url
        item["title"] = day.title
        item["content_html"] = _entry_html(day)
        item["summary"] = " · ".join(h.title for h in day.headlines) or day.title
        item["date_published"] = _rfc3339(day.generated_at)
        items.append(item)
    feed["items"] = items
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


def write_archive(
    reports_dir: Path,
    *,
    language: Language,
    base_url: str | None = None,
    feed_days: int = FEED_DAYS,
    templates_dir: Path | None = None,
    now: datetime | None = None,
) -> ArchivePaths:
    """Rewrite index.html (every day) and the two feeds (the latest `feed_days` days)."""
    now = now or datetime.now(UTC)
    reports_dir.mkdir(parents=True, exist_ok=True)
    days, problems = read_archive_days(reports_dir, language, base_url)
    t = FIXED_TEXT[language]
    index = (
        html_environment(templates_dir)
        .get_template(INDEX_TEMPLATE)
        .render(
            t=t,
            html_lang=HTML_LANG[language],
            title=f"{t['digest']}{t['title_separator']}{t['archive']}",
            days=[(day, format_day(day.day, language)) for day in days],
        )
    )
    recent = days[:feed_days]
    paths = ArchivePaths(
        index=reports_dir / "index.html",
        atom=reports_dir / "feed.xml",
        json_feed=reports_dir / "feed.json",
        days=len(days),
        problems=problems,
    )
    _write_atomically(paths.atom, atom_feed(recent, language=language, base_url=base_url, now=now))
    _write_atomically(paths.json_feed, json_feed(recent, language=language, base_url=base_url))
    _write_atomically(paths.index, index)
    return paths
