"""DedupeSettings: the thresholds of the dedupe stage, with what each was measured to do."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Fitted on the tune split of news_pipeline_tests/data/stories_eval (scripts/fit_story_links.py)
DEFAULT_LINK_COEFFICIENTS: dict[str, float] = {
    "intercept": -2.002,
    "names": 1.145,
    "facts": 1.686,
    "concepts": 2.063,
    "title_concepts": 2.768,
    "title_words": 0.886,
    "conflict": -2.216,
    "same_source": -1.705,
    "anchor_rule": 1.349,
    "names_x_concepts": 1.481,
    "names_x_title_concepts": 1.833,
    "facts_x_concepts": 0.089,
    "facts_x_title_concepts": 0.231,
}


class DedupeSettings(BaseModel):
    """Thresholds of the dedupe stage. Defaults sit in the middle of the plateaus measured on
    the labelled set (news_pipeline_tests/data/dedupe_eval, 82 articles, 29 stories, 3 days;
    scripts/eval_dedupe.py): each value below keeps pairwise precision 1.000 and recall
    0.977 there, and the description says where that plateau ends."""

    near_duplicate_threshold: float = Field(
        0.5,
        description="Estimated Jaccard above which two texts are copies. Measured: syndicated "
        "copies with other boilerplate 0.72-1.0, reworded reports of one event <= 0.14, "
        "different stories <= 0.07; any value in 0.3-0.8 scores the same, 0.9 loses copies "
        "(recall 0.931).",
    )
    num_perm: int = Field(
        128, description="MinHash permutations: standard error of the estimate ~0.044 at 0.5."
    )
    lsh_bands: int = Field(
        32,
        description="LSH bands (rows = num_perm / bands). 32 x 4 makes a pair a candidate with "
        "probability 0.5 at Jaccard ~0.42 and 0.99 at 0.72 (the lowest copy measured).",
    )
    char_shingle_size: int = Field(
        5,
        description="Character n-grams for CJK text (data-juicer's choice for Chinese); 3-6 "
        "score the same on the labelled set, 5 keeps unrelated Chinese texts further apart.",
    )
    word_shingle_size: int = Field(
        3, description="Word n-grams for Latin-script text; 2-5 score the same."
    )
    cjk_ratio_for_char_shingles: float = Field(
        0.3, description="Share of CJK tokens above which an article is shingled by characters."
    )
    lead_chars: int = Field(
        240,
        description="Characters of text read with the title for anchors. 120 misses anchors "
        "(precision 0.967, recall 0.908); 240-800 score the same.",
    )
    same_event_min_anchors: int = Field(
        2,
        description="Shared anchors (numbers, versioned names, proper names) needed together "
        "with same_event_min_title_similarity; 1 is fragile (precision 0.50 at title 0.08).",
    )
    same_event_min_title_similarity: float = Field(
        0.1,
        description="idf-weighted Jaccard of title tokens needed with same_event_min_anchors. "
        "Plateau 0.08-0.12; 0.07 links two OpenAI stories of one day (precision 0.914), 0.13 "
        "drops a reworded Chinese pair (recall 0.969), 0.3 drops many (0.916).",
    )
    same_event_title_similarity: float = Field(
        0.5,
        description="Title similarity that needs just one shared anchor (or capitalised word "
        "of two Title Case headlines), for near-identical headlines; every value from 0.3 "
        "up (even 'never') scores the same on the set.",
    )
    same_event_strong_anchors: int = Field(
        4,
        description="Shared anchors that link without any title overlap (one event reported "
        "in Chinese and English shares names and sizes, not words). 3-4 score the same, 5 "
        "loses cross-language pairs (recall 0.916).",
    )
    same_event_strong_facts: int = Field(
        2,
        description="Shared numbers/versioned names that, with one more anchor, link without "
        "title overlap (Galbot + $300M + $3B in both languages); 1-2 score the same.",
    )
    max_term_documents: int = Field(
        200,
        description="Anchors held by more documents of the pool (today plus the lookback) "
        "link nothing: they are generic (e:openai on a busy week) and would only cost pairs. "
        "200 keeps a hot story's anchors (50 reports of Qwen3.5) usable.",
    )
    max_headline_word_documents: int = Field(
        50,
        description="max_term_documents for h: words (capitalised words of Title Case "
        "headlines), which only back a near-identical headline. 10k synthetic articles: 50 "
        "scores as 200 (pairwise F1 0.992) with a smaller pair join (peak memory 813 MiB, "
        "1.3 GiB at 200).",
    )
    novelty_min_new_facts: int = Field(
        2,
        description="New anchors in a matched story's titles and leads, absent from every "
        "article of the earlier story, that make it a new development. Measured: "
        "republications and recaps bring 0-1, follow-ups 2-6 (the LMArena ranking of Seed "
        "2.0: lmarena + seed; the MPA complaint about Seedance: mpa, rivkin, paramount...).",
    )
    lookback_days: int = Field(7, description="Partitions before this one searched for repeats.")
    link_coefficients: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_LINK_COEFFICIENTS),
        description="Logistic model over similarity.PAIR_FEATURES (plus intercept): the "
        "probability that two articles report one event. Fitted by scripts/fit_story_links.py "
        "on the tune split of news_pipeline_tests/data/stories_eval only.",
    )
    link_threshold: float = Field(
        0.35,
        description="Mean pair probability at which average linkage merges two groups of "
        "today's articles into one story (clustering.py). Tune split, pairwise over the three "
        "days (scripts/fit_story_links.py): 0.25 P 0.933 R 0.963; 0.3 P 0.978 R 0.947; 0.35 "
        "P 0.978 R 0.942; 0.4 P 0.977 R 0.915; 0.45 P 0.975 R 0.841. dedupe_eval: 1.000 / "
        "1.000 over 0.25-0.45.",
    )
    cross_day_threshold: float = Field(
        0.35,
        description="Mean, over today's story's articles, of each article's best link "
        "probability into an earlier story at which today's story repeats or continues it "
        "(cross_day.py). Tune split: the 4 developments and 5 repeats all match; unrelated "
        "stories of the next day stay below.",
    )
    repeat_threshold: float = Field(
        0.8,
        description="That mean at which a matched story is a plain repeat (seen_before) "
        "rather than a new development that continues the earlier story, unless it brings "
        "novelty_min_new_facts new facts. Tune split, with the text stage's boilerplate "
        "removal: repeats 0.85-0.99, developments 0.43-0.99; a development that names no new "
        "fact (the gala performance after its announcement, 0.73) needs the threshold above "
        "it; 0.7 made it a repeat (tune P 0.897, continues 2 of 4).",
    )
    furniture_share: float = Field(
        0.5,
        description="Share of a source's documents in the pool holding a term above which "
        "the term is that site's furniture (footer, share bar) and is not compared.",
    )
    furniture_min_documents: int = Field(
        3, description="Documents of a source needed before any of its terms is furniture."
    )
    candidate_concept_documents: int = Field(
        20,
        description="A translated concept held by at most this many documents of the pool "
        "can make two articles sharing it a candidate pair (similarity.candidate_pairs).",
    )
    candidate_key_documents: int = Field(
        50,
        description="A name, number or version held by at most this many documents of the "
        "pool can make two articles sharing it a candidate pair.",
    )
    candidate_keys_per_document: int = Field(
        8,
        description="Rarest keys of each article that generate its candidate pairs (prefix "
        "filtering): bounds the pairs a hot pool can make.",
    )
    minhash_seed: int = Field(
        20260214,
        description="Fixed seed: signatures are stored and compared across days (a change "
        "changes fingerprint_version, and stored rows are fingerprinted again).",
    )
