"""The archive: index.html (every day, newest first), feed.xml (Atom) and feed.json (JSON
Feed 1.1) over the latest 30 days, with absolute links under site.base_url, rebuilt from the
reports on disk so a backfill in any order leaves them right."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import jsonschema

from news_pipeline.report import write_archive
from news_pipeline_tests.stages.delivery.sample import BASE_URL, HOSTILE_TITLE, report, story

# The parts of JSON Feed 1.1 (https://jsonfeed.org/version/1.1) a reader relies on: the
# version, a title, items each with an id and content, and dates in RFC 3339.
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": {"type": "string", "pattern": "^https?://"},
        "feed_url": {"type": "string", "pattern": "^https?://"},
        "language": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "title": {"type": "string"},
                    "content_html": {"type": "string"},
                    "summary": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
}
FIRST = date(2026, 1, 1)


def _write_day(reports_dir: Path, day: date, *titles: str) -> None:
    stories = [
        story(n, tier="headline" if n < 2 else "brief", title=title)
        for n, title in enumerate(titles or (f"Headline of {day}", f"Second of {day}", "brief"))
    ]
    data = report(stories) | {
        "date": day.isoformat(),
        "generated_at": f"{day.isoformat()}T23:30:00+08:00",
    }
    folder = reports_dir / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.day_links: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._in_h2 = True
        elif tag == "a" and self._in_h2:
            self.day_links.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False


def _day_links(index: Path) -> list[str]:
    parser = _Headings()
    parser.feed(index.read_text(encoding="utf-8"))
    return parser.day_links


def test_a_backfill_out_of_order_leaves_every_day_newest_first(tmp_path: Path) -> None:
    days = [FIRST + timedelta(days=n) for n in (3, 0, 2, 1)]
    for day in days:  # as a backfill would: a report, then the archive, day after day
        _write_day(tmp_path, day)
        write_archive(tmp_path, language="zh", base_url=BASE_URL)
    expected = [f"{day.isoformat()}/report.html" for day in sorted(days, reverse=True)]
    assert _day_links(tmp_path / "index.html") == expected
    atom = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert [entry.link for entry in atom.entries] == [BASE_URL + path for path in expected]


def test_the_atom_feed_parses_and_links_absolutely(tmp_path: Path) -> None:
    for n in range(35):
        _write_day(tmp_path, FIRST + timedelta(days=n))
    _write_day(tmp_path, FIRST + timedelta(days=40), HOSTILE_TITLE, "second")
    paths = write_archive(tmp_path, language="zh", base_url=BASE_URL)
    assert paths.days == 36 and paths.problems == []
    atom = feedparser.parse(paths.atom.read_bytes())
    assert not atom.bozo, atom.get("bozo_exception")
    assert atom.version == "atom10"
    assert atom.feed.title == "AI 日报"
    assert len(atom.entries) == 30
    newest = atom.entries[0]
    assert newest.link == f"{BASE_URL}2026-02-10/report.html"
    assert newest.id == newest.link
    assert newest.title == "AI 日报：2026年2月10日 星期二"
    assert newest.updated_parsed[:3] == (2026, 2, 10)
    # feed text is escaped in the entry's HTML: the parsed content shows it as text
    assert "<script>" not in paths.atom.read_text(encoding="utf-8")
    assert "&lt;script&gt;" in newest.content[0].value
    assert all(entry.link.startswith(BASE_URL) for entry in atom.entries)
    assert {link.rel: link.href for link in atom.feed.links} == {
        "self": f"{BASE_URL}feed.xml",
        "alternate": f"{BASE_URL}index.html",
    }


def test_the_json_feed_is_valid_and_matches_the_atom_feed(tmp_path: Path) -> None:
    for n in range(33):
        _write_day(tmp_path, FIRST + timedelta(days=n))
    paths = write_archive(tmp_path, language="en", base_url=BASE_URL)
    feed = json.loads(paths.json_feed.read_text(encoding="utf-8"))
    jsonschema.validate(feed, JSON_FEED_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert feed["feed_url"] == f"{BASE_URL}feed.json"
    assert len(feed["items"]) == 30
    for item in feed["items"]:
        datetime.fromisoformat(item["date_published"])
    atom = feedparser.parse(paths.atom.read_bytes())
    assert [item["url"] for item in feed["items"]] == [entry.link for entry in atom.entries]
    assert feed["items"][0]["title"] == "AI Daily: Monday, 2 February 2026"


def test_without_a_site_links_are_relative(tmp_path: Path) -> None:
    _write_day(tmp_path, FIRST)
    paths = write_archive(tmp_path, language="zh")
    atom = feedparser.parse(paths.atom.read_bytes())
    assert not atom.bozo
    assert atom.entries[0].id == "urn:news-pipeline:report:2026-01-01"
    feed = json.loads(paths.json_feed.read_text(encoding="utf-8"))
    jsonschema.validate(feed, JSON_FEED_SCHEMA)
    assert "feed_url" not in feed and "url" not in feed["items"][0]


def test_an_unreadable_day_is_left_out_and_said(tmp_path: Path) -> None:
    _write_day(tmp_path, FIRST)
    broken = tmp_path / "2026-01-02"
    broken.mkdir()
    (broken / "report.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "assets").mkdir()
    paths = write_archive(tmp_path, language="zh", base_url=BASE_URL)
    assert paths.days == 1
    assert len(paths.problems) == 1 and "2026-01-02" in paths.problems[0]
    assert _day_links(paths.index) == ["2026-01-01/report.html"]
