"""deduped_stories: articles grouped into stories, within a day and across days."""

from news_pipeline.stories.canonical import canonical_url
from news_pipeline.stories.dedupe import DedupeSettings, dedupe_articles

__all__ = ["DedupeSettings", "canonical_url", "dedupe_articles"]
