"""Report details the mutation run (docs/mutation-testing.md) found untested: importance values,
article titles and order, per-article times, category-name fallbacks, the metadata preview,
line-start escaping, links, and user templates that name a field that does not exist."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import jinja2
import pytest
import yaml

from news_pipeline.report import (
    build_report,
    build_report_view,
    markdown_preview,
    md_escape,
    md_link,
    safe_url,
)
from news_pipeline_tests.stages.report.sample_day import (
    DAY,
    DAY_ITEMS,
    DAY_STORIES,
    GENERATED_AT,
    ITHOME,
    SINA,
    TIMEZONE,
    frames,
    item,
    render_day,
    story,
    utc,
)

SITE = "https://wire.example"


def test_importance_is_rounded_to_four_places_and_missing_or_nan_is_zero(tmp_path: Path) -> None:
    items = [
        item("wire", f"{SITE}/{name}", name, utc(3), story_id=name, is_lead=True)
        for name in ("exact", "long", "nan", "none")
    ]
    stories = [
        story("exact", "exact", f"{SITE}/exact", "models", "headline", 9.5, utc(3)),
        story("long", "long", f"{SITE}/long", "models", "section", 1.234567, utc(3)),
        story("nan", "nan", f"{SITE}/nan", "models", "brief", math.nan, utc(3)),
        story("none", "none", f"{SITE}/none", "models", "brief", 0.0, utc(3)),
    ]
    stories[-1]["importance"] = None
    _, paths = render_day(tmp_path, items, stories)
    data = json.loads(paths.json.read_text(encoding="utf-8"))

    importance = {s["story_id"]: s["importance"] for s in data["stories"]}
    assert importance == {"exact": 9.5, "long": 1.2346, "nan": 0.0, "none": 0.0}


def ordered_story_items() -> list[dict]:
    """One story whose lead is not its earliest article, with ties on time and source, an
    article from the day before and one without a publish time."""
    return [
        item("zeta", f"{SITE}/lead", "Lead", utc(5), story_id="order", is_lead=True),
        item("beta", f"{SITE}/a", "A", utc(3), story_id="order"),
        item("alpha", f"{SITE}/b", "B", utc(3), story_id="order"),
        item("alpha", f"{SITE}/a2", "C", utc(3), story_id="order"),
        item("aaa", f"{SITE}/undated", "D", None, story_id="order"),  # type: ignore[arg-type]
        item("omega", f"{SITE}/yesterday", "E", utc(10, day=13), story_id="order"),
    ]


# The story itself is dated by its earliest article, the day before.
ORDER_STORY = [story("order", "Order", f"{SITE}/lead", "models", "headline", 5.0, utc(10, day=13))]


def test_articles_are_listed_lead_first_then_by_time_source_and_url() -> None:
    categorized, deduped = frames(ordered_story_items(), ORDER_STORY)
    report = build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)

    assert [(a.source, a.url) for a in report.stories[0].articles] == [
        ("zeta", f"{SITE}/lead"),
        ("omega", f"{SITE}/yesterday"),
        ("alpha", f"{SITE}/a2"),
        ("alpha", f"{SITE}/b"),
        ("beta", f"{SITE}/a"),
        ("aaa", f"{SITE}/undated"),
    ]


def test_each_article_shows_its_local_time_with_the_date_when_another_day() -> None:
    categorized, deduped = frames(ordered_story_items(), ORDER_STORY)
    report = build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)
    view = build_report_view(report, categorized, deduped, language="zh")

    headline = view.headlines[0]
    assert (headline.published, headline.category_name) == ("2月13日 18:00", "模型")
    published = {a.url: a.published for a in headline.articles}
    assert published == {
        f"{SITE}/lead": "13:00",
        f"{SITE}/yesterday": "2月13日 18:00",
        f"{SITE}/a2": "11:00",
        f"{SITE}/b": "11:00",
        f"{SITE}/a": "11:00",
        f"{SITE}/undated": "",
    }


def test_an_article_is_titled_as_listed_else_as_its_page_else_by_its_url() -> None:
    items = [
        item("wire", f"{SITE}/listed", "Listed title", utc(3), story_id="t", is_lead=True),
        item("wire", f"{SITE}/page", "", utc(4), story_id="t"),
        item("wire", f"{SITE}/bare", "", utc(5), story_id="t"),
    ]
    items[0]["title"] = "Page title of the listed one"
    items[1]["listed_title"], items[1]["title"] = None, "Page title"
    items[2]["listed_title"], items[2]["title"] = None, None
    categorized, deduped = frames(
        items, [story("t", "Story", f"{SITE}/listed", "models", "headline", 5.0, utc(3))]
    )
    report = build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)

    assert [a.title for a in report.stories[0].articles] == [
        "Listed title",
        "Page title",
        f"{SITE}/bare",
    ]


def test_category_names_fall_back_to_english_then_to_the_id() -> None:
    """A user taxonomy may name a category in English only; an unknown id shows as itself.
    The view needs no frames: key facts and times are then simply absent."""
    items = [
        item("wire", f"{SITE}/m", "m", utc(3), story_id="m", is_lead=True),
        item("wire", f"{SITE}/q", "q", utc(3), story_id="q", is_lead=True),
    ]
    stories = [
        story("m", "m", f"{SITE}/m", "models", "section", 5.0, utc(3)),
        story("q", "q", f"{SITE}/q", "quantum", "section", 4.0, utc(3)),
    ]
    report = build_report(*frames(items, stories), DAY, TIMEZONE, GENERATED_AT)
    view = build_report_view(report, language="zh", category_names={"models": {"en": "Model news"}})

    assert [(c.category, c.name) for c in view.category_counts] == [
        ("models", "Model news"),
        ("quantum", "quantum"),
    ]
    assert [a.published for s in view.sections for st in s.stories for a in st.articles] == [
        "",
        "",
    ]


def test_the_metadata_preview_shows_counts_and_the_top_five_stories() -> None:
    extra_items = [
        *DAY_ITEMS,
        item("sina", f"{SINA}/extra.shtml", "补充", utc(9), story_id="extra", is_lead=True),
    ]
    extra_stories = [
        *DAY_STORIES,
        story("extra", "补充消息", f"{SINA}/extra.shtml", "agents", "brief", 0.5, utc(9)),
    ]
    six = build_report(*frames(extra_items, extra_stories), DAY, TIMEZONE, GENERATED_AT)
    five = build_report(*frames(DAY_ITEMS, DAY_STORIES), DAY, TIMEZONE, GENERATED_AT)

    assert markdown_preview(six) == (
        "**2026-02-14**: 6 stories, 14 listed, 8 excluded\n"
        "\n"
        "Tiers: headline 2 · section 2 · brief 2\n"
        "\n"
        "Categories: models 2 · agents 2 · compute 1 · robotics 1\n"
        "\n"
        f"1. [阿里发布 Qwen3.5 系列大模型]({ITHOME}/0/922/114.htm)"
        " (models, headline, 9.5, 2 articles)\n"
        f"2. [字节发布豆包大模型 2.0]({SINA}/doubao.shtml) (models, headline, 8.7, 1 articles)\n"
        f"3. [智谱 GLM-5 需求激增]({ITHOME}/0/922/074.htm) (compute, section, 5.2, 1 articles)\n"
        f"4. [宇树机器人春晚集群表演]({ITHOME}/0/922/141.htm)"
        " (robotics, section, 5.2, 1 articles)\n"
        f"5. [微信上线 AI 拜年歌]({SINA}/wechat.shtml) (agents, brief, 1.1, 1 articles)\n"
        "\n"
        "… and 1 more\n"
    )
    assert "more" not in markdown_preview(five)


@pytest.mark.parametrize(
    ("title", "escaped"),
    [
        ("1. Gemini", "1\\. Gemini"),
        ("2) Claude", "2\\) Claude"),
        ("- not a list", "\\- not a list"),
        ("+ not a list", "\\+ not a list"),
        ("= not a heading", "\\= not a heading"),
        (": not a definition", "\\: not a definition"),
        ("Version 1. stays", "Version 1. stays"),
    ],
)
def test_syntax_that_counts_only_at_the_start_of_a_line_is_escaped_there(
    title: str, escaped: str
) -> None:
    assert md_escape(title) == escaped


def test_a_link_without_text_is_labelled_with_its_url() -> None:
    url = "https://ok.example/a"
    assert md_link("", url) == f"[{url}]({url})"
    assert md_link(None, url) == f"[{url}]({url})"


def test_plain_http_urls_are_links_and_urls_with_spaces_are_not() -> None:
    assert safe_url("http://ok.example/a") == "http://ok.example/a"
    assert safe_url("HTTP://ok.example/a") == "HTTP://ok.example/a"
    assert safe_url("https://ok.example/a b") is None
    assert md_link("x", "http://ok.example/a") == "[x](http://ok.example/a)"


def test_a_user_template_naming_a_missing_field_is_an_error_not_an_empty_line(
    tmp_path: Path,
) -> None:
    user = tmp_path / "my-templates"
    user.mkdir()
    (user / "report.md.j2").write_text("{{ view.no_such_field }}\n", encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError, match="no_such_field"):
        render_day(tmp_path, DAY_ITEMS, DAY_STORIES, templates_dir=user)


def test_the_view_links_excluded_urls_and_hides_details_the_label_already_says(
    tmp_path: Path,
) -> None:
    view, _ = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    excluded = {(e.source, e.url): e for g in view.excluded_groups for e in g.items}

    duplicate = excluded[("sina", f"{ITHOME}/0/922/114.htm?utm_source=sina")]
    assert duplicate.link == duplicate.url
    assert (duplicate.title, duplicate.detail) == ("阿里发布 Qwen3.5", f"{ITHOME}/0/922/114.htm")
    no_text = excluded[("ithome", f"{ITHOME}/empty.htm")]
    assert (no_text.title, no_text.detail) == ("图集", "")
    dead_feed = excluded[("deadsite", "https://dead.example/feed")]
    assert dead_feed.title == ""
    assert view.merged == 1  # qwen: two articles, one story
    assert view.generated_display == "2026-02-15 07:30 (Asia/Shanghai)"
    assert view.front_matter == (
        "---\n"
        "title: AI 日报：2026年2月14日 星期六\n"
        "date: 2026-02-14\n"
        "categories:\n- AI 日报\n"
        "tags:\n- AI\n- 模型\n- 智能体与应用\n- 机器人\n- 算力与基础设施\n"
        "summary: |-\n  - 阿里发布 Qwen3.5 系列大模型\n  - 字节发布豆包大模型 2.0\n"
        "---\n"
    )


def test_an_item_left_without_detail_gets_the_default_for_its_own_reason() -> None:
    report = build_report(*frames(DAY_ITEMS, DAY_STORIES), DAY, TIMEZONE, GENERATED_AT)
    details = {e.url: e.detail for e in report.excluded}

    assert details[f"{ITHOME}/empty.htm"] == "no article text could be extracted"


def test_without_headlines_the_front_matter_summarises_the_first_five_stories() -> None:
    items = [
        item("wire", f"{SITE}/{n}", f"Story {n}", utc(3), story_id=f"s{n}", is_lead=True)
        for n in range(6)
    ]
    stories = [
        story(f"s{n}", f"Story {n}", f"{SITE}/{n}", "models", "brief", 6.0 - n, utc(3))
        for n in range(6)
    ]
    report = build_report(*frames(items, stories), DAY, TIMEZONE, GENERATED_AT)
    view = build_report_view(report, language="en")

    summary = yaml.safe_load(view.front_matter.strip("-\n"))["summary"]
    assert summary.splitlines() == [f"- Story {n}" for n in range(5)]


def test_times_do_not_depend_on_the_machine_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored times are naive UTC: read on a machine set to another zone, they must not be
    taken as that zone's local time."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        view, paths = render_day(tmp_path, DAY_ITEMS, DAY_STORIES)
    finally:
        monkeypatch.undo()
        time.tzset()
    data = json.loads(paths.json.read_text(encoding="utf-8"))

    assert data["stories"][0]["published_at"] == "2026-02-14T10:10:00+08:00"
    assert view.headlines[0].articles[0].published == "10:10"
