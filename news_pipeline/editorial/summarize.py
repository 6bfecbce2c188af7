"""Extractive, offline summaries and key facts for a story.

Summaries are built only from sentences of the lead article, so they never say anything its
source did not; the rest of the story's cluster only votes on which lead sentences matter
(content several outlets repeat is what the story is about). Boilerplate (editor credits,
"follow us", stock-app ads, cookie notices) never reaches a summary, and a sentence is never
cut: the budget decides which whole sentences fit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from news_pipeline import wordlists
from news_pipeline.cjk import HAN_RE, HAN_RUN_PATTERN, is_chinese_text_char

__all__ = [
    "content_tokens",
    "extract_key_facts",
    "is_boilerplate",
    "split_sentences",
    "strip_dateline",
    "summarize_story",
    "text_length",
]

# ---- sentence splitting ------------------------------------------------------------------

_ALWAYS_END = set("。！？；")
_ASCII_END = set("!?")
_ELLIPSIS = "…"
_CLOSERS = set("”’」』\"')）]】》")
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "vs",
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "fig",
    "approx",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "a.m",
    "p.m",
    "gov",
    "dept",
    "est",
    "mt",
    "rev",
    "gen",
    "sen",
    "rep",
}
_WORD_BEFORE_DOT = re.compile(r"([A-Za-z](?:[A-Za-z.]*[A-Za-z])?)$")


def _dot_ends_sentence(text: str, index: int) -> bool:
    """Decide whether the '.' at text[index] closes a sentence.

    Not when it sits inside a number or version (3.5, GPT-5.2), follows a known abbreviation
    or a single initial (U.S., Dr., J. Smith), or is followed by a lower-case word.
    """
    after = text[index + 1] if index + 1 < len(text) else ""
    if after and (after.isalnum() or after in "._-/"):
        # "morning.The" (a lost space) still ends a sentence; "3.5", "GPT-5.2", "Node.js" do not.
        following = text[index + 2] if index + 2 < len(text) else ""
        lost_space = after.isupper() and following.islower() and text[index - 1 : index].islower()
        if not lost_space:
            return False
    match = _WORD_BEFORE_DOT.search(text[:index])
    if match:
        word = match.group(1).lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
    rest = text[index + 1 :].lstrip(" \t")
    rest = rest.lstrip("".join(_CLOSERS))
    rest = rest.lstrip(" \t")
    return not (rest and rest[0].islower())


def split_sentences(text: str) -> list[str]:
    """Split Chinese, English or mixed text into sentences.

    Ends a sentence at 。！？；… and at . ! ? when they close one (see `_dot_ends_sentence`),
    keeps closing quotes and brackets with the sentence they close, and treats line breaks
    as hard boundaries (paragraphs and list items are never joined).
    """
    sentences: list[str] = []
    for paragraph in re.split(r"\n+", text):
        start = 0
        index = 0
        length = len(paragraph)
        while index < length:
            char = paragraph[index]
            is_end = False
            if char in _ALWAYS_END or char == _ELLIPSIS:
                is_end = True
            elif char in _ASCII_END:
                after = paragraph[index + 1] if index + 1 < length else ""
                is_end = (
                    not after or after.isspace() or after in _CLOSERS or is_chinese_text_char(after)
                )
                is_end = is_end or after in _ASCII_END
            elif char == ".":
                is_end = _dot_ends_sentence(paragraph, index)
            if is_end:
                end = index + 1
                while end < length and (
                    paragraph[end] in _ALWAYS_END
                    or paragraph[end] in _ASCII_END
                    or paragraph[end] == _ELLIPSIS
                    or paragraph[end] == "."
                ):
                    end += 1
                while end < length and paragraph[end] in _CLOSERS:
                    end += 1
                piece = paragraph[start:end].strip()
                if piece:
                    sentences.append(piece)
                start = end
                index = end
                continue
            index += 1
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


# ---- lengths, tokens, boilerplate --------------------------------------------------------

_UNDETERMINED_LANGUAGES = {"und", "unknown", "mixed", "mul"}
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-']*")
_EN_STOPWORDS = wordlists.function_words()


def _is_chinese(text: str, language: str | None) -> bool:
    """Chinese-style text (budget in characters); undetermined languages are judged by script."""
    if language and language.lower() not in _UNDETERMINED_LANGUAGES:
        return language.lower().startswith(("zh", "ja"))
    cjk = len(HAN_RE.findall(text))
    return cjk > 0 and cjk >= len(_WORD_RE.findall(text))


def text_length(text: str, language: str) -> int:
    """Length in the budget's unit: characters (without spaces) for Chinese, words otherwise."""
    if _is_chinese(text, language):
        return len(re.sub(r"\s+", "", text))
    return len(text.split())


