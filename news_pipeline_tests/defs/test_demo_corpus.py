"""The bundled demo corpus: its server, its feeds and pages, and its ground truth agree."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import httpx
import pytest
import yaml
from selectolax.lexbor import LexborHTMLParser

from news_pipeline.demo import (
    BASE_URL_PLACEHOLDER,
    DEMO_EXPECTED_PATH,
    DEMO_SOURCES_PATH,
    serve_demo_corpus,
)
from news_pipeline.demo.server import SITES_DIR
from news_pipeline.schema import CATEGORY_IDS, EXCLUSION_REASONS

SHANGHAI = ZoneInfo("Asia/Shanghai")
OUTCOMES = {"story", *EXCLUSION_REASONS} - {"no_text"}
SOURCE_FIELDS = {"name", "type", "url", "language", "weight"}
TOP_LEVEL_FIELDS = {"timezone", "report_language", "allow_private_addresses", "sources"}
# Where each site keeps its article text: the unclassed <p> elements of this container.
ARTICLE_CONTAINERS = {
    "techzh": "#artibody",
    "techzh-mobile": "article.m-article",
    "aizhi": ".post-content",
    "kuaixun": ".content",
    "ainews": ".article-body",
}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return yaml.safe_load(DEMO_EXPECTED_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sources_config() -> dict[str, Any]:
    return yaml.safe_load(DEMO_SOURCES_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_demo_corpus() as url:
        yield url


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as http_client:
        yield http_client


def real_url(listed_url: str, base_url: str) -> str:
    return listed_url.replace(BASE_URL_PLACEHOLDER, base_url)


def site_of(listed_url: str) -> str:
    path = listed_url.removeprefix(BASE_URL_PLACEHOLDER)
    site = path.split("/")[1]
    return f"{site}-mobile" if path.startswith(f"/{site}/m/") else site


def article_paragraphs(page_html: str, site: str) -> list[str]:
    container = LexborHTMLParser(page_html).css_first(ARTICLE_CONTAINERS[site])
    assert container is not None, f"no article container on a {site} page"
    return [p.text(strip=True) for p in container.css("p") if "class" not in p.attributes]


def decode_page(response: httpx.Response, site: str) -> str:
    encoding = "gb18030" if site.startswith("techzh") else "utf-8"
    return response.content.decode(encoding)


def canonical_of(page_html: str) -> str:
    link = LexborHTMLParser(page_html).css_first('link[rel="canonical"]')
    assert link is not None
    return link.attributes["href"] or ""


@pytest.fixture(scope="module")
def feed_responses(
    sources_config: dict[str, Any], base_url: str, client: httpx.Client
) -> dict[str, httpx.Response]:
    return {
        source["name"]: client.get(real_url(source["url"], base_url))
        for source in sources_config["sources"]
    }


@pytest.fixture(scope="module")
def listed_items(feed_responses: dict[str, httpx.Response], base_url: str) -> list[dict[str, str]]:
    """Every item of every feed as (source, url with the placeholder, Shanghai day)."""
    items = []
    for name, response in feed_responses.items():
        parsed = feedparser.parse(
            response.content, response_headers={"content-type": response.headers["content-type"]}
        )
        assert not parsed.bozo, f"{name}: {parsed.get('bozo_exception')}"
        for entry in parsed.entries:
            published = datetime(*entry.published_parsed[:6], tzinfo=UTC).astimezone(SHANGHAI)
            items.append(
                {
                    "source": name,
                    "url": entry.link.replace(base_url, BASE_URL_PLACEHOLDER),
                    "day": published.date().isoformat(),
                    "title": entry.title,
                }
            )
    return items


@pytest.fixture(scope="module")
def pages(
    expected: dict[str, Any], base_url: str, client: httpx.Client
) -> dict[str, httpx.Response]:
    """The response for every listed url, keyed by its placeholder form."""
    return {item["url"]: client.get(real_url(item["url"], base_url)) for item in expected["items"]}


def test_sources_file_follows_the_contract(sources_config: dict[str, Any]) -> None:
    assert set(sources_config) == TOP_LEVEL_FIELDS
    assert sources_config["timezone"] == "Asia/Shanghai"
    assert sources_config["report_language"] == "zh"
    assert sources_config["allow_private_addresses"] is True
    names = [source["name"] for source in sources_config["sources"]]
    assert len(names) == len(set(names)) >= 3
    for source in sources_config["sources"]:
        assert set(source) == SOURCE_FIELDS, source["name"]
        assert source["type"] == "rss"
        assert source["url"].startswith(BASE_URL_PLACEHOLDER + "/")
        assert isinstance(source["weight"], float)
    assert {source["language"] for source in sources_config["sources"]} == {"zh", "en"}


def test_feeds_are_served_with_their_declared_types(
    feed_responses: dict[str, httpx.Response],
) -> None:
    content_types = {name: r.headers["content-type"] for name, r in feed_responses.items()}
    assert content_types == {
        "techzh": "application/rss+xml",
        "aizhi": "application/atom+xml; charset=utf-8",
        "kuaixun": "application/rss+xml; charset=utf-8",
        "ainews": "application/rss+xml; charset=utf-8",
    }
    gbk_feed = feed_responses["techzh"].content
    assert gbk_feed.startswith(b'<?xml version="1.0" encoding="gbk"?>')
    with pytest.raises(UnicodeDecodeError):
        gbk_feed.decode("utf-8")
    assert HAN.search(gbk_feed.decode("gb18030"))


def test_feeds_list_exactly_the_expected_items(
    listed_items: list[dict[str, str]], expected: dict[str, Any]
) -> None:
    listed = Counter((item["source"], item["url"], item["day"]) for item in listed_items)
    truth = Counter((item["source"], item["url"], item["day"]) for item in expected["items"])
    assert listed - truth == Counter(), "listed by a feed but missing from expected.yaml"
    assert truth - listed == Counter(), "in expected.yaml but not listed by its feed"


def test_gbk_feed_titles_come_out_as_chinese(listed_items: list[dict[str, str]]) -> None:
    titles = [item["title"] for item in listed_items if item["source"] == "techzh"]
    assert all(len(HAN.findall(title)) >= 8 for title in titles)
    assert "豆包大模型2.0" in "".join(titles)


def test_every_feed_has_both_days_and_items_before_them(
    listed_items: list[dict[str, str]], expected: dict[str, Any]
) -> None:
    first_day = date.fromisoformat(expected["days"][0])
    for source in {item["source"] for item in listed_items}:
        days = Counter(item["day"] for item in listed_items if item["source"] == source)
        assert set(expected["days"]) <= set(days), source
        assert sum(n for d, n in days.items() if date.fromisoformat(d) < first_day) >= 2, source


def test_every_listed_page_is_served_except_the_missing_one(
    pages: dict[str, httpx.Response], expected: dict[str, Any], base_url: str
) -> None:
    for item in expected["items"]:
        response = pages[item["url"]]
        if item["outcome"] == "fetch_failed":
            assert response.status_code == 404, item["url"]
            continue
        assert response.status_code == 200, item["url"]
        assert BASE_URL_PLACEHOLDER.encode() not in response.content
        canonical = canonical_of(decode_page(response, site_of(item["url"])))
        assert canonical.startswith(base_url + "/"), item["url"]
        assert "?" not in canonical


def test_gbk_pages_declare_only_a_meta_charset(
    pages: dict[str, httpx.Response], expected: dict[str, Any]
) -> None:
    gbk_items = [item for item in expected["items"] if item["source"] == "techzh"]
    assert len(gbk_items) >= 8
    for item in gbk_items:
        response = pages[item["url"]]
        assert response.headers["content-type"] == "text/html"
        assert b'<meta charset="gbk">' in response.content[:200]
        with pytest.raises(UnicodeDecodeError):
            response.content.decode("utf-8")
        text = response.content.decode("gb18030")
        assert len(HAN.findall(text)) > 400, item["url"]


def test_utf8_pages_say_so_in_the_header(
    pages: dict[str, httpx.Response], expected: dict[str, Any]
) -> None:
    for item in expected["items"]:
        if item["source"] != "techzh" and item["outcome"] != "fetch_failed":
            assert pages[item["url"]].headers["content-type"] == "text/html; charset=utf-8"


def test_articles_have_realistic_lengths(
    pages: dict[str, httpx.Response], expected: dict[str, Any]
) -> None:
    for item in expected["items"]:
        if item["outcome"] == "fetch_failed":
            continue
        site = site_of(item["url"])
        paragraphs = article_paragraphs(decode_page(pages[item["url"]], site), site)
        assert 3 <= len(paragraphs) <= 12, item["url"]
        if site == "ainews":
            words = len(" ".join(paragraphs).split())
            assert 150 <= words <= 600, (item["url"], words)
        else:
            chars = len("".join(paragraphs))
            assert 400 <= chars <= 1500, (item["url"], chars)


def test_duplicate_urls_share_the_kept_items_canonical(
    pages: dict[str, httpx.Response], expected: dict[str, Any]
) -> None:
    duplicates = [item for item in expected["items"] if item["outcome"] == "duplicate_url"]
    assert any("/m/" in item["url"] for item in duplicates), "no mobile-path duplicate"
    for item in duplicates:
        kept_url = item["duplicate_of"]
        kept_page = decode_page(pages[kept_url], site_of(kept_url))
        duplicate_page = decode_page(pages[item["url"]], site_of(item["url"]))
        assert canonical_of(duplicate_page) == canonical_of(kept_page), item["url"]
        assert item["url"] != kept_url


def test_syndicated_copy_repeats_the_original_text_under_its_own_canonical(
    pages: dict[str, httpx.Response], expected: dict[str, Any]
) -> None:
    copies = [item for item in expected["items"] if "copy_of" in item]
    assert copies
    for item in copies:
        original_html = decode_page(pages[item["copy_of"]], site_of(item["copy_of"]))
        copy_html = decode_page(pages[item["url"]], site_of(item["url"]))
        original_text = article_paragraphs(original_html, site_of(item["copy_of"]))
        assert set(original_text) <= set(article_paragraphs(copy_html, site_of(item["url"])))
        assert canonical_of(copy_html) != canonical_of(original_html)


def test_same_story_from_different_sites_is_told_in_different_words(
    pages: dict[str, httpx.Response], expected: dict[str, Any]
) -> None:
    """Apart from declared copies, two sites never share a paragraph of one story."""
    copies = {
        frozenset((item["url"], item["copy_of"])) for item in expected["items"] if "copy_of" in item
    }
    fetched = [item for item in expected["items"] if item["outcome"] != "fetch_failed"]
    for first, second in combinations(fetched, 2):
        if first["story"] != second["story"] or first["source"] == second["source"]:
            continue
        if frozenset((first["url"], second["url"])) in copies:
            continue
        first_text = article_paragraphs(
            decode_page(pages[first["url"]], site_of(first["url"])), site_of(first["url"])
        )
        second_text = article_paragraphs(
            decode_page(pages[second["url"]], site_of(second["url"])), site_of(second["url"])
        )
        assert not set(first_text) & set(second_text), (first["url"], second["url"])


def test_ground_truth_is_self_consistent(expected: dict[str, Any]) -> None:
    items = expected["items"]
    by_url = {item["url"]: item for item in items}
    assert len(by_url) == len(items)
    assert {item["story"] for item in items} == set(expected["stories"])
    for story in expected["stories"].values():
        assert story["category"] in CATEGORY_IDS
        assert story.get("also", "other") in CATEGORY_IDS
    for item in items:
        assert item["outcome"] in OUTCOMES, item["url"]
        day_is_in_window = item["day"] in expected["days"]
        assert day_is_in_window == (item["outcome"] != "out_of_window"), item["url"]
        off_topic_story = expected["stories"][item["story"]].get("off_topic", False)
        assert off_topic_story == (item["outcome"] == "off_topic"), item["url"]
        if item["outcome"] == "duplicate_url":
            kept = by_url[item["duplicate_of"]]
            assert (kept["outcome"], kept["day"], kept["story"]) == (
                "story",
                item["day"],
                item["story"],
            )
        if item["outcome"] == "seen_before":
            earlier = [
                other
                for other in items
                if other["story"] == item["story"]
                and other["outcome"] == "story"
                and other["day"] < item["day"]
            ]
            assert earlier, item["url"]
        if "copy_of" in item:
            original = by_url[item["copy_of"]]
            assert (original["story"], original["day"]) == (item["story"], item["day"])


def test_counts_per_day_match_the_items_and_the_feeds(
    expected: dict[str, Any], listed_items: list[dict[str, str]]
) -> None:
    recounted: dict[str, Counter[str]] = {}
    for item in expected["items"]:
        day_counts = recounted.setdefault(item["day"], Counter())
        day_counts["listed"] += 1
        day_counts[item["outcome"]] += 1
    for day, day_counts in recounted.items():
        day_counts["stories"] = len(
            {
                item["story"]
                for item in expected["items"]
                if item["day"] == day and item["outcome"] == "story"
            }
        )
        if day_counts["stories"] == 0:
            del day_counts["stories"]
    assert {day: dict(c) for day, c in recounted.items()} == expected["counts"]
    listed_per_day = Counter(item["day"] for item in listed_items)
    assert {day: c["listed"] for day, c in expected["counts"].items()} == dict(listed_per_day)


def test_every_situation_is_staged(expected: dict[str, Any]) -> None:
    items = expected["items"]
    outcomes = Counter(item["outcome"] for item in items)
    assert set(outcomes) == OUTCOMES
    day_one_stories = Counter(
        item["story"]
        for item in items
        if item["day"] == "2026-02-14" and item["outcome"] == "story"
    )
    sources_of_top_story = {
        item["source"] for item in items if item["story"] == day_one_stories.most_common(1)[0][0]
    }
    assert len(sources_of_top_story) >= 3
    seen_before_stories = {item["story"] for item in items if item["outcome"] == "seen_before"}
    assert seen_before_stories
    assert len({item["url"] for item in items}) >= 30


def test_every_file_is_served_without_the_placeholder(base_url: str, client: httpx.Client) -> None:
    files = sorted(path for path in SITES_DIR.rglob("*") if path.is_file())
    assert len(files) >= 30
    for path in files:
        response = client.get(f"{base_url}/{path.relative_to(SITES_DIR).as_posix()}")
        assert response.status_code == 200, path
        assert BASE_URL_PLACEHOLDER.encode() not in response.content, path
        assert base_url.encode() in response.content, path


@pytest.mark.parametrize(
    "path",
    ["/robots.txt", "/", "/techzh/", "/techzh/nope.html", "/techzh/../server.py", "/%2e%2e/x"],
)
def test_unknown_paths_are_not_found(base_url: str, client: httpx.Client, path: str) -> None:
    assert client.get(base_url + path).status_code == 404


def test_conditional_request_gets_not_modified(base_url: str, client: httpx.Client) -> None:
    first = client.get(f"{base_url}/aizhi/atom.xml")
    again = client.get(
        f"{base_url}/aizhi/atom.xml", headers={"If-None-Match": first.headers["etag"]}
    )
    assert (first.status_code, again.status_code) == (200, 304)
    assert again.content == b""


def test_server_stops_when_the_context_exits() -> None:
    with serve_demo_corpus() as url, httpx.Client(trust_env=False) as http_client:
        assert http_client.get(f"{url}/ainews/feed.xml").status_code == 200
    with httpx.Client(trust_env=False) as http_client, pytest.raises(httpx.ConnectError):
        http_client.get(f"{url}/ainews/feed.xml")
