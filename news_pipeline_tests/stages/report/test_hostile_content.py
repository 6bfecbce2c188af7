"""Feed text is hostile until proven otherwise: titles, summaries, key facts, source names and
URLs that try to become markup, scripts or links must reach report.html and report.md as
plain text, in every place a page shows them (headline, section, brief, excluded)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from news_pipeline import schema
from news_pipeline.report import build_report, markdown_preview, md_link, safe_url
from news_pipeline_tests.stages.report.parsing import (
    browser_tree,
    elements,
    front_matter,
    markdown_body,
    markdown_parser,
    markdown_tokens,
)
from news_pipeline_tests.stages.report.sample_day import (
    DAY,
    GENERATED_AT,
    TIMEZONE,
    feed,
    frames,
    item,
    render_day,
    story,
    utc,
)

SITE = "https://evil.example"
JS_URL = "javascript:alert(document.cookie)"
EVIL_SOURCE = "<b onmouseover=\"alert('source')\">wire</b> [wire](javascript:alert('source'))"
HOSTILE_SUMMARY = (
    "</p><script>alert('summary')</script><a href=\"javascript:alert('a')\">a</a>"
    " <javascript:alert('autolink')> <!-- hidden --> {% raw %} {{< shortcode >}}"
)
HOSTILE_FACT = "<svg onload=alert('fact')>fact</svg> | `code` *star*"
HOSTILE_DETAIL = "<iframe src=\"javascript:alert('detail')\"></iframe>"
TIERS = ("headline", "section", "brief")
LINK_KINDS = ("https", "js")


def hostile_title(where: str) -> str:
    """A title that is a script, an image with a handler and a Markdown link, all at once."""
    return (
        f"<script>alert('{where}')</script><img src=x onerror=alert('{where}')>"
        f" [{where}](javascript:alert('{where}'))"
    )


def story_url(tier: str, kind: str) -> str:
    return f"{SITE}/{tier}-{kind}" if kind == "https" else f"javascript:alert('{tier}')"


def hostile_day() -> tuple[list[dict], list[dict]]:
    """Two stories per tier (one linking to an http URL, one to javascript:), each with an
    http and a javascript: article from a hostile source, and every kind of excluded item."""
    items = [
        feed(EVIL_SOURCE, JS_URL, "fetch_failed", HOSTILE_DETAIL),
        item(EVIL_SOURCE, JS_URL, hostile_title("excluded-js"), utc(5), reason="no_text"),
        item(
            EVIL_SOURCE,
            f"{SITE}/excluded-https",
            hostile_title("excluded-https"),
            utc(5),
            reason="fetch_failed",
            detail=HOSTILE_DETAIL,
        ),
        item(
            EVIL_SOURCE,
            f"{SITE}/dup",
            hostile_title("excluded-duplicate"),
            utc(5),
            reason="duplicate_url",
            detail=JS_URL,
        ),
        item(
            EVIL_SOURCE, JS_URL + "//late", hostile_title("late"), utc(17), reason="out_of_window"
        ),
        item(
            EVIL_SOURCE,
            f"{SITE}/again",
            hostile_title("again"),
            utc(5),
            reason="seen_before",
            detail=HOSTILE_DETAIL,
        ),
        item(EVIL_SOURCE, JS_URL + "//off", hostile_title("off"), utc(6), story_id="off"),
    ]
    stories = [story("off", hostile_title("off"), JS_URL, None, None, 0.1, utc(6), off_topic=True)]
    importance = {"headline": 9.0, "section": 5.0, "brief": 1.0}
    for tier in TIERS:
        for kind in LINK_KINDS:
            story_id = f"{tier}-{kind}"
            items += [
                item(
                    EVIL_SOURCE,
                    f"{SITE}/{story_id}/article",
                    hostile_title(f"{story_id} article"),
                    utc(3),
                    story_id=story_id,
                    is_lead=True,
                ),
                item(
                    EVIL_SOURCE,
                    f"javascript:alert('{story_id} article')",
                    hostile_title(f"{story_id} js article"),
                    utc(4),
                    story_id=story_id,
                ),
            ]
            stories.append(
                story(
                    story_id,
                    hostile_title(story_id),
                    story_url(tier, kind),
                    "models",
                    tier,
                    importance[tier] + (0.5 if kind == "https" else 0.0),
                    utc(3),
                    summary=HOSTILE_SUMMARY,
                    key_facts=[HOSTILE_FACT],
                )
            )
    return items, stories


# What the packaged templates emit; anything else in the page came from a feed.
PAGE_ELEMENTS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "h4",
    "p", "section", "div", "span", "ul", "li", "article", "a", "time", "details", "summary",
    "footer", "dl", "dt", "dd",
}  # fmt: skip
PAGE_ATTRIBUTES = {
    "lang",
    "charset",
    "name",
    "content",
    "class",
    "id",
    "href",
    "style",
    "aria-label",
}
# What CommonMark makes of the Markdown the templates write.
MARKDOWN_ELEMENTS = {
    "html", "head", "body", "h1", "h2", "h3", "p", "ul", "li", "a", "em", "strong", "hr",
}  # fmt: skip
HTTP_URL = re.compile(r"https?://[^/\s]+")


def http_links_only(hrefs: list[str]) -> None:
    """Every link goes to an http(s) URL, and the stories' own http URLs are still links."""
    assert all(HTTP_URL.match(href) for href in hrefs), [h for h in hrefs if not HTTP_URL.match(h)]
    assert {story_url(tier, "https") for tier in TIERS} <= set(hrefs)


