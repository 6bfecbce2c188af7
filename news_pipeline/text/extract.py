"""cleaned_articles: raw page bytes -> clean article text with metadata, language and script.

One output row per raw row (architecture.md "Row flow"): feed rows pass through so a dead feed
reaches the report, failed fetches carry their reason, and items whose page and feed both
yield nothing are excluded as `no_text`. Decoding is done here rather than by trafilatura
because trafilatura ignores `<meta charset>` (a GBK page without a header charset would
otherwise come out as mojibake). Extraction runs in a process pool over chunks of tasks that
name their body's file in the BodyStore: each worker reads only the page it is working on,
so a large partition is never pickled or held in memory as a whole.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import math
import multiprocessing
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import polars as pl
import trafilatura
import yaml
from htmldate import find_date
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title

from news_pipeline.datafiles import data_path
from news_pipeline.fetch.body_store import BodyMissingError, BodyStore, read_body
from news_pipeline.schema import (
    CLEANED_ARTICLES_SCHEMA,
    RAW_ARTICLES_SCHEMA,
    REASON_DUPLICATE_URL,
    REASON_FETCH_FAILED,
    REASON_NO_TEXT,
    REASON_OUT_OF_WINDOW,
    RECORD_FEED,
    STATUS_DUPLICATE_GUID,
    STATUS_OK,
    STATUS_OUT_OF_WINDOW,
    conform,
    empty_frame,
    to_naive_utc,
)

logger = logging.getLogger(__name__)

DEFAULT_BOILERPLATE_PATH = data_path("boilerplate.yaml")

# A page text shorter than this is treated as a failed extraction (a JS shell, a paywall
# stub); the feed's own summary is used instead when it is longer.
MIN_PAGE_TEXT_CHARS = 80
# Below this neither source counts as text: "阅读全文" or "Loading…" is not an article.
MIN_TEXT_CHARS = 20
# Language detection needs a few words; shorter texts take the source's declared language.
MIN_DETECTION_LETTERS = 20
DETECTION_SAMPLE_CHARS = 2000
SCRIPT_SAMPLE_CHARS = 3000
# Bytes searched for <meta charset>; the HTML spec's prescan looks at the first 1024, but
# real portals put long comment blocks and scripts first.
META_CHARSET_SCAN_BYTES = 8192
HEAD_SCAN_CHARS = 65536
PAGE_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

TEXT_SOURCE_PAGE = "page"
TEXT_SOURCE_FEED = "feed"
PUBLISHED_AT_FROM_PAGE = "page"
SCRIPT_SIMPLIFIED = "hans"
SCRIPT_TRADITIONAL = "hant"

DETECTABLE_LANGUAGES = ("zh", "en", "ja", "ko", "fr", "de", "es")

# Charsets that decode a superset of what the page declares: GB2312/GBK pages routinely use
# GB18030-only characters, Big5 pages use HKSCS ones.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",
}
# Header charsets that servers send by default, not because they know the page's encoding.
WEAK_HEADER_CHARSETS = {"iso8859-1", "cp1252"}

_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_BLOCK_TAG = re.compile(r"(?i)<\s*(?:br\s*/?|/p|/div|/li|/h[1-6]|/tr|/blockquote|/section)\s*>")
_SPACE_LIKE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\t\f\v]")
_ZERO_WIDTH = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_SPACE_RUN = re.compile(r" {2,}")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
_TITLE_SEPARATORS = (" - ", " – ", " — ", " | ", "｜", " · ", "_", "-", "|", "—")


# ---- boilerplate rules ------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSet:
    """Compiled patterns of one scope (generic, or generic merged with one site's)."""

    strip: tuple[re.Pattern[str], ...] = ()
    drop_line: tuple[re.Pattern[str], ...] = ()
    cut_from: tuple[re.Pattern[str], ...] = ()
    title_suffix: tuple[re.Pattern[str], ...] = ()

    def merged(self, other: RuleSet) -> RuleSet:
        return RuleSet(
            strip=self.strip + other.strip,
            drop_line=self.drop_line + other.drop_line,
            cut_from=self.cut_from + other.cut_from,
            title_suffix=self.title_suffix + other.title_suffix,
        )


RULE_KINDS = ("strip", "drop_line", "cut_from", "title_suffix")


@dataclass
class BoilerplateRules:
    """Generic rules plus per-site rules keyed by source name or host (subdomains match)."""

    generic: RuleSet
    sites: Mapping[str, RuleSet] = field(default_factory=dict)
    _resolved: dict[tuple[str, str], RuleSet] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def for_source(self, source: str | None, url: str | None) -> RuleSet:
        """The rules that apply to one article: generic ones, then every matching site's."""
        key = (source or "", _host_of(url))
        if key not in self._resolved:
            self._resolved[key] = self._combine(*key)
        return self._resolved[key]

    def _combine(self, source: str, host: str) -> RuleSet:
        combined = self.generic
        for key, site_rules in self.sites.items():
            if key == source or (host and (host == key or host.endswith("." + key))):
                combined = combined.merged(site_rules)
        return combined


def _host_of(url: str | None) -> str:
    if not url:
        return ""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _compile_rule_set(spec: Any, where: str) -> RuleSet:
    if spec is None:
        return RuleSet()
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: expected a mapping of {', '.join(RULE_KINDS)}")
    unknown = set(spec) - set(RULE_KINDS)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {RULE_KINDS}")
    compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
    for kind in RULE_KINDS:
        patterns = spec.get(kind) or []
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise ValueError(f"{where}.{kind}: expected a list of regular expressions")
        items = []
        for pattern in patterns:
            try:
                items.append(re.compile(pattern))
            except re.error as error:
                raise ValueError(f"{where}.{kind}: bad pattern {pattern!r}: {error}") from error
        compiled[kind] = tuple(items)
    return RuleSet(**compiled)


def _read_rules_file(path: Path) -> tuple[RuleSet, dict[str, RuleSet]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a mapping with 'generic' and/or 'sites'")
    unknown = set(document) - {"generic", "sites"}
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: generic, sites")
    generic = _compile_rule_set(document.get("generic"), f"{path}: generic")
    sites_spec = document.get("sites") or {}
    if not isinstance(sites_spec, dict):
        raise ValueError(f"{path}: sites: expected a mapping of source name or host to rules")
    sites = {
        str(key).lower() if "." in str(key) else str(key): _compile_rule_set(
            value, f"{path}: sites.{key}"
        )
        for key, value in sites_spec.items()
    }
    return generic, sites


def load_boilerplate_rules(extra_path: Path | None = None) -> BoilerplateRules:
    """The packaged rules, with a user's file of the same shape appended when given."""
    generic, sites = _read_rules_file(DEFAULT_BOILERPLATE_PATH)
    if extra_path is not None:
        extra_generic, extra_sites = _read_rules_file(Path(extra_path))
        generic = generic.merged(extra_generic)
        for key, site_rules in extra_sites.items():
            sites[key] = sites[key].merged(site_rules) if key in sites else site_rules
    return BoilerplateRules(generic=generic, sites=sites)


def remove_boilerplate(text: str, rules: RuleSet) -> str:
    """Apply the rules line by line; lines emptied by `strip` disappear."""
    kept: list[str] = []
    for line in text.split("\n"):
        if any(pattern.search(line) for pattern in rules.cut_from):
            break
        for pattern in rules.strip:
            line = pattern.sub("", line)
        line = line.strip(" \u3000")
        if not line or any(pattern.search(line) for pattern in rules.drop_line):
            continue
        kept.append(line)
    return "\n".join(kept)


# ---- decoding ------------------------------------------------------------------------------


def _canonical_codec(name: str | None) -> str | None:
    """Python codec name for a charset label, widened to its superset; None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in {"x-gbk", "gb_2312-80", "x-gb18030"}:
        label = "gbk"
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return CHARSET_SUPERSETS.get(codec, codec)


def _bom_codec(body: bytes) -> tuple[str, int] | None:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if body.startswith(codecs.BOM_UTF16_LE) or body.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 0
    return None


def meta_charset(body: bytes) -> str | None:
    """Charset named by `<meta charset>` or `<meta http-equiv content="...charset=">`."""
    match = _META_CHARSET.search(body[:META_CHARSET_SCAN_BYTES])
    return match.group(1).decode("ascii", "ignore") if match else None


def decode_html(body: bytes, declared_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes: BOM, header charset, meta charset, UTF-8, then charset_normalizer.

    A declared charset that fails to decode strictly is skipped (servers lie); a default-ish
    header charset (latin-1, ascii) loses to a meta charset. Returns (text, codec used).
    """
    bom = _bom_codec(body)
    if bom is not None:
        codec, skip = bom
        return body[skip:].decode(codec, errors="replace"), codec
    header_codec = _canonical_codec(declared_charset)
    meta_codec = _canonical_codec(meta_charset(body))
    if header_codec in WEAK_HEADER_CHARSETS:
        ordered = [meta_codec, "utf-8", header_codec]
    else:
        ordered = [header_codec, meta_codec, "utf-8"]
    candidates = [codec for codec in ordered if codec]
    for codec in dict.fromkeys(candidates):
        try:
            return body.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    best = charset_normalizer.from_bytes(body).best()
    if best is not None:
        codec = _canonical_codec(best.encoding) or best.encoding
        return body.decode(codec, errors="replace"), codec
    fallback = candidates[0]
    return body.decode(fallback, errors="replace"), fallback


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


def _repair_mojibake_fallback(text: str) -> tuple[str, bool]:
    import ftfy

    fixed = ftfy.fix_text(text, fix_character_width=False)
    return fixed, fixed != text


@lru_cache(maxsize=1)
def _mojibake_repairer() -> Callable[[str], tuple[str, bool]]:
    """news_pipeline.mojibake.repair_text when present, else ftfy alone (same contract)."""
    try:
        from news_pipeline.text.mojibake import repair_text
    except ImportError:
        logger.warning("news_pipeline.text.mojibake not available; repairing with ftfy only")
        return _repair_mojibake_fallback
    return repair_text


def repair(text: str | None) -> tuple[str, bool]:
    if not text:
        return "", False
    return _mojibake_repairer()(text)


def clean_field(text: str | None, rules: RuleSet) -> tuple[str, bool]:
    """Mojibake repair, whitespace, boilerplate, in that order (patterns match clean text)."""
    repaired, changed = repair(text)
    return normalise_whitespace(remove_boilerplate(normalise_whitespace(repaired), rules)), changed


def _squash(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text).lower()


def trim_title(title: str, site_names: Iterable[str | None], rules: RuleSet) -> str:
    """Drop " - SiteName", "_新浪科技_新浪网" style suffixes (never the whole title)."""
    names = {_squash(name) for name in site_names if name and _squash(name)}
    trimmed = title.strip()
    changed = True
    while changed:
        changed = False
        for pattern in rules.title_suffix:
            candidate = pattern.sub("", trimmed).strip()
            if candidate and candidate != trimmed:
                trimmed, changed = candidate, True
        for separator in _TITLE_SEPARATORS:
            head, found, tail = trimmed.rpartition(separator)
            if found and head.strip() and _squash(tail) in names:
                trimmed, changed = head.strip(), True
    return trimmed


def _site_names(source: str | None, url: str | None, site_name: str | None) -> list[str]:
    host = _host_of(url)
    names = [source, site_name, host]
    if host:
        labels = host.removeprefix("www.").split(".")
        names += [".".join(labels), labels[0]]
    return [name for name in names if name]


# ---- language and script ----------------------------------------------------------------


@lru_cache(maxsize=1)
def _language_detector() -> Any:
    """Built once per process (the pool's workers each build their own on first use)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in DETECTABLE_LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def _normalise_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    return re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0] or None


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of the text; the source's language when the text is too short."""
    sample = text[:DETECTION_SAMPLE_CHARS]
    fallback = _normalise_hint(hint)
    if len(_LETTER.findall(sample)) < MIN_DETECTION_LETTERS:
        return fallback
    detected = _language_detector().detect_language_of(sample)
    if detected is None:
        return fallback
    return detected.iso_code_639_1.name.lower()


@lru_cache(maxsize=2)
def _opencc(config: str) -> Any:
    from opencc import OpenCC

    return OpenCC(config)


@lru_cache(maxsize=65536)
def _han_variant(character: str) -> int:
    """+1 for a Traditional-only character, -1 for a Simplified-only one, 0 for shared."""
    if _opencc("t2s").convert(character) != character:
        return 1
    if _opencc("s2t").convert(character) != character:
        return -1
    return 0


def detect_script(text: str) -> str | None:
    """hant when Traditional-only characters outnumber Simplified-only ones, else hans."""
    han = _HAN.findall(text[:SCRIPT_SAMPLE_CHARS])
    if not han:
        return None
    balance = sum(_han_variant(character) for character in han)
    return SCRIPT_TRADITIONAL if balance > 0 else SCRIPT_SIMPLIFIED


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


def _extract_document(html: str, url: str | None, wants_date: bool) -> dict[str, Any]:
    """Main text and the metadata we use, from one parse of the page.

    trafilatura's `with_metadata` also runs an author search over the whole tree, category,
    tag and licence searches and htmldate, which together cost more than the text extraction
    itself. Here the head's meta tags and JSON-LD are read with trafilatura's own readers,
    the title falls back to its heuristics, and htmldate runs only for rows the feed left
    undated (and only on what the page states: its extensive search turns a "© 1996-2026"
    footer into 2026-01-01).
    """
    tree = trafilatura.load_html(html)
    if tree is None:
        return {}
    metadata = examine_meta(tree)
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as error:  # trafilatura's JSON-LD reader trips on odd documents
        logger.debug("JSON-LD metadata skipped for %s: %s", url, error)
    title = metadata.title or extract_title(tree)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
    )
    text = getattr(document, "text", None) if document is not None else None
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
        "date": page_date,
        "text": text,
    }


