"""cleaned_articles: page bytes -> clean article text, metadata, language and script.

Modules: `stage` (the frame in, the frame out, the worker pool), `extraction` (one page:
trafilatura, metadata, the feed-content fallback), `decoding` (page bytes to text),
`boilerplate` (the rules of data/boilerplate.yaml), `language` (language and Chinese script),
`mojibake` (repair of UTF-8 read as cp1252 with dropped bytes).
"""

from news_pipeline.text.boilerplate import BoilerplateRules, load_boilerplate_rules
from news_pipeline.text.mojibake import looks_like_dropped_byte_mojibake, repair_text
from news_pipeline.text.stage import clean_articles

__all__ = [
    "BoilerplateRules",
    "clean_articles",
    "load_boilerplate_rules",
    "looks_like_dropped_byte_mojibake",
    "repair_text",
]
