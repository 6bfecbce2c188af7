"""The sources file's `editor:` block (sources.py) and the resource that carries the key."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from dagster import EnvVar

from news_pipeline.defs.resources import EditorResource
from news_pipeline.sources import SourcesFileError, load_sources

SOURCES = """\
sources:
  - {name: one, type: rss, url: "https://news.example.org/feed.xml"}
"""


def _load(tmp_path: Path, editor: str):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES + "editor:\n" + editor, encoding="utf-8")
    return load_sources(path)


def test_the_contract_block_loads_with_defaults(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "  base_url: https://api.deepseek.com/v1/\n  model: deepseek-chat\n"
        "  api_key_env: DEEPSEEK_API_KEY\n  max_calls_per_day: 200\n"
        "  max_tokens_per_day: 400000\n  allow_private_addresses: false\n",
    ).editor
    assert config.base_url == "https://api.deepseek.com/v1"
    assert (config.max_calls_per_day, config.input_tokens_per_story) == (200, 3000)


def test_without_the_block_there_is_no_editor(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    assert load_sources(path).editor is None


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("  model: m\n", "editor.base_url: missing required field"),
        ("  base_url: ftp://x.example/v1\n  model: m\n", "editor.base_url: scheme"),
        ("  base_url: https://x.example/v1\n  model: m\n  temprature: 1\n", "unknown key"),
        (
            "  base_url: http://api.example.com/v1\n  model: m\n  api_key_env: KEY\n",
            "must be https when api_key_env is set",
        ),
    ],
)
def test_a_bad_block_is_one_clear_line(tmp_path: Path, block: str, message: str) -> None:
    with pytest.raises(SourcesFileError) as caught:
        _load(tmp_path, block)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_key_pasted_into_api_key_env_is_refused_and_never_echoed(tmp_path: Path) -> None:
    pasted = "sk-live-9f8e7d6c5b4a39281706"
    with pytest.raises(SourcesFileError) as caught:
        _load(tmp_path, f"  base_url: https://x.example/v1\n  model: m\n  api_key_env: {pasted}\n")
    assert "not the key itself" in str(caught.value)
    assert pasted not in "".join(traceback.format_exception(caught.value))


def test_the_resource_reads_the_key_through_envvar_only_when_it_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = _load(
        tmp_path, "  base_url: https://x.example/v1\n  model: m\n  api_key_env: EDITOR_TEST_KEY\n"
    ).editor
    monkeypatch.delenv("EDITOR_TEST_KEY", raising=False)
    missing = EditorResource.for_editor(editor)
    assert (missing.api_key, missing.api_key_env) == (None, "EDITOR_TEST_KEY")
    monkeypatch.setenv("EDITOR_TEST_KEY", "sk-value-never-in-config")
    present = EditorResource.for_editor(editor)
    # The resource's config holds the variable's name; Dagster resolves it when the run starts.
    assert isinstance(present.api_key, EnvVar) and present.api_key == "EDITOR_TEST_KEY"
    assert EditorResource.for_editor(None).api_key_env is None


def test_the_block_may_set_the_timeout_and_concurrency_of_a_slow_endpoint(tmp_path: Path) -> None:
    editor = _load(
        tmp_path,
        "  base_url: http://127.0.0.1:11434/v1\n  model: qwen2.5:7b\n"
        "  allow_private_addresses: true\n  timeout_seconds: 600\n  max_concurrency: 1\n",
    ).editor
    settings = EditorResource().client_settings(editor)
    assert (settings.read_timeout, settings.total_timeout, settings.max_concurrency) == (
        600,
        600,
        1,
    )
    assert EditorResource().client_settings(None).read_timeout == 60
