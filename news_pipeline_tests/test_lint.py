"""ruff, as the README's test command runs it: lint and format of the whole repository."""

from __future__ import annotations

import subprocess
import sys

import pytest

from news_pipeline_tests.paths import REPO_ROOT


@pytest.mark.parametrize("arguments", [["check", "."], ["format", "--check", "."]])
def test_ruff(arguments: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-1000:]
