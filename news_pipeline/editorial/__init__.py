"""categorized_items: relevance, category, importance, tier and summary of every story."""

from news_pipeline.editorial.categorize import (
    CategorizeSettings,
    Taxonomy,
    categorize_stories,
    load_taxonomy,
)

__all__ = ["CategorizeSettings", "Taxonomy", "categorize_stories", "load_taxonomy"]
