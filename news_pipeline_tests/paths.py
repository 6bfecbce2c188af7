"""Paths the tests share: the repository, the labelled data and the seeds beside the clone."""

from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
TEST_DATA_DIR = TESTS_DIR / "data"
SEEDS_DIR = REPO_ROOT.parent / "shared" / "seeds"
