"""Repair of UTF-8 text that was decoded as cp1252 and lost some of its bytes.

Seed 003 shows the damage: every byte >= 0x80 of the UTF-8 text went through cp1252 (cp1254
for the lead byte of 4-byte emoji, hence 'ğ'), and the bytes cp1252 leaves undefined or
invisible (0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD) were dropped. They are all UTF-8
continuation bytes, so each damaged character is a lead byte with too few continuation bytes.
ftfy cannot restore missing bytes; this module enumerates the characters each damaged one can
have been and lets a word-segmentation language model of Chinese choose among them, jointly
over a whole line (Viterbi over words, their parts of speech and open brackets). Word
frequencies blend wordfreq's modern list with jieba's; parts of speech and their transitions
come from jieba's tagging tables, mixed log-linearly with the word unigram; Traditional
characters are folded to Simplified through OpenCC's tables to look words up.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import math
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import ftfy

from news_pipeline import wordlists

DROPPED_BYTES: tuple[int, ...] = (0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD)
_UNUSABLE_CATEGORIES = frozenset({"Cn", "Co", "Cs", "Cc"})
_MAX_WORD_CHARS = 12

# Relative frequencies (in jieba's units, total about 6e7) of the non-Han characters that a
# damaged sequence can stand for. Hand-set from what Chinese news and blog text uses; they only
# rank candidates that the word list cannot tell apart.
_SYMBOL_FREQUENCY: dict[str, float] = {
    "、": 120_000,
    "」": 60_000,
    "”": 60_000,
    "！": 30_000,
    "【": 15_000,
    "『": 8_000,
    "』": 8_000,
    "～": 4_000,
    "\ufe0f": 20_000,  # emoji presentation selector
    "\u200d": 3_000,  # zero-width joiner inside emoji sequences
    "／": 1_500,
    "－": 800,
    "＝": 500,
    "．": 300,
    "０": 300,
    "＞": 300,
    "Ｍ": 200,
    "‐": 200,
    "〝": 200,
    "〞": 200,
    "í": 2_000,
    "Á": 300,
    "Í": 300,
    "Ý": 60,
    "Î": 50,
    "Ï": 50,
    "Ð": 30,
    "Þ": 30,
    "●": 3_000,
    "❌": 3_000,
    "❤": 2_000,
    "➡": 2_000,
    "⭐": 3_000,
    "⏰": 1_000,
    "⏳": 1_000,
    "⏱": 500,
    "⏩": 300,
    "✍": 300,
}
# Emoji common in tech-news headings and bullets; any other emoji gets _OTHER_EMOJI_FREQUENCY.
# Invisible characters that join or restyle the character before them; words pass through them.
_JOINERS = frozenset({"\ufe0f", "\u200d"})
_COMMON_EMOJI = (
    "🔍🔎🚀🌊💡📌🔥🤖📊🧠📰🎯🏆🐳📝🔐👀👉💰📈📉📚🛠🎬🎨🎙🏭💻📱🌍🌐😱🙌👍🎉🆕🔗📢📣🗞🧪🦾🔬"
    "🤝🛡💬🧵🧩🎁🔔📅📆🗓📍🏢🏛📦🔧🔑🔒📋📄📖🧭🧰💼💸💵📡🛰🎮🎵🎧📺📷🖥🗣👥👤🌟🏁🚨🚧🙏👏💪🤔😂😅"
)
_COMMON_EMOJI_FREQUENCY = 3_000.0
_OTHER_EMOJI_FREQUENCY = 100.0
_UNKNOWN_HAN_FREQUENCY = 0.5
_UNKNOWN_OTHER_FREQUENCY = 5.0
# Words of AI and technology news that jieba's list (from the early 2010s) lacks, written in
# Simplified (Traditional text is folded onto it, so Taiwan terms such as 晶片 are listed so).
_DOMAIN_WORD_FREQUENCY = 300.0
# Share of wordfreq's modern frequencies in the blend with jieba's (from the early 2010s), and
# the part of speech assumed for a word that only wordfreq lists.
_MODERN_WEIGHT = 0.9
_MODERN_ONLY_TAG = "n"
# Words of OpenCC's phrase table that jieba lacks: known to be words, frequency unknown.
_PHRASE_TABLE_FREQUENCY = 5.0
_ASCII_FREQUENCY = 5_000.0
# P(word | tag) given to a Latin word or a number written in ASCII.
_ASCII_GIVEN_TAG = 1e-4
# Weight of a character's frequency inside longer words when it has to stand alone.
_CHAR_IN_WORD_WEIGHT = 0.05
# Cost (natural log) of a character from the other script than the text's own.
_SCRIPT_MISMATCH_COST = 9.0
# Costs of a bracket that closes nothing or opens one of its kind again (Chinese nests 『』 in
# 「」, not 「」 in 「」), of a bracket left open at the line end, and of each character read
# inside an open bracket (quoted terms are short: 「A」B、C rather than 「A、B」C).
_UNBALANCED_BRACKET_COST = 9.0
_UNCLOSED_OPEN_COST = 4.0
_OPEN_SPAN_COST = 0.1
_PUNCTUATION_PAIR_COST = 6.0
# Weight of the part-of-speech bigram against the plain word unigram in a log-linear mix
# (a geometric mean: a grammatical but rare reading must not lose to a frequent ungrammatical
# one, nor the reverse), and the probabilities given to what jieba's tables never saw.
_TAGGED_WEIGHT = 0.4
_UNSEEN_TRANSITION = 1e-5
_UNSEEN_GIVEN_TAG = 1e-30
# jieba tags a numeral and its classifier as one word ("500台": m), so its table rarely sees a
# classifier (q) after a numeral, which is what Chinese puts there.
_NUMERAL_CLASSIFIER_TRANSITION = 0.3
_TAGS_PER_CHAR = 4
# Adverbs, prepositions and conjunctions rarely end a clause.
_DANGLING_TAGS = frozenset({"d", "p", "c"})
_DANGLING_WORD_COST = 2.0
# Modal particles (吗, 呢, 吧) close a clause; a word right after one is unlikely.
_CLAUSE_FINAL_TAGS = frozenset({"y"})
_PARTICLE_NOT_FINAL_COST = 3.0
# Extra parts of speech for characters whose jieba tag misses a common modern use.
_EXTRA_SINGLE_TAGS = {"与": "c"}
_FRAMED_LOCALIZER_BONUS = 1.5
_UNFRAMED_LOCALIZER_COST = 1.0
# Bracket pairs whose closing or opening character can be damaged: (opening, closing).
_BRACKET_PAIRS = (("「", "」"), ("『", "』"), ("“", "”"), ("【", "】"))
_BRACKET_EFFECT: dict[str, tuple[int, int]] = {}
for _kind, (_opening, _closing) in enumerate(_BRACKET_PAIRS):
    _BRACKET_EFFECT[_opening] = (_kind, 1)
    _BRACKET_EFFECT[_closing] = (_kind, -1)

_EMPTY_BRACKETS: tuple[int, ...] = (0,) * len(_BRACKET_PAIRS)


def _build_char_to_byte() -> dict[str, int]:
    """Map each character of the cp1252 view (plus cp1254's Turkish letters) to its byte."""
    char_to_byte: dict[str, int] = {chr(value): value for value in range(0x80)}
    for value in range(0x80, 0x100):
        try:
            char_to_byte[bytes([value]).decode("cp1252")] = value
        except UnicodeDecodeError:
            continue
    for value in range(0x80, 0x100):
        try:
            char_to_byte.setdefault(bytes([value]).decode("cp1254"), value)
        except UnicodeDecodeError:
            continue
    return char_to_byte


_CHAR_TO_BYTE = _build_char_to_byte()


def _utf8_length(lead: int) -> int:
    """Number of bytes of a UTF-8 sequence starting with `lead` (0 when it cannot start one)."""
    if lead < 0x80:
        return 1
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _is_continuation(value: int) -> bool:
    return 0x80 <= value <= 0xBF


def _usable(char: str) -> bool:
    return unicodedata.category(char) not in _UNUSABLE_CATEGORIES


@functools.cache
def _candidates(sequence: bytes, length: int) -> tuple[str, ...]:
    """Characters a truncated UTF-8 sequence (lead + present continuation bytes) can have been."""
    lead, present = sequence[0], sequence[1:]
    missing = length - len(sequence)
    found: list[str] = []
    for slots in itertools.combinations(range(length - 1), missing):
        for inserted in itertools.product(DROPPED_BYTES, repeat=missing):
            tail = list(present)
            for slot, value in zip(slots, inserted, strict=True):
                tail.insert(slot, value)
            try:
                char = bytes([lead, *tail]).decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(char) == 1 and _usable(char) and char not in found:
                found.append(char)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Position:
    """One character of the repaired text: fixed, or a damaged one with its candidates."""

    original: str
    candidates: tuple[str, ...]
    damaged: bool = False


@dataclass(frozen=True, slots=True)
class _RunAnalysis:
    positions: list[_Position]
    complete_multibyte: int
    truncated: int
    invalid: int


def _analyse_run(run: str) -> _RunAnalysis:
    """Walk a run of byte-mappable characters as UTF-8, noting complete and truncated sequences."""
    data = bytes(_CHAR_TO_BYTE[char] for char in run)
    positions: list[_Position] = []
    complete = truncated = invalid = 0
    index = 0
    while index < len(data):
        lead = data[index]
        length = _utf8_length(lead)
        if length == 1:
            positions.append(_Position(run[index], (run[index],)))
            index += 1
            continue
        end = index + 1
        while end < len(data) and _is_continuation(data[end]) and end - index < length:
            end += 1
        original = run[index:end]
        if length == 0:
            invalid += 1
            positions.extend(_Position(char, (char,)) for char in original)
        elif end - index == length:
            try:
                char = data[index:end].decode("utf-8")
                complete += 1
                positions.append(_Position(original, (char,)))
            except UnicodeDecodeError:
                invalid += 1
                positions.extend(_Position(char, (char,)) for char in original)
        else:
            options = _candidates(data[index:end], length)
            if options:
                truncated += 1
                positions.append(_Position(original, options, damaged=True))
            else:
                invalid += 1
                positions.extend(_Position(char, (char,)) for char in original)
        index = end
    return _RunAnalysis(positions, complete, truncated, invalid)


def _split_runs(text: str) -> list[tuple[bool, str]]:
    """Split text into (byte-mappable?, substring) runs; other characters cannot be mojibake."""
    runs: list[tuple[bool, str]] = []
    for mappable, chars in itertools.groupby(text, key=lambda char: char in _CHAR_TO_BYTE):
        runs.append((mappable, "".join(chars)))
    return runs


def _run_is_damaged(analysis: _RunAnalysis) -> bool:
    """Dropped-byte damage: UTF-8 structure throughout, some sequences whole, some truncated."""
    return analysis.truncated >= 1 and analysis.complete_multibyte >= 1 and analysis.invalid == 0


def looks_like_dropped_byte_mojibake(text: str) -> bool:
    """True when some run of the text is UTF-8-as-cp1252 with truncated sequences."""
    for mappable, run in _split_runs(text):
        if (
            mappable
            and any(ord(char) >= 0x80 for char in run)
            and _run_is_damaged(_analyse_run(run))
        ):
            return True
    return False


_SPACE_TAG = " "
_PUNCTUATION_TAG = "w"
_CLAUSE_START = _PUNCTUATION_TAG
_LATIN_TAG = "eng"
# Latin words and numbers written in ASCII get tags of their own, so that only an ASCII word
# continues one for free (a Chinese numeral or a word tagged "m" must pay for the digits after it).
_ASCII_LATIN_TAG = "eng#"
_ASCII_NUMBER_TAG = "m#"
_UNKNOWN_TAG = "x"
# Tags of the word list that the part-of-speech transition table lacks, and their stand-ins.
_TRANSITION_TAG_ALIASES = {_LATIN_TAG: "nz", _ASCII_LATIN_TAG: "nz", _ASCII_NUMBER_TAG: "m"}


class _Entry(NamedTuple):
    """How the model scores one word: alone (unigram) and given its part of speech.

    A named tuple rather than a frozen dataclass: the model makes about 700,000 of them.
    """

    unigram: float
    tags: tuple[tuple[str, float], ...]

    @property
    def tag(self) -> str:
        return self.tags[0][0]


@dataclass(frozen=True, slots=True)
class _LanguageModel:
    """Class-based bigram over jieba's words (word | part of speech, part of speech | previous),
    mixed with the word unigram; Traditional characters are folded to Simplified to look up."""

    words: dict[str, _Entry]
    prefixes: AbstractSet[str]
    singles: dict[str, _Entry]
    tag_after: dict[str, dict[str, float]]
    to_simplified: dict[str, tuple[str, ...]]
    simplified_only: frozenset[str]
    traditional_only: frozenset[str]
    total: float

    def single(self, char: str) -> _Entry:
        """Entry of `char` standing alone as a one-character word."""
        known = None if char.isascii() else self.singles.get(char)
        if known is not None:
            return known
        return _fallback_entry(char, self.total)


def _fallback_entry(char: str, total: float) -> _Entry:
    """Entry for a character outside the word list, from its kind and the hand-set table."""
    if char in " \t\r\n":
        return _Entry(1.0, ((_SPACE_TAG, 0.0),))
    if char in _JOINERS:
        return _Entry(_SYMBOL_FREQUENCY[char] / total, ((_SPACE_TAG, 0.0),))
    if char.isascii():
        if char.isdigit():
            return _Entry(_ASCII_FREQUENCY / total, ((_ASCII_NUMBER_TAG, _ASCII_GIVEN_TAG),))
        if char.isalpha():
            return _Entry(_ASCII_FREQUENCY / total, ((_ASCII_LATIN_TAG, _ASCII_GIVEN_TAG),))
        return _Entry(_ASCII_FREQUENCY / total, ((_PUNCTUATION_TAG + char, 0.0),))
    if char in _SYMBOL_FREQUENCY:
        frequency = _SYMBOL_FREQUENCY[char]
    elif char in _COMMON_EMOJI:
        frequency = _COMMON_EMOJI_FREQUENCY
    elif 0x1F000 <= ord(char) <= 0x1FAFF:
        frequency = _OTHER_EMOJI_FREQUENCY
    elif "CJK" in unicodedata.name(char, ""):
        frequency = _UNKNOWN_HAN_FREQUENCY
    else:
        frequency = _UNKNOWN_OTHER_FREQUENCY
    category = unicodedata.category(char)
    if category.startswith("L"):
        tag = _UNKNOWN_TAG if "CJK" in unicodedata.name(char, "") else _LATIN_TAG
    else:
        tag = _PUNCTUATION_TAG + char
    return _Entry(frequency / total, ((tag, 0.0),))


def _read_opencc_table(name: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    text = (resources.files("opencc") / "dictionary" / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        key, _, values = line.partition("\t")
        if key and values:
            table[key] = tuple(values.split())
    return table


def _jieba_posseg_table(name: str) -> dict[Any, Any]:
    """Table `P` of one of jieba's part-of-speech HMM modules, loaded from its file.

    Importing `jieba.posseg` itself would parse jieba's whole dictionary again (1.5 s).
    """
    jieba_spec = importlib.util.find_spec("jieba")
    if jieba_spec is None or jieba_spec.origin is None:
        raise ModuleNotFoundError("jieba")
    path = Path(jieba_spec.origin).parent / "posseg" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_jieba_posseg_{name}", path)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table: dict[Any, Any] = module.P
    return table


def _tag_transitions() -> dict[str, dict[str, float]]:
    """P(tag | previous tag) between words, from the boundary transitions of jieba's POS HMM."""
    start_log_prob = _jieba_posseg_table("prob_start")
    transition_log_prob = _jieba_posseg_table("prob_trans")
    summed: dict[str, dict[str, float]] = {}
    for (state, previous), following in transition_log_prob.items():
        if state not in "ES":
            continue
        row = summed.setdefault(previous, {})
        for (next_state, tag), log_prob in following.items():
            if next_state in "BS":
                row[tag] = row.get(tag, 0.0) + math.exp(log_prob)
    start_row: dict[str, float] = {}
    for (state, tag), log_prob in start_log_prob.items():
        if state in "BS" and log_prob > -1e30:
            start_row[tag] = start_row.get(tag, 0.0) + math.exp(log_prob)
    summed[_CLAUSE_START] = start_row
    transitions = {
        previous: {tag: value / sum(row.values()) for tag, value in row.items()}
        for previous, row in summed.items()
    }
    numeral_row = transitions["m"]
    numeral_row["q"] = max(numeral_row.get("q", 0.0), _NUMERAL_CLASSIFIER_TRANSITION)
    return transitions


def _single_char_tags(
    word_freq: dict[str, float], word_tag: dict[str, str], tag_total: dict[str, float]
) -> dict[str, tuple[tuple[str, float], ...]]:
    """P(char | tag) for characters standing alone, over the tags jieba's POS HMM lets them take.

    The word list gives each character one tag; the HMM's single-character emissions add the
    others (仍 is listed as 'zg' but is mostly an adverb), scaled by each tag's share of
    one-character words.
    """
    emit_log_prob = _jieba_posseg_table("prob_emit")
    single_share: dict[str, float] = {}
    for word, freq in word_freq.items():
        if len(word) == 1:
            single_share[word_tag[word]] = single_share.get(word_tag[word], 0.0) + freq
    given: dict[str, dict[str, float]] = {}
    for word, freq in word_freq.items():
        if len(word) == 1:
            given.setdefault(word, {})[word_tag[word]] = freq / tag_total[word_tag[word]]
    for (state, tag), emissions in emit_log_prob.items():
        share = single_share.get(tag, 0.0) / tag_total[tag] if tag in tag_total else 0.0
        if state != "S" or share == 0.0:
            continue
        for char, log_prob in emissions.items():
            value = math.exp(log_prob) * share
            if value > given.setdefault(char, {}).get(tag, 0.0):
                given[char][tag] = value
    for char, tag in _EXTRA_SINGLE_TAGS.items():
        given[char][tag] = word_freq[char] / tag_total[tag]
    return {
        char: tuple(sorted(tags.items(), key=lambda item: -item[1])[:_TAGS_PER_CHAR])
        for char, tags in given.items()
    }


def _modern_frequencies(scale: float) -> dict[str, float]:
    """wordfreq's Chinese list (Simplified, from 2010s web, subtitles, Wikipedia, books), scaled.

    Read straight from its packed file: the list is stored as buckets of words per centibel of
    frequency, so one pass gives every word without a lookup per word.
    """
    from wordfreq import read_cBpack
    from wordfreq.util import data_path

    frequencies: dict[str, float] = {}
    buckets = read_cBpack(str(data_path("large_zh.msgpack.gz")))
    for centibels, bucket in enumerate(buckets):
        value = scale * 10.0 ** (-centibels / 100.0)
        for word in bucket:
            if not word.isascii():
                frequencies[word] = value
    return frequencies


def _blend_modern_frequencies(word_freq: dict[str, float], word_tag: dict[str, str]) -> None:
    """Mix wordfreq's modern frequencies into jieba's; jieba keeps the parts of speech."""
    modern = _modern_frequencies(sum(word_freq.values()))
    for word, freq in word_freq.items():
        word_freq[word] = (1.0 - _MODERN_WEIGHT) * freq + _MODERN_WEIGHT * modern.pop(word, 0.0)
    for word, freq in modern.items():
        word_freq[word] = _MODERN_WEIGHT * freq
        word_tag[word] = _MODERN_ONLY_TAG


@functools.cache
def _language_model() -> _LanguageModel:
    """Load jieba's and wordfreq's word lists, jieba's POS tables and OpenCC's tables once."""
    word_freq: dict[str, float] = {}
    word_tag: dict[str, str] = {}
    dict_text = (resources.files("jieba") / "dict.txt").read_text(encoding="utf-8")
    for line in dict_text.splitlines():
        fields = line.split(" ")
        if len(fields) >= 2 and fields[0]:
            word_freq[fields[0]] = word_freq.get(fields[0], 0.0) + float(fields[1])
            word_tag.setdefault(fields[0], fields[2] if len(fields) > 2 else _UNKNOWN_TAG)
    _blend_modern_frequencies(word_freq, word_tag)
    for word in _read_opencc_table("STPhrases.txt"):
        if word not in word_freq:
            word_freq[word], word_tag[word] = _PHRASE_TABLE_FREQUENCY, "n"
    for word in wordlists.domain_words():
        if word not in word_freq:
            word_freq[word], word_tag[word] = _DOMAIN_WORD_FREQUENCY, "n"
    total = sum(word_freq.values())
    tag_total: dict[str, float] = {}
    for word, freq in word_freq.items():
        tag_total[word_tag[word]] = tag_total.get(word_tag[word], 0.0) + freq
    char_in_words: dict[str, float] = {}
    prefixes: set[str] = set()
    words: dict[str, _Entry] = {}
    for word, freq in word_freq.items():
        if len(word) > 1:
            tag = word_tag[word]
            words[word] = _Entry(freq / total, ((tag, freq / tag_total[tag]),))
            prefixes.update([word[:end] for end in range(1, len(word))])
            for char in word:
                char_in_words[char] = char_in_words.get(char, 0.0) + freq
    single_tags = _single_char_tags(word_freq, word_tag, tag_total)
    singles: dict[str, _Entry] = {}
    for char in char_in_words.keys() | single_tags.keys():
        freq = word_freq.get(char, 0.0) if len(char) == 1 else 0.0
        unigram = freq + _CHAR_IN_WORD_WEIGHT * char_in_words.get(char, 0.0)
        tags = single_tags.get(char) or ((_UNKNOWN_TAG, 0.0),)
        singles[char] = _Entry(max(unigram, _UNKNOWN_HAN_FREQUENCY) / total, tags)
    traditional_to_simplified = _read_opencc_table("TSCharacters.txt")
    for variant, standard in _read_opencc_table("TWVariantsRev.txt").items():
        for form in standard:
            if form in traditional_to_simplified and variant not in traditional_to_simplified:
                traditional_to_simplified[variant] = traditional_to_simplified[form]
    simplified_to_traditional = _read_opencc_table("STCharacters.txt")
    return _LanguageModel(
        words=words,
        prefixes=prefixes,
        singles=singles,
        tag_after=_tag_transitions(),
        to_simplified=traditional_to_simplified,
        simplified_only=frozenset(
            char for char, forms in simplified_to_traditional.items() if char not in forms
        ),
        traditional_only=frozenset(
            char for char, forms in traditional_to_simplified.items() if char not in forms
        ),
        total=total,
    )


@dataclass(frozen=True, slots=True)
class _Option:
    """A character the output may have at one position, and how the model sees it."""

    char: str
    lookup: str
    cost: float
    entry: _Entry


def _options_for(
    position: _Position, model: _LanguageModel, foreign_script: frozenset[str]
) -> list[_Option]:
    options: list[_Option] = []
    for char in position.candidates:
        cost = _SCRIPT_MISMATCH_COST if position.damaged and char in foreign_script else 0.0
        for lookup in model.to_simplified.get(char, (char,)):
            options.append(_Option(char, lookup, cost, model.single(lookup)))
    return options


@dataclass(frozen=True, slots=True)
class _Word:
    end: int
    chars: str
    lookup: str
    entry: _Entry
    cost: float


def _words_from(start: int, lattice: list[list[_Option]], model: _LanguageModel) -> list[_Word]:
    """Every dictionary word (and every single option) the lattice allows from `start`."""
    words = [
        _Word(start + 1, option.char, option.lookup, option.entry, option.cost)
        for option in lattice[start]
    ]
    frontier: list[tuple[str, str, float]] = [
        (option.lookup, option.char, option.cost)
        for option in lattice[start]
        if option.lookup in model.prefixes
    ]
    end = start + 1
    while frontier and end < len(lattice) and end - start < _MAX_WORD_CHARS:
        extended: list[tuple[str, str, float]] = []
        for lookup, chars, cost in frontier:
            for option in lattice[end]:
                key = lookup + option.lookup
                entry = model.words.get(key)
                if entry is not None:
                    words.append(
                        _Word(end + 1, chars + option.char, key, entry, cost + option.cost)
                    )
                if key in model.prefixes:
                    extended.append((key, chars + option.char, cost + option.cost))
        frontier = extended
        end += 1
    return words


_SEPARATORS = "、，。；：！？"
_CLAUSE_ENDS = frozenset("，。；：！？,.;:!?")
# Prepositions that open a locative phrase, and the localizers that close it.
_FRAME_OPENERS = frozenset("在从于当到向对自")
_LOCALIZERS = frozenset("中上下里内外间")
_CLOSERS = "」』】”）》"
_OPENERS = "「『【“（《"


def _punctuation_pair_cost(previous_tag: str, char: str) -> float:
    """Cost of two punctuation marks that Chinese text does not put side by side."""
    if not previous_tag.startswith(_PUNCTUATION_TAG):
        if char in _CLAUSE_ENDS and previous_tag in _DANGLING_TAGS:
            return _DANGLING_WORD_COST
        return 0.0
    previous = previous_tag[len(_PUNCTUATION_TAG) :]
    if previous == "、" and (char in _SEPARATORS or char in _CLOSERS or char == ""):
        return _PUNCTUATION_PAIR_COST
    if char == "、" and (previous in _SEPARATORS or previous in _OPENERS or previous == ""):
        return _PUNCTUATION_PAIR_COST
    if previous in _OPENERS and (char in _SEPARATORS or char in _CLOSERS):
        return _PUNCTUATION_PAIR_COST
    return 0.0


def _word_scores(model: _LanguageModel, word: _Word, previous_tag: str) -> list[tuple[float, str]]:
    """Log-probabilities of `word` after a word tagged `previous_tag`, per tag it may take."""
    entry = word.entry
    if entry.tag == _SPACE_TAG:
        return [(math.log(entry.unigram) - word.cost, previous_tag)]
    if entry.tag.startswith(_PUNCTUATION_TAG):
        cost = word.cost + _punctuation_pair_cost(previous_tag, word.chars)
        return [(math.log(entry.unigram) - cost, entry.tag)]
    if previous_tag == entry.tag and word.chars.isascii() and len(word.chars) == 1:
        return [(0.0, previous_tag)]
    cost = word.cost
    if previous_tag.startswith(_PUNCTUATION_TAG):
        row = model.tag_after[_CLAUSE_START]
    else:
        row = model.tag_after.get(_TRANSITION_TAG_ALIASES.get(previous_tag, previous_tag), {})
        if previous_tag in _CLAUSE_FINAL_TAGS:
            cost += _PARTICLE_NOT_FINAL_COST
    scores: list[tuple[float, str]] = []
    for tag, given_tag in entry.tags:
        transition = row.get(_TRANSITION_TAG_ALIASES.get(tag, tag), _UNSEEN_TRANSITION)
        log_tagged = math.log(transition) + math.log(max(given_tag, _UNSEEN_GIVEN_TAG))
        log_score = _TAGGED_WEIGHT * log_tagged + (1.0 - _TAGGED_WEIGHT) * math.log(entry.unigram)
        scores.append((log_score - cost, tag))
    return scores


def _bracket_step(brackets: tuple[int, ...], chars: str) -> tuple[tuple[int, ...], float]:
    effect = _BRACKET_EFFECT.get(chars) if len(chars) == 1 else None
    if effect is None:
        return brackets, 0.0
    kind, delta = effect
    depth = brackets[kind] + delta
    if depth in (0, 1):
        return (*brackets[:kind], depth, *brackets[kind + 1 :]), 0.0
    return brackets, _UNBALANCED_BRACKET_COST


def _frame_step(in_frame: bool, word: _Word, tag: str) -> tuple[bool, float]:
    """Track a locative frame (在……中, 从……里): a localizer standing alone needs one open."""
    if len(word.lookup) != 1:
        return in_frame, 0.0
    if tag.startswith(_PUNCTUATION_TAG):
        return (in_frame or word.lookup == "》") and word.lookup not in _CLAUSE_ENDS, 0.0
    if tag == "p" and word.lookup in _FRAME_OPENERS:
        return True, 0.0
    if tag == "f" and word.lookup in _LOCALIZERS:
        return False, -_FRAMED_LOCALIZER_BONUS if in_frame else _UNFRAMED_LOCALIZER_COST
    return in_frame, 0.0


_State = tuple[str, tuple[int, ...], bool]


def _decode_line(
    positions: list[_Position], model: _LanguageModel, foreign_script: frozenset[str]
) -> str:
    """Best reading of one line: Viterbi over words, their tags and bracket depths."""
    if not any(position.damaged for position in positions):
        return "".join(position.candidates[0] for position in positions)
    lattice = [_options_for(position, model, foreign_script) for position in positions]
    size = len(lattice)
    best: list[dict[_State, tuple[float, int, _State, str]]] = [{} for _ in range(size + 1)]
    start_state: _State = (_CLAUSE_START, _EMPTY_BRACKETS, False)
    best[0][start_state] = (0.0, -1, start_state, "")
    for start in range(size):
        if not best[start]:
            continue
        words = _words_from(start, lattice, model)
        for state, (score, _, _, _) in best[start].items():
            previous_tag, brackets, in_frame = state
            for word in words:
                next_brackets, bracket_cost = _bracket_step(brackets, word.chars)
                for word_score, tag in _word_scores(model, word, previous_tag):
                    next_frame, frame_cost = _frame_step(in_frame, word, tag)
                    span_cost = _OPEN_SPAN_COST * len(word.chars) if any(brackets) else 0.0
                    total = score + word_score - bracket_cost - frame_cost - span_cost
                    next_state = (tag, next_brackets, next_frame)
                    current = best[word.end].get(next_state)
                    if current is None or total > current[0]:
                        best[word.end][next_state] = (total, start, state, word.chars)

    def final_score(item: tuple[_State, tuple[float, int, _State, str]]) -> float:
        (tag, brackets, _), (score, _, _, _) = item
        return score - _UNCLOSED_OPEN_COST * sum(brackets) - _punctuation_pair_cost(tag, "")

    state, entry = max(best[size].items(), key=final_score)
    pieces: list[str] = []
    while entry[1] >= 0:
        pieces.append(entry[3])
        state = entry[2]
        entry = best[entry[1]][state]
    return "".join(reversed(pieces))


def _foreign_script(positions: list[_Position], model: _LanguageModel) -> frozenset[str]:
    """Characters of the script the text does not use, judged from its undamaged characters."""
    traditional = simplified = 0
    for position in positions:
        if not position.damaged:
            char = position.candidates[0]
            traditional += char in model.traditional_only
            simplified += char in model.simplified_only
    if traditional > 2 * simplified:
        return model.simplified_only
    if simplified > 2 * traditional:
        return model.traditional_only
    return frozenset()


def repair_dropped_byte_mojibake(text: str) -> str:
    """Decode the damaged runs of `text` as UTF-8, choosing each truncated character by context."""
    positions: list[_Position] = []
    for mappable, run in _split_runs(text):
        analysis = _analyse_run(run) if mappable else None
        if analysis is not None and _run_is_damaged(analysis):
            positions.extend(analysis.positions)
        else:
            positions.extend(_Position(char, (char,)) for char in run)
    if not any(position.damaged for position in positions):
        return text
    model = _language_model()
    foreign_script = _foreign_script(positions, model)
    lines: list[str] = []
    line: list[_Position] = []
    for position in positions:
        if position.original == "\n":
            lines.append(_decode_line(line, model, foreign_script))
            line = []
        else:
            line.append(position)
    lines.append(_decode_line(line, model, foreign_script))
    return "\n".join(lines)


def repair_text(text: str) -> tuple[str, bool]:
    """ftfy's fixes plus the dropped-byte repair; returns (text, whether anything changed).

    The dropped-byte repair runs on the text as received, before ftfy: ftfy decodes the intact
    parts of such text and straightens the curly quotes among the mojibake bytes, which loses
    the bytes the repair needs. ftfy keeps full-width characters and curly quotes (its
    defaults would turn Chinese punctuation into ASCII).
    """
    repaired = text
    if looks_like_dropped_byte_mojibake(repaired):
        repaired = repair_dropped_byte_mojibake(repaired)
    repaired = ftfy.fix_text(repaired, fix_character_width=False, uncurl_quotes=False)
    return repaired, repaired != text
