"""Measure the dropped-byte mojibake repair against ftfy alone on our own clean Chinese text.

Usage:
    python scripts/eval_mojibake.py                    # figures for the evaluation text
    python scripts/eval_mojibake.py --seeds DIR        # ... and for DIR's clean files, damaged
    python scripts/eval_mojibake.py --errors           # ... listing every wrong character
    python scripts/eval_mojibake.py --seed PATH        # first 30 repaired lines of a damaged file

The seeds are read where they lie at run time (their text is not ours to copy); files that are
already damaged (seed 003) are skipped by --seeds.
"""

from __future__ import annotations

import argparse
import difflib
import time
from dataclasses import dataclass
from pathlib import Path

import ftfy

from news_pipeline.text import looks_like_dropped_byte_mojibake, repair_text

EVAL_DIR = Path(__file__).resolve().parent.parent / "news_pipeline_tests" / "data" / "mojibake"
DROPPED_BYTES = frozenset({0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD})
SEED_LINES = 30
ERROR_CONTEXT = 6


def damage(text: str) -> str:
    """Seed 003's damage: UTF-8 bytes seen through cp1252 (cp1254 for 4-byte leads), some lost."""
    damaged: list[str] = []
    for value in text.encode("utf-8"):
        if value in DROPPED_BYTES:
            continue
        codec = "cp1254" if value >= 0xF0 else "cp1252"
        damaged.append(bytes([value]).decode(codec) if value >= 0x80 else chr(value))
    return "".join(damaged)


def is_damaged(char: str) -> bool:
    return any(value in DROPPED_BYTES for value in char.encode("utf-8"))


@dataclass(frozen=True)
class Score:
    """Counts of original characters found again, at their place, in a repaired text."""

    non_ascii: int
    non_ascii_exact: int
    damaged: int
    damaged_exact: int
    wrong: tuple[str, ...]

    def __add__(self, other: Score) -> Score:
        return Score(
            self.non_ascii + other.non_ascii,
            self.non_ascii_exact + other.non_ascii_exact,
            self.damaged + other.damaged,
            self.damaged_exact + other.damaged_exact,
            self.wrong + other.wrong,
        )

    @property
    def non_ascii_rate(self) -> float:
        return self.non_ascii_exact / self.non_ascii if self.non_ascii else 1.0

    @property
    def damaged_rate(self) -> float:
        return self.damaged_exact / self.damaged if self.damaged else 1.0


EMPTY_SCORE = Score(0, 0, 0, 0, ())


def score(original: str, repaired: str) -> Score:
    """Align the repaired text to the original and count exact non-ASCII and damaged characters."""
    matcher = difflib.SequenceMatcher(None, original, repaired, autojunk=False)
    exact_positions: set[int] = set()
    for block in matcher.get_matching_blocks():
        exact_positions.update(range(block.a, block.a + block.size))
    non_ascii = [index for index, char in enumerate(original) if ord(char) >= 0x80]
    damaged = [index for index in non_ascii if is_damaged(original[index])]
    replaced_by: dict[int, str] = {}
    for tag, start, end, repaired_start, repaired_end in matcher.get_opcodes():
        if tag != "equal":
            for index in range(start, end):
                replaced_by[index] = repaired[repaired_start:repaired_end]
    wrong = tuple(
        f"{original[max(0, index - ERROR_CONTEXT) : index]}[{original[index]}>"
        f"{replaced_by.get(index, '')}]"
        f"{original[index + 1 : index + 1 + ERROR_CONTEXT]}".replace("\n", " ")
        for index in damaged
        if index not in exact_positions
    )
    return Score(
        non_ascii=len(non_ascii),
        non_ascii_exact=sum(index in exact_positions for index in non_ascii),
        damaged=len(damaged),
        damaged_exact=sum(index in exact_positions for index in damaged),
        wrong=wrong,
    )


