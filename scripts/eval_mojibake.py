"""Measure the dropped-byte mojibake repair against ftfy alone on our own clean Chinese text.

Usage:
    python scripts/eval_mojibake.py               # figures for the evaluation text
    python scripts/eval_mojibake.py --seed PATH   # first 30 repaired lines of a damaged file
"""

from __future__ import annotations

import argparse
import difflib
import time
from dataclasses import dataclass
from pathlib import Path

import ftfy

from news_pipeline.mojibake import repair_text

EVAL_DIR = Path(__file__).resolve().parent.parent / "news_pipeline_tests" / "data" / "mojibake"
DROPPED_BYTES = frozenset({0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD})
SEED_LINES = 30


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

    def rate(self, exact: int, total: int) -> float:
        return exact / total if total else 1.0


def score(original: str, repaired: str) -> Score:
    """Align the repaired text to the original and count exact non-ASCII and damaged characters."""
    matcher = difflib.SequenceMatcher(None, original, repaired, autojunk=False)
    exact_positions: set[int] = set()
    for block in matcher.get_matching_blocks():
        exact_positions.update(range(block.a, block.a + block.size))
    non_ascii = [index for index, char in enumerate(original) if ord(char) >= 0x80]
    damaged = [index for index in non_ascii if is_damaged(original[index])]
    return Score(
        non_ascii=len(non_ascii),
        non_ascii_exact=sum(index in exact_positions for index in non_ascii),
        damaged=len(damaged),
        damaged_exact=sum(index in exact_positions for index in damaged),
    )


def ftfy_alone(text: str) -> str:
    return ftfy.fix_text(text, fix_character_width=False)


def report_eval_text() -> float:
    """Print the figures per script and return the overall exact rate on damaged characters."""
    total_damaged = total_exact = 0
    for name in ("simplified", "traditional"):
        original = (EVAL_DIR / f"{name}.txt").read_text(encoding="utf-8")
        damaged_text = damage(original)
        baseline = score(original, ftfy_alone(damaged_text))
        started = time.perf_counter()
        repaired, _ = repair_text(damaged_text)
        elapsed = time.perf_counter() - started
        ours = score(original, repaired)
        total_damaged += ours.damaged
        total_exact += ours.damaged_exact
        print(f"{name}: {len(original)} chars, {ours.non_ascii} non-ASCII, {ours.damaged} damaged")
        baseline_non_ascii = baseline.rate(baseline.non_ascii_exact, baseline.non_ascii)
        print(
            f"  ftfy alone : non-ASCII exact {baseline_non_ascii:.2%}"
            f", damaged exact {baseline.rate(baseline.damaged_exact, baseline.damaged):.2%}"
        )
        print(
            f"  repair     : non-ASCII exact {ours.rate(ours.non_ascii_exact, ours.non_ascii):.2%}"
            f", damaged exact {ours.rate(ours.damaged_exact, ours.damaged):.2%}"
            f", {len(damaged_text) / elapsed:,.0f} input chars/s"
        )
    overall = total_exact / total_damaged if total_damaged else 1.0
    print(f"overall damaged exact: {total_exact}/{total_damaged} = {overall:.2%}")
    return overall


def print_seed(path: Path) -> None:
    repaired, changed = repair_text(path.read_text(encoding="utf-8"))
    print(f"# {path.name}: changed={changed}")
    for line in repaired.splitlines()[:SEED_LINES]:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, help="damaged file whose repaired start to print")
    arguments = parser.parse_args()
    if arguments.seed:
        print_seed(arguments.seed)
    else:
        report_eval_text()


if __name__ == "__main__":
    main()
