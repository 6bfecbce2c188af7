"""Measure cross-language story grouping on the labelled stories_eval corpus.

Builds the corpus (news_pipeline_tests/data/stories_eval), serves each site on its own loopback
address, runs the installed `news-pipeline run --date 2026-02-14 --to 2026-02-16` as a
subprocess, then reads only the public outputs: each day's report.json and the
`cleaned_articles` table of <data-dir>/news.duckdb. Nothing of the pipeline is imported.

    python scripts/eval_stories.py [--json OUT] [--data-dir DIR] [--keep] [--port N]
    python scripts/eval_stories.py --score-only --data-dir DIR [--json OUT]

Figures for the tune split, the holdout split and all stories: pairwise P/R/F1 and B-cubed F1
over the articles that belong to a story (a seen_before item counts in the story it repeats, a
duplicate_url item in the kept item's; any other exclusion is a cluster of its own),
cross-language/script pair recall, look-alike pairs merged, `continues`, seen_before repeats,
thin pages and off-topic items; per-site text precision/recall (character-bigram sets) and the
mojibake repair (characters found again). Definitions: the data folder's README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from news_pipeline_tests.support import stories_truth as truth  # noqa: E402
from news_pipeline_tests.support.site_corpus import (  # noqa: E402
    DAYS,
    DEFAULT_PORT,
    THIN_KINDS,
    Article,
    Corpus,
    damage_text,
    load_corpus,
    serve_corpus,
    sources_yaml,
)

BASES_FILE = "stories_eval_bases.json"
RUN_TIMEOUT = 1800  # seconds


def run_pipeline(sources: Path, data_dir: Path) -> float:
    """`news-pipeline run` over the corpus days; returns seconds; exits on failure."""
    script = Path(sys.executable).parent / "news-pipeline"
    command = str(script) if script.exists() else shutil.which("news-pipeline")
    if not command:
        raise SystemExit("error: no news-pipeline console script in this environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "NEWS_PIPELINE"))}
    args = [command, "run", "--date", DAYS[0], "--to", DAYS[-1]]
    args += ["--sources", str(sources), "--data-dir", str(data_dir)]
    started = time.monotonic()
    result = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )
    (data_dir / "eval_stories_run.log").write_text(result.stdout + result.stderr, "utf-8")
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise SystemExit(f"error: news-pipeline exited with {result.returncode}\n{tail}")
    return time.monotonic() - started


# ---- reading the outputs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """Where one listed URL ended up in one day's report."""

    day: str
    where: str  # story | excluded
    story_id: str | None = None
    reason: str | None = None
    detail: str | None = None


def read_reports(data_dir: Path) -> dict[str, dict[str, Any]]:
    reports = {}
    for day in DAYS:
        path = data_dir / "reports" / day / "report.json"
        reports[day] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return reports


def index_reports(reports: dict[str, dict[str, Any]]) -> dict[tuple[str, str], Seen]:
    seen: dict[tuple[str, str], Seen] = {}
    for day, report in reports.items():
        for story in report.get("stories", []):
            for item in story.get("articles", []):
                seen[(day, item["url"])] = Seen(day, "story", story_id=story["story_id"])
        for item in report.get("excluded", []):
            seen.setdefault(
                (day, item["url"]),
                Seen(day, "excluded", reason=item.get("reason"), detail=item.get("detail")),
            )
    return seen


def read_cleaned(data_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """cleaned_articles item rows by (partition date, listed URL)."""
    import duckdb

    path = data_dir / "news.duckdb"
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as connection:
        columns = {row[0] for row in connection.execute("DESCRIBE cleaned_articles").fetchall()}
        where = "WHERE record_kind = 'item'" if "record_kind" in columns else ""
        rows = connection.execute(
            f"SELECT partition_date, url, title, text FROM cleaned_articles {where}"
        ).fetchall()
    return {(str(day), url): {"title": title, "text": text} for day, url, title, text in rows}


def cleaned_row(cleaned: dict[tuple[str, str], Any], day: str, url: str) -> dict[str, Any]:
    """The article's row in its own partition, else any row of that URL with text."""
    own = cleaned.get((day, url))
    if own and own.get("text"):
        return own
    others = [row for (_, other), row in sorted(cleaned.items()) if other == url and row["text"]]
    return others[0] if others else own or {}


def _bare(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment="")).removesuffix("/")