def ftfy_alone(text: str) -> str:
    return ftfy.fix_text(text, fix_character_width=False)


@dataclass(frozen=True)
class Measurement:
    """ftfy alone and the repair on one clean text damaged like seed 003."""

    name: str
    chars: int
    baseline: Score
    repair: Score
    seconds: float  # CPU time: the figures stay comparable on a busy machine


def measure(name: str, original: str) -> Measurement:
    damaged_text = damage(original)
    started = time.process_time()
    repaired, _ = repair_text(damaged_text)
    elapsed = time.process_time() - started
    return Measurement(
        name,
        len(damaged_text),
        score(original, ftfy_alone(damaged_text)),
        score(original, repaired),
        elapsed,
    )


def print_table(title: str, measurements: list[Measurement], show_errors: bool) -> None:
    """One row per text and a total row: exact rates of ftfy alone and of the repair."""
    print(f"## {title}")
    print(
        f"{'text':<26} {'damaged':>7}  {'damaged chars exact':>19}  {'non-ASCII chars exact':>21}"
        f"  {'chars/s':>7}"
    )
    print(f"{'':<26} {'':>7}  {'ftfy':>9} {'repair':>9}  {'ftfy':>10} {'repair':>10}  {'(CPU)':>7}")
    baseline_total = repair_total = EMPTY_SCORE
    chars = seconds = 0.0
    for item in measurements:
        print_row(item.name, item.baseline, item.repair, item.chars / item.seconds)
        baseline_total += item.baseline
        repair_total += item.repair
        chars += item.chars
        seconds += item.seconds
    print_row("total", baseline_total, repair_total, chars / seconds)
    print(f"   exact {repair_total.damaged_exact}/{repair_total.damaged} damaged characters")
    if show_errors:
        for wrong in repair_total.wrong:
            print(f"   wrong: {wrong}")


def print_row(name: str, baseline: Score, repair: Score, chars_per_second: float) -> None:
    print(
        f"{name:<26} {repair.damaged:>7}  {baseline.damaged_rate:>9.2%} {repair.damaged_rate:>9.2%}"
        f"  {baseline.non_ascii_rate:>10.2%} {repair.non_ascii_rate:>10.2%}"
        f"  {chars_per_second:>7,.0f}"
    )


def eval_text_measurements() -> list[Measurement]:
    return [
        measure(name, (EVAL_DIR / f"{name}.txt").read_text(encoding="utf-8"))
        for name in ("simplified", "traditional")
    ]


def seed_measurements(directory: Path) -> list[Measurement]:
    """Every clean seed of `directory`, damaged like seed 003 (already damaged ones skipped)."""
    measurements: list[Measurement] = []
    for path in sorted(directory.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if not looks_like_dropped_byte_mojibake(text):
            measurements.append(measure(path.name, text))
    return measurements


def print_seed(path: Path) -> None:
    repaired, changed = repair_text(path.read_text(encoding="utf-8"))
    print(f"# {path.name}: changed={changed}")
    for line in repaired.splitlines()[:SEED_LINES]:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, help="damaged file whose repaired start to print")
    parser.add_argument("--seeds", type=Path, help="folder of clean texts to damage and measure")
    parser.add_argument("--errors", action="store_true", help="list every wrong character")
    arguments = parser.parse_args()
    if arguments.seed:
        print_seed(arguments.seed)
        return
    started, started_cpu = time.perf_counter(), time.process_time()
    repair_text(damage("模型"))
    print(
        f"model load: {time.perf_counter() - started:.2f} s"
        f" ({time.process_time() - started_cpu:.2f} s of CPU time)"
    )
    print_table(
        "evaluation text (news_pipeline_tests/data/mojibake)",
        eval_text_measurements(),
        arguments.errors,
    )
    if arguments.seeds:
        print_table(
            f"held-out: {arguments.seeds}", seed_measurements(arguments.seeds), arguments.errors
        )


if __name__ == "__main__":
    main()
