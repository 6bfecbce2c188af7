"""Tests of the daily report: report.json against CONTRACT.md, the Markdown and HTML pages,
escaping of hostile feed text, both report languages and user template overrides."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from markdown_it import MarkdownIt

from news_pipeline import schema
from news_pipeline.report import render

DAY = date(2026, 2, 14)  # a Saturday; the window is 2026-02-13 16:00 .. 2026-02-14 16:00 UTC
TIMEZONE = "Asia/Shanghai"
GENERATED_AT = datetime(2026, 2, 14, 23, 30)  # naive UTC -> 2026-02-15 07:30 +08:00

ITHOME = "https://www.ithome.example"
SINA = "https://tech.sina.example"


def feed(source: str, url: str, reason: str | None = None, detail: str | None = None) -> dict:
    return {
        "partition_date": DAY,
        "record_kind": "feed",
        "source": source,
        "url": url,
        "excluded_reason": reason,
        "excluded_detail": detail,
    }


def item(
    source: str,
    url: str,
    title: str,
    published_at: datetime,
    *,
    story_id: str | None = None,
    is_lead: bool = False,
    reason: str | None = None,
    detail: str | None = None,
) -> dict:
    return {
        "partition_date": DAY,
        "record_kind": "item",
        "source": source,
        "url": url,
        "listed_title": title,
        "title": title,
        "published_at": published_at,
        "text": None if reason else f"{title} body text",
        "story_id": story_id,
        "is_lead": is_lead if story_id else None,
        "excluded_reason": reason,
        "excluded_detail": detail,
    }


def story(
    story_id: str,
    title: str,
    url: str,
    category: str | None,
    tier: str | None,
    importance: float,
    published_at: datetime,
    *,
    off_topic: bool = False,
    summary: str = "",
    key_facts: list[str] | None = None,
) -> dict:
    return {
        "partition_date": DAY,
        "story_id": story_id,
        "title": title,
        "url": url,
        "category": category,
        "tier": tier,
        "importance": importance,
        "published_at": published_at,
        "off_topic": off_topic,
        "ai_relevance": 0.05 if off_topic else 0.9,
        "summary": summary,
        "key_facts": key_facts or [],
    }


def frames(items: list[dict], stories: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    deduped = schema.conform(
        pl.DataFrame(items, schema_overrides=schema.DEDUPED_STORIES_SCHEMA),
        schema.DEDUPED_STORIES_SCHEMA,
    )
    categorized = schema.conform(
        pl.DataFrame(stories, schema_overrides=schema.CATEGORIZED_ITEMS_SCHEMA),
        schema.CATEGORIZED_ITEMS_SCHEMA,
    )
    return categorized, deduped


def utc(hour: int, minute: int = 0, day: int = 14) -> datetime:
    return datetime(2026, 2, day, hour, minute)


DAY_ITEMS = [
    feed("ithome", f"{ITHOME}/rss.xml"),
    feed("sina", f"{SINA}/rss.xml"),
    feed("deadsite", "https://dead.example/feed", "fetch_failed", "HTTP 503"),
    item(
        "ithome",
        f"{ITHOME}/0/922/114.htm",
        "阿里发布 Qwen3.5",
        utc(2, 10),
        story_id="qwen",
        is_lead=True,
    ),
    item("sina", f"{SINA}/qwen35.shtml", "Qwen3.5 开源：3970 亿参数", utc(3, 0), story_id="qwen"),
    item(
        "sina",
        f"{SINA}/doubao.shtml",
        "豆包大模型 2.0 发布",
        utc(6, 28),
        story_id="doubao",
        is_lead=True,
    ),
    item(
        "ithome",
        f"{ITHOME}/0/922/074.htm",
        "GLM-5 算力告急",
        utc(4, 0),
        story_id="glm",
        is_lead=True,
    ),
    item(
        "ithome",
        f"{ITHOME}/0/922/141.htm",
        "宇树机器人春晚集群表演",
        utc(12, 0),
        story_id="unitree",
        is_lead=True,
    ),
    item(
        "sina",
        f"{SINA}/wechat.shtml",
        "微信上线 AI 拜年歌",
        utc(9, 0),
        story_id="wechat",
        is_lead=True,
    ),
    item("sina", f"{SINA}/stocks.shtml", "A 股收盘", utc(7, 0), story_id="stocks", is_lead=True),
    item("ithome", f"{ITHOME}/stocks.htm", "沪指收涨", utc(7, 30), story_id="stocks"),
    item(
        "sina",
        f"{ITHOME}/0/922/114.htm?utm_source=sina",
        "阿里发布 Qwen3.5",
        utc(2, 20),
        reason="duplicate_url",
        detail=f"{ITHOME}/0/922/114.htm",
    ),
    item("ithome", f"{ITHOME}/empty.htm", "图集", utc(5, 0), reason="no_text"),
    item(
        "sina",
        f"{SINA}/timeout.shtml",
        "超时文章",
        utc(5, 30),
        reason="fetch_failed",
        detail="timeout",
    ),
    item("ithome", f"{ITHOME}/tomorrow.htm", "明日新闻", utc(17, 0), reason="out_of_window"),
    item("ithome", f"{ITHOME}/lastweek.htm", "上周新闻", utc(1, 0, day=10), reason="out_of_window"),
    item(
        "sina",
        f"{SINA}/seedance-again.shtml",
        "Seedance 2.0 争议",
        utc(8, 0),
        reason="seen_before",
        detail="seedance-0212",
    ),
]

DAY_STORIES = [
    story(
        "qwen",
        "阿里发布 Qwen3.5 系列大模型",
        f"{ITHOME}/0/922/114.htm",
        "models",
        "headline",
        9.5,
        utc(2, 10),
        summary="阿里开源 Qwen3.5，总参数 3970 亿，激活 170 亿。",
        key_facts=["总参数 3970 亿", "API 价格为同级 1/18"],
    ),
    story(
        "doubao",
        "字节发布豆包大模型 2.0",
        f"{SINA}/doubao.shtml",
        "models",
        "headline",
        8.7,
        utc(6, 28),
        summary="豆包 2.0 含 Pro、Lite、Mini 三款模型。",
    ),
    story(
        "unitree",
        "宇树机器人春晚集群表演",
        f"{ITHOME}/0/922/141.htm",
        "robotics",
        "section",
        5.2,
        utc(12, 0),
        summary="春晚舞台上机器人完成集群动作。",
    ),
    story(
        "glm",
        "智谱 GLM-5 需求激增",
        f"{ITHOME}/0/922/074.htm",
        "compute",
        "section",
        5.2,
        utc(4, 0),
        summary="智谱启动算力合伙人计划。",
    ),
    story(
        "wechat", "微信上线 AI 拜年歌", f"{SINA}/wechat.shtml", "agents", "brief", 1.1, utc(9, 0)
    ),
    story("stocks", "A 股收盘", f"{SINA}/stocks.shtml", None, None, 0.3, utc(7, 0), off_topic=True),
]

# Ground truth, written by hand from the rows above.
EXPECTED_ORDER = ["qwen", "doubao", "glm", "unitree", "wechat"]
EXPECTED_ARTICLES = {
    "qwen": [("ithome", f"{ITHOME}/0/922/114.htm"), ("sina", f"{SINA}/qwen35.shtml")],
    "doubao": [("sina", f"{SINA}/doubao.shtml")],
    "glm": [("ithome", f"{ITHOME}/0/922/074.htm")],
    "unitree": [("ithome", f"{ITHOME}/0/922/141.htm")],
    "wechat": [("sina", f"{SINA}/wechat.shtml")],
}
EXPECTED_EXCLUDED = {
    ("sina", f"{ITHOME}/0/922/114.htm?utm_source=sina", "duplicate_url"),
    ("ithome", f"{ITHOME}/empty.htm", "no_text"),
    ("sina", f"{SINA}/timeout.shtml", "fetch_failed"),
    ("deadsite", "https://dead.example/feed", "fetch_failed"),
    ("ithome", f"{ITHOME}/tomorrow.htm", "out_of_window"),
    ("sina", f"{SINA}/seedance-again.shtml", "seen_before"),
    ("sina", f"{SINA}/stocks.shtml", "off_topic"),
    ("ithome", f"{ITHOME}/stocks.htm", "off_topic"),
}
EXPECTED_STATS = {"listed": 13, "fetched": 11, "extracted": 10, "stories": 5, "excluded": 8}

HOSTILE_TITLE = "<script>alert(1)</script>"
LINK_TITLE = "Click ](javascript:alert(1)) [me](javascript:alert(2))"
HEADING_TITLE = "# Breaking: fake heading"
FRONT_MATTER_TITLE = "Real news\n---\nlayout: evil\n---\n# injected"
HOSTILE_ITEMS = [
    feed("evil", "https://evil.example/rss"),
    item("evil", "https://evil.example/a", HOSTILE_TITLE, utc(3), story_id="x1", is_lead=True),
    item("evil", "javascript:alert(3)", LINK_TITLE, utc(4), story_id="x2", is_lead=True),
    item(
        "[evil](javascript:alert(4))",
        "https://evil.example/c",
        HEADING_TITLE,
        utc(5),
        story_id="x3",
        is_lead=True,
    ),
    item("evil", "javascript:alert(5)", "bad link", utc(6), reason="no_text"),
    item("evil", "https://evil.example/d", FRONT_MATTER_TITLE, utc(7), story_id="x4", is_lead=True),
]
HOSTILE_STORIES = [
    story(
        "x1",
        HOSTILE_TITLE,
        "https://evil.example/a",
        "models",
        "headline",
        3.0,
        utc(3),
        summary="{% include secret.html %} {{< shortcode >}} <img src=x onerror=alert(1)>",
        key_facts=["<b>bold</b> | pipe `code` *star*", "## Not a heading"],
    ),
    story("x2", LINK_TITLE, "javascript:alert(3)", "policy", "section", 2.0, utc(4), summary="---"),
    story("x3", HEADING_TITLE, "https://evil.example/c", "agents", "brief", 1.0, utc(5)),
    story("x4", FRONT_MATTER_TITLE, "https://evil.example/d", "models", "headline", 2.5, utc(7)),
]


def render_day(
    tmp_path: Path,
    items: list[dict],
    stories: list[dict],
    language: render.Language = "zh",
    templates_dir: Path | None = None,
) -> tuple[render.ReportView, render.ReportPaths]:
    categorized, deduped = frames(items, stories)
    return render.render_daily_report(
        categorized,
        deduped,
        day=DAY,
        timezone=TIMEZONE,
        generated_at=GENERATED_AT,
        out_dir=tmp_path / f"out-{language}",
        language=language,
        templates_dir=templates_dir,
    )


# ---- parsing helpers ------------------------------------------------------------------------

JEKYLL_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n?)^(?:---|\.\.\.)\s*$\n?", re.M | re.S)
VOID_ELEMENTS = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "col", "area"}


def front_matter(markdown: str) -> dict[str, Any]:
    """Split front matter the way Jekyll does (its YAML_FRONT_MATTER_REGEXP)."""
    match = JEKYLL_FRONT_MATTER.match(markdown)
    assert match, "no front matter block"
    return yaml.safe_load(match.group(1))


def markdown_tokens(markdown: str) -> list[Any]:
    body = JEKYLL_FRONT_MATTER.sub("", markdown, count=1)
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    flat = []
    for token in parser.parse(body):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


class PageParser(HTMLParser):
    """Collects tags, hrefs and text, and checks that non-void elements nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.hrefs: list[str] = []
        self.attributes: list[str] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            self.attributes.append(name)
            if name in ("href", "src"):
                self.hrefs.append(value or "")
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_page(html: str) -> PageParser:
    page = PageParser()
    page.feed(html)
    page.close()
    assert not page.errors, page.errors
    assert not page.stack, f"unclosed: {page.stack}"
    return page


