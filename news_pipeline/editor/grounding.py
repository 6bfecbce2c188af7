"""Is an answer grounded in its story's articles?

Every figure in the answer must appear in the articles with the same value and kind:
3970亿 = 397B = 397 billion, 六成 = 60%, 十八分之一 = 1/18; a percentage matches only a
percentage (or the fraction it is). Every version and Latin-script name must appear in them
too, with the same digits (GPT-5 is not GPT-5.2), or be the English name (data/entities.yaml)
of a Chinese name that does. Dates and times are not checked: they are masked before figures
are read (a model may well turn "Friday" into a date). The lone figure 1 is not checked
either: Chinese writes "a model" as 一款模型. The answer must also be in the report's language
and hold no web address, e-mail address or markup at all: the prompt asks for none, the report
links the articles itself, and a link is what an instruction planted in an article wants.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from wordfreq import zipf_frequency

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_RE
from news_pipeline.editor import answer as kinds
from news_pipeline.editor.answer import EditorAnswer, Rejection
from news_pipeline.editor.vocabulary import grounding

__all__ = ["Quantity", "check_answer", "latin_names", "quantities"]

_VOCABULARY = grounding()
_ZH_MAGNITUDES: dict[str, float] = _VOCABULARY["magnitudes"]["zh"]
_WORD_MAGNITUDES: dict[str, float] = _VOCABULARY["magnitudes"]["words"]
_SUFFIX_MAGNITUDES: dict[str, float] = _VOCABULARY["magnitudes"]["suffixes"]
_ENGLISH_NUMBERS: dict[str, float] = _VOCABULARY["english_numbers"]
_COMMON_TERMS = frozenset(term.lower() for term in _VOCABULARY["common_latin_terms"])


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_PERCENT = _alternation(_VOCABULARY["percent_words"])
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ZH_DIGIT = "零〇一二两三四五六七八九"
_DATES = re.compile(
    "|".join(
        [
            r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*[日号])?",
            r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]?",
            r"\d{1,2}\s*[日号]",
            r"(?<!个)\d{1,2}\s*月(?!份?[^\s，,。])",
            rf"[{_ZH_DIGIT}十]{{1,3}}月(?:[{_ZH_DIGIT}十]{{1,3}}[日号])?",
            r"\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{1,2}/\d{1,2}/\d{4}",
            rf"(?<![A-Za-z]){_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?",
            rf"(?<![\d.])\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}(?:\s+\d{{4}})?",
            rf"(?<![A-Za-z]){_MONTHS}\s+\d{{4}}",
            r"\d{1,2}\s*[:：]\s*\d{2}",
            r"\d{1,2}\s*点(?:\s*\d{1,2}\s*分)?",
            r"\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)",
            r"(?<![\d.,])(?:19[5-9]\d|20[0-4]\d)(?![\d.,%]|\s*(?:亿|万|[BMKT]\b|billion|million))",
        ]
    ),
    re.IGNORECASE,
)
# Latin-script tokens: names, versions and model ids (GPT-5.2, Qwen3.5-397B-A17B, Node.js).
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*(?![A-Za-z0-9])")
_SUFFIXED_NUMBER = re.compile(
    r"^\d+(?:\.\d+)?(?:" + _alternation(_SUFFIX_MAGNITUDES) + r"|bn|mn|x|X)$"
)
_ARABIC = re.compile(
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?"
    rf"(?:\s*({_alternation(_ZH_MAGNITUDES)})"
    rf"|\s*({_alternation(_WORD_MAGNITUDES)})\b"
    rf"|\s?({_alternation(_SUFFIX_MAGNITUDES)})(?![A-Za-z]))?"
    rf"(?:\s*({_PERCENT})|\s*(成)(?!员|本|功|立|熟|为|果|交|都))?",
    re.IGNORECASE,
)
_FRACTION = re.compile(r"(?<![\d.])(\d+)\s*/\s*(\d+)(?![\d.])")
_ZH_NUMERAL = re.compile(
    rf"(?:百分之)?[{_ZH_DIGIT}十][{_ZH_DIGIT}十百千万亿]*(?:分之[{_ZH_DIGIT}十百千]+)?(成)?"
)
_ZH_NOT_NUMBERS = re.compile(
    "十分|十足|万一|一些|一起|一直|一定|一样|一般|一致|一旦|一切|一度|一再|一向|一流|统一|唯一"
    "|一方面|一边|一同|一时|一举|一番|一口气|不一|一体|一站|一线|一手|一键|一带一路|三心二意"
)
_ENGLISH_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_URL = re.compile(r"https?://\S+|\bwww\.\S+|[\w.+-]+@[\w-]+\.[\w.]+", re.IGNORECASE)
_DOMAIN = re.compile(
    r"(?<![\w@.])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:"
    + _alternation(_VOCABULARY["domain_suffixes"])
    + r")(?![\w.])",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"<\s*/?\s*[a-z!]|\]\(|```|\{\{|\{%", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    value: float
    percent: bool
    text: str

    def matches(self, other: Quantity) -> bool:
        if self.percent == other.percent:
            return math.isclose(self.value, other.value, rel_tol=1e-6)
        fraction, percent = (other, self) if self.percent else (self, other)
        return math.isclose(fraction.value * 100, percent.value, rel_tol=1e-6)


def _zh_integer(numeral: str) -> float:
    """一千二百三十 -> 1230, 三万五千 -> 35000, 一万亿 -> 1e12, 二〇二六 -> 2026."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    if all(c in digits for c in numeral):
        return float("".join(str(digits[c]) for c in numeral))
    total, section, current = 0.0, 0.0, 0.0
    for char in numeral:
        if char in digits:
            current = digits[char]
        elif char in "十百千":
            section += (current or 1) * {"十": 10, "百": 100, "千": 1000}[char]
            current = 0
        elif char == "万":
            section = (section + current) * 1e4
            if total and section < 1e8:
                total, section = total + section, 0.0
            current = 0
        elif char == "亿":
            total = (total + section + current) * 1e8
            section = current = 0
    return total + section + current


