"""Text-stage figures on the stories_eval corpus, for the tune and the holdout split apart.

Fetches the labelled sites from loopback through the real fetch stage, runs clean_articles on
what was fetched and prints, per split: text precision/recall per site (character-bigram
sets against the true body), the share of characters right on the damaged pages (text, page
title, feed title) and what became of the thin pages (video, paywall). Faster than
scripts/eval_stories.py, which runs the whole pipeline: this runs the text stage alone.

Usage:
    python scripts/eval_text.py [--json OUT] [--workers N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from news_pipeline.text import clean_articles
from news_pipeline_tests.stages.text.corpus_text import SPLITS, fetch_corpus, score_cleaned
from news_pipeline_tests.support.site_corpus import load_corpus


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def print_figures(figures: dict[str, Any]) -> None:
    for split in SPLITS:
        part = figures[split]
        print(f"[{split}]")
        for site, text in part["text_by_site"].items():
            print(
                f"  {site:<12} P {_fmt(text['precision'])}  R {_fmt(text['recall'])}"
                f"  ({text['articles']} articles)"
            )
        moji = part["mojibake"]
        print(
            f"  mojibake ({moji['articles']} damaged pages): characters right text "
            f"{_fmt(moji['text_right'])}, page title {_fmt(moji['title_right'])}, "
            f"feed title {_fmt(moji['listed_title_right'])}"
        )
        for page in part["thin_pages"]:
            verdict = "right" if page["right"] else "WRONG"
            print(f"  thin {page['id']}: {verdict} ({page['excluded_detail'] or 'kept'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args(argv)
    corpus = load_corpus()
    with tempfile.TemporaryDirectory(prefix="eval_text_") as scratch:
        work_dir = args.keep or Path(scratch)
        work_dir.mkdir(parents=True, exist_ok=True)
        fetched = fetch_corpus(corpus, work_dir)
        started = time.perf_counter()
        cleaned = clean_articles(fetched.raw, fetched.bodies, workers=args.workers)
        seconds = time.perf_counter() - started
    figures = score_cleaned(corpus, fetched.bases, cleaned)
    print_figures(figures)
    print(f"clean_articles: {seconds:.1f} s for {fetched.raw.height} rows")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
