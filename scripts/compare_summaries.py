"""List the stories whose title or summary differs between two snapshot folders.

    python scripts/compare_summaries.py /work/baseline/before DIR

The folders are what `scripts/snapshot_outputs.py write` makes. Stories are matched by
story_id (the demo's ids depend on the demo server's port: snapshot both on the same port).
Prints each changed story's old and new summary and a count per report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _stories(path: Path) -> dict[str, dict]:
    return {story["story_id"]: story for story in json.loads(path.read_text("utf-8"))["stories"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    total = changed = 0
    for old_path in sorted(args.first.rglob("report.json")):
        name = old_path.relative_to(args.first)
        new_path = args.second / name
        if not new_path.exists():
            print(f"{name}: only in {args.first}")
            continue
        old, new = _stories(old_path), _stories(new_path)
        here = 0
        for story_id, story in new.items():
            total += 1
            before = old.get(story_id)
            if before is None:
                print(f"{name}: {story_id} is new ({story['title']})")
                here += 1
                continue
            if (before["title"], before["summary"]) != (story["title"], story["summary"]):
                here += 1
                print(f"== {name.parent} | {story['title']}")
                print(f"   old: {before['summary']}")
                print(f"   new: {story['summary']}")
        changed += here
    print(f"{total} stories compared, {changed} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
