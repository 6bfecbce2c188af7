"""Stories: group one day's articles into stories and drop stories already reported.

Within a day: an item whose canonical URL was already listed is a ``duplicate_url`` (the
earliest listing, then the heaviest source, is kept). The rest are joined into stories by
three links: the same text (``same_text``: letters, digits and CJK characters equal),
MinHash LSH near-duplicates over character 5-grams for CJK and word 3-grams for Latin text
(``near_duplicate``: syndicated copies with other boilerplate), and a same-event link for
reports written in other words (``same_event``: shared rare anchors such as "Qwen3.5",
"397B" = "3970亿", a proper name, plus overlapping titles; the capitals of a Title Case
headline name nothing). Links are unioned into stories; the lead is the member with the
highest source weight, then the longest text, then the earliest time. Shingling, banding and
pair scoring are vectorised (numpy, polars, rensa).

A story already reported in the previous seven partitions is excluded as ``seen_before``
unless it is a new development (cross_day.py holds the rule, as the README states it).

Modules: canonical (URLs), settings (thresholds), fingerprints (shingles, MinHash, LSH),
anchors (same-event terms and pairs), links (the three links and their union), grouping
(the stage: URL duplicates, stories, leads, ids), cross_day (seen_before), evaluation
(scores against labelled stories).
"""

from news_pipeline.stories.canonical import canonical_url
from news_pipeline.stories.evaluation import evaluate_pairs, evaluation_labels
from news_pipeline.stories.fingerprints import (
    estimated_jaccard,
    lsh_candidate_pairs,
    minhash_signatures,
    shingle_documents,
)
from news_pipeline.stories.grouping import dedupe_articles, story_id_for
from news_pipeline.stories.settings import DedupeSettings

__all__ = [
    "DedupeSettings",
    "canonical_url",
    "dedupe_articles",
    "estimated_jaccard",
    "evaluate_pairs",
    "evaluation_labels",
    "lsh_candidate_pairs",
    "minhash_signatures",
    "shingle_documents",
    "story_id_for",
]