def _drop_title_line(text: str, title: str) -> str:
    """trafilatura keeps the <h1> as the first line; the title has its own column."""
    first, _, rest = text.partition("\n")
    if title and _squash(first) == _squash(title):
        return rest
    return text


def process_page(task: PageTask, rules: BoilerplateRules) -> PageResult:
    """Decode, extract, repair and clean one page; fall back to the feed summary."""
    base_url = task.final_url or task.url
    site_rules = rules.for_source(task.source, base_url)
    metadata: dict[str, Any] = {}
    page_problem: str | None = None
    canonical: str | None = None
    if task.body_path:
        try:
            html, _codec = decode_html(read_body(task.body_path), task.declared_charset)
            canonical = canonical_link(html, base_url)
            metadata = _extract_document(html, base_url, task.wants_page_date)
        except BodyMissingError as error:
            page_problem = str(error)
            logger.warning("%s %s: %s", task.source, task.url, page_problem)
        except Exception as error:  # a broken page must not break the partition
            page_problem = f"extraction failed: {type(error).__name__}: {error}"
            logger.warning("%s %s: %s", task.source, task.url, page_problem)
    else:
        page_problem = "no page body"

    repaired_any = False
    site_name, changed = clean_field(metadata.get("sitename"), site_rules)
    repaired_any |= changed
    raw_title, changed = clean_field(metadata.get("title"), site_rules)
    repaired_any |= changed
    title = trim_title(raw_title, _site_names(task.source, base_url, site_name), site_rules)
    if not title:
        listed, changed = clean_field(task.listed_title, site_rules)
        repaired_any |= changed
        title = trim_title(listed, _site_names(task.source, base_url, site_name), site_rules)
    description, changed = clean_field(metadata.get("description"), site_rules)
    repaired_any |= changed
    page_text, changed = clean_field(metadata.get("text"), site_rules)
    repaired_any |= changed
    page_text = _drop_title_line(page_text, title)
    feed_text, feed_changed = clean_field(html_fragment_to_text(task.listed_summary), site_rules)

    text: str | None = None
    text_source: str | None = None
    if len(page_text) >= MIN_PAGE_TEXT_CHARS:
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
        detail = f"page text {len(page_text)} chars, feed summary {len(feed_text)} chars"
        excluded_detail = f"{detail} ({page_problem})" if page_problem else detail
    else:
        language = detect_language(text, task.source_language)
        script = detect_script(text) if language == "zh" else None

    author, changed = clean_field(metadata.get("author"), site_rules)
    repaired_any |= changed
    return PageResult(
        title=title or None,
        author=author or None,
        description=description or None,
        site_name=site_name or None,
        page_canonical_url=canonical,
        page_published_at=_page_date(metadata.get("date")),
        text=text,
        text_source=text_source,
        language=language,
        script=script,
        mojibake_repaired=repaired_any,
        excluded_reason=excluded_reason,
        excluded_detail=excluded_detail,
    )