# ---- report.json ----------------------------------------------------------------------------


def test_report_json_has_exactly_the_contract_shape(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    data = json.loads(paths.json.read_text(encoding="utf-8"))

    assert set(data) == {"date", "timezone", "generated_at", "stories", "excluded", "stats"}
    assert data["date"] == "2026-02-14"
    assert data["timezone"] == TIMEZONE
    assert datetime.fromisoformat(data["generated_at"]) == datetime.fromisoformat(
        "2026-02-15T07:30:00+08:00"
    )
    story_keys = {
        "story_id",
        "title",
        "url",
        "category",
        "tier",
        "importance",
        "summary",
        "published_at",
        "articles",
    }
    for entry in data["stories"]:
        assert set(entry) == story_keys
        for key in story_keys - {"importance", "articles"}:
            assert isinstance(entry[key], str), key
        assert isinstance(entry["importance"], int | float)
        assert not isinstance(entry["importance"], bool)
        assert entry["category"] in schema.CATEGORY_IDS
        assert entry["tier"] in ("headline", "section", "brief")
        assert datetime.fromisoformat(entry["published_at"]).utcoffset() == timedelta(hours=8)
        for article in entry["articles"]:
            assert set(article) == {"url", "source", "title"}
            assert all(isinstance(value, str) and value for value in article.values())
    for entry in data["excluded"]:
        assert set(entry) == {"url", "source", "reason", "detail"}
        assert all(isinstance(value, str) for value in entry.values())
        assert entry["reason"] in schema.EXCLUSION_REASONS
    assert data["stats"] == EXPECTED_STATS
    assert sorted(p.name for p in paths.json.parent.iterdir()) == [
        "report.html",
        "report.json",
        "report.md",
    ]
    assert all(type(value) is int for value in data["stats"].values())
    assert render.Report.model_validate(data).model_dump(mode="json") == data


def test_stories_are_ordered_by_importance_with_all_their_articles(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    data = json.loads(paths.json.read_text(encoding="utf-8"))

    assert [s["story_id"] for s in data["stories"]] == EXPECTED_ORDER
    importances = [s["importance"] for s in data["stories"]]
    assert importances == sorted(importances, reverse=True)
    articles = {
        s["story_id"]: [(a["source"], a["url"]) for a in s["articles"]] for s in data["stories"]
    }
    assert articles == EXPECTED_ARTICLES
    qwen = data["stories"][0]
    assert qwen["published_at"] == "2026-02-14T10:10:00+08:00"
    assert qwen["url"] == f"{ITHOME}/0/922/114.htm"
    assert qwen["articles"][1]["title"] == "Qwen3.5 开源：3970 亿参数"


def test_nothing_is_lost_every_item_appears_exactly_once(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    data = json.loads(paths.json.read_text(encoding="utf-8"))

    placed = Counter(
        [(a["source"], a["url"]) for s in data["stories"] for a in s["articles"]]
        + [(e["source"], e["url"]) for e in data["excluded"]]
    )
    window_start = utc(16, day=13)
    must_appear = [
        (row["source"], row["url"])
        for row in DAY_ITEMS
        if row["record_kind"] == "item"
        and not (row["excluded_reason"] == "out_of_window" and row["published_at"] < window_start)
    ]
    assert len(must_appear) == EXPECTED_STATS["listed"]
    for key in must_appear:
        assert placed[key] == 1, key
    assert (f"{ITHOME}/lastweek.htm") not in {url for _, url in placed}
    excluded = {(e["source"], e["url"], e["reason"]) for e in data["excluded"]}
    assert excluded == EXPECTED_EXCLUDED
    feed_entry = next(e for e in data["excluded"] if e["source"] == "deadsite")
    assert "feed" in feed_entry["detail"] and "HTTP 503" in feed_entry["detail"]
    duplicate = next(e for e in data["excluded"] if e["reason"] == "duplicate_url")
    assert duplicate["detail"] == f"{ITHOME}/0/922/114.htm"


def test_an_item_without_story_or_reason_is_an_error_not_a_silent_loss() -> None:
    orphan = item("sina", f"{SINA}/orphan.shtml", "无主条目", utc(3))
    categorized, deduped = frames([*DAY_ITEMS, orphan], DAY_STORIES)
    with pytest.raises(render.ReportAccountingError, match="orphan"):
        render.build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)


# ---- Markdown -----------------------------------------------------------------------------


def test_markdown_front_matter_parses_for_jekyll_and_hugo(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    markdown = paths.markdown.read_text(encoding="utf-8")
    meta = front_matter(markdown)

    assert {"title", "date", "categories", "tags", "summary"} <= set(meta)
    assert "2026年2月14日" in meta["title"]
    assert meta["date"] == DAY
    assert isinstance(meta["categories"], list) and isinstance(meta["tags"], list)
    assert "模型" in meta["tags"] and "机器人" in meta["tags"]
    assert meta["summary"].splitlines() == [
        "- 阿里发布 Qwen3.5 系列大模型",
        "- 字节发布豆包大模型 2.0",
    ]


def test_markdown_structure_follows_the_digest_layout(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    markdown = paths.markdown.read_text(encoding="utf-8")
    tokens = markdown_tokens(markdown)
    headings = [
        (tokens[i].tag, tokens[i + 1].content)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
    ]
    level2 = [text for tag, text in headings if tag == "h2"]
    # headlines first, then category sections in taxonomy order, the brief tail, the appendix
    assert level2 == ["今日要闻", "机器人", "算力与基础设施", "更多动态", "未收录条目"]
    assert [text for tag, text in headings if tag == "h1"] == ["AI 日报：2026年2月14日 星期六"]
    body = markdown.split("## 机器人")[0]
    assert "- 总参数 3970 亿" in body  # key facts of a headline story
    assert (
        "[Qwen3.5 开源：3970 亿参数](https://tech.sina.example/qwen35.shtml) — sina · 11:00" in body
    )
    assert "- [微信上线 AI 拜年歌](https://tech.sina.example/wechat.shtml) — sina" in markdown
    assert "### 重复链接 (1)" in markdown and "### 与 AI 无关 (2)" in markdown
    assert "列出 13 · 抓取 11 · 提取正文 10 · 合并 1" in markdown


def test_markdown_neutralises_hostile_titles(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, HOSTILE_ITEMS, HOSTILE_STORIES)
    markdown = paths.markdown.read_text(encoding="utf-8")
    tokens = markdown_tokens(markdown)

    targets = [tok.attrGet("href") for tok in tokens if tok.type == "link_open"]
    targets += [tok.attrGet("src") for tok in tokens if tok.type == "image"]
    assert targets, "expected the http links to survive"
    assert all(re.match(r"https?://", str(target)) for target in targets), targets
    assert not [tok for tok in tokens if tok.type in ("html_inline", "html_block")]
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert [t.tag for t in tokens if t.type == "heading_open"].count("h1") == 1
    assert not [text for text in headings if text.startswith(("Breaking", "Not a heading"))]
    assert [t.type for t in tokens].count("hr") == 1  # only the footer rule; "---" stays text
    assert "{%" not in markdown and "{{" not in markdown
    rendered = MarkdownIt("commonmark").render(JEKYLL_FRONT_MATTER.sub("", markdown))
    assert "<script" not in rendered and "<img" not in rendered
    rendered_targets = re.findall(r'href="([^"]*)"', rendered)
    assert all(target.startswith(("http://", "https://")) for target in rendered_targets)
    assert HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;") in rendered
    assert "# Breaking: fake heading" in rendered  # shown as text, not as a heading
    meta = front_matter(markdown)
    assert "layout" not in meta
    assert meta["summary"].splitlines() == [
        "- &lt;script&gt;alert(1)&lt;/script&gt;",
        "- Real news --- layout: evil --- \\# injected",
    ]


def test_javascript_urls_are_never_links() -> None:
    assert render.safe_url("javascript:alert(1)") is None
    assert render.safe_url(" JavaScript:alert(1)") is None
    assert render.safe_url("java\tscript:alert(1)") is None
    assert render.safe_url("data:text/html,hi") is None
    assert render.safe_url("//evil.example/x") is None
    assert render.safe_url("https://ok.example/a?b=1") == "https://ok.example/a?b=1"
    assert render.md_link("x", "javascript:alert(1)") == "x"
    assert render.md_link("x", "https://ok.example/a_(b)") == "[x](https://ok.example/a_%28b%29)"


# ---- HTML ---------------------------------------------------------------------------------


def test_html_escapes_feed_text_and_links_only_http(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, HOSTILE_ITEMS, HOSTILE_STORIES)
    html = paths.html.read_text(encoding="utf-8")
    page = parse_page(html)

    assert page.tags["script"] == 0
    assert not [name for name in page.attributes if name.startswith("on")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE_TITLE in "".join(page.text)
    assert page.hrefs and all(re.match(r"https?://", href) for href in page.hrefs), page.hrefs
    assert "<img" not in html


def test_html_is_a_standalone_page_with_chart_and_collapsed_appendix(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    html = paths.html.read_text(encoding="utf-8")
    page = parse_page(html)

    assert html.startswith("<!DOCTYPE html>")
    assert page.tags["style"] == 1 and page.tags["link"] == 0 and page.tags["script"] == 0
    assert "prefers-color-scheme: dark" in html and 'name="viewport"' in html
    assert '<html lang="zh-CN">' in html
    bars = re.findall(r'bar-label">([^<]+)</span>.*?width: (\d+)%.*?bar-count">(\d+)<', html)
    assert bars == [
        ("模型", "100", "2"),
        ("智能体与应用", "50", "1"),
        ("机器人", "50", "1"),
        ("算力与基础设施", "50", "1"),
    ]
    appendix = html[html.index("<details") : html.index("</details>")]
    assert "https://dead.example/feed" in appendix and "抓取失败 (2)" in appendix
    text = "".join(page.text)
    for title in ("阿里发布 Qwen3.5 系列大模型", "字节发布豆包大模型 2.0", "微信上线 AI 拜年歌"):
        assert title in text


# ---- languages, overrides, empty day ------------------------------------------------------


def test_dates_are_formatted_per_language() -> None:
    assert render.format_day(date(2026, 2, 15), "zh") == "2026年2月15日 星期日"
    assert render.format_day(date(2026, 2, 15), "en") == "Sunday, 15 February 2026"


def test_english_and_chinese_reports_use_their_own_fixed_text(tmp_path: Path) -> None:
    _, zh = render_day(tmp_path, DAY_ITEMS, DAY_STORIES, language="zh")
    _, en = render_day(tmp_path, DAY_ITEMS, DAY_STORIES, language="en")
    zh_md, en_md = zh.markdown.read_text("utf-8"), en.markdown.read_text("utf-8")
    en_html = en.html.read_text("utf-8")

    for fixed in ("今日要闻", "更多动态", "未收录条目", "2026年2月14日 星期六"):
        assert fixed in zh_md and fixed not in en_md
    for fixed in ("Top stories", "More news", "Excluded items", "Saturday, 14 February 2026"):
        assert fixed in en_md and fixed not in zh_md
    assert "## Robotics" in en_md and "## Compute" in en_md
    assert '<html lang="en">' in en_html and "Top stories" in en_html
    assert front_matter(en_md)["title"] == "AI Daily: Saturday, 14 February 2026"
    assert zh.json.read_text("utf-8") == en.json.read_text("utf-8")


def test_a_user_template_of_the_same_name_wins(tmp_path: Path) -> None:
    user = tmp_path / "my-templates"
    user.mkdir()
    (user / "report.md.j2").write_text(
        "CUSTOM {{ view.report.date }}\n{% for s in view.headlines %}* {{ s.title }}\n{% endfor %}",
        encoding="utf-8",
    )
    (user / "_story_full.html.j2").write_text(
        '<p class="mine">{{ story.title }}</p>\n', encoding="utf-8"
    )
    _, paths = render_day(tmp_path, HOSTILE_ITEMS, HOSTILE_STORIES, templates_dir=user)
    markdown = paths.markdown.read_text("utf-8")
    html = paths.html.read_text("utf-8")

    assert markdown == (
        "CUSTOM 2026-02-14\n"
        "* &lt;script&gt;alert(1)&lt;/script&gt;\n"
        "* Real news --- layout: evil --- \\# injected\n"
    )
    assert '<p class="mine">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in html
    assert "<footer>" in html  # the rest still comes from the packaged template


def test_an_empty_day_renders_valid_files(tmp_path: Path) -> None:
    for categorized, deduped in (
        (pl.DataFrame(), pl.DataFrame()),
        frames([feed("ithome", f"{ITHOME}/rss.xml")], []),
    ):
        _, paths = render.render_daily_report(
            categorized,
            deduped,
            day=DAY,
            timezone=TIMEZONE,
            generated_at=GENERATED_AT,
            out_dir=tmp_path / "empty",
            language="en",
        )
        data = json.loads(paths.json.read_text("utf-8"))
        assert data["stories"] == [] and data["excluded"] == []
        assert data["stats"] == {
            "listed": 0,
            "fetched": 0,
            "extracted": 0,
            "stories": 0,
            "excluded": 0,
        }
        markdown = paths.markdown.read_text("utf-8")
        meta = front_matter(markdown)
        assert meta["summary"] == "" and meta["date"] == DAY
        assert "No AI news qualified for this day." in markdown
        page = parse_page(paths.html.read_text("utf-8"))
        assert "No AI news qualified for this day." in "".join(page.text)


def test_markdown_preview_lists_the_top_stories() -> None:
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    report = render.build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)
    preview = render.markdown_preview(report, max_stories=2)

    assert "1. [阿里发布 Qwen3.5 系列大模型](https://www.ithome.example/0/922/114.htm)" in preview
    assert "2. [字节发布豆包大模型 2.0]" in preview
    assert not re.search(r"^3\. ", preview, re.M) and "3 more" in preview


def test_write_report_follows_a_user_taxonomy_order_and_names(tmp_path: Path) -> None:
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    report = render.build_report(
        categorized, deduped, day=DAY, timezone=TIMEZONE, generated_at=GENERATED_AT
    )
    user_taxonomy = {
        "compute": {"zh": "芯片", "en": "Chips & clouds"},
        "robotics": {"zh": "机器人", "en": "Robots"},
    }
    paths = render.write_report(
        report,
        out_dir=tmp_path / "taxonomy",
        language="en",
        category_names=user_taxonomy,
        categorized=categorized,
        deduped=deduped,
    )
    markdown = paths.markdown.read_text("utf-8")
    sections = re.findall(r"^## (.+)$", markdown, re.M)

    assert sections == [
        "Top stories",
        "Chips &amp; clouds",
        "Robots",
        "More news",
        "Excluded items",
    ]
    assert "*Models · 10:10*" in markdown  # not in the user's file: the default name is used
    assert "ithome · 10:10" in markdown


def test_counts_by_category_and_tier() -> None:
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    report = render.build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)

    assert render.counts_by_tier(report) == {"headline": 2, "section": 2, "brief": 1}
    assert render.counts_by_category(report) == {
        "models": 2,
        "compute": 1,
        "robotics": 1,
        "agents": 1,
    }


def test_an_out_of_window_item_says_when_it_was_published() -> None:
    categorized, deduped = frames(DAY_ITEMS, DAY_STORIES)
    report = render.build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)
    late = next(e for e in report.excluded if e.reason == "out_of_window")

    assert late.url == f"{ITHOME}/tomorrow.htm"
    assert "2026-02-15T01:00:00+08:00" in late.detail
