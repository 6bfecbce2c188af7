"""trafilatura in full, in fast mode, and as cleaned_articles runs it (fast, then in full for a
short text on a page whose paragraphs hold much more), on trafilatura's own evaluation pages,
for a tune and a holdout split apart.

The measure is trafilatura's: the share of each page's expected snippets found and of its
unwanted snippets kept out, and their F1 (benchmarks/real_pages.py). A page is in the holdout
third when the SHA-256 of its file name is divisible by 3. The length threshold
(`FULL_EXTRACTION_BELOW`) and the paragraph ratio (`PARAGRAPHS_OVER_TEXT`, trafilatura's own
"twice as long" rule) were checked on the tune split; `--thresholds` shows the length gate
alone at other thresholds. CPU milliseconds per page are those of this one process,
metadata reading included.

Usage:
    python scripts/eval_extraction_modes.py --real-pages PATH [--limit N] [--thresholds 500,1000]

PATH is a clone of https://github.com/adbar/trafilatura (or its tests/eval folder).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import trafilatura
from trafilatura.metadata import examine_meta, extract_title

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/ is no package
from benchmarks.real_pages import eval_dir_of, page_files, snippet_scores
from news_pipeline.text.decoding import decode_html
from news_pipeline.text.extraction import (
    FULL_EXTRACTION_BELOW,
    _extract_document,
    main_text,
    trafilatura_options,
    wants_full_extraction,
)
from news_pipeline.text.thin import latin_equivalent_size


def split_of(name: str) -> str:
    return "holdout" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 3 == 0 else "tune"


def _mode_text(html: str, fast: bool) -> tuple[str | None, float, bool]:
    """The main text in one mode, its CPU seconds, and (fast mode) whether the gate of
    cleaned_articles would extract the page again in full."""
    started = time.process_time()
    tree = trafilatura.load_html(html)
    if tree is None:
        return None, time.process_time() - started, False
    metadata = examine_meta(tree)
    title = metadata.title or extract_title(tree)
    options = trafilatura_options(tree, None, title, metadata.description)
    text = main_text(trafilatura.bare_extraction(tree, fast=fast, **options))
    gate = fast and wants_full_extraction(tree, text)
    return text, time.process_time() - started, gate


def _modes(part: list[dict], thresholds: list[int]) -> list[tuple[str, list[str | None], float]]:
    """(label, texts, CPU seconds) of each way of extracting the pages of `part`."""
    modes = [
        ("full", [page["full"] for page in part], sum(page["full_cpu"] for page in part)),
        ("fast", [page["fast"] for page in part], sum(page["fast_cpu"] for page in part)),
    ]
    gates: list[tuple[str, list[bool]]] = [
        (
            f"fast, full < {threshold}",
            [latin_equivalent_size(page["fast"] or "") < threshold for page in part],
        )
        for threshold in thresholds
    ]
    gates.append((f"fast, full < {FULL_EXTRACTION_BELOW}, p > 2x", [p["gate"] for p in part]))
    for label, again in gates:
        texts = [
            page["full"] if redo else page["fast"] for page, redo in zip(part, again, strict=True)
        ]
        cpu = sum(
            page["fast_cpu"] + (page["full_cpu"] if redo else 0)
            for page, redo in zip(part, again, strict=True)
        )
        share = sum(again) / max(1, len(part))
        modes.append((f"{label} ({share:.0%})", texts, cpu))
    modes.append(
        ("cleaned_articles' own", [p["ours"] for p in part], sum(p["ours_cpu"] for p in part))
    )
    return modes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real-pages", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--thresholds", default=f"500,{FULL_EXTRACTION_BELOW},1500")
    args = parser.parse_args(argv)
    eval_dir = eval_dir_of(args.real_pages)
    files = page_files(eval_dir, args.limit)
    pages: list[dict] = []
    for path in files:
        html = decode_html(path.read_bytes(), None)[0]
        full, full_cpu, _ = _mode_text(html, fast=False)
        fast, fast_cpu, gate = _mode_text(html, fast=True)
        started = time.process_time()
        ours = _extract_document(html, None, wants_date=False).get("text")
        pages.append(
            {
                "file": path.name,
                "split": split_of(path.name),
                "full": full,
                "fast": fast,
                "gate": gate,
                "ours": ours,
                "full_cpu": full_cpu,
                "fast_cpu": fast_cpu,
                "ours_cpu": time.process_time() - started,
            }
        )
    thresholds = [int(value) for value in args.thresholds.split(",")]
    print(f"{len(pages)} pages from {eval_dir}")
    print(f"{'split':8} {'pages':>5} {'mode':32} {'F1':>7} {'same as full':>12} {'ms/page':>8}")
    for split in ("tune", "holdout", "all"):
        part = [page for page in pages if split in ("all", page["split"])]
        for label, texts, cpu in _modes(part, thresholds):
            f1 = snippet_scores(texts, [page["file"] for page in part], eval_dir)["snippet_f1"]
            same = sum(1 for text, page in zip(texts, part, strict=True) if text == page["full"])
            print(
                f"{split:8} {len(part):>5} {label:32} {f1:>7.4f} {same:>12} "
                f"{1000 * cpu / max(1, len(part)):>8.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
