"""Reading the written reports back the way their consumers do: Jekyll's front-matter split,
a CommonMark parser for the Markdown, and HTML parsers for the page."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import yaml
from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser, LexborNode

JEKYLL_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n?)^(?:---|\.\.\.)\s*$\n?", re.M | re.S)
VOID_ELEMENTS = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "col", "area"}


def front_matter(markdown: str) -> dict[str, Any]:
    """Split front matter the way Jekyll does (its YAML_FRONT_MATTER_REGEXP)."""
    match = JEKYLL_FRONT_MATTER.match(markdown)
    assert match, "no front matter block"
    return yaml.safe_load(match.group(1))


def markdown_body(markdown: str) -> str:
    return JEKYLL_FRONT_MATTER.sub("", markdown, count=1)


def markdown_parser(*, any_link: bool = False) -> MarkdownIt:
    """CommonMark with raw HTML allowed, plus tables and strikethrough (as goldmark/kramdown).

    markdown-it refuses to make links of javascript:, data: and similar URLs; `any_link`
    turns that off, so that link syntax aimed at such a URL shows up as a link token, as it
    would in a renderer without that filter (kramdown has none).
    """
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    if any_link:
        parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


def markdown_tokens(markdown: str, *, any_link: bool = False) -> list[Any]:
    """Block tokens and their inline children, in one flat list (front matter removed)."""
    flat = []
    for token in markdown_parser(any_link=any_link).parse(markdown_body(markdown)):
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
    """The page's tags, links and text; fails on mis-nested or unclosed elements."""
    page = PageParser()
    page.feed(html)
    page.close()
    assert not page.errors, page.errors
    assert not page.stack, f"unclosed: {page.stack}"
    return page


def browser_tree(html: str) -> LexborHTMLParser:
    """The DOM a browser builds from the page (lexbor implements the HTML5 parsing rules)."""
    return LexborHTMLParser(html)


def elements(root: LexborNode) -> list[LexborNode]:
    """Every node but text under and including `root`, in document order; comments are
    included (tag "-comment"), so one smuggled in from a feed shows up too."""
    return list(root.traverse(include_text=False))