def section_text_has(text: str, tier: str, *, summary: bool = True) -> None:
    for kind in LINK_KINDS:
        assert hostile_title(f"{tier}-{kind}") in text, (tier, kind)
    assert EVIL_SOURCE in text, tier
    if summary:
        assert HOSTILE_SUMMARY in text and HOSTILE_FACT in text, tier


def excluded_text_has(text: str) -> None:
    for where in ("excluded-js", "excluded-https", "excluded-duplicate", "late", "again", "off"):
        assert hostile_title(where) in text, where
    assert EVIL_SOURCE in text and JS_URL in text and HOSTILE_DETAIL in text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_hostile_feed_text_stays_text_in_every_part_of_the_html(
    tmp_path: Path, language: str
) -> None:
    items, stories = hostile_day()
    view, paths = render_day(tmp_path, items, stories, language=language)  # type: ignore[arg-type]
    assert [s.tier for s in view.headlines] == ["headline"] * 2
    assert [len(s.stories) for s in view.sections] == [2] and len(view.briefs) == 2
    assert {g.reason for g in view.excluded_groups} == set(schema.EXCLUSION_REASONS)
    tree = browser_tree(paths.html.read_text(encoding="utf-8"))
    nodes = elements(tree.root)

    assert {node.tag for node in nodes} <= PAGE_ELEMENTS, {n.tag for n in nodes} - PAGE_ELEMENTS
    attributes = [(name, value or "") for node in nodes for name, value in node.attributes.items()]
    assert {name for name, _ in attributes} <= PAGE_ATTRIBUTES
    assert all(re.fullmatch(r"width: \d+%", value) for name, value in attributes if name == "style")
    http_links_only([value for name, value in attributes if name == "href"])

    section_text_has(tree.css_first("section.headlines").text(), "headline")
    section_text_has("".join(n.text() for n in tree.css("section.category")), "section")
    section_text_has(tree.css_first("section.briefs").text(), "brief", summary=False)
    excluded_text_has(tree.css_first("details.excluded").text())


@pytest.mark.parametrize("language", ["zh", "en"])
def test_hostile_feed_text_stays_text_in_every_part_of_the_markdown(
    tmp_path: Path, language: str
) -> None:
    items, stories = hostile_day()
    view, paths = render_day(tmp_path, items, stories, language=language)  # type: ignore[arg-type]
    markdown = paths.markdown.read_text(encoding="utf-8")
    # Link syntax aimed at any URL counts as a link here, as in kramdown, which has no filter.
    tokens = markdown_tokens(markdown, any_link=True)

    assert not [tok.content for tok in tokens if tok.type in ("html_block", "html_inline")]
    targets = [str(tok.attrGet("href")) for tok in tokens if tok.type == "link_open"]
    targets += [str(tok.attrGet("src")) for tok in tokens if tok.type == "image"]
    http_links_only(targets)
    body = markdown_body(markdown)
    assert "{%" not in body and "{{" not in body  # no Liquid tag, no Hugo shortcode
    assert set(front_matter(markdown)) == {"title", "date", "categories", "tags", "summary"}

    rendered = browser_tree(markdown_parser(any_link=True).render(body))
    nodes = elements(rendered.root)
    assert {n.tag for n in nodes} <= MARKDOWN_ELEMENTS, {n.tag for n in nodes} - MARKDOWN_ELEMENTS
    assert not [name for node in nodes for name in node.attributes if name != "href"]

    parts = {}
    for chunk in re.split(r"^## ", body, flags=re.M)[1:]:
        heading, _, rest = chunk.partition("\n")
        parts[heading] = browser_tree(markdown_parser().render(rest)).text()
    t = view.t
    assert set(parts) == {t["top_stories"], view.sections[0].name, t["more_news"], t["excluded"]}
    section_text_has(parts[t["top_stories"]], "headline")
    section_text_has(parts[view.sections[0].name], "section")
    section_text_has(parts[t["more_news"]], "brief", summary=False)
    excluded_text_has(parts[t["excluded"]])


