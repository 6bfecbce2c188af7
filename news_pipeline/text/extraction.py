"""One page of cleaned_articles: decoded page -> main text, metadata, language and script.

A worker process gets a chunk of `PageTask`s naming their body's file in the BodyStore and
reads only the page it is working on, so no page crosses the process boundary. trafilatura
finds the main text; fields are repaired (mojibake), whitespace-normalised and stripped of
boilerplate; the feed's own summary stands in when the page yields too little text, and an
item whose page and feed both yield nothing is excluded as `no_text`.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import datetime, time
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import trafilatura
import trafilatura.utils
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.settings import DEFAULT_CONFIG, use_config

from news_pipeline.cjk import CJK_LETTER_RANGES, character_class
from news_pipeline.fetch.body_store import BodyMissingError, read_body
from news_pipeline.schema import REASON_NO_TEXT, to_naive_utc
from news_pipeline.text.boilerplate import (
    BoilerplateRules,
    RuleSet,
    comparison_key,
    remove_boilerplate,
    site_name_variants,
    trim_title,
)
from news_pipeline.text.decoding import decode_html
from news_pipeline.text.language import detect_language, detect_script
from news_pipeline.text.mojibake import may_be_utf8_mojibake, repair_html, repair_text
from news_pipeline.text.thin import latin_equivalent_size, load_thin_page_rules, thin_page_reason

logger = logging.getLogger(__name__)

# A page text shorter than this is treated as a failed extraction (a JS shell, a paywall
# stub); the feed's own summary is used instead when it is longer.
MIN_PAGE_TEXT_CHARS = 80
# Below this neither source counts as text: "阅读全文" or "Loading…" is not an article.
MIN_TEXT_CHARS = 20
HEAD_SCAN_CHARS = 65536
PAGE_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

# trafilatura's length thresholds (a main text shorter than MIN_EXTRACTED_SIZE, 250, sends it
# to its fallbacks, whose last resort joins a whole <article> into one line with its byline and
# tags) count characters of alphabetic text. A Chinese, Japanese or Korean character carries
# about as much as two and a half letters, so pages written in them get 100: a short news item
# keeps its paragraphs. A page is taken to be written in them when its title and description
# hold CJK_TITLE_MIN_LETTERS such letters, or its <html lang> says so.
CJK_MIN_EXTRACTED_SIZE = 100
CJK_TITLE_MIN_LETTERS = 4
CJK_LANGUAGES = ("zh", "ja", "ko")
_CJK_LETTER = re.compile(character_class(CJK_LETTER_RANGES))

# trafilatura's fast mode skips the comparison of its main text with readability's and
# jusText's. On trafilatura's own evaluation pages (922) that comparison changed the text of 67.
# It matters where trafilatura took little of a page that holds much more: its fallbacks then
# find the article it missed (readability's text replaces it when twice as long). So every
# page is extracted fast, and again in full when its text is shorter than
# FULL_EXTRACTION_BELOW characters (a CJK letter counting as in thin.py) while the page's
# paragraphs hold more than PARAGRAPHS_OVER_TEXT times that, or no paragraph at all: 5% of
# those pages, the same snippet F1 as the full extraction of every page, in a fifth less time
# (scripts/eval_extraction_modes.py, by tune and holdout split).
FULL_EXTRACTION_BELOW = 1000
PARAGRAPHS_OVER_TEXT = 2

TEXT_SOURCE_PAGE = "page"
TEXT_SOURCE_FEED = "feed"

_BLOCK_TAG = re.compile(r"(?i)<\s*(?:br\s*/?|/p|/div|/li|/h[1-6]|/tr|/blockquote|/section)\s*>")
_SPACE_LIKE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\t\f\v]")
_ZERO_WIDTH = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_SPACE_RUN = re.compile(r" {2,}")


# ---- text normalisation -----------------------------------------------------------------


def normalise_whitespace(text: str) -> str:
    """NBSP and exotic spaces to " ", CR to LF, trimmed lines, paragraphs joined by one "\\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACE_LIKE.sub(" ", text)
    lines = (_SPACE_RUN.sub(" ", line).strip(" \u3000") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def html_fragment_to_text(fragment: str | None) -> str:
    """Feed summaries are HTML fragments (or plain text with entities): text with paragraphs."""
    if not fragment:
        return ""
    with_breaks = _BLOCK_TAG.sub("\n", fragment)
    parsed = HTMLParser(f"<div>{with_breaks}</div>")
    for node in parsed.css("script, style"):
        node.decompose()
    root = parsed.body or parsed.root
    return root.text(separator="") if root is not None else ""


def repair(text: str | None) -> tuple[str, bool]:
    if not text:
        return "", False
    return repair_text(text)


def tidy_field(text: str, rules: RuleSet) -> str:
    """Whitespace and boilerplate of a field already repaired."""
    return normalise_whitespace(remove_boilerplate(normalise_whitespace(text), rules))


def clean_field(text: str | None, rules: RuleSet) -> tuple[str, bool]:
    """Mojibake repair, whitespace, boilerplate, in that order (patterns match clean text)."""
    repaired, changed = repair(text)
    return tidy_field(repaired, rules), changed


# ---- one page ---------------------------------------------------------------------------


class PageTask(NamedTuple):
    """What a worker needs for one ok item row: where its body is stored and small hints.
    The worker reads the body itself, so no page crosses the process boundary."""

    index: int
    body_path: str | None
    declared_charset: str | None
    url: str | None
    final_url: str | None
    source: str | None
    source_language: str | None
    listed_title: str | None
    listed_summary: str | None
    wants_page_date: bool


class PageResult(NamedTuple):
    listed_title: str | None
    title: str | None
    author: str | None
    description: str | None
    site_name: str | None
    page_canonical_url: str | None
    page_published_at: datetime | None
    text: str | None
    text_source: str | None
    language: str | None
    script: str | None
    mojibake_repaired: bool
    excluded_reason: str | None
    excluded_detail: str | None


def canonical_link(html: str, base_url: str | None) -> str | None:
    """Absolute `<link rel="canonical">` target, read from the head only (cheap)."""
    head_end = html.find("</head>")
    head = html[: head_end + 7] if head_end >= 0 else html[:HEAD_SCAN_CHARS]
    for node in HTMLParser(head).css("link[rel]"):
        rel = (node.attributes.get("rel") or "").lower().split()
        href = (node.attributes.get("href") or "").strip()
        if "canonical" in rel and href:
            absolute = urljoin(base_url or "", href)
            return absolute if urlsplit(absolute).scheme in {"http", "https"} else None
    return None


def _page_date(value: str | None) -> datetime | None:
    """Naive UTC from htmldate's output: an offset is honoured; a bare date becomes noon UTC,
    which falls on the same calendar day from UTC-11 to UTC+11."""
    if not value:
        return None
    try:
        moment = datetime.strptime(value, PAGE_DATE_FORMAT)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    if moment.tzinfo is None and moment.time() == time(0):
        return datetime.combine(moment.date(), time(12))
    return to_naive_utc(moment)


def _plausible_site_name(value: str | None) -> str | None:
    """article:publisher is often a Facebook URL and twitter:site a handle: keep names only."""
    name = (value or "").strip().lstrip("@")
    if not name or "://" in name or name.startswith("www."):
        return None
    return name


def _cjk_config() -> Any:
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(CJK_MIN_EXTRACTED_SIZE))
    return config


