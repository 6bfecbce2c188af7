"""Old editorial code against new on the same texts: a speed change must change no output.

    python -m benchmarks.equivalence --against 9072c82 --real-pages ~/trafilatura

The editorial package of `--against` (taken from git) and the working tree's each run in a
fresh interpreter over the same inputs: every text of the real-page corpus (as
cleaned_articles extracted it), every text of the synthetic corpus, the sentences of all of
them, and seeded random strings built from the characters the splitter and the fact finder
decide on. For each text: `split_sentences`, `extract_key_facts`, `summarize_story`,
`text_length`, `content_tokens`, and per sentence `is_boilerplate` and `strip_dateline`; for
both corpora `categorize_stories` over the whole deduped partition. Prints how many outputs
differ (0 is the only good answer) and exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

import polars as pl

REPOSITORY = Path(__file__).resolve().parent.parent
# Characters the splitter, the furniture patterns and the fact finder decide on, with words.
FUZZ_PIECES = [
    *"abcXYZ .. . !?。！？；…”’」』\"')）]】》\t\n 3 5 -_/ É é 中文字，",
    *("U.S.", "Dr.", "e.g.", "J. Smith", "3.5", "GPT-5.2", "morning.The", "Node.js", "…"),
    *("$2B", "¥100", "1/18", "3970亿参数", "10亿美元", "60%", "8.6x", "2 billion", "2024年"),
    *("subscribe", "SUBSCRİBE", "ſign up", "Cookies", "责任编辑", "编辑：", "下载APP", "tags:"),
    *("【快讯】", "华夏科技讯 2月15日消息，", "BEIJING (Reuters) - ", "ı", "K"),
]


def fuzz_texts(count: int, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(0, 60))) for _ in range(count)
    ]


# ---- the worker: runs under either tree, through the editorial package's public API --------


def _outputs(texts: list[dict[str, str]]) -> list[dict[str, Any]]:
    from news_pipeline.editorial import (
        content_tokens,
        extract_key_facts,
        is_boilerplate,
        split_sentences,
        strip_dateline,
        summarize_story,
        text_length,
    )

    outputs = []
    for entry in texts:
        text, language = entry["text"], entry["language"]
        sentences = split_sentences(text)
        outputs.append(
            {
                "sentences": sentences,
                "boilerplate": [is_boilerplate(sentence) for sentence in sentences],
                "datelines": [strip_dateline(sentence) for sentence in sentences],
                "key_facts": extract_key_facts(text, language),
                "summary": summarize_story(text, [], language),
                "length": text_length(text, language),
                "tokens": sorted(content_tokens(text)),
            }
        )
    return outputs


def worker(inputs: Path, output: Path) -> None:
    import news_pipeline
    from news_pipeline.editorial import CategorizeSettings, categorize_stories, load_taxonomy

    texts = json.loads((inputs / "texts.json").read_text(encoding="utf-8"))
    result: dict[str, Any] = {"package": news_pipeline.__file__, "texts": _outputs(texts)}
    taxonomy = load_taxonomy()
    for frame_path in sorted(inputs.glob("deduped-*.parquet")):
        categorized = categorize_stories(
            pl.read_parquet(frame_path), taxonomy, CategorizeSettings(), "Asia/Shanghai"
        )
        result[frame_path.stem] = categorized.to_dicts()
    output.write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")


# ---- the comparison --------------------------------------------------------------------------


def _old_tree(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", revision, "news_pipeline"],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _run_worker(tree: Path, inputs: Path, output: Path) -> dict[str, Any]:
    # `python -m` puts the working directory first on sys.path: run from the inputs folder,
    # so that the tree named first in PYTHONPATH is the news_pipeline imported.
    environment = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{REPOSITORY}"}
    subprocess.run(
        [sys.executable, "-m", "benchmarks.equivalence", "--worker", str(inputs), str(output)],
        cwd=inputs,
        env=environment,
        check=True,
    )
    result = json.loads(output.read_text(encoding="utf-8"))
    if not Path(result["package"]).is_relative_to(tree):
        raise SystemExit(f"the worker imported {result['package']}, not the tree under {tree}")
    return result


def _inputs(arguments: argparse.Namespace, directory: Path) -> dict[str, int]:
    """texts.json and one deduped frame per corpus; returns what each holds."""
    from benchmarks import corpus, real_pages
    from news_pipeline.stories import DedupeSettings, dedupe_articles

    cache_dir = arguments.cache_dir or corpus.corpus_cache_dir()
    frames: dict[str, pl.DataFrame] = {}
    if arguments.real_pages:
        real = real_pages.ensure_real_corpus(arguments.real_pages, cache_dir, arguments.real_limit)
        frames["real"] = real_pages.ensure_deduped(real)
    if arguments.synthetic_size:
        files = corpus.ensure_corpus(arguments.synthetic_size, cache_dir=cache_dir, pages=False)
        cleaned = corpus.cleaned_from_truth(corpus.read_truth(files))
        frames["synthetic"] = dedupe_articles(cleaned, pl.DataFrame(), DedupeSettings())
    texts: list[dict[str, str]] = []
    for name, frame in frames.items():
        frame.write_parquet(directory / f"deduped-{name}.parquet")
        rows = frame.filter(pl.col("text").is_not_null()).select("text", "language")
        texts += [{"text": text, "language": language or ""} for text, language in rows.iter_rows()]
    from news_pipeline.editorial import split_sentences

    sentences = [
        {"text": sentence, "language": entry["language"]}
        for entry in list(texts)
        for sentence in split_sentences(entry["text"])
    ]
    fuzz = [{"text": text, "language": ""} for text in fuzz_texts(arguments.fuzz)]
    everything = texts + sentences + fuzz
    (directory / "texts.json").write_text(json.dumps(everything, ensure_ascii=False))
    counts = {"texts": len(texts), "sentences": len(sentences), "fuzz": len(fuzz)}
    counts.update({f"{name} rows": frame.height for name, frame in frames.items()})
    return counts


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, int]:
    differences: dict[str, int] = {}
    for field in old["texts"][0] if old["texts"] else {}:
        differences[field] = sum(
            1 for a, b in zip(old["texts"], new["texts"], strict=True) if a[field] != b[field]
        )
    for key in old:
        if key.startswith("deduped-"):
            differences[f"categorize_stories {key[8:]}"] = sum(
                1 for a, b in zip(old[key], new[key], strict=True) if a != b
            ) + abs(len(old[key]) - len(new[key]))
    return differences


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--against", default="main", help="git revision of the old code")
    parser.add_argument("--real-pages", type=Path, help="trafilatura clone (or its tests/eval)")
    parser.add_argument("--real-limit", type=int, default=None, help="pages (default: all)")
    parser.add_argument("--synthetic-size", type=int, default=1000)
    parser.add_argument("--fuzz", type=int, default=100_000, help="random strings")
    parser.add_argument("--cache-dir", type=Path, default=None)
    arguments = parser.parse_args(argv)
    if arguments.worker:
        worker(*arguments.worker)
        return
    with tempfile.TemporaryDirectory(prefix="equivalence-") as temporary:
        directory = Path(temporary)
        counts = _inputs(arguments, directory)
        print("inputs:", ", ".join(f"{value:,} {name}" for name, value in counts.items()))
        old_tree = _old_tree(arguments.against, directory / "old")
        old = _run_worker(old_tree, directory, directory / "old.json")
        new = _run_worker(REPOSITORY, directory, directory / "new.json")
    print(f"old: {old['package']}\nnew: {new['package']}")
    differences = compare(old, new)
    for name, count in differences.items():
        print(f"{name:<32} {count:>7,} differ")
    if any(differences.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
