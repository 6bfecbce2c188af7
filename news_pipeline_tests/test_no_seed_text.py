"""The project's own text (test data, demo corpus, fixtures) may use facts from the reference
reports in ../shared/seeds, never their sentences. This guard reads the seeds at run time
(they are not part of the repository) and fails on any long run of their wording."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
CJK_RUN = 14  # characters, of which at least 10 CJK
LATIN_RUN = 9  # words
TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".jsonl", ".json", ".txt", ".html", ".xml", ".md", ".j2"}


def _seed_texts() -> list[str]:
    seeds = sorted(SEEDS_DIR.glob("0*.txt"))
    if not seeds:
        pytest.skip(f"the reference reports are not beside the repository ({SEEDS_DIR})")
    return [path.read_text(encoding="utf-8") for path in seeds]


def _cjk_runs(text: str) -> set[str]:
    runs = set()
    for line in text.splitlines():
        for start in range(len(line) - CJK_RUN + 1):
            window = line[start : start + CJK_RUN]
            if sum(ord(char) > 0x2E80 for char in window) >= 10:
                runs.add(window)
    return runs


def _latin_runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
    return {tuple(words[i : i + LATIN_RUN]) for i in range(len(words) - LATIN_RUN + 1)}


def _repository_texts() -> dict[str, str]:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    texts = {}
    for name in tracked:
        path = ROOT / name
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        raw = path.read_bytes()
        try:
            texts[name] = raw.decode("utf-8")
        except UnicodeDecodeError:
            texts[name] = raw.decode("gb18030", errors="replace")
    return texts


def test_no_long_run_of_seed_wording_in_the_repository() -> None:
    seeds = _seed_texts()
    cjk = set().union(*(_cjk_runs(text) for text in seeds))
    latin = set().union(*(_latin_runs(text) for text in seeds))
    copied = []
    for name, text in _repository_texts().items():
        if name == Path(__file__).relative_to(ROOT).as_posix():
            continue
        hits = [run for run in _cjk_runs(text) if run in cjk]
        hits += [" ".join(run) for run in _latin_runs(text) if run in latin]
        if hits:
            copied.append((name, len(hits), sorted(hits)[:3]))
    assert copied == []