class Prediction:
    """The pipeline's outcome for every article, as a cluster label and a Seen record."""

    def __init__(self, corpus: Corpus, bases: dict[str, str], reports: dict[str, Any]) -> None:
        self.corpus = corpus
        self.reports = reports
        self.index = index_reports(reports)
        self.url = {a.id: corpus.listed_url(a, bases) for a in corpus.articles}
        self.by_url = {url: article_id for article_id, url in self.url.items()}
        self.seen = {a.id: self._find(a) for a in corpus.articles}
        self.stories = {
            story["story_id"]: story | {"day": day}
            for day, report in reports.items()
            for story in report.get("stories", [])
        }
        self.label = {a.id: self._label(a.id, 0) for a in corpus.articles}

    def _find(self, article: Article) -> Seen | None:
        own = self.index.get((article.day, self.url[article.id]))
        if own is not None:
            return own
        others = [s for (day, url), s in self.index.items() if url == self.url[article.id]]
        return next((s for s in others if s.reason != "out_of_window"), None)

    def _label(self, article_id: str, depth: int) -> str:
        seen = self.seen[article_id]
        if seen is None:
            return f"missing:{article_id}"
        if seen.where == "story":
            return f"story:{seen.story_id}"
        if seen.reason == "seen_before" and seen.detail:
            return f"story:{seen.detail}"
        if seen.reason == "duplicate_url" and seen.detail and depth < 5:
            kept = self.by_url.get(seen.detail) or next(
                (i for i, url in self.url.items() if _bare(url) == _bare(seen.detail)), None
            )
            if kept and kept != article_id:
                return self._label(kept, depth + 1)
            return f"duplicate-of:{_bare(seen.detail)}"
        return f"excluded:{article_id}"

    def majority(self, articles: list[Article]) -> str | None:
        labels = [self.label[a.id] for a in articles if self.label[a.id].startswith("story:")]
        return Counter(labels).most_common(1)[0][0] if labels else None

    def is_lead(self, article: Article) -> bool:
        seen = self.seen[article.id]
        story = self.stories.get(seen.story_id or "") if seen and seen.where == "story" else None
        return bool(story) and _bare(story.get("url") or "") == _bare(self.url[article.id])


# ---- scoring ---------------------------------------------------------------------------------


def score_scope(corpus: Corpus, pred: Prediction, keys: set[str]) -> dict[str, Any]:
    members = [a for a in truth.members(corpus) if a.story in keys]
    true_labels = {a.id: a.story for a in members}
    result: dict[str, Any] = {"stories": len(keys), "member_articles": len(members)}
    result["pairwise"] = truth.pairwise_scores(true_labels, pred.label)
    result["bcubed_f1"] = truth.bcubed_f1(true_labels, pred.label)
    result["members_excluded"] = dict(
        Counter(
            (seen.reason if (seen := pred.seen[a.id]) else None) or "missing"
            for a in members
            if pred.label[a.id].startswith(("excluded:", "missing:"))
        )
    )
    kinds: dict[str, list[tuple[str, str]]] = {}
    for a, b in truth.true_pairs(corpus):
        if a.story in keys:
            kind = " / ".join(sorted({a.language, b.language}))
            kinds.setdefault(kind, []).append((a.id, b.id))
    cross = [pair for kind, pairs in kinds.items() if "/" in kind for pair in pairs]
    result["cross_language"] = truth.pair_recall(cross, pred.label)
    result["pair_recall_by_languages"] = {
        kind: truth.pair_recall(pairs, pred.label)["recall"]
        for kind, pairs in sorted(kinds.items())
    }
    by_story: dict[str, list[Article]] = {}
    for article in members:
        by_story.setdefault(article.story, []).append(article)
    merged = []
    pairs = [(x, y) for x, y in truth.look_alike_pairs(corpus) if x in keys and y in keys]
    for left, right in pairs:
        shared = {pred.label[a.id] for a in by_story.get(left, [])} & {
            pred.label[a.id] for a in by_story.get(right, [])
        }
        if shared:
            merged.append(f"{left} + {right}")
    result["look_alike"] = {"pairs": len(pairs), "merged": len(merged), "merged_pairs": merged}
    result["continuity"] = score_continuity(corpus, pred, keys, by_story)
    result["seen_before"] = score_repeats(corpus, pred, keys)
    result["thin_pages"] = score_thin(corpus, pred, keys, by_story)
    off = [a for a in corpus.articles if a.outcome == "off_topic" and a.story in keys]
    wrong = [a.id for a in off if (s := pred.seen[a.id]) is None or s.reason != "off_topic"]
    result["off_topic"] = {"items": len(off), "right": len(off) - len(wrong), "wrong": wrong}
    return result