# ---- process pool -----------------------------------------------------------------------

_worker_rules: BoilerplateRules | None = None
MAX_CHUNK_PAGES = 32
# Rows of raw_articles turned into tasks at once: bounds the results in flight while the
# pool stays busy.
BATCH_ROWS = 2000


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers come from a forkserver that has imported this module once: forking the
    asset's own process instead would copy whatever locks its threads (Dagster's, polars')
    hold at that moment, and spawning would re-import trafilatura in every worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _init_worker(rules: BoilerplateRules) -> None:
    """Rules travel to each worker once, not with every chunk."""
    global _worker_rules
    _worker_rules = rules


def _process_chunk(chunk: list[PageTask]) -> list[tuple[int, PageResult]]:
    assert _worker_rules is not None, "worker started without rules"
    return [(task.index, process_page(task, _worker_rules)) for task in chunk]


def _chunks(tasks: list[PageTask], size: int) -> Iterator[list[PageTask]]:
    for start in range(0, len(tasks), size):
        yield tasks[start : start + size]


class PageRunner:
    """Runs page tasks, in this process or in one pool kept for a whole partition.

    Workers read their pages from the body store; a batch's results come back as soon as
    its chunks are done, so the caller holds one batch at a time.
    """

    def __init__(self, rules: BoilerplateRules, workers: int) -> None:
        self.rules = rules
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PageRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def run(self, tasks: list[PageTask]) -> dict[int, PageResult]:
        if self.workers <= 1 or len(tasks) <= 1:
            return {task.index: process_page(task, self.rules) for task in tasks}
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_worker_context(),
                initializer=_init_worker,
                initargs=(self.rules,),
            )
        # Several chunks per worker balance uneven pages; a cap keeps memory per chunk small.
        chunk_size = max(1, min(MAX_CHUNK_PAGES, math.ceil(len(tasks) / (self.workers * 4))))
        results: dict[int, PageResult] = {}
        for chunk_results in self._pool.map(_process_chunk, _chunks(tasks, chunk_size)):
            results.update(chunk_results)
        return results


