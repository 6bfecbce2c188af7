"""The editorial stage: deduped stories become categorized items with summaries and tiers.

Modules: `taxonomy` (categories, their terms, the matcher), `chinese` (zh-Hant read as
zh-Hans), `names` (organisations and products recognised from their shape), `events` (a
title's genre label, background and what a release released), `relevance` (AI relevance),
`categories` (category and evidence of a story: the event before the product), `importance`
(the importance formula and tiers), `sentences`, `summaries` and `key_facts` (extractive text
of a story), `stage` (`categorize_stories`, the categorized_items stage). Code outside the
package imports from here.
"""

from news_pipeline.editorial.categories import StoryClassification, classify_story
from news_pipeline.editorial.importance import compute_importance
from news_pipeline.editorial.key_facts import extract_key_facts
from news_pipeline.editorial.sentences import (
    content_tokens,
    is_boilerplate,
    split_sentences,
    strip_dateline,
    text_length,
)
from news_pipeline.editorial.settings import CategorizeSettings
from news_pipeline.editorial.stage import categorize_stories
from news_pipeline.editorial.summaries import summarize_story
from news_pipeline.editorial.taxonomy import Category, Taxonomy, load_taxonomy

__all__ = [
    "CategorizeSettings",
    "Category",
    "StoryClassification",
    "Taxonomy",
    "categorize_stories",
    "classify_story",
    "compute_importance",
    "content_tokens",
    "extract_key_facts",
    "is_boilerplate",
    "load_taxonomy",
    "split_sentences",
    "strip_dateline",
    "summarize_story",
    "text_length",
]