def _zh_quantity(text: str) -> Quantity | None:
    percent = text.startswith("百分之")
    body = text.removeprefix("百分之")
    tenths = body.endswith("成")
    body = body.removesuffix("成")
    if "分之" in body:
        denominator, numerator = body.split("分之", 1)
        value = _zh_integer(numerator) / max(_zh_integer(denominator), 1)
    else:
        value = _zh_integer(body)
    if tenths:
        return Quantity(value * 10, True, text)
    return Quantity(value, percent, text)


def _english_quantities(text: str) -> list[Quantity]:
    found = []
    words = [w.lower() for w in _ENGLISH_WORD.findall(text)]
    index = 0
    while index < len(words):
        parts = words[index].split("-")
        if not all(part in _ENGLISH_NUMBERS for part in parts):
            if words[index] in ("a", "an") and index + 1 < len(words):
                magnitude = _WORD_MAGNITUDES.get(words[index + 1])
                if magnitude and words[index + 1] not in ("bn", "mn"):
                    found.append(Quantity(magnitude, False, f"a {words[index + 1]}"))
                    index += 2
                    continue
            index += 1
            continue
        value = sum(_ENGLISH_NUMBERS[part] for part in parts)
        spelled = words[index]
        index += 1
        if index < len(words) and words[index] == "hundred":
            value, spelled, index = value * 100, spelled + " hundred", index + 1
        if index < len(words) and words[index] in _WORD_MAGNITUDES:
            value *= _WORD_MAGNITUDES[words[index]]
            spelled, index = f"{spelled} {words[index]}", index + 1
        percent = index < len(words) and words[index] == "percent"
        found.append(Quantity(value, percent, spelled))
    return found


def _is_versioned_name(token: str) -> bool:
    """GPT-5.2, Qwen3.5-397B-A17B: letters and digits, but not a figure like 397B or 8.6x."""
    has_both = re.search("[A-Za-z]", token) and re.search("[0-9]", token)
    return bool(has_both) and not _SUFFIXED_NUMBER.match(token)


def quantities(text: str) -> list[Quantity]:
    """Every figure of a text with its magnitude, dates, times, versions and names left out."""
    text = _DATES.sub(" ", unicodedata.normalize("NFKC", text))
    masked = _TOKEN.sub(lambda m: " " if _is_versioned_name(m.group(0)) else m.group(0), text)
    found: list[Quantity] = []
    for match in _ARABIC.finditer(masked):
        whole, decimals, zh, word, suffix, percent, tenths = match.groups()
        value = float(whole.replace(",", "") + (decimals or ""))
        magnitude = (
            _ZH_MAGNITUDES.get(zh or "")
            or _WORD_MAGNITUDES.get((word or "").lower())
            or _SUFFIX_MAGNITUDES.get(suffix or "")
            or 1.0
        )
        if tenths:
            found.append(Quantity(value * 10, True, match.group(0)))
        else:
            found.append(Quantity(value * magnitude, bool(percent), match.group(0).strip()))
    for match in _FRACTION.finditer(masked):
        numerator, denominator = float(match.group(1)), float(match.group(2))
        if denominator:
            found.append(Quantity(numerator / denominator, False, match.group(0)))
    for match in _ZH_NUMERAL.finditer(_ZH_NOT_NUMBERS.sub(" ", masked)):
        quantity = _zh_quantity(match.group(0))
        if quantity is not None:
            found.append(quantity)
    found.extend(_english_quantities(masked))
    return [q for q in found if q.percent or not math.isclose(q.value, 1.0)]


