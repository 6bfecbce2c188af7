"""Sources file loading: valid files, placeholders, and one-line errors naming source and field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from news_pipeline.sources import SourcesConfig, SourcesFileError, load_sources

VALID = """\
timezone: Europe/Berlin
report_language: en
allow_private_addresses: true
sources:
  - name: kr-feed
    type: rss
    url: "{demo_base_url}/kr/feed.xml"
    language: zh
    weight: 1.5
  - name: list-page
    type: html_list
    url: https://news.example.org/ai/
    link_selector: "ul.news a"
  - name: site-map
    type: sitemap
    url: https://news.example.org/news-sitemap.xml
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_with_placeholder(tmp_path: Path) -> None:
    config = load_sources(write(tmp_path, VALID), {"demo_base_url": "http://127.0.0.1:8123"})
    assert config.timezone == "Europe/Berlin"
    assert config.report_language == "en"
    assert config.allow_private_addresses is True
    assert [s.name for s in config.sources] == ["kr-feed", "list-page", "site-map"]
    feed, listing, sitemap = config.sources
    assert feed.url == "http://127.0.0.1:8123/kr/feed.xml"
    assert feed.weight == 1.5
    assert feed.language == "zh"
    assert listing.link_selector == "ul.news a"
    assert listing.same_site_only is True
    assert sitemap.weight == 1.0
    assert sitemap.language is None


def test_defaults() -> None:
    config = SourcesConfig.model_validate(
        {"sources": [{"name": "a", "type": "rss", "url": "https://a.example.com/rss"}]}
    )
    assert config.timezone == "Asia/Shanghai"
    assert config.report_language == "zh"
    assert config.allow_private_addresses is False


def test_unreplaced_placeholder_is_a_scheme_error(tmp_path: Path) -> None:
    with pytest.raises(SourcesFileError) as caught:
        load_sources(write(tmp_path, VALID))
    message = str(caught.value)
    assert "'kr-feed'" in message
    assert "url" in message


@pytest.mark.parametrize(
    ("edit", "expected_parts"),
    [
        (
            lambda t: t.replace("    weight: 1.5\n", "    weight: 1.5\n    colour: red\n"),
            ["'kr-feed'", "colour", "unknown key"],
        ),
        (
            lambda t: t.replace("    type: sitemap\n", ""),
            ["'site-map'", "#2", "type", "missing"],
        ),
        (
            lambda t: t.replace("https://news.example.org/ai/", "ftp://news.example.org/ai/"),
            ["'list-page'", "url", "scheme"],
        ),
        (
            lambda t: t.replace("name: site-map", "name: kr-feed"),
            ["'kr-feed'", "#2", "name", "duplicate"],
        ),
        (
            lambda t: t.replace('    link_selector: "ul.news a"\n', ""),
            ["'list-page'", "link_selector", "html_list"],
        ),
        (
            lambda t: t.replace("timezone: Europe/Berlin", "timezone: Mars/Olympus"),
            ["timezone", "Mars/Olympus"],
        ),
        (
            lambda t: t.replace("report_language: en", "report_language: fr"),
            ["report_language"],
        ),
        (
            lambda t: t.replace("allow_private_addresses: true", "allow_private: true"),
            ["allow_private", "unknown key"],
        ),
        (
            lambda t: t.replace("    type: rss\n", "    type: atom\n"),
            ["'kr-feed'", "type"],
        ),
        (
            lambda t: t.replace("https://news.example.org/ai/", "https://news.example.org:99999/"),
            ["'list-page'", "url", "invalid port"],
        ),
        (
            lambda t: t.replace("https://news.example.org/ai/", '"https://news.example .org/"'),
            ["'list-page'", "url", "whitespace"],
        ),
    ],
)
def test_errors_name_file_source_and_field(
    tmp_path: Path, edit: object, expected_parts: list[str]
) -> None:
    assert callable(edit)
    path = write(tmp_path, edit(VALID))
    with pytest.raises(SourcesFileError) as caught:
        load_sources(path, {"demo_base_url": "http://127.0.0.1:8123"})
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    for part in expected_parts:
        assert part in message, (part, message)


def test_source_without_name_is_named_by_index(tmp_path: Path) -> None:
    text = "sources:\n  - type: rss\n    url: https://a.example.com/rss\n"
    with pytest.raises(SourcesFileError, match=r"source #0: name: missing"):
        load_sources(write(tmp_path, text))


def test_bad_yaml_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: [unclosed\n")
    with pytest.raises(SourcesFileError) as caught:
        load_sources(path)
    assert "not valid YAML" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_sources(write(tmp_path, "just a string"))


def test_example_sources_file_loads() -> None:
    example = resources.files("news_pipeline") / "data" / "sources.example.yaml"
    with resources.as_file(example) as path:
        config = load_sources(path)
    assert len(config.sources) >= 15
    languages = {source.language for source in config.sources}
    assert {"zh", "en"} <= languages
    assert all(source.url.startswith("https://") for source in config.sources)
    assert config.allow_private_addresses is False


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (
            lambda t: t.replace(
                "    weight: 1.5\n", "    weight: 1.5\n    url: https://b.example/\n"
            ),
            "url",
        ),
        (
            lambda t: t + "sources:\n  - name: late\n    type: rss\n    url: https://c.example/\n",
            "sources",
        ),
    ],
)
def test_a_repeated_key_is_an_error_not_a_silent_override(
    tmp_path: Path, edit: object, key: str
) -> None:
    """PyYAML keeps the last of two equal keys; a second `sources:` would drop every source
    listed under the first without a word."""
    assert callable(edit)
    with pytest.raises(SourcesFileError) as caught:
        load_sources(write(tmp_path, edit(VALID)), {"demo_base_url": "http://127.0.0.1:8123"})
    message = str(caught.value)
    assert f"duplicate key '{key}'" in message
    assert "\n" not in message


def test_yaml_merge_keys_still_override(tmp_path: Path) -> None:
    text = (
        "sources:\n"
        "  - &base {name: one, type: rss, url: https://a.example/rss, weight: 2}\n"
        "  - <<: *base\n"
        "    name: two\n"
        "    weight: 3\n"
    )
    config = load_sources(write(tmp_path, text))
    assert [(source.name, source.weight) for source in config.sources] == [("one", 2), ("two", 3)]