def story_ids(pred: Prediction, articles: list[Article]) -> set[str]:
    """The report story ids the given articles ended up in (directly or as repeats)."""
    labels = {pred.label[a.id] for a in articles}
    return {label.removeprefix("story:") for label in labels if label.startswith("story:")}


def score_continuity(
    corpus: Corpus, pred: Prediction, keys: set[str], by_story: dict[str, list[Article]]
) -> dict[str, Any]:
    """A new development is right when the report story holding most of its articles has
    `continues` set to a story id the earlier story's articles ended up in."""
    counts = Counter({"right": 0, "wrong": 0, "missing": 0})
    details = []
    for story, earlier in truth.continuity_cases(corpus):
        if story not in keys:
            continue
        expected = story_ids(pred, by_story.get(earlier, []))
        own = [a for a in by_story.get(story, []) if a.outcome == "story"]
        label = (pred.majority(own) or "").removeprefix("story:")
        found = pred.stories.get(label)
        if not label:
            verdict, got = "wrong", "none of its articles in a story"
        elif label in expected or found is None or found["day"] < own[0].day:
            verdict, got = "wrong", "absorbed into the earlier story (seen_before)"
        else:
            got = found.get("continues")
            verdict = "missing" if not got else "right" if got in expected else "wrong"
        counts[verdict] += 1
        details.append(f"{story} -> {earlier}: {verdict} ({got})")
    return dict(counts) | {"cases": sum(counts.values()), "details": details}


def score_repeats(corpus: Corpus, pred: Prediction, keys: set[str]) -> dict[str, Any]:
    """A repeat is right when excluded as seen_before pointing at a story id the earlier
    articles of its story ended up in."""
    cases, right, details = 0, 0, []
    for article in corpus.articles:
        if article.outcome != "seen_before" or article.story not in keys:
            continue
        cases += 1
        earlier = [a for a in corpus.articles if a.story == article.story and a.day < article.day]
        seen = pred.seen[article.id]
        if (
            seen is not None
            and seen.reason == "seen_before"
            and seen.detail in story_ids(pred, earlier)
        ):
            right += 1
            continue
        where = "missing" if seen is None else seen.reason or "reported as a new story"
        details.append(f"{article.id}: {where}")
    return {"cases": cases, "right": right, "wrong": details}


def score_thin(
    corpus: Corpus, pred: Prediction, keys: set[str], by_story: dict[str, list[Article]]
) -> dict[str, Any]:
    counts = Counter({"no_text": 0, "member_not_lead": 0, "wrong": 0})
    details = []
    for article in corpus.articles:
        if article.kind not in THIN_KINDS or article.story not in keys:
            continue
        seen = pred.seen[article.id]
        expected = pred.majority(by_story.get(article.story, []))
        if seen is not None and seen.reason == "no_text":
            counts["no_text"] += 1
            continue
        member = pred.label[article.id] == expected and expected is not None
        if member and not pred.is_lead(article):
            counts["member_not_lead"] += 1
            continue
        counts["wrong"] += 1
        if seen is None or seen.where != "story":
            where = seen.reason if seen else "missing"
        else:
            where = "lead of its story" if member else "in another story"
        details.append(f"{article.id}: {where}")
    return dict(counts) | {"items": sum(counts.values()), "details": details}


