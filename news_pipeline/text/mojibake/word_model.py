"""The word model that chooses among a damaged character's candidates.

A class-based bigram over jieba's words (word | part of speech, part of speech | previous
word's), mixed log-linearly with the word unigram. Word frequencies blend wordfreq's modern
list with jieba's; parts of speech and their transitions come from jieba's tagging tables;
Traditional characters are folded to Simplified through OpenCC's tables to look words up.
What those dictionaries do not say (symbols, emoji, punctuation) is hand-set in
data/mojibake_model.yaml.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from news_pipeline import wordlists
from news_pipeline.datafiles import load_data_yaml


@functools.cache
def hand_set_knowledge() -> dict[str, Any]:
    """data/mojibake_model.yaml: symbol frequencies, emoji, extra tags, punctuation."""
    return load_data_yaml("mojibake_model.yaml")


_HAND_SET = hand_set_knowledge()
_SYMBOL_FREQUENCY: dict[str, float] = {
    char: float(frequency) for char, frequency in _HAND_SET["symbol_frequencies"].items()
}
_JOINERS = frozenset(_HAND_SET["joiners"])
_COMMON_EMOJI: str = _HAND_SET["common_emoji"]
_OTHER_EMOJI_FIRST, _OTHER_EMOJI_LAST = _HAND_SET["other_emoji_block"]
_EXTRA_SINGLE_TAGS: dict[str, str] = _HAND_SET["extra_single_tags"]
_COMMON_EMOJI_FREQUENCY = 3_000.0
_OTHER_EMOJI_FREQUENCY = 100.0
_UNKNOWN_HAN_FREQUENCY = 0.5
_UNKNOWN_OTHER_FREQUENCY = 5.0
# Frequency given to a word of data/domain_words.yaml (AI and technology news) that jieba's
# list, from the early 2010s, lacks.
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
# jieba tags a numeral and its classifier as one word ("500台": m), so its table rarely sees a
# classifier (q) after a numeral, which is what Chinese puts there.
_NUMERAL_CLASSIFIER_TRANSITION = 0.3
_TAGS_PER_CHAR = 4

SPACE_TAG = " "
PUNCTUATION_TAG = "w"
CLAUSE_START = PUNCTUATION_TAG
_LATIN_TAG = "eng"
# Latin words and numbers written in ASCII get tags of their own, so that only an ASCII word
# continues one for free (a Chinese numeral or a word tagged "m" must pay for the digits after it).
_ASCII_LATIN_TAG = "eng#"
_ASCII_NUMBER_TAG = "m#"
_UNKNOWN_TAG = "x"
# Tags of the word list that the part-of-speech transition table lacks, and their stand-ins.
TRANSITION_TAG_ALIASES = {_LATIN_TAG: "nz", _ASCII_LATIN_TAG: "nz", _ASCII_NUMBER_TAG: "m"}


class Entry(NamedTuple):
    """How the model scores one word: alone (unigram) and given its part of speech.

    A named tuple rather than a frozen dataclass: the model makes about 700,000 of them.
    """

    unigram: float
    tags: tuple[tuple[str, float], ...]

    @property
    def tag(self) -> str:
        return self.tags[0][0]


@dataclass(frozen=True, slots=True)
class LanguageModel:
    """Class-based bigram over jieba's words (word | part of speech, part of speech | previous),
    mixed with the word unigram; Traditional characters are folded to Simplified to look up."""

    words: dict[str, Entry]
    prefixes: AbstractSet[str]
    singles: dict[str, Entry]
    tag_after: dict[str, dict[str, float]]
    to_simplified: dict[str, tuple[str, ...]]
    simplified_only: frozenset[str]
    traditional_only: frozenset[str]
    total: float

    def single(self, char: str) -> Entry:
        """Entry of `char` standing alone as a one-character word."""
        known = None if char.isascii() else self.singles.get(char)
        if known is not None:
            return known
        return _fallback_entry(char, self.total)


def _fallback_entry(char: str, total: float) -> Entry:
    """Entry for a character outside the word list, from its kind and the hand-set table."""
    if char in " \t\r\n":
        return Entry(1.0, ((SPACE_TAG, 0.0),))
    if char in _JOINERS:
        return Entry(_SYMBOL_FREQUENCY[char] / total, ((SPACE_TAG, 0.0),))
    if char.isascii():
        if char.isdigit():
            return Entry(_ASCII_FREQUENCY / total, ((_ASCII_NUMBER_TAG, _ASCII_GIVEN_TAG),))
        if char.isalpha():
            return Entry(_ASCII_FREQUENCY / total, ((_ASCII_LATIN_TAG, _ASCII_GIVEN_TAG),))
        return Entry(_ASCII_FREQUENCY / total, ((PUNCTUATION_TAG + char, 0.0),))
    if char in _SYMBOL_FREQUENCY:
        frequency = _SYMBOL_FREQUENCY[char]
    elif char in _COMMON_EMOJI:
        frequency = _COMMON_EMOJI_FREQUENCY
    elif _OTHER_EMOJI_FIRST <= ord(char) <= _OTHER_EMOJI_LAST:
        frequency = _OTHER_EMOJI_FREQUENCY
    elif "CJK" in unicodedata.name(char, ""):
        frequency = _UNKNOWN_HAN_FREQUENCY
    else:
        frequency = _UNKNOWN_OTHER_FREQUENCY
    category = unicodedata.category(char)
    if category.startswith("L"):
        tag = _UNKNOWN_TAG if "CJK" in unicodedata.name(char, "") else _LATIN_TAG
    else:
        tag = PUNCTUATION_TAG + char
    return Entry(frequency / total, ((tag, 0.0),))


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
    summed[CLAUSE_START] = start_row
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
def language_model() -> LanguageModel:
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
    words: dict[str, Entry] = {}
    for word, freq in word_freq.items():
        if len(word) > 1:
            tag = word_tag[word]
            words[word] = Entry(freq / total, ((tag, freq / tag_total[tag]),))
            prefixes.update([word[:end] for end in range(1, len(word))])
            for char in word:
                char_in_words[char] = char_in_words.get(char, 0.0) + freq
    single_tags = _single_char_tags(word_freq, word_tag, tag_total)
    singles: dict[str, Entry] = {}
    for char in char_in_words.keys() | single_tags.keys():
        freq = word_freq.get(char, 0.0) if len(char) == 1 else 0.0
        unigram = freq + _CHAR_IN_WORD_WEIGHT * char_in_words.get(char, 0.0)
        tags = single_tags.get(char) or ((_UNKNOWN_TAG, 0.0),)
        singles[char] = Entry(max(unigram, _UNKNOWN_HAN_FREQUENCY) / total, tags)
    traditional_to_simplified = _read_opencc_table("TSCharacters.txt")
    for variant, standard in _read_opencc_table("TWVariantsRev.txt").items():
        for form in standard:
            if form in traditional_to_simplified and variant not in traditional_to_simplified:
                traditional_to_simplified[variant] = traditional_to_simplified[form]
    simplified_to_traditional = _read_opencc_table("STCharacters.txt")
    return LanguageModel(
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
