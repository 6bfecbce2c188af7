"""The default taxonomy, loaded once per test module."""

from __future__ import annotations

import pytest

from news_pipeline.editorial import Taxonomy, load_taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()
