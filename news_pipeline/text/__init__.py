"""cleaned_articles: main text, metadata, language, boilerplate removed, mojibake repaired."""

from news_pipeline.text.extract import clean_articles, load_boilerplate_rules

__all__ = ["clean_articles", "load_boilerplate_rules"]
