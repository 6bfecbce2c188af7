"""The rules of data/boilerplate.yaml (and a user's file of the same shape), and their use.

Portal furniture (editor lines, app promotions, QR-code prompts, "related reading" tails)
survives trafilatura inside the article and in feed summaries. Rules are regular expressions
in four kinds: `strip` removes a match from a line, `drop_line` removes the line, `cut_from`
removes the line and everything after it, `title_suffix` trims a title's end. Generic rules
apply everywhere; a site's rules add to them for its source name or host (subdomains match).

Patterns are written once, in Simplified Chinese: each line is also matched in a Simplified
view of itself (Traditional characters mapped one to one through OpenCC's character table),
so 責任編輯 meets the rule for 责任编辑. A pattern written in Traditional still matches the line
as it is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from news_pipeline.datafiles import data_path, parse_yaml
from news_pipeline.pattern_sets import PatternSet

DEFAULT_BOILERPLATE_PATH = data_path("boilerplate.yaml")
_TITLE_SEPARATORS = (" - ", " – ", " — ", " | ", "｜", " · ", "_", "-", "|", "—")


@dataclass(frozen=True)
class RuleSet:
    """Compiled patterns of one scope (generic, or generic merged with one site's)."""

    strip: tuple[re.Pattern[str], ...] = ()
    drop_line: tuple[re.Pattern[str], ...] = ()
    cut_from: tuple[re.Pattern[str], ...] = ()
    title_suffix: tuple[re.Pattern[str], ...] = ()

    @functools.cached_property
    def drop_line_set(self) -> PatternSet:
        """drop_line as one question, screened by the patterns' literals (pattern_sets.py)."""
        return PatternSet([pattern.pattern for pattern in self.drop_line], flags=0)

    @functools.cached_property
    def cut_from_set(self) -> PatternSet:
        return PatternSet([pattern.pattern for pattern in self.cut_from], flags=0)

    @functools.cached_property
    def strip_set(self) -> PatternSet:
        """Whether any strip pattern can apply to a line: most lines need none of them."""
        return PatternSet([pattern.pattern for pattern in self.strip], flags=0)

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
        key = (source or "", host_of(url))
        if key not in self._resolved:
            self._resolved[key] = self._combine(*key)
        return self._resolved[key]

    def _combine(self, source: str, host: str) -> RuleSet:
        combined = self.generic
        for key, site_rules in self.sites.items():
            if key == source or (host and (host == key or host.endswith("." + key))):
                combined = combined.merged(site_rules)
        return combined


def host_of(url: str | None) -> str:
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
        document = parse_yaml(path.read_text(encoding="utf-8")) or {}
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


@functools.cache
def _to_simplified_table() -> tuple[dict[int, str], re.Pattern[str]]:
    """Traditional character -> Simplified character, one to one (OpenCC's first choice), and
    the code-point range they lie in (a line without a character in it needs no view)."""
    text = (resources.files("opencc") / "dictionary" / "TSCharacters.txt").read_text("utf-8")
    table: dict[int, str] = {}
    for line in text.splitlines():
        key, _, values = line.partition("\t")
        choices = values.split()
        if len(key) == 1 and choices and len(choices[0]) == 1 and choices[0] != key:
            table[ord(key)] = choices[0]
    span = re.compile(f"[{chr(min(table))}-{chr(max(table))}]")
    return table, span


def simplified_view(line: str) -> str:
    """`line` with its Traditional characters in Simplified form, character for character."""
    if line.isascii():
        return line
    table, span = _to_simplified_table()
    return line.translate(table) if span.search(line) else line


def _any_matches(patterns: PatternSet, line: str, view: str) -> bool:
    """Whether a pattern matches the Simplified view of the line, or the line as it is."""
    return patterns.search(view) or (view != line and patterns.search(line))


def _strip(pattern: re.Pattern[str], line: str, view: str) -> tuple[str, str]:
    """Remove the pattern's matches (found in the view, else in the line) from both."""
    where = view if pattern.search(view) else line if view != line and pattern.search(line) else ""
    if not where:
        return line, view
    kept: list[tuple[int, int]] = []
    previous = 0
    for match in pattern.finditer(where):
        kept.append((previous, match.start()))
        previous = match.end()
    kept.append((previous, len(line)))
    return (
        "".join(line[start:end] for start, end in kept),
        "".join(view[start:end] for start, end in kept),
    )


def _trim(line: str, view: str) -> tuple[str, str]:
    stripped = line.strip(" \u3000")
    start = len(line) - len(line.lstrip(" \u3000"))
    return stripped, view[start : start + len(stripped)]


def remove_boilerplate(text: str, rules: RuleSet) -> str:
    """Apply the rules line by line; lines emptied by `strip` disappear."""
    kept: list[str] = []
    for line in text.split("\n"):
        view = simplified_view(line)
        if _any_matches(rules.cut_from_set, line, view):
            break
        if _any_matches(rules.strip_set, line, view):
            for pattern in rules.strip:
                line, view = _strip(pattern, line, view)
        line, view = _trim(line, view)
        if not line or _any_matches(rules.drop_line_set, line, view):
            continue
        kept.append(line)
    return "\n".join(kept)


def comparison_key(text: str) -> str:
    """Letters and digits only, lower-cased: how titles and site names are compared."""
    return re.sub(r"[\s\W_]+", "", text).lower()


def trim_title(title: str, site_names: Iterable[str | None], rules: RuleSet) -> str:
    """Drop " - SiteName", "_新浪科技_新浪网" style suffixes (never the whole title)."""
    names = {comparison_key(name) for name in site_names if name and comparison_key(name)}
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
            if found and head.strip() and comparison_key(tail) in names:
                trimmed, changed = head.strip(), True
    return trimmed


def site_name_variants(source: str | None, url: str | None, site_name: str | None) -> list[str]:
    """What a title's suffix may call the site: source, stated site name, host, host label."""
    host = host_of(url)
    names = [source, site_name, host]
    if host:
        labels = host.removeprefix("www.").split(".")
        names += [".".join(labels), labels[0]]
    return [name for name in names if name]
