"""Every text-stage test writes its pages into its own body store."""

from __future__ import annotations

import pytest

from news_pipeline.fetch.body_store import BodyStore
from news_pipeline_tests.stages.text import pages


@pytest.fixture(autouse=True)
def _use_body_store(body_store: BodyStore) -> None:
    pages.BODIES = body_store