_CJK_CONFIG = _cjk_config()


def written_in_cjk(tree: Any, title: str | None, description: str | None) -> bool:
    """Whether the page's title and description, or else its declared language, are CJK."""
    heading = f"{title or ''} {description or ''}"
    if len(_CJK_LETTER.findall(heading)) >= CJK_TITLE_MIN_LETTERS:
        return True
    language = str(tree.get("lang") or "").strip().lower()
    return language.split("-")[0] in CJK_LANGUAGES


def trafilatura_options(
    tree: Any, url: str | None, title: str | None, description: str | None
) -> dict[str, Any]:
    """What `bare_extraction` is asked for, but `fast` (scripts/eval_extraction_modes.py)."""
    return {
        "url": url,
        "with_metadata": False,
        "include_comments": False,
        "include_tables": True,
        "deduplicate": False,
        "config": _CJK_CONFIG if written_in_cjk(tree, title, description) else DEFAULT_CONFIG,
    }


def paragraph_size(tree: Any) -> int:
    """Size of the text of the page's <p> elements, whitespace collapsed (thin.py's measure)."""
    return latin_equivalent_size(
        " ".join(" ".join(paragraph.text_content().split()) for paragraph in tree.iter("p"))
    )


def wants_full_extraction(tree: Any, fast_text: str | None) -> bool:
    """Whether trafilatura's fallbacks may find what its fast pass missed (see above)."""
    size = latin_equivalent_size(fast_text or "")
    if size >= FULL_EXTRACTION_BELOW:
        return False
    paragraphs = paragraph_size(tree)
    return paragraphs == 0 or paragraphs > PARAGRAPHS_OVER_TEXT * size