def content_tokens(text: str) -> set[str]:
    """Character bigrams of Chinese runs plus lower-cased non-stopword Latin words."""
    tokens: set[str] = set()
    for run in re.findall(HAN_RUN_PATTERN, text):
        if len(run) == 1:
            tokens.add(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in _WORD_RE.findall(text):
        lowered = word.lower().strip(".'-")
        if lowered and lowered not in _EN_STOPWORDS:
            tokens.add(lowered)
    return tokens


_BOILERPLATE_PATTERNS = [
    r"责任编辑",
    r"编辑[:：]",
    r"记者[:：]",
    r"校对[:：]",
    r"来源[:：]",
    r"原标题[:：]",
    r"本文来自",
    r"本文转载",
    r"转载请",
    r"未经授权",
    r"版权所有",
    r"版权归",
    r"免责声明",
    r"炒股就",
    r"金麒麟",
    r"行情研报",
    r"(?:下载|打开|安装|就用|尽在)[^，。！]{0,12}(?:APP|App|app|客户端)",
    r"(?:文章)?关键词[:：]",
    r"标签[:：]",
    r"^【[^】]{1,12}】$",
    r"24小时滚动播报",
    r"扫码",
    r"二维码",
    r"关注(我们|公众号|微信)",
    r"点击(阅读|查看|下方|关注|这里|链接)",
    r"欢迎(加入|关注|订阅)",
    r"(图片|图源|题图)(来源|来自)",
    r"广告",
    r"声明[:：]",
    r"all rights reserved",
    r"\bcopyright\b.*\d{4}",
    r"\bsubscribe\b",
    r"\bsign up\b",
    r"\bnewsletter\b",
    r"\bcookies?\b",
    r"\bread more\b",
    r"\bclick here\b",
    r"\bfollow us\b",
    r"\bshare (this|on)\b",
    r"\bphoto(graph)?:\s",
    r"\b(image|photo) credit",
    r"\badvertisement\b",
    r"\bterms of (use|service)\b",
    r"\bprivacy policy\b",
    r"^(editing|reporting|additional reporting) by\b",
    r"^tags?:",
]
_BOILERPLATE_RE = re.compile(
    "|".join(f"(?:{pattern})" for pattern in _BOILERPLATE_PATTERNS), re.IGNORECASE
)


def is_boilerplate(sentence: str) -> bool:
    """True for sentences that look like page furniture rather than reporting."""
    if _BOILERPLATE_RE.search(sentence):
        return True
    letters = len(HAN_RE.findall(sentence)) + len(re.findall(r"[A-Za-z]", sentence))
    return letters < max(4, len(sentence) // 3)


_DATELINE_PATTERNS = [
    re.compile(r"^【[^】]{1,16}】\s*"),  # 【快讯网】
    # 华夏科技讯 2月15日消息，
    re.compile(
        r"^[\u4e00-\u9fffA-Za-z]{2,10}讯\s*(?:\d{1,2}月\d{1,2}日)?"
        r"(?:[上下]午|晚间|早间)?消息[，,]\s*"
    ),
    # BEIJING (Reuters) -
    re.compile(r"^[A-Z][A-Za-z .]{1,30}\((?:Reuters|AP|AFP|Bloomberg|Xinhua)\)\s*[-—–]\s*"),
]


def strip_dateline(sentence: str) -> str:
    """Drop a leading agency tag or dateline, which says who wrote it, not what happened."""
    stripped = sentence
    for pattern in _DATELINE_PATTERNS:
        stripped = pattern.sub("", stripped, count=1)
    return stripped.strip() or sentence


def _is_candidate(sentence: str, language: str) -> bool:
    if is_boilerplate(sentence):
        return False
    if _is_chinese(sentence, language):
        return len(HAN_RE.findall(sentence)) >= 8
    return len(sentence.split()) >= 5


# ---- summaries ----------------------------------------------------------------------------


_RELATIVE_SCORE_FLOOR = 0.6


@dataclass(frozen=True)
class _ScoredSentence:
    position: int
    text: str
    length: int
    score: float


def _cluster_support(sentence_tokens: set[str], other_token_sets: list[set[str]]) -> float:
    """Share of the other members that carry at least half of this sentence's content."""
    if not other_token_sets or not sentence_tokens:
        return 0.0
    supporting = sum(
        1
        for other in other_token_sets
        if len(sentence_tokens & other) / len(sentence_tokens) >= 0.5
    )
    return supporting / len(other_token_sets)


def _rank_lead_sentences(
    lead_text: str, other_texts: list[str], language: str
) -> list[_ScoredSentence]:
    """Score every usable lead sentence: position prior plus cluster support plus facts."""
    other_token_sets = [content_tokens(text) for text in other_texts if text and text.strip()]
    sentences = [strip_dateline(sentence) for sentence in split_sentences(lead_text)]
    candidates = [sentence for sentence in sentences if _is_candidate(sentence, language)]
    if not candidates:
        # A very short text: any sentence that is not page furniture will do.
        candidates = [sentence for sentence in sentences if not is_boilerplate(sentence)]
    scored = []
    for position, sentence in enumerate(candidates):
        position_prior = 1.0 / (1.0 + 0.5 * position)
        support = _cluster_support(content_tokens(sentence), other_token_sets)
        has_number = 0.1 if re.search(r"\d", sentence) else 0.0
        score = position_prior + 2.0 * support + has_number
        scored.append(_ScoredSentence(position, sentence, text_length(sentence, language), score))
    return scored


def summarize_story(
    lead_text: str,
    other_texts: list[str],
    language: str,
    budget_chars: int = 120,
    budget_words: int = 60,
) -> str:
    """Pick whole lead sentences, best first, until the budget is used; keep text order.

    The budget is `budget_chars` characters for Chinese and `budget_words` words otherwise.
    Sentences scoring below 60% of the best are left out even when they would fit. When no
    sentence fits, the shortest of the three best is used whole rather than cut.
    """
    if not lead_text or not lead_text.strip():
        return ""
    budget = budget_chars if _is_chinese(lead_text, language) else budget_words
    ranked = _rank_lead_sentences(lead_text, other_texts, language)
    if not ranked:
        return ""

    by_score = sorted(ranked, key=lambda item: (-item.score, item.position))
    # Filler is worse than a short summary: only sentences close to the best one are added.
    floor = _RELATIVE_SCORE_FLOOR * by_score[0].score
    chosen: list[_ScoredSentence] = []
    used = 0
    for candidate in by_score:
        if candidate.score >= floor and used + candidate.length <= budget:
            chosen.append(candidate)
            used += candidate.length
    if not chosen:
        chosen = [min(by_score[:3], key=lambda item: (item.length, -item.score))]
    chosen.sort(key=lambda item: item.position)
    joiner = "" if _is_chinese(lead_text, language) else " "
    return joiner.join(item.text for item in chosen)


# ---- key facts ----------------------------------------------------------------------------

_NUMBER = r"\d+(?:[.,]\d+)*"
_ZH_UNITS = (
    r"(?:万亿|千亿|百亿|亿|万|千)?\s*(?:参数|个|台|家|人|名|位|倍|元|美元|欧元|英镑|日元|港元|"
    r"人民币|块|颗|张|卡|款|种|项|次|条|篇|部|帧|秒|分钟|小时|天|周|个月|米|厘米|毫米|公里|"
    r"千瓦|兆瓦|瓦|度|GB|TB|PB|MW|GW|TPS|fps|[Tt]okens?|万|亿|%|％|[BTMK](?![A-Za-z]))"
)
_EN_UNITS = (
    r"(?:%|percent|x(?![A-Za-z])|times|trillion|billion|million|thousand|bn(?![A-Za-z])|"
    r"[BMKT](?![A-Za-z])|GB|TB|PB|"
    r"MW|GW|kW|TPS|fps|tokens?|parameters|params|users|customers|subscribers|downloads|"
    r"languages|GPUs?|chips|servers|robots|employees|people|hours|minutes|seconds|days|weeks|"
    r"months|years|points|nm|dollars|yuan|euros|pounds)"
)
_FACT_NUMBER_RE = re.compile(
    rf"(?:[$¥€£]\s?{_NUMBER})"  # currency amounts: $2B, ¥100
    rf"|(?:(?<![\d/])\d+/\d+(?![\d/]))"  # ratios: 1/18
    rf"|(?:(?<![A-Za-z]){_NUMBER}\s*{_ZH_UNITS})"  # 3970亿参数, 100万 Token, 10亿美元, 60%
    rf"|(?:(?<![A-Za-z]){_NUMBER}\s*{_EN_UNITS})"  # 397B, 8.6x, 2 billion
)
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}\s*年?$")
_LATIN_NAME_RE = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:[-. ][A-Z0-9][A-Za-z0-9.]*)*")
_CLAUSE_SPLIT_RE = re.compile(r"(?<=[，,：:])\s*")


