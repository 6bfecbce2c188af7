"""Organisations and products that no list names, recognised from the shape of the text.

News about AI is mostly news about names the gazetteer has never seen. Their shape gives them
away: an organisation ends in a suffix ("Brindle Labs", "Ostrava AI", "云雀智能", "青石科技"), a
product is a capitalised Latin name with a version ("Brindle-7 Mini", "Tarn-R1", "QX-900"),
and inside Chinese text any Latin-script word that is not an acronym of the trade is a name
("青石科技SkyForge"). The suffixes and stop words are data (data/name_patterns.yaml).

The categorizer uses these names three ways: an organisation whose suffix says AI ("…智能",
"… Intelligence") is AI evidence and a product name weak evidence (relevance); a suffix that is
also a topic word (研究院, Research, Labs) names the organisation, not the story's genre, and is
masked before category matching; and any recognised name in the title lets importance count a
named actor without the gazetteer knowing it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from news_pipeline.cjk import HAN_CLASS
from news_pipeline.datafiles import load_data_yaml

__all__ = ["RecognisedName", "mask_names", "recognise_names"]

ORG = "org"
PRODUCT = "product"

# A version: digits with optional decimals and a size or variant letter ("4", "2.5", "70B"), or
# a letter and digits ("R1", "V2").
_VERSION = r"(?:[A-Za-z]?\d+(?:\.\d+)*[A-Za-z]{0,2})"
_CAPITALISED = r"[A-Z][A-Za-z0-9&.]*[A-Za-z0-9]"
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.+-]*[A-Za-z0-9]|[A-Za-z]")


@dataclass(frozen=True)
class RecognisedName:
    text: str
    kind: str  # "org" or "product"
    suffix: str = ""  # the organisation suffix, when kind is "org"
    ai: bool = False  # the suffix says the organisation works on AI


@dataclass(frozen=True)
class _Patterns:
    en_org: re.Pattern[str]
    zh_org: re.Pattern[str]
    product: re.Pattern[str]
    ai_suffixes: frozenset[str]
    not_org_names: frozenset[str]
    not_name_characters: frozenset[str]
    not_product_words: frozenset[str]
    trade_words: frozenset[str]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


@functools.cache
def _patterns() -> _Patterns:
    data = load_data_yaml("name_patterns.yaml")
    suffixes = data["org_suffixes"]
    en_suffix = _alternation(suffixes["en"])
    en_org = re.compile(
        rf"(?<![A-Za-z0-9])((?:{_CAPITALISED}[ -]){{1,3}})({en_suffix})(?![A-Za-z0-9])"
    )
    # two Han characters or a Latin name before a Chinese suffix
    zh_org = re.compile(
        rf"((?:{HAN_CLASS}{{2}})|(?:[A-Za-z][A-Za-z0-9-]+\s?))({_alternation(suffixes['zh'])})"
    )
    modifiers = _alternation(data["product_modifiers"])
    product = re.compile(
        rf"(?<![A-Za-z0-9-])((?:{_CAPITALISED}[ -]?){{1,3}}?)"
        rf"({_VERSION})(?: ({modifiers}))?(?![A-Za-z0-9])"
    )
    ai_suffixes = data["ai_org_suffixes"]
    return _Patterns(
        en_org=en_org,
        zh_org=zh_org,
        product=product,
        ai_suffixes=frozenset([*ai_suffixes["en"], *ai_suffixes["zh"]]),
        not_org_names=frozenset(data["not_org_names"]),
        not_name_characters=frozenset(data["not_name_characters"]),
        not_product_words=frozenset(word.lower() for word in data["not_product_words"]),
        trade_words=frozenset(data["trade_words"]),
    )


def _has_han(text: str) -> bool:
    return re.search(HAN_CLASS, text) is not None


def _english_orgs(text: str, patterns: _Patterns) -> list[RecognisedName]:
    names = []
    for match in patterns.en_org.finditer(text):
        start = match.start(1)
        first = match.group(1).split()[0]
        if first.lower() in patterns.not_product_words:  # "The Brindle Labs": not "The"
            start += len(first) + 1
        if start >= match.start(2):
            continue
        suffix = match.group(2)
        name = text[start : match.end()]
        names.append(RecognisedName(name, ORG, suffix, suffix in patterns.ai_suffixes))
    return names


def _chinese_orgs(text: str, patterns: _Patterns) -> list[RecognisedName]:
    if not _has_han(text):  # every Chinese suffix has a Han character (name_patterns.yaml)
        return []
    names = []
    for match in patterns.zh_org.finditer(text):
        stem, suffix = match.group(1).strip(), match.group(2)
        name = stem + suffix
        if any(character in patterns.not_name_characters for character in stem):
            continue
        # a common word that reaches into the stem (人工智能, 人形机器人) is not a name
        if any(len(word) > len(suffix) and name.endswith(word) for word in patterns.not_org_names):
            continue
        names.append(RecognisedName(name, ORG, suffix, suffix in patterns.ai_suffixes))
    return names


def _products(text: str, patterns: _Patterns) -> list[RecognisedName]:
    names = []
    for match in patterns.product.finditer(text):
        words = match.group(1).replace("-", " ").split()
        if not words or words[0].lower() in patterns.not_product_words:
            continue
        names.append(RecognisedName(match.group(0).strip(), PRODUCT))
    return names


def _latin_in_chinese(
    text: str, patterns: _Patterns, known: list[RecognisedName]
) -> list[RecognisedName]:
    """Latin-script words inside Chinese text: names, unless all capitals of up to four letters
    (AI, GPU, API, CEO: the trade's acronyms), a word of the trade (Token, App) or lower case."""
    if not _has_han(text):
        return []
    inside = " ".join(name.text for name in known)
    names = []
    for match in _LATIN_WORD.finditer(text):
        word = match.group(0)
        if len(word) < 3 or not word[0].isupper() or word in patterns.trade_words:
            continue
        if (word.isupper() and len(word) <= 4) or re.search(rf"\b{re.escape(word)}\b", inside):
            continue
        names.append(RecognisedName(word, PRODUCT))
    return names


def recognise_names(text: str) -> list[RecognisedName]:
    """The organisations and products named in the text (Simplified Chinese or English), in
    order of appearance kinds apart, each spelling once."""
    return list(_recognised(text))


@functools.lru_cache(maxsize=256)
def _recognised(text: str) -> tuple[RecognisedName, ...]:
    """recognise_names, kept for the texts a story asks about twice (category, importance)."""
    patterns = _patterns()
    found = [
        *_english_orgs(text, patterns),
        *_chinese_orgs(text, patterns),
        *_products(text, patterns),
    ]
    found += _latin_in_chinese(text, patterns, found)
    unique: dict[tuple[str, str], RecognisedName] = {}
    for name in found:
        unique.setdefault((name.text, name.kind), name)
    return tuple(unique.values())


def mask_names(
    text: str, names: list[RecognisedName], suffixes: frozenset[str], products: frozenset[str]
) -> str:
    """The text with the organisation suffixes in `suffixes` blanked inside the recognised
    names, and the product names in `products` blanked whole: "Halyard Research" or "遥望研究院"
    is not a research story, a product called "Code" inside Chinese text is not about code."""
    for name in names:
        if name.kind == ORG and name.suffix in suffixes:
            blank = name.text[: len(name.text) - len(name.suffix)] + " " * len(name.suffix)
            text = text.replace(name.text, blank)
        elif name.kind == PRODUCT and name.text in products:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(name.text)}(?![A-Za-z0-9])", " ", text)
    return text