# ---- the stage --------------------------------------------------------------------------


def article_id(source: str | None, url: str | None) -> str:
    """Stable short id of (source, url): the same listing gets the same id every run."""
    digest = hashlib.sha256(f"{source or ''}\n{url or ''}".encode()).hexdigest()
    return digest[:16]


def _failure_detail(row: Mapping[str, Any]) -> str:
    parts = [f"status={row['status'] or 'missing'}"]
    if row["http_status"] is not None:
        parts.append(f"http_status={row['http_status']}")
    if row["error"]:
        parts.append(f"error={row['error']}")
    return " ".join(parts)


_RESULT_COLUMNS = (
    "title",
    "author",
    "description",
    "site_name",
    "page_canonical_url",
    "text",
    "text_source",
    "language",
    "script",
    "mojibake_repaired",
    "excluded_reason",
    "excluded_detail",
)


def clean_articles(
    raw: pl.DataFrame,
    bodies: BodyStore,
    rules: BoilerplateRules | None = None,
    workers: int = 1,
) -> pl.DataFrame:
    """raw_articles -> cleaned_articles, one row per raw row, in input order.

    Rows go to the workers in batches with one process pool for all of them, so only a
    batch's results are in flight; the bodies are read from `bodies` inside the workers.
    """
    if raw.width == 0 or raw.height == 0:
        return empty_frame(CLEANED_ARTICLES_SCHEMA)
    raw = conform(raw, RAW_ARTICLES_SCHEMA)
    rules = rules or load_boilerplate_rules()
    with PageRunner(rules, workers) as runner:
        outputs = [
            _clean_batch(raw.slice(start, BATCH_ROWS), bodies, runner)
            for start in range(0, raw.height, BATCH_ROWS)
        ]
    return pl.concat(outputs)