def test_the_metadata_preview_links_only_http_and_shows_no_html() -> None:
    categorized, deduped = frames(*hostile_day())
    report = build_report(categorized, deduped, DAY, TIMEZONE, GENERATED_AT)
    preview = markdown_preview(report, max_stories=len(report.stories))
    tokens = markdown_tokens(preview, any_link=True)

    assert not [tok.content for tok in tokens if tok.type in ("html_block", "html_inline")]
    http_links_only([str(tok.attrGet("href")) for tok in tokens if tok.type == "link_open"])
    text = browser_tree(markdown_parser().render(preview)).text()
    for tier in TIERS:
        for kind in LINK_KINDS:
            assert hostile_title(f"{tier}-{kind}") in text, (tier, kind)


# ---- particular Markdown syntax ------------------------------------------------------------

LINK_TITLE = "Click ](javascript:alert(1)) [me](javascript:alert(2))"
HEADING_TITLE = "# Breaking: fake heading"
FRONT_MATTER_TITLE = "Real news\n---\nlayout: evil\n---\n# injected"
SCRIPT_TITLE = "<script>alert(1)</script>"
MARKDOWN_ITEMS = [
    feed("evil", "https://evil.example/rss"),
    item("evil", "https://evil.example/a", SCRIPT_TITLE, utc(3), story_id="x1", is_lead=True),
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
MARKDOWN_STORIES = [
    story(
        "x1",
        SCRIPT_TITLE,
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


def test_markdown_syntax_in_titles_makes_no_heading_rule_or_front_matter(tmp_path: Path) -> None:
    _, paths = render_day(tmp_path, MARKDOWN_ITEMS, MARKDOWN_STORIES)
    markdown = paths.markdown.read_text(encoding="utf-8")
    tokens = markdown_tokens(markdown)

    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert [t.tag for t in tokens if t.type == "heading_open"].count("h1") == 1
    assert not [text for text in headings if text.startswith(("Breaking", "Not a heading"))]
    assert [t.type for t in tokens].count("hr") == 1  # only the footer rule; "---" stays text
    rendered = markdown_parser().render(markdown_body(markdown))
    assert SCRIPT_TITLE.replace("<", "&lt;").replace(">", "&gt;") in rendered
    assert "# Breaking: fake heading" in rendered  # shown as text, not as a heading
    meta = front_matter(markdown)
    assert "layout" not in meta
    assert meta["summary"].splitlines() == [
        "- &lt;script&gt;alert(1)&lt;/script&gt;",
        "- Real news --- layout: evil --- \\# injected",
    ]


def test_a_user_template_of_the_same_name_wins_and_is_escaped_alike(tmp_path: Path) -> None:
    user = tmp_path / "my-templates"
    user.mkdir()
    (user / "report.md.j2").write_text(
        "CUSTOM {{ view.report.date }}\n{% for s in view.headlines %}* {{ s.title }}\n{% endfor %}",
        encoding="utf-8",
    )
    (user / "_story_full.html.j2").write_text(
        '<p class="mine">{{ story.title }}</p>\n', encoding="utf-8"
    )
    _, paths = render_day(tmp_path, MARKDOWN_ITEMS, MARKDOWN_STORIES, templates_dir=user)
    markdown = paths.markdown.read_text("utf-8")
    html = paths.html.read_text("utf-8")

    assert markdown == (
        "CUSTOM 2026-02-14\n"
        "* &lt;script&gt;alert(1)&lt;/script&gt;\n"
        "* Real news --- layout: evil --- \\# injected\n"
    )
    assert '<p class="mine">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in html
    assert "<footer>" in html  # the rest still comes from the packaged template


def test_javascript_urls_are_never_links() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JavaScript:alert(1)") is None
    assert safe_url("java\tscript:alert(1)") is None
    assert safe_url("data:text/html,hi") is None
    assert safe_url("//evil.example/x") is None
    assert safe_url("https://ok.example/a?b=1") == "https://ok.example/a?b=1"
    assert md_link("x", "javascript:alert(1)") == "x"
    assert md_link("x", "https://ok.example/a_(b)") == "[x](https://ok.example/a_%28b%29)"