def _number_hits(text: str) -> list[str]:
    hits = [match.group(0) for match in _FACT_NUMBER_RE.finditer(text)]
    return [hit for hit in hits if not _YEAR_RE.match(hit.strip())]


def _named_entity_count(text: str, chinese: bool) -> int:
    names = _LATIN_NAME_RE.findall(text)
    if not chinese:
        # An English sentence's first word is capitalised anyway.
        first = re.match(r"\s*([A-Z][a-z]+)\b", text)
        if first and names and names[0] == first.group(1):
            names = names[1:]
    return len(set(names))


def _fact_units(text: str, language: str) -> list[str]:
    """Sentences, with over-long ones broken into their clauses."""
    chinese = _is_chinese(text, language)
    limit = 80 if chinese else 40
    units: list[str] = []
    for sentence in map(strip_dateline, split_sentences(text)):
        if text_length(sentence, language) <= limit:
            units.append(sentence)
            continue
        clauses = [clause.strip() for clause in _CLAUSE_SPLIT_RE.split(sentence)]
        units.extend(clause.rstrip("，,：:") for clause in clauses if clause)
    return units


def extract_key_facts(text: str, language: str, max_facts: int = 4) -> list[str]:
    """Sentences or clauses that state a number with its unit, named entities counting extra.

    Returns at most `max_facts` items in text order; empty when the text has no figures.
    """
    if not text or max_facts <= 0:
        return []
    chinese = _is_chinese(text, language)
    scored: list[tuple[float, int, str]] = []
    seen: set[str] = set()
    for position, unit in enumerate(_fact_units(text, language)):
        if unit in seen or is_boilerplate(unit):
            continue
        seen.add(unit)
        numbers = _number_hits(unit)
        if not numbers:
            continue
        entities = _named_entity_count(unit, chinese)
        score = 2.0 * len(numbers) + min(entities, 3) - 0.02 * position
        score -= max(0.0, math.log(max(text_length(unit, language), 1) / 60.0))
        scored.append((score, position, unit))
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:max_facts]
    return [unit for _, _, unit in sorted(best, key=lambda item: item[1])]