def main_text(document: Any) -> str | None:
    return getattr(document, "text", None) if document is not None else None


@functools.cache
def _use_c_element_lookup() -> None:
    """Give trafilatura's parser lxml's C element-class lookup, with lxml.html's classes.

    lxml.html's own lookup is a Python method that runs each time lxml wraps a node in a Python
    object, thousands of times per page in trafilatura's XPath pruning: about 5% of the
    extraction. The C lookup makes every element an `HtmlElement`; only form controls lose
    their special classes (`InputElement.value` and the like), which trafilatura does not use.
    Main text, metadata and dates were the same on all 922 pages of trafilatura's evaluation
    set. Set once per process, before the first page is parsed.
    """
    trafilatura.utils.HTML_PARSER.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=HtmlElement,
            comment=HtmlComment,
            pi=HtmlProcessingInstruction,
            entity=HtmlEntity,
        )
    )


def _extract_document(html: str, url: str | None, wants_date: bool) -> dict[str, Any]:
    """Main text and the metadata we use, from one parse of the page.

    trafilatura's `with_metadata` also runs an author search over the whole tree, category,
    tag and licence searches and htmldate, which together cost more than the text extraction
    itself. Here the head's meta tags and JSON-LD are read with trafilatura's own readers,
    the title falls back to its heuristics, and htmldate runs only for rows the feed left
    undated (and only on what the page states: its extensive search turns a "© 1996-2026"
    footer into 2026-01-01).
    """
    _use_c_element_lookup()
    tree = trafilatura.load_html(html)
    if tree is None:
        return {}
    metadata = examine_meta(tree)
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as error:  # trafilatura's JSON-LD reader trips on odd documents
        logger.debug("JSON-LD metadata skipped for %s: %s", url, error)
    title = metadata.title or extract_title(tree)
    options = trafilatura_options(tree, url, title, metadata.description)
    # bare_extraction works on its own copy of the tree: both passes see the page as parsed.
    text = main_text(trafilatura.bare_extraction(tree, fast=True, **options))
    if wants_full_extraction(tree, text):
        text = main_text(trafilatura.bare_extraction(tree, fast=False, **options))
    page_date = None
    if wants_date:
        page_date = find_date(
            tree,
            url=url,
            extensive_search=False,
            original_date=True,
            outputformat=PAGE_DATE_FORMAT,
        )
    return {
        "title": title,
        "author": metadata.author,
        "sitename": _plausible_site_name(metadata.sitename),
        "description": metadata.description,
        "pagetype": metadata.pagetype,
        "date": page_date,
        "text": text,
    }


def _drop_title_line(text: str, title: str) -> str:
    """trafilatura keeps the <h1> as the first line; the title has its own column."""
    first, _, rest = text.partition("\n")
    if title and comparison_key(first) == comparison_key(title):
        return rest
    return text


class _Page(NamedTuple):
    html: str
    metadata: dict[str, Any]
    canonical: str | None
    problem: str | None
    repaired: bool


_TRACED_FIELDS = ("title", "description", "text", "author", "sitename")


def _read_page(task: PageTask, base_url: str | None) -> _Page:
    """Decode the stored body and extract it. A page whose fields show a trace of mojibake is
    repaired as a whole, while U+00A0 still stands where byte 0xA0 was (extraction turns it
    into a space), and extracted again: only damaged pages pay for the repair."""
    if not task.body_path:
        return _Page("", {}, None, "no page body", False)
    try:
        html, _codec = decode_html(read_body(task.body_path), task.declared_charset)
        metadata = _extract_document(html, base_url, task.wants_page_date)
        repaired = False
        if any(may_be_utf8_mojibake(metadata.get(name) or "") for name in _TRACED_FIELDS):
            html, repaired = repair_html(html)
            if repaired:
                metadata = _extract_document(html, base_url, task.wants_page_date)
        canonical = canonical_link(html, base_url)
    except BodyMissingError as error:
        problem = str(error)
    except Exception as error:  # a broken page must not break the partition
        problem = f"extraction failed: {type(error).__name__}: {error}"
    else:
        return _Page(html, metadata, canonical, None, repaired)
    logger.warning("%s %s: %s", task.source, task.url, problem)
    return _Page("", {}, None, problem, False)


