"""canonical_url: every spelling of one article folds to one string, distinct articles stay
distinct. Expected values are written out by hand."""

from __future__ import annotations

import pytest

from news_pipeline.stories.canonical import canonical_url, load_tracking_rules, registrable_site


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        # case of scheme and host, default port, fragment
        (
            "HTTPS://WWW.Example.COM:443/News/Story.html#comments",
            "https://example.com/News/Story.html",
        ),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://127.0.0.1:8080/a/", "http://127.0.0.1:8080/a"),
        # tracking parameters dropped, the rest sorted
        (
            "https://example.com/a?utm_source=rss&id=7&utm_medium=feed&b=2",
            "https://example.com/a?b=2&id=7",
        ),
        (
            "https://example.com/a?spm=a2c4g.1&from=timeline&fbclid=x&gclid=y",
            "https://example.com/a",
        ),
        ("https://36kr.com/p/123?share_token=ab12&isappinstalled=0", "https://36kr.com/p/123"),
        # WeChat: __biz, mid, idx, sn name the article; scene, srcid, chksm do not
        (
            "https://mp.weixin.qq.com/s?__biz=MzA5&mid=22&idx=1&sn=f00&chksm=9a&scene=21"
            "&srcid=0214&key=k&pass_ticket=t#wechat_redirect",
            "https://mp.weixin.qq.com/s?__biz=MzA5&idx=1&mid=22&sn=f00",
        ),
        # mobile hosts and paths
        ("https://m.ithome.com/html/921880.htm?from=wap", "https://ithome.com/html/921880.htm"),
        ("https://wap.example.com/news/1", "https://example.com/news/1"),
        ("https://mobile.example.com/news/1", "https://example.com/news/1"),
        ("https://example.com/m/news/1", "https://example.com/news/1"),
        ("https://m.sina.cn/doc-1.shtml", "https://sina.cn/doc-1.shtml"),
        ("https://m.news.example.co.uk/a", "https://news.example.co.uk/a"),
        # AMP variants
        ("https://amp.theverge.com/2026/2/15/qwen/amp", "https://theverge.com/2026/2/15/qwen"),
        ("https://www.theverge.com/2026/2/15/qwen?amp=1", "https://theverge.com/2026/2/15/qwen"),
        ("https://example.com/amp/story/9", "https://example.com/story/9"),
        ("https://example.com/story/9.amp.html", "https://example.com/story/9.html"),
        ("https://example.com/story?outputType=amp&id=9", "https://example.com/story?id=9"),
        # trailing slash; the root keeps its slash
        ("https://example.com/ai/", "https://example.com/ai"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        # percent-encoding case and raw Unicode paths are one spelling
        ("https://example.com/%e6%96%b0%e9%97%bb", "https://example.com/%E6%96%B0%E9%97%BB"),
        ("https://example.com/新闻", "https://example.com/%E6%96%B0%E9%97%BB"),
    ],
)
def test_spellings_fold_to_one(listed: str, expected: str) -> None:
    assert canonical_url(listed) == expected


def test_distinct_articles_stay_distinct() -> None:
    assert canonical_url("https://example.com/a?id=1") != canonical_url(
        "https://example.com/a?id=2"
    )
    assert canonical_url("https://example.com/A") != canonical_url("https://example.com/a")
    assert canonical_url("https://news.example.com/1") != canonical_url(
        "https://tech.example.com/1"
    )
    assert canonical_url("http://example.com/1") != canonical_url("https://example.com/1")


def test_page_canonical_wins_on_the_same_site() -> None:
    mobile = "https://m.ithome.com/html/921880.htm"
    declared = "https://www.ithome.com/0/921/880.htm"
    assert canonical_url(mobile, declared) == "https://ithome.com/0/921/880.htm"
    relative = canonical_url("https://www.ithome.com/0/921/880.htm?x=1", "/0/921/880.htm")
    assert relative == "https://ithome.com/0/921/880.htm"


def test_page_canonical_elsewhere_or_broken_is_ignored() -> None:
    listed = "https://36kr.com/p/3001234567?utm_source=rss"
    assert (
        canonical_url(listed, "https://finance.sina.com.cn/x.shtml")
        == "https://36kr.com/p/3001234567"
    )
    assert canonical_url(listed, "javascript:void(0)") == "https://36kr.com/p/3001234567"
    assert canonical_url(listed, "") == "https://36kr.com/p/3001234567"


def test_non_http_input_comes_back_stripped() -> None:
    assert canonical_url("  urn:uuid:1234  ") == "urn:uuid:1234"
    assert canonical_url("") == ""


def test_rules_file_is_read() -> None:
    rules = load_tracking_rules()
    assert "utm_" in rules.prefixes
    assert {"spm", "from", "fbclid", "gclid", "scene", "srcid"} <= rules.exact
    assert rules.drops("key", "mp.weixin.qq.com", "qq.com")
    assert not rules.drops("key", "example.com", "example.com")


def test_registrable_site() -> None:
    assert registrable_site("https://finance.sina.com.cn/a") == "sina.com.cn"
    assert registrable_site("https://a.b.example.co.uk/") == "example.co.uk"
    assert registrable_site("http://127.0.0.1:8000/") == "127.0.0.1"
    assert registrable_site("http://localhost/") == "localhost"
    assert registrable_site("not a url") is None


def test_canonical_link_is_followed_on_an_ip_host() -> None:
    listed = "http://127.0.0.1:8080/site/m/2026/02/14/story.html?from=wap"
    declared = "http://127.0.0.1:8080/site/2026/02/14/story.html"
    assert canonical_url(listed, declared) == declared
    other_host = "http://127.0.0.2:8080/site/2026/02/14/story.html"
    assert canonical_url(listed, other_host) != other_host
