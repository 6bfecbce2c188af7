"""Helpers shared by tests and evaluation scripts (not part of the news_pipeline package)."""