def process_page(task: PageTask, rules: BoilerplateRules) -> PageResult:
    """Decode, extract, repair and clean one page; fall back to the feed summary; exclude it
    as no_text when neither has text or when the page is thin (thin.py)."""
    base_url = task.final_url or task.url
    site_rules = rules.for_source(task.source, base_url)
    page = _read_page(task, base_url)
    metadata = page.metadata
    repaired_any = page.repaired

    listed_title, changed = repair(task.listed_title)
    repaired_any |= changed
    site_name, changed = clean_field(metadata.get("sitename"), site_rules)
    repaired_any |= changed
    raw_title, changed = clean_field(metadata.get("title"), site_rules)
    repaired_any |= changed
    title = trim_title(raw_title, site_name_variants(task.source, base_url, site_name), site_rules)
    if not title:
        listed = tidy_field(listed_title, site_rules)
        title = trim_title(listed, site_name_variants(task.source, base_url, site_name), site_rules)
    description, changed = clean_field(metadata.get("description"), site_rules)
    repaired_any |= changed
    raw_text, changed = repair(metadata.get("text"))
    repaired_any |= changed
    page_text = _drop_title_line(tidy_field(raw_text, site_rules), title)
    feed_text, feed_changed = clean_field(html_fragment_to_text(task.listed_summary), site_rules)

    text: str | None = None
    text_source: str | None = None
    thin = (
        thin_page_reason(page.html, title, raw_text, page_text, metadata.get("pagetype"))
        if page_text
        else None
    )
    if thin is not None:
        if (
            latin_equivalent_size(feed_text)
            > len(page_text) + load_thin_page_rules().max_paywall_prose
        ):
            text, text_source = feed_text, TEXT_SOURCE_FEED
            repaired_any |= feed_changed
            thin = None
    elif len(page_text) >= MIN_PAGE_TEXT_CHARS:
        text, text_source = page_text, TEXT_SOURCE_PAGE
    elif len(feed_text) >= MIN_TEXT_CHARS and len(feed_text) > len(page_text):
        text, text_source = feed_text, TEXT_SOURCE_FEED
        repaired_any |= feed_changed
    elif len(page_text) >= MIN_TEXT_CHARS:
        text, text_source = page_text, TEXT_SOURCE_PAGE

    excluded_reason = excluded_detail = None
    language = script = None
    if text is None:
        excluded_reason = REASON_NO_TEXT
        detail = thin or f"page text {len(page_text)} chars, feed summary {len(feed_text)} chars"
        excluded_detail = f"{detail} ({page.problem})" if page.problem else detail
    else:
        language = detect_language(text, task.source_language)
        script = detect_script(text) if language == "zh" else None

    author, changed = clean_field(metadata.get("author"), site_rules)
    repaired_any |= changed
    return PageResult(
        listed_title=listed_title or task.listed_title,
        title=title or None,
        author=author or None,
        description=description or None,
        site_name=site_name or None,
        page_canonical_url=page.canonical,
        page_published_at=_page_date(metadata.get("date")),
        text=text,
        text_source=text_source,
        language=language,
        script=script,
        mojibake_repaired=repaired_any,
        excluded_reason=excluded_reason,
        excluded_detail=excluded_detail,
    )


# ---- the worker's side of the process pool ----------------------------------------------

_worker_rules: BoilerplateRules | None = None


def init_worker(rules: BoilerplateRules) -> None:
    """Rules travel to each worker once, not with every chunk."""
    global _worker_rules
    _worker_rules = rules


def process_chunk(chunk: list[PageTask]) -> list[tuple[int, PageResult]]:
    assert _worker_rules is not None, "worker started without rules"
    return [(task.index, process_page(task, _worker_rules)) for task in chunk]
