"""Invariants of the stories_eval corpus itself (news_pipeline_tests/data/stories_eval): its size
and shares, labels that agree with each other, every listed URL in the truth, the damage and the
encodings really in the built bytes, and a loopback-only server. Not the pipeline's quality:
scripts/eval_stories.py measures that."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html

from news_pipeline_tests.support import stories_truth as truth
from news_pipeline_tests.support.site_corpus import (
    ARTICLE_DAMAGE,
    DAMAGE_LEVELS,
    DAYS,
    KINDS,
    LANGUAGES,
    OUTCOMES,
    SITE_TYPES,
    THIN_KINDS,
    Corpus,
    build_corpus,
    damage_text,
    default_bases,
    load_corpus,
    serve_corpus,
    sources_yaml,
)

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def bases(corpus: Corpus) -> dict[str, str]:
    return default_bases(corpus)


@pytest.fixture(scope="module")
def files(corpus: Corpus, bases: dict[str, str]) -> dict[str, dict[str, tuple[bytes, str]]]:
    return build_corpus(corpus, bases)


def page_text(corpus: Corpus, files, article_id: str) -> str:
    article = corpus.by_id[article_id]
    body, _ = files[article.site][corpus.page_path(article)]
    return html.unescape(body.decode(corpus.sites[article.site].encoding))


# ---- size and shares ----------------------------------------------------------------------------


def test_size_sites_days_and_languages(corpus: Corpus) -> None:
    stats = truth.corpus_stats(corpus)
    assert stats["articles"] >= 150
    assert stats["sites"] >= 9
    assert tuple(stats["days"]) == DAYS
    assert set(stats["languages"]) == set(LANGUAGES)
    assert min(stats["per_site"].values()) >= 10
    for day in DAYS:
        assert {a.language for a in corpus.articles if a.day == day} == set(LANGUAGES)


def test_at_least_40_percent_of_same_story_pairs_cross_language_or_script(corpus: Corpus) -> None:
    pairs = truth.true_pairs(corpus)
    cross = [pair for pair in pairs if pair[0].language != pair[1].language]
    assert len(pairs) >= 200
    assert len(cross) / len(pairs) >= 0.40
    sizes = Counter(a.story for a in truth.members(corpus))
    languages = {
        key: {a.language for a in truth.members(corpus) if a.story == key} for key in sizes
    }
    many = [key for key, size in sizes.items() if size >= 3 and len(languages[key]) >= 2]
    assert len(many) >= 20, "many events reported by 3+ sites in 2-3 languages"


def test_look_alike_pairs_are_symmetric_same_day_and_distinct(corpus: Corpus) -> None:
    pairs = truth.look_alike_pairs(corpus)
    assert len(pairs) >= 8
    for left, right in pairs:
        assert left != right
        assert left in corpus.stories[right].look_alike_of
        assert right in corpus.stories[left].look_alike_of
        days = {a.day for a in corpus.articles if a.story in (left, right) and a.outcome == "story"}
        assert len(days) == 1, (left, right, days)


def test_thin_pages_and_off_topic_items(corpus: Corpus) -> None:
    kinds = Counter(a.kind for a in corpus.articles)
    assert kinds["video"] >= 1 and kinds["paywall"] >= 1
    for article in corpus.articles:
        if article.kind in THIN_KINDS:
            assert article.outcome == "no_text"
            others = [a for a in truth.members(corpus) if a.story == article.story]
            assert others, f"{article.id}: its story has no full article"
    off = [a for a in corpus.articles if a.outcome == "off_topic"]
    assert len(off) >= 3
    assert all(a.story.startswith("off-") and a.kind == "article" for a in off)
    assert len({a.story for a in off}) == len(off)


# ---- labels agree with each other --------------------------------------------------------------


def test_fields_are_valid(corpus: Corpus) -> None:
    assert len(corpus.by_id) == len(corpus.articles), "article ids are unique"
    hosts = [site.host_index for site in corpus.sites.values()]
    assert len(set(hosts)) == len(hosts) and min(hosts) >= 2
    for site in corpus.sites.values():
        assert site.type in SITE_TYPES and site.damage in DAMAGE_LEVELS
        assert urlsplit(f"http://{site.host}/").hostname == site.host
    for article in corpus.articles:
        assert article.id.startswith(article.site + "-"), article.id
        assert article.site in corpus.sites
        assert article.language in LANGUAGES and article.outcome in OUTCOMES
        assert article.kind in KINDS and article.damage in ARTICLE_DAMAGE
        assert article.story in corpus.stories, article.id
        assert article.day in DAYS, article.id
        assert article.title.strip() and article.body.strip(), article.id
        if article.damage != "none":
            assert corpus.sites[article.site].damage == "partial", article.id
    assert {a.story for a in corpus.articles} == set(corpus.stories)


def test_english_reports_name_things_the_english_way(corpus: Corpus) -> None:
    for article in corpus.articles:
        if article.language == "en":
            assert not CJK.search(article.title + article.body), article.id
        else:
            assert len(CJK.findall(article.body)) > len(article.body) / 4, article.id


def test_copies_point_at_their_original(corpus: Corpus, bases: dict[str, str]) -> None:
    for article in corpus.articles:
        original = corpus.by_id.get(article.copy_of or "")
        if article.kind in ("tracking_variant", "amp", "syndicated"):
            assert original is not None, article.id
            assert article.story == original.story and article.body == original.body
        if article.kind in ("tracking_variant", "amp"):
            assert article.site == original.site and article.outcome == "duplicate_url"
            assert article.published_at == original.published_at
        if article.kind == "tracking_variant":
            listed = corpus.listed_url(article, bases)
            assert article.query.startswith("?")
            assert listed.split("?")[0] == corpus.listed_url(original, bases).split("?")[0]
        if article.kind == "syndicated":
            assert article.outcome == "story" and article.site != original.site
    assert Counter(a.kind for a in corpus.articles)["tracking_variant"] >= 1


def test_continuity_labels(corpus: Corpus) -> None:
    cases = truth.continuity_cases(corpus)
    assert len(cases) >= 3
    for story, earlier in cases:
        assert story != earlier and earlier in corpus.stories
        new_days = {a.day for a in corpus.articles if a.story == story}
        old_days = {a.day for a in corpus.articles if a.story == earlier and a.outcome == "story"}
        assert max(old_days) < min(new_days), (story, earlier)
        assert {a.continues for a in corpus.articles if a.story == story} == {earlier}
    repeats = [a for a in corpus.articles if a.outcome == "seen_before"]
    assert len(repeats) >= 3
    for article in repeats:
        assert article.continues is None
        first = min(a.day for a in corpus.articles if a.story == article.story)
        assert first < article.day, article.id
        assert not any(a.continues for a in corpus.articles if a.story == article.story)


def test_stored_split_follows_the_rule(corpus: Corpus) -> None:
    split = truth.compute_split(corpus)
    assert split == {key: story.split for key, story in corpus.stories.items()}
    held = sum(value == "holdout" for value in split.values())
    assert 0.25 <= held / len(split) <= 0.40
    for story, earlier in truth.continuity_cases(corpus):
        assert split[story] == split[earlier]
    assert any(split[story] == "holdout" for story, _ in truth.continuity_cases(corpus))


def test_true_bodies_carry_no_boilerplate(corpus: Corpus) -> None:
    phrases = (
        "责任编辑", "責任編輯", "原创文章，作者", "如若转载", "本文来源", "版权所有", "版權所有",
        "Source: Reuters", "first appeared", "All rights reserved", "Subscribe", "仅代表作者",
    )  # fmt: skip
    for article in corpus.articles:
        for phrase in phrases:
            assert phrase not in article.body, (article.id, phrase)


# ---- the built site tree -------------------------------------------------------------------------


def listed_urls(corpus: Corpus, files, bases: dict[str, str], site_name: str) -> list[str]:
    """Article URLs of a site's listing, read with plain XML/HTML parsing."""
    site = corpus.sites[site_name]
    body, _ = files[site_name][site.listing_path]
    if site.listing_format == "html":
        tree = lxml_html.fromstring(body.decode(site.encoding))
        hrefs = tree.xpath("//ul[@class='news-list']/li/a[@class='title']/@href")
        return [bases[site_name] + href for href in hrefs]
    root = etree.fromstring(re.sub(rb"^<\?xml[^>]*\?>", b"", body.decode(site.encoding).encode()))
    if site.listing_format == "atom":
        return root.xpath("//*[local-name()='entry']/*[local-name()='link']/@href")
    if site.listing_format == "sitemap":
        return [loc.text for loc in root.xpath("//*[local-name()='loc']")]
    return [link.text for link in root.iter("link") if link.getparent().tag == "item"]