def score_text(
    corpus: Corpus, pred: Prediction, cleaned: dict[tuple[str, str], Any]
) -> dict[str, Any]:
    per_site: dict[str, Counter[str]] = {name: Counter() for name in corpus.sites}
    for article in corpus.articles:
        if article.kind in (*THIN_KINDS, "tracking_variant"):
            continue
        text = cleaned_row(cleaned, article.day, pred.url[article.id]).get("text") or ""
        shared, found, true = truth.bigram_overlap(article.body, text)
        per_site[article.site].update(
            {"articles": 1, "no_text": not text, "shared": shared, "found": found, "true": true}
        )
    result = {}
    for site, c in per_site.items():
        result[site] = {
            "articles": c["articles"],
            "without_text": c["no_text"],
            "precision": round(c["shared"] / c["found"], 4) if c["found"] else None,
            "recall": round(c["shared"] / c["true"], 4) if c["true"] else None,
        }
    return result


def score_mojibake(
    corpus: Corpus, pred: Prediction, cleaned: dict[tuple[str, str], Any]
) -> dict[str, Any]:
    totals: Counter[str] = Counter()
    for article in corpus.articles:
        site = corpus.sites[article.site]
        damaged = site.damage == "full" or (site.damage == "partial" and article.damage != "none")
        if not damaged or not article.has_page:
            continue
        row = cleaned_row(cleaned, article.day, pred.url[article.id])
        every_paragraph = site.damage == "full" or article.damage == "page"
        served_text = "\n\n".join(
            damage_text(p) if every_paragraph or i % 2 == 1 else p
            for i, p in enumerate(article.paragraphs)
        )
        parts = [("text", article.body, row.get("text") or "", served_text)]
        if site.damage == "full":  # titles damaged in the feed too (a partial site's are not)
            parts.append(
                ("title", article.title, row.get("title") or "", damage_text(article.title))
            )
        for part, true, got, served in parts:
            totals[f"{part}_chars"] += len("".join(true.split()))
            totals[f"{part}_right"] += truth.recovered_chars(true, got)
            totals[f"{part}_served"] += truth.recovered_chars(true, served)
        totals["articles"] += 1

    def share(part: str, what: str) -> float | None:
        chars = sum(totals[f"{p}_chars"] for p in part.split("+"))
        hits = sum(totals[f"{p}_{what}"] for p in part.split("+"))
        return round(hits / chars, 4) if chars else None

    return {
        "articles": totals["articles"],
        **{f"{part}_right": share(part, "right") for part in ("title", "text", "title+text")},
        **{f"{part}_as_served": share(part, "served") for part in ("title", "text", "title+text")},
    }


def evaluate(corpus: Corpus, bases: dict[str, str], data_dir: Path) -> dict[str, Any]:
    pred = Prediction(corpus, bases, read_reports(data_dir))
    cleaned = read_cleaned(data_dir)
    scopes = {
        "tune": {k for k, s in corpus.stories.items() if s.split == "tune"},
        "holdout": {k for k, s in corpus.stories.items() if s.split == "holdout"},
        "all": set(corpus.stories),
    }
    missing = [a.id for a in corpus.articles if pred.seen[a.id] is None]
    return {
        "corpus": truth.corpus_stats(corpus),
        "missing_from_reports": missing,
        "scopes": {name: score_scope(corpus, pred, keys) for name, keys in scopes.items()},
        "text_by_site": score_text(corpus, pred, cleaned),
        "mojibake": score_mojibake(corpus, pred, cleaned),
    }


