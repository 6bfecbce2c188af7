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

from news_pipeline.mojibake import looks_like_dropped_byte_mojibake, repair_text

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
    seconds: float


def measure(name: str, original: str) -> Measurement:
    damaged_text = damage(original)
    started = time.perf_counter()
    repaired, _ = repair_text(damaged_text)
    elapsed = time.perf_counter() - started
    return Measurement(
        name,
        len(damaged_text),
        score(original, ftfy_alone(damaged_text)),
        score(original, repaired),
        elapsed,
    )


def print_table(title: str, measurements: list[Measurement], show_errors: bool) -> None:
    """One row per text and a total row: damaged-character exact rates, ftfy alone vs repair."""
    print(f"## {title}")
    columns = ("damaged", "ftfy alone", "repair", "non-ASCII", "chars/s")
    print(f"{'text':<28} " + " ".join(f"{column:>{max(len(column), 8)}}" for column in columns))
    baseline_total = repair_total = EMPTY_SCORE
    chars = seconds = 0.0
    for item in measurements:
        speed = item.chars / item.seconds if item.seconds else float("inf")
        print(
            f"{item.name:<28} {item.repair.damaged:>8} {item.baseline.damaged_rate:>10.2%}"
            f" {item.repair.damaged_rate:>8.2%} {item.repair.non_ascii_rate:>9.2%} {speed:>8,.0f}"
        )
        baseline_total += item.baseline
        repair_total += item.repair
        chars += item.chars
        seconds += item.seconds
    print(
        f"{'total':<28} {repair_total.damaged:>8} {baseline_total.damaged_rate:>10.2%}"
        f" {repair_total.damaged_rate:>8.2%} {repair_total.non_ascii_rate:>9.2%}"
        f" {chars / seconds if seconds else float('inf'):>8,.0f}"
    )
    print(f"   exact {repair_total.damaged_exact}/{repair_total.damaged} damaged characters")
    if show_errors:
        for wrong in repair_total.wrong:
            print(f"   wrong: {wrong}")


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
    started = time.perf_counter()
    looks_like_dropped_byte_mojibake("")
    repair_text(damage("模型"))
    print(f"model load: {time.perf_counter() - started:.2f} s")
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