def test_every_listed_url_is_in_the_truth_and_served(corpus: Corpus, files, bases) -> None:
    for name in corpus.sites:
        listed = listed_urls(corpus, files, bases, name)
        expected = [corpus.listed_url(a, bases) for a in corpus.articles if a.site == name]
        assert sorted(listed) == sorted(expected), name
        for url in listed:
            assert urlsplit(url).path in files[name], url


def test_build_is_deterministic(corpus: Corpus, files, bases) -> None:
    assert build_corpus(corpus, bases) == files


def test_pages_carry_the_true_text(corpus: Corpus, files) -> None:
    for article in corpus.articles:
        site = corpus.sites[article.site]
        if not article.has_page or site.damage == "full" or article.damage != "none":
            continue
        text = page_text(corpus, files, article.id)
        assert article.title in text, article.id
        for paragraph in article.paragraphs:
            assert paragraph in text, (article.id, paragraph[:20])
        if article.kind == "video":
            assert "Watch" in text or "播放" in text
        if article.kind == "paywall":
            assert "Subscribe to continue reading" in text
            assert len(re.findall(r"[.!?](\s|$)", article.body)) == 2


def test_amp_copy_declares_the_article_canonical(corpus: Corpus, files, bases) -> None:
    amp = [a for a in corpus.articles if a.kind == "amp"]
    assert amp
    for article in amp:
        text = page_text(corpus, files, article.id)
        original_url = corpus.listed_url(corpus.by_id[article.copy_of or ""], bases)
        assert f'<link rel="canonical" href="{original_url}">' in text
        assert "<html amp" in text


