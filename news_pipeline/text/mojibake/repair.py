"""The repair search: the best reading of each damaged line under the word model.

Every damaged character becomes the set of characters it can have been; a Viterbi search
over words, their parts of speech, open brackets and locative frames picks one reading per
line. Lines without damage, and text outside the damaged runs, pass through as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from news_pipeline.text.mojibake.detection import (
    LINE_BREAKS,
    Position,
    Segment,
    analyse,
    is_damaged,
    run_has_mojibake,
)
from news_pipeline.text.mojibake.word_model import (
    CLAUSE_START,
    PUNCTUATION_TAG,
    SPACE_TAG,
    TRANSITION_TAG_ALIASES,
    Entry,
    LanguageModel,
    hand_set_knowledge,
    language_model,
)

_MAX_WORD_CHARS = 12
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
# Adverbs, prepositions and conjunctions rarely end a clause.
_DANGLING_TAGS = frozenset({"d", "p", "c"})
_DANGLING_WORD_COST = 2.0
# Modal particles (吗, 呢, 吧) close a clause; a word right after one is unlikely.
_CLAUSE_FINAL_TAGS = frozenset({"y"})
_PARTICLE_NOT_FINAL_COST = 3.0
_FRAMED_LOCALIZER_BONUS = 1.5
_UNFRAMED_LOCALIZER_COST = 1.0

_HAND_SET = hand_set_knowledge()
_SYMBOL_FREQUENCY: dict[str, float] = {
    char: float(frequency) for char, frequency in _HAND_SET["symbol_frequencies"].items()
}
# Kept as strings, as the search tests them: the empty string (a line's start or end, a
# clause start) is in each.
_SEPARATORS: str = _HAND_SET["separators"]
_OPENERS: str = _HAND_SET["openers"]
_CLOSERS: str = _HAND_SET["closers"]
_CLAUSE_ENDS = frozenset(_HAND_SET["clause_ends"])
# Prepositions that open a locative phrase, and the localizers that close it.
_FRAME_OPENERS = frozenset(_HAND_SET["frame_openers"])
_LOCALIZERS = frozenset(_HAND_SET["localizers"])
# Bracket pairs whose closing or opening character can be damaged: (opening, closing).
_BRACKET_PAIRS = tuple(tuple(pair) for pair in _HAND_SET["bracket_pairs"])
_BRACKET_EFFECT: dict[str, tuple[int, int]] = {}
for _kind, (_opening, _closing) in enumerate(_BRACKET_PAIRS):
    _BRACKET_EFFECT[_opening] = (_kind, 1)
    _BRACKET_EFFECT[_closing] = (_kind, -1)

_EMPTY_BRACKETS: tuple[int, ...] = (0,) * len(_BRACKET_PAIRS)


@dataclass(frozen=True, slots=True)
class _Option:
    """A character the output may have at one position, and how the model sees it."""

    char: str
    lookup: str
    cost: float
    entry: Entry


def _options_for(
    position: Position, model: LanguageModel, foreign_script: frozenset[str]
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
    entry: Entry
    cost: float


def _words_from(start: int, lattice: list[list[_Option]], model: LanguageModel) -> list[_Word]:
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


def _punctuation_pair_cost(previous_tag: str, char: str) -> float:
    """Cost of two punctuation marks that Chinese text does not put side by side."""
    if not previous_tag.startswith(PUNCTUATION_TAG):
        if char in _CLAUSE_ENDS and previous_tag in _DANGLING_TAGS:
            return _DANGLING_WORD_COST
        return 0.0
    previous = previous_tag[len(PUNCTUATION_TAG) :]
    if previous == "、" and (char in _SEPARATORS or char in _CLOSERS or char == ""):
        return _PUNCTUATION_PAIR_COST
    if char == "、" and (previous in _SEPARATORS or previous in _OPENERS or previous == ""):
        return _PUNCTUATION_PAIR_COST
    if previous in _OPENERS and (char in _SEPARATORS or char in _CLOSERS):
        return _PUNCTUATION_PAIR_COST
    return 0.0


def _word_scores(model: LanguageModel, word: _Word, previous_tag: str) -> list[tuple[float, str]]:
    """Log-probabilities of `word` after a word tagged `previous_tag`, per tag it may take."""
    entry = word.entry
    if entry.tag == SPACE_TAG:
        return [(math.log(entry.unigram) - word.cost, previous_tag)]
    if entry.tag.startswith(PUNCTUATION_TAG):
        cost = word.cost + _punctuation_pair_cost(previous_tag, word.chars)
        return [(math.log(entry.unigram) - cost, entry.tag)]
    if previous_tag == entry.tag and word.chars.isascii() and len(word.chars) == 1:
        return [(0.0, previous_tag)]
    cost = word.cost
    if previous_tag.startswith(PUNCTUATION_TAG):
        row = model.tag_after[CLAUSE_START]
    else:
        row = model.tag_after.get(TRANSITION_TAG_ALIASES.get(previous_tag, previous_tag), {})
        if previous_tag in _CLAUSE_FINAL_TAGS:
            cost += _PARTICLE_NOT_FINAL_COST
    scores: list[tuple[float, str]] = []
    for tag, given_tag in entry.tags:
        transition = row.get(TRANSITION_TAG_ALIASES.get(tag, tag), _UNSEEN_TRANSITION)
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
    if tag.startswith(PUNCTUATION_TAG):
        return (in_frame or word.lookup == "》") and word.lookup not in _CLAUSE_ENDS, 0.0
    if tag == "p" and word.lookup in _FRAME_OPENERS:
        return True, 0.0
    if tag == "f" and word.lookup in _LOCALIZERS:
        return False, -_FRAMED_LOCALIZER_BONUS if in_frame else _UNFRAMED_LOCALIZER_COST
    return in_frame, 0.0


_State = tuple[str, tuple[int, ...], bool]


def _decode_line(
    positions: list[Position], model: LanguageModel, foreign_script: frozenset[str]
) -> str:
    """Best reading of one line: Viterbi over words, their tags and bracket depths."""
    if not any(position.damaged for position in positions):
        return "".join(position.candidates[0] for position in positions)
    lattice = [_options_for(position, model, foreign_script) for position in positions]
    size = len(lattice)
    best: list[dict[_State, tuple[float, int, _State, str]]] = [{} for _ in range(size + 1)]
    start_state: _State = (CLAUSE_START, _EMPTY_BRACKETS, False)
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


def _foreign_script(undamaged: Iterable[str], model: LanguageModel) -> frozenset[str]:
    """Characters of the script the text does not use, judged from its undamaged characters."""
    traditional = simplified = 0
    for char in undamaged:
        traditional += char in model.traditional_only
        simplified += char in model.simplified_only
    if traditional > 2 * simplified:
        return model.simplified_only
    if simplified > 2 * traditional:
        return model.traditional_only
    return frozenset()


def _needs_word_model(line: list[Position]) -> bool:
    """Only a damaged character that may be three or four bytes long (Han, kana, emoji,
    full-width punctuation) needs the word model: two-byte ones are Latin, Greek or Cyrillic
    letters and symbols, which a Chinese word model cannot tell apart."""
    return any(
        position.damaged and any(ord(char) >= 0x800 for char in position.candidates)
        for position in line
    )


def _most_frequent(position: Position) -> str:
    if not position.damaged:
        return position.candidates[0]
    return max(position.candidates, key=lambda char: _SYMBOL_FREQUENCY.get(char, 0.0))


def _positions(segment: Segment) -> list[Position]:
    positions: list[Position] = []
    for run, analysis in segment.runs or ():
        if analysis is not None and run_has_mojibake(analysis):
            positions.extend(analysis.positions)
        else:
            positions.extend(Position(char, (char,)) for char in run)
    return positions


class _LineDecoder:
    """Decodes the lines of one text; the word model loads for the first line that needs it."""

    def __init__(self, segments: list[Segment], lines: list[list[Position]]) -> None:
        self.segments = segments
        self.lines = lines
        self._model: LanguageModel | None = None
        self._foreign: frozenset[str] = frozenset()

    def _undamaged(self) -> Iterator[str]:
        for segment in self.segments:
            if segment.runs is None:
                yield from segment.text
        for line in self.lines:
            yield from (position.candidates[0] for position in line if not position.damaged)

    def decode(self, line: list[Position]) -> str:
        if not any(position.damaged for position in line):
            chosen = [position.candidates[0] for position in line]
        elif not _needs_word_model(line):
            chosen = [_most_frequent(position) for position in line]
        else:
            if self._model is None:
                self._model = language_model()
                self._foreign = _foreign_script(self._undamaged(), self._model)
            chosen = list(_decode_line(line, self._model, self._foreign))
        return "".join(
            char + " " if char in position.spaced else char
            for char, position in zip(chosen, line, strict=True)
        )


def repair_dropped_byte_mojibake(text: str, breaks: str = LINE_BREAKS) -> str:
    """Decode the mojibake runs of `text` as UTF-8 when it has dropped-byte damage, choosing
    each truncated character by context. Lines (and, for HTML, text between tags: `breaks`)
    are decoded one by one; a line without a trace of mojibake is not looked at."""
    segments = analyse(text, breaks)
    if not is_damaged(segments):
        return text
    lines = {number: _positions(segment) for number, segment in enumerate(segments) if segment.runs}
    decoder = _LineDecoder(segments, list(lines.values()))
    return "".join(
        decoder.decode(lines[number]) if number in lines else segment.text
        for number, segment in enumerate(segments)
    )