def _clean_batch(raw: pl.DataFrame, bodies: BodyStore, runner: PageRunner) -> pl.DataFrame:
    tasks: list[PageTask] = []
    derived: list[dict[str, Any]] = []
    for index, row in enumerate(raw.iter_rows(named=True)):
        is_feed = row["record_kind"] == RECORD_FEED
        entry: dict[str, Any] = dict.fromkeys(_RESULT_COLUMNS)
        entry["article_id"] = article_id(row["source"], row["url"] or row["feed_url"])
        entry["mojibake_repaired"] = False
        entry["page_published_at"] = None
        if row["status"] == STATUS_OUT_OF_WINDOW:
            entry["excluded_reason"] = REASON_OUT_OF_WINDOW
            entry["excluded_detail"] = row["error"] or "published outside the partition's window"
        elif row["status"] == STATUS_DUPLICATE_GUID:
            entry["excluded_reason"] = REASON_DUPLICATE_URL
            entry["excluded_detail"] = row["error"]  # the kept item's URL
        elif row["status"] != STATUS_OK:
            entry["excluded_reason"] = REASON_FETCH_FAILED
            entry["excluded_detail"] = _failure_detail(row)
        elif not is_feed:
            tasks.append(
                PageTask(
                    index=index,
                    body_path=(
                        str(bodies.path_for(row["content_hash"])) if row["content_hash"] else None
                    ),
                    declared_charset=row["declared_charset"],
                    url=row["url"],
                    final_url=row["final_url"],
                    source=row["source"],
                    source_language=row["source_language"],
                    listed_title=row["listed_title"],
                    listed_summary=row["listed_summary"],
                    wants_page_date=row["published_at"] is None,
                )
            )
        derived.append(entry)

    for index, result in runner.run(tasks).items():
        derived[index].update(result._asdict())
    del tasks

    computed = pl.DataFrame(
        {
            "article_id": [entry["article_id"] for entry in derived],
            **{name: [entry[name] for entry in derived] for name in _RESULT_COLUMNS},
            "page_published_at": [entry["page_published_at"] for entry in derived],
        },
        schema={
            "article_id": pl.String(),
            **{name: CLEANED_ARTICLES_SCHEMA[name] for name in _RESULT_COLUMNS},
            "page_published_at": pl.Datetime("us"),
        },
    )
    combined = pl.concat([raw, computed], how="horizontal")
    use_page_date = pl.col("published_at").is_null() & pl.col("page_published_at").is_not_null()
    return combined.with_columns(
        published_at_source=pl.when(use_page_date)
        .then(pl.lit(PUBLISHED_AT_FROM_PAGE))
        .otherwise(pl.col("published_at_source")),
        published_at=pl.coalesce("published_at", "page_published_at"),
        text_chars=pl.col("text").str.len_chars().cast(pl.Int64),
    ).select([pl.col(name).cast(dtype) for name, dtype in CLEANED_ARTICLES_SCHEMA.items()])