def _fmt(value: Any) -> str:
    return "  n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def print_figures(figures: dict[str, Any]) -> None:
    stats = figures["corpus"]
    print(
        f"corpus: {stats['articles']} articles, {stats['sites']} sites, {stats['stories']} "
        f"stories, {stats['same_story_pairs']} same-story pairs "
        f"({stats['cross_language_share']:.0%} cross-language/script)"
    )
    if figures["missing_from_reports"]:
        print(f"not in any report: {', '.join(figures['missing_from_reports'])}")
    for name, scope in figures["scopes"].items():
        pw, cross, la = scope["pairwise"], scope["cross_language"], scope["look_alike"]
        cont, rep, thin, off = (
            scope[k] for k in ("continuity", "seen_before", "thin_pages", "off_topic")
        )
        print(f"\n[{name}] {scope['stories']} stories, {scope['member_articles']} member articles")
        print(
            f"  pairwise  P {_fmt(pw['precision'])}  R {_fmt(pw['recall'])}  F1 {_fmt(pw['f1'])}"
            f"  ({pw['correct_pairs']}/{pw['true_pairs']} true pairs found, "
            f"{pw['predicted_pairs']} predicted)   B-cubed F1 {_fmt(scope['bcubed_f1'])}"
        )
        if scope["members_excluded"]:
            print(f"  member articles excluded: {scope['members_excluded']}")
        print(
            f"  cross-language/script pair recall {_fmt(cross['recall'])} "
            f"({cross['together']}/{cross['pairs']})"
        )
        print(f"  pair recall by languages {scope['pair_recall_by_languages']}")
        print(f"  look-alike pairs merged {la['merged']}/{la['pairs']} {la['merged_pairs']}")
        print(
            f"  continues: right {cont['right']}, wrong {cont['wrong']}, missing "
            f"{cont['missing']} of {cont['cases']}"
        )
        print(f"  seen_before repeats right {rep['right']}/{rep['cases']} {rep['wrong']}")
        print(
            f"  thin pages: no_text {thin['no_text']}, member-not-lead "
            f"{thin['member_not_lead']}, wrong {thin['wrong']} of {thin['items']} "
            f"{thin['details']}"
        )
        print(f"  off-topic right {off['right']}/{off['items']} {off['wrong']}")
    print("\ntext vs true body (character-bigram sets), per site:")
    for site, text in figures["text_by_site"].items():
        print(
            f"  {site:<12} P {_fmt(text['precision'])}  R {_fmt(text['recall'])}  "
            f"({text['articles']} articles, {text['without_text']} without text)"
        )
    moji = figures["mojibake"]
    print(
        f"\nmojibake repair ({moji['articles']} damaged articles): characters right "
        f"title {_fmt(moji['title_right'])}, text {_fmt(moji['text_right'])}, both "
        f"{_fmt(moji['title+text_right'])}  (as served, unrepaired: title "
        f"{_fmt(moji['title_as_served'])}, text {_fmt(moji['text_as_served'])})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--data-dir", type=Path, help="pipeline data dir (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and site tree")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on every 127.0.0.N")
    parser.add_argument("--score-only", action="store_true", help="score an existing --data-dir")
    args = parser.parse_args(argv)
    corpus = load_corpus()
    if args.score_only:
        if not args.data_dir:
            parser.error("--score-only needs --data-dir")
        bases = json.loads((args.data_dir / BASES_FILE).read_text("utf-8"))
        figures = evaluate(corpus, bases, args.data_dir)
    else:
        work = Path(tempfile.mkdtemp(prefix="eval_stories_"))
        data_dir = (args.data_dir or work / "data").resolve()
        if data_dir.exists() and any(data_dir.iterdir()):
            print(f"warning: {data_dir} is not empty; earlier runs will influence the result")
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            with serve_corpus(corpus, port=args.port, out_dir=work / "sites") as bases:
                (data_dir / BASES_FILE).write_text(json.dumps(bases, indent=1), "utf-8")
                sources = work / "sources.yaml"
                sources.write_text(sources_yaml(corpus, bases), "utf-8")
                seconds = run_pipeline(sources, data_dir)
            figures = evaluate(corpus, bases, data_dir) | {"run_seconds": round(seconds, 1)}
        finally:
            if args.keep:
                print(f"kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    print_figures(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