@functools.cache
def _aliases_of() -> dict[str, list[str]]:
    """English word -> its Chinese names: actors (data/entities.yaml), places and peoples."""
    names: dict[str, list[str]] = {
        word: list(chinese) for word, chinese in _VOCABULARY["latin_aliases"].items()
    }
    for chinese, anchor in wordlists.entity_aliases().items():
        names.setdefault(anchor, []).append(chinese)
    return names


def _is_common_word(word: str) -> bool:
    """Common enough in English to start a sentence or a title word without naming anyone."""
    return word.lower() in wordlists.function_words() or zipf_frequency(word.lower(), "en") >= 3.0


def latin_names(text: str, language: str, *, title: bool = False) -> list[str]:
    """Latin-script tokens that name something (or version it) and so must be grounded.

    In Chinese text every Latin token but the common terms (AI, App, Token...). In English
    text a token with a digit or an inner capital, a capitalised word inside a sentence, or a
    capitalised word at a sentence start (every word of a title) that is not a common word.
    """
    names = []
    for match in _TOKEN.finditer(unicodedata.normalize("NFKC", text)):
        token = match.group(0)
        lowered = token.lower()
        if not re.search("[A-Za-z]", token) or _SUFFIXED_NUMBER.match(token):
            continue
        if lowered in _COMMON_TERMS or all(p in _ENGLISH_NUMBERS for p in lowered.split("-")):
            continue
        if lowered in _WORD_MAGNITUDES or (len(token) == 1 and not token.isdigit()):
            continue
        if language == "zh" or re.search(r"\d|.[A-Z]", token):
            names.append(token)
            continue
        if not token[0].isupper():
            continue
        before = text[: match.start()].rstrip()
        sentence_start = title or not before or before[-1] in ".!?:;\"'“‘(—"
        if not sentence_start or not _is_common_word(token):
            names.append(token)
    return names


def _name_pattern(token: str) -> re.Pattern[str]:
    """The token with - and _ free to be a space or nothing, bounded so GPT-5 != GPT-5.2."""
    pieces = re.split(r"([-_.])", token)
    pattern = "".join(
        re.escape(p) if p == "." else r"[\s\-_]?" if p in "-_" else re.escape(p) for p in pieces
    )
    return re.compile(rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9]|\.\d)", re.IGNORECASE)


def _name_is_grounded(token: str, source: str) -> bool:
    if _name_pattern(token).search(source):
        return True
    return any(alias in source for alias in _aliases_of().get(token.lower(), []))


def _check_language(answer: EditorAnswer, language: str) -> None:
    for field in ("title", "summary", "insight"):
        text = getattr(answer, field)
        han = len(HAN_RE.findall(text))
        words = len(re.findall(r"[A-Za-z]+", text))
        chinese = han > 0 and han >= words
        if language == "zh" and not chinese:
            raise Rejection(kinds.WRONG_LANGUAGE, f"{field} is not Chinese")
        if language == "en" and han > 0.05 * max(words, 1):
            raise Rejection(kinds.WRONG_LANGUAGE, f"{field} is not English")


def check_answer(answer: EditorAnswer, source: str, language: str) -> None:
    """Raise Rejection unless the answer is in `language` and grounded in `source`."""
    fields = {"title": answer.title, "summary": answer.summary, "insight": answer.insight}
    normalized_source = unicodedata.normalize("NFKC", source)
    for field, text in fields.items():
        for pattern in (_URL, _DOMAIN, _MARKUP):
            found = pattern.search(text)
            if found:
                raise Rejection(kinds.UNEXPECTED_CONTENT, f"{field} has {found.group(0)!r}")
    _check_language(answer, language)
    # Digits inside the articles' names count as figures too ("GPT 5.2" for "GPT-5.2").
    known = quantities(source) + quantities(re.sub("[A-Za-z]", " ", normalized_source))
    for field, text in fields.items():
        for quantity in quantities(text):
            if not any(quantity.matches(other) for other in known):
                raise Rejection(
                    kinds.UNGROUNDED_NUMBER, f"{field}: {quantity.text!r} is in no article"
                )
    for field, text in fields.items():
        for name in latin_names(text, language, title=field == "title"):
            if not _name_is_grounded(name, normalized_source):
                raise Rejection(kinds.UNGROUNDED_NAME, f"{field}: {name!r} is in no article")
