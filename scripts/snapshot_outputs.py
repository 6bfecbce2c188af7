"""Write every report the project can produce offline into a folder, then compare two folders.

Used to show that a refactor changes no output: snapshot before, snapshot after, compare.

    python scripts/snapshot_outputs.py write DIR     # demo corpus + labelled sets -> DIR
    python scripts/snapshot_outputs.py compare A B   # exit 1 and list differences, if any

What is written:
- `demo/<day>/report.{md,html,json}`: `news-pipeline run` over the demo's two days;
- `dedupe_eval/<day>/report.{md,html,json}`: the labelled dedupe set run day by day through
  dedupe, categorize and render, as the assets do;
- `categorize_eval.json`: category, off-topic flag and evidence of every labelled story.

`generated_at` (in report.json and wherever the reports print it) is the only field that may
differ between two runs; the comparison masks it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

DEMO_DAYS = ("2026-02-14", "2026-02-15")
FIXED_MOMENT = datetime(2026, 2, 20, tzinfo=UTC)
# report.json's field, and the "generated at" line of the Markdown and HTML (zh and en).
GENERATED_AT = re.compile(r'"generated_at": ?"[^"]*"|(生成于|Generated) \d{4}-\d\d-\d\d \d\d:\d\d')


def write_demo(out: Path) -> None:
    cli = Path(sys.executable).parent / "news-pipeline"
    with tempfile.TemporaryDirectory() as data_dir:
        subprocess.run(
            [
                str(cli),
                "run",
                "--date",
                DEMO_DAYS[0],
                "--to",
                DEMO_DAYS[-1],
                "--data-dir",
                data_dir,
            ],
            check=True,
            capture_output=True,
        )
        for day in DEMO_DAYS:
            target = out / "demo" / day
            target.mkdir(parents=True, exist_ok=True)
            for name in ("report.md", "report.html", "report.json"):
                source = Path(data_dir) / "reports" / day / name
                (target / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")


def write_dedupe_eval(out: Path) -> None:
    import polars as pl
    from eval_dedupe import load_eval_set, run_days_in_order

    from news_pipeline import schema
    from news_pipeline.editorial import (
        CategorizeSettings,
        categorize_stories,
        load_taxonomy,
    )
    from news_pipeline.report import build_report, write_report

    articles = load_eval_set()
    deduped = schema.conform(run_days_in_order(articles), schema.DEDUPED_STORIES_SCHEMA)
    taxonomy = load_taxonomy()
    categorized = categorize_stories(
        deduped, taxonomy, CategorizeSettings(), timezone="Asia/Shanghai"
    )
    for day in sorted(deduped["partition_date"].unique().to_list()):
        day_categorized = categorized.filter(pl.col("partition_date") == day)
        day_deduped = deduped.filter(pl.col("partition_date") == day)
        report = build_report(
            day_categorized,
            day_deduped,
            day=day,
            timezone="Asia/Shanghai",
            generated_at=FIXED_MOMENT,
        )
        write_report(
            report,
            categorized=day_categorized,
            deduped=day_deduped,
            out_dir=out / "dedupe_eval" / day.isoformat(),
            language="zh",
            category_names=taxonomy.display_names(),
        )


def write_categorize_eval(out: Path) -> None:
    from eval_categorize import load_labelled_set

    from news_pipeline.editorial import classify_story, load_taxonomy

    taxonomy = load_taxonomy()
    results = {}
    for story in load_labelled_set():
        predicted = classify_story(story.title, story.body, taxonomy)
        results[story.id] = {
            "category": predicted.category,
            "off_topic": predicted.off_topic,
            "evidence": predicted.evidence,
        }
    (out / "categorize_eval.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )


def compare(first: Path, second: Path) -> int:
    names = sorted(
        {p.relative_to(first) for p in first.rglob("*") if p.is_file()}
        | {p.relative_to(second) for p in second.rglob("*") if p.is_file()}
    )
    different = []
    for name in names:
        a, b = first / name, second / name
        if not a.exists() or not b.exists():
            different.append(f"{name}: only in {'second' if not a.exists() else 'first'}")
            continue
        text_a = GENERATED_AT.sub("<generated_at>", a.read_text(encoding="utf-8"))
        text_b = GENERATED_AT.sub("<generated_at>", b.read_text(encoding="utf-8"))
        if text_a != text_b:
            different.append(f"{name}: differs")
    for line in different:
        print(line)
    print(f"{len(names)} files compared, {len(different)} differ")
    return 1 if different else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("write")
    write.add_argument("out", type=Path)
    both = commands.add_parser("compare")
    both.add_argument("first", type=Path)
    both.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    if args.command == "compare":
        return compare(args.first, args.second)
    args.out.mkdir(parents=True, exist_ok=True)
    write_demo(args.out)
    write_dedupe_eval(args.out)
    write_categorize_eval(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
