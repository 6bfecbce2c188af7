"""The bundled offline demo corpus: four small news sites, their feeds and the ground truth."""

from news_pipeline.demo.server import (
    BASE_URL_PLACEHOLDER,
    BASE_URL_PLACEHOLDER_NAME,
    DEMO_EXPECTED_PATH,
    DEMO_SOURCES_PATH,
    serve_demo_corpus,
)

__all__ = [
    "BASE_URL_PLACEHOLDER",
    "BASE_URL_PLACEHOLDER_NAME",
    "DEMO_EXPECTED_PATH",
    "DEMO_SOURCES_PATH",
    "serve_demo_corpus",
]
