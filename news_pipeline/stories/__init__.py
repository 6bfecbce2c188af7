"""Stories: group one day's articles into stories and drop stories already reported.

Within a day: an item whose canonical URL was already listed is a ``duplicate_url`` (the
earliest listing, then the heaviest source, is kept). Copies join outright: the same text
(``same_text``) and MinHash LSH near-duplicates over character 5-grams for CJK and word
3-grams for Latin text (``near_duplicate``). Reports of one event in other words, languages or
scripts (``same_event``) are compared through language-neutral terms of title and lead:
Traditional converted to Simplified (OpenCC), Chinese words carried into English through
CC-CEDICT, names (capitalised, dictionary proper nouns, data/entities.yaml, pinyin of Chinese
titles), numbers with units in one form; a logistic model gives each candidate pair a
probability and stories form by average linkage, one site's articles never in one story
unless copies. The lead is the member with the highest source weight, then the longest text,
then the earliest time.

A story already reported in the previous seven partitions is excluded as ``seen_before`` when
it is a plain repeat, else it is a new story that ``continues`` the earlier one (cross_day.py).

Modules: canonical (URLs), settings (thresholds, the link model), fingerprints (shingles,
MinHash, LSH, stored terms), anchors (same-event anchors and the anchor rule), lexicon
(CC-CEDICT, segmentation, stems), translation (language-neutral terms, Simplified, pinyin),
similarity (pair features and probability), links (copies, scored links, background pairs),
clustering (average linkage), grouping (the stage), cross_day (repeats and continuations),
evaluation (scores against labelled stories).
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