def test_encodings_and_content_types(corpus: Corpus, files) -> None:
    for name, site in corpus.sites.items():
        for path, (body, content_type) in files[name].items():
            body.decode(site.encoding)  # strict
            assert ("charset" in content_type) == site.charset_in_header, (name, path)
    gbk = corpus.sites["huaxia"]
    assert gbk.encoding == "gbk" and not gbk.charset_in_header
    page = next(body for path, (body, _) in files["huaxia"].items() if path.endswith(".shtml"))
    assert b'<meta charset="gbk">' in page
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    assert corpus.sites["kejidao"].encoding == "big5"
    listing = files["zhixun"][corpus.sites["zhixun"].listing_path][0]
    with pytest.raises(UnicodeDecodeError):  # four-byte GB18030 sequences (emoji)
        listing.decode("gbk")


# ---- the damage --------------------------------------------------------------------------------


def test_damage_function_matches_seed_003() -> None:
    assert damage_text("abc <p>") == "abc <p>"
    assert damage_text("字") == "å—"  # E5 AD 97: 0xAD is dropped
    assert damage_text("🌊") == "ğŸŒŠ"  # F0 lead byte through cp1254
    assert damage_text("主") == "ä¸»"  # E4 B8 BB
    assert "\u00a0" in damage_text("蠠")  # E8 A0 A0: byte 0xA0 becomes a no-break space


def test_fully_damaged_site_is_damaged_in_feed_and_pages(corpus: Corpus, files) -> None:
    site = next(s for s in corpus.sites.values() if s.damage == "full")
    feed = files[site.name][site.listing_path][0].decode("utf-8")
    pages = [a for a in corpus.articles if a.site == site.name and a.has_page]
    assert pages
    for article in pages:
        text = page_text(corpus, files, article.id)
        assert html.escape(damage_text(article.title), quote=True) in feed or (
            damage_text(article.title) in html.unescape(feed)
        )
        assert article.title not in feed and article.title not in text
        assert damage_text(article.paragraphs[0]) in text
        assert not any(p in text for p in article.paragraphs if CJK.search(p))
    assert any("\u00a0" in page_text(corpus, files, a.id) for a in pages)


def test_partly_damaged_site(corpus: Corpus, files) -> None:
    site = next(s for s in corpus.sites.values() if s.damage == "partial")
    feed = html.unescape(files[site.name][site.listing_path][0].decode("utf-8"))
    mine = [a for a in corpus.articles if a.site == site.name]
    assert {a.damage for a in mine} == set(ARTICLE_DAMAGE)
    for article in mine:
        text = page_text(corpus, files, article.id)
        assert article.title in feed, "the feed keeps clean titles"
        if article.damage == "page":
            assert damage_text(article.title) in text
            assert all(damage_text(p) in text for p in article.paragraphs)
        if article.damage == "paragraphs":
            for number, paragraph in enumerate(article.paragraphs):
                assert (damage_text(paragraph) if number % 2 else paragraph) in text


# ---- serving -------------------------------------------------------------------------------------


def test_server_binds_loopback_per_site_and_serves_content_types(corpus: Corpus) -> None:
    with serve_corpus(corpus, port=0) as served:
        assert set(served) == set(corpus.sites)
        hosts = {urlsplit(url).hostname for url in served.values()}
        assert len(hosts) == len(corpus.sites)
        assert all(host.startswith("127.") for host in hosts)
        for name, site in corpus.sites.items():
            url = served[name] + site.listing_path
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
                header = response.headers["Content-Type"]
                assert ("charset" in header) == site.charset_in_header
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(served[name] + "/robots.txt", timeout=10)
            assert error.value.code == 404
        article = next(a for a in corpus.articles if a.site == "huaxia")
        url = corpus.listed_url(article, served)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.headers["Content-Type"] == "text/html"
        sources = sources_yaml(corpus, served)
        assert "allow_private_addresses: true" in sources and "report_language: zh" in sources


def test_scores_of_the_truth_against_itself_are_perfect(corpus: Corpus) -> None:
    labels = {a.id: a.story for a in truth.members(corpus)}
    scores = truth.pairwise_scores(labels, labels)
    assert scores["precision"] == scores["recall"] == 1.0
    assert truth.bcubed_f1(labels, labels) == 1.0
    singletons = {item: item for item in labels}
    assert truth.pairwise_scores(labels, singletons)["recall"] == 0.0
