"""Deterministic synthetic news corpus: realistic page weight, Chinese and English, with
labelled near-duplicate clusters, as `raw_articles` frames (no HTTP involved).

Why synthetic: stage benchmarks must measure extraction and dedupe, not the network, and they
need 1k-100k pages with known story labels. Each page is 50-300 KB of HTML, like a portal's
article page: head with CSS, JSON-LD and analytics scripts, a navigation bar, ad slots, a
breadcrumb, the article (500-3,000 characters of text, an editor line), related links,
reader comments, a hot-list sidebar, an embedded state script and a footer. About 15% of the
articles are near-duplicates (members after the first of clusters of 2-5): syndicated copies
(same text on another site's chrome, a source line, tracking parameters in the URL) and
reworded copies (some sentences rewritten, paragraphs reordered, words swapped). Chinese
text is drawn from jieba's packaged word-frequency dictionary, English from a word list
below; names and numbers come from the seed reports' facts. Some Chinese sites serve GBK.

Generated corpora are cached as Parquet under `corpus_cache_dir()` (a temp directory by
default, never inside the repository): `raw-<tag>.parquet` (RAW_ARTICLES_SCHEMA),
`truth-<tag>.parquet` (story labels and the article text as written) and the pages in the
body store `bodies/` beside them, as the fetching asset would have left them.
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing
import os
import random
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import jieba
import polars as pl
import pyarrow.parquet as pq

from news_pipeline.fetch import BodyStore
from news_pipeline.schema import (
    CLEANED_ARTICLES_SCHEMA,
    RAW_ARTICLES_SCHEMA,
    RECORD_FEED,
    RECORD_ITEM,
    STATUS_OK,
    DayWindow,
)

# 2: bodies live in a BodyStore, raw frames carry only their content hash.
GENERATOR_VERSION = 2
DEFAULT_SEED = 20260215
PARTITION_DAY = date(2026, 2, 15)
TIMEZONE = "Asia/Shanghai"
CACHE_ENV = "NEWS_PIPELINE_BENCH_CACHE"

MIN_PAGE_BYTES = 50_000
MAX_PAGE_BYTES = 300_000
MODE_PAGE_BYTES = 110_000
MIN_TEXT_CHARS = 500
MAX_TEXT_CHARS = 3_000
# Probability that a story is reported more than once: with clusters of 2-5 (mean 3.5) this
# makes 2.5q / (1 + 2.5q) ~ 15% of articles near-duplicates of an earlier one.
CLUSTER_PROBABILITY = 0.0706
CLUSTER_SIZES = (2, 3, 4, 5)
CHINESE_SHARE = 0.6
GENERATION_CHUNK = 200

KIND_ORIGINAL = "original"
KIND_SYNDICATED = "syndicated"
KIND_REWORDED = "reworded"


@dataclass(frozen=True)
class Site:
    name: str
    host: str
    language: str
    weight: float
    charset: str


SITES: tuple[Site, ...] = (
    Site("kejiribao", "tech.kejiribao.example", "zh", 1.0, "utf-8"),
    Site("zhinengbao", "www.zhinengbao.example", "zh", 1.2, "utf-8"),
    Site("caijingwang", "finance.caijingwang.example", "zh", 0.9, "gbk"),
    Site("kuaixunzh", "news.kuaixunzh.example", "zh", 0.8, "utf-8"),
    Site("xinzhiyuan", "www.xinzhiyuan.example", "zh", 1.1, "utf-8"),
    Site("shuzishidai", "www.shuzishidai.example", "zh", 0.9, "gbk"),
    Site("aiqianyan", "aiqianyan.example", "zh", 1.0, "utf-8"),
    Site("keji24", "m.keji24.example", "zh", 0.7, "utf-8"),
    Site("chanyeguancha", "www.chanyeguancha.example", "zh", 1.0, "utf-8"),
    Site("zhihuidaily", "daily.zhihuidaily.example", "zh", 0.8, "utf-8"),
    Site("machinewire", "www.machinewire.example", "en", 1.2, "utf-8"),
    Site("aidispatch", "aidispatch.example", "en", 1.0, "utf-8"),
    Site("computeherald", "www.computeherald.example", "en", 0.9, "utf-8"),
    Site("modelweekly", "modelweekly.example", "en", 1.0, "utf-8"),
    Site("techledger", "news.techledger.example", "en", 0.8, "utf-8"),
    Site("agentpost", "www.agentpost.example", "en", 1.1, "utf-8"),
)

# Facts of the kind the seed reports carry (names, versions, sizes); anchors for same-event
# matching and the look of real AI news.
ENTITIES_ZH = (
    "阿里巴巴",
    "通义千问",
    "Qwen3.5",
    "字节跳动",
    "豆包2.0",
    "Seedance 2.0",
    "智谱",
    "GLM-5",
    "MiniMax",
    "M2.5",
    "京东",
    "JoyAI",
    "腾讯",
    "混元",
    "百度",
    "文心",
    "月之暗面",
    "Kimi",
    "DeepSeek",
    "宇树科技",
    "英伟达",
    "华为",
    "昇腾",
    "小红书",
    "快手",
    "可灵",
    "OpenAI",
    "Anthropic",
)
ENTITIES_EN = (
    "OpenAI",
    "Anthropic",
    "Google",
    "Gemini",
    "Microsoft",
    "Nvidia",
    "Alibaba",
    "Qwen3.5",
    "ByteDance",
    "Seedance",
    "Zhipu",
    "GLM-5",
    "MiniMax",
    "DeepSeek",
    "Meta",
    "Llama",
    "Mistral",
    "Amazon",
    "AWS",
    "Apple",
    "Tesla",
    "Optimus",
    "Unitree",
    "OpenClaw",
    "ChatGPT",
    "Claude",
)
UNITS_ZH = ("亿元", "万元", "亿美元", "%", "B", "万台", "个百分点", "倍", "万用户", "TFLOPS")
UNITS_EN = ("billion", "million", "%", "B", "GW", "x", "percent", "users", "tokens", "chips")

# Word list of English news prose; function words repeat to approximate their frequency.
ENGLISH_WORDS_TEXT = (
    "the the the the the of of of of and and and to to to a a a in in in is is that that for "
    "for it on on with with as as was was at by by from from be be this this have has had "
    "are were will would can could said says its their they them which about more than also "
    "after before over into new first last year years week month day today company companies "
    "model models system systems data training inference chip chips compute cloud market "
    "markets price prices revenue growth customers users developers researchers engineers "
    "team teams product products platform service services release released launch launched "
    "version versions feature features agent agents assistant assistants tool tools app apps "
    "open source license benchmark benchmarks score scores performance latency throughput "
    "memory context window parameters weights dataset datasets paper papers study analysis "
    "report reports investors funding round valuation deal deals acquisition partnership "
    "regulators regulation policy law lawsuit court copyright safety risk risks security "
    "privacy government officials ministry agency rules framework standard standards industry "
    "analysts executives chief executive officer founder startup startups firm firms group "
    "division unit lab labs hardware software robot robots robotics video image images audio "
    "voice speech text code coding search enterprise business consumer mobile phone devices "
    "network networks power energy capacity supply demand costs cost spending investment "
    "billion million percent quarter annual share shares stock trading sales orders pilot "
    "program programs access accounts subscription plan plans pricing free paid tier tiers "
    "reasoning multimodal generation generative frontier large small efficient faster cheaper "
    "stronger better higher lower early later recent major minor key critical important "
    "global local regional national international public private internal external several "
    "many most some few other another each every both all any such same different similar "
    "according statement interview blog post announcement event conference keynote demo "
    "update updates upgrade upgrades support supports supported integrate integrates built "
    "build building run runs running use uses using used make makes made take takes took "
    "show shows showed expect expects expected plan planned aims aimed move moves moved "
    "said told added noted wrote explained argued warned confirmed declined announced "
    "reported estimated described called described while although because since though "
    "however meanwhile still already just only even also again further instead rather "
    "not no yes one two three four five ten hundred thousand first second third next "
    "between among across through during within without under above around against toward "
    "people person customer partner partners rival rivals competitor competitors leader "
    "leaders engineer scientist scientists professor student students school university"
)


@dataclass(frozen=True)
class ArticlePlan:
    """Everything that decides one article, before any text is written."""

    index: int
    story: int
    member: int
    kind: str
    language: str
    site: int
    published_at: datetime
    page_bytes: int


@dataclass(frozen=True)
class CorpusFiles:
    raw_path: Path
    truth_path: Path
    size: int
    seed: int

    @property
    def bodies(self) -> BodyStore:
        return BodyStore(self.raw_path.parent / "bodies")


# ---- vocabularies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]
    cumulative: tuple[float, ...]

    def sample(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=count)


@lru_cache(maxsize=1)
def chinese_vocabulary(top: int = 40_000) -> Vocabulary:
    """The most frequent words of jieba's dictionary, weighted by frequency^0.7 (flattened so
    that articles share fewer n-grams than real Chinese would; near-duplicate detection must
    earn its matches)."""
    path = Path(jieba.__file__).parent / "dict.txt"
    entries: list[tuple[int, str]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, frequency, *_ = line.split(" ")
            if all("\u4e00" <= character <= "\u9fff" for character in word):
                entries.append((int(frequency), word))
    entries.sort(reverse=True)
    words = tuple(word for _, word in entries[:top])
    weights = [frequency**0.7 for frequency, _ in entries[:top]]
    return Vocabulary(words, tuple(itertools.accumulate(weights)))


@lru_cache(maxsize=1)
def english_vocabulary() -> Vocabulary:
    words = tuple(ENGLISH_WORDS_TEXT.split())
    return Vocabulary(words, tuple(float(i + 1) for i in range(len(words))))


def _number(rng: random.Random, language: str) -> str:
    value = rng.choice((rng.randint(2, 999), round(rng.uniform(1, 99), 1)))
    units = UNITS_ZH if language == "zh" else UNITS_EN
    unit = rng.choice(units)
    return f"{value}{unit}" if language == "zh" or unit in {"%", "B", "x"} else f"{value} {unit}"


_NAME_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ven",
    "tor",
    "qui",
    "sel",
    "dan",
    "or",
    "ex",
    "ia",
    "no",
    "vu",
    "zen",
    "bri",
    "cal",
    "dor",
    "fen",
    "gal",
    "hex",
    "ix",
    "jun",
    "lum",
    "mar",
    "nex",
    "ok",
    "pra",
    "rho",
    "syn",
    "tal",
    "ul",
    "vor",
    "wex",
    "yan",
    "zar",
]


@lru_cache(maxsize=1)
def name_universe() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Names a story can be about: the seed reports' names plus 600 invented product and
    company names, with Zipf weights (a few names are in many stories, most in few)."""
    rng = random.Random("names")
    invented: list[str] = []
    while len(invented) < 600:
        name = "".join(rng.choice(_NAME_SYLLABLES) for _ in range(rng.randint(2, 3))).title()
        if rng.random() < 0.4:
            name += rng.choice(("-", " ", "")) + rng.choice(("2", "3", "4.5", "5", "7B", "X"))
        if name not in invented:
            invented.append(name)
    known = [name for name in dict.fromkeys((*ENTITIES_EN, *ENTITIES_ZH))]
    names = tuple(itertools.chain(*zip(invented[: len(known)], known, strict=True))) + tuple(
        invented[len(known) :]
    )
    weights = [1.0 / (rank + 8) for rank in range(len(names))]
    return names, tuple(itertools.accumulate(weights))


@dataclass(frozen=True)
class StoryFacts:
    """The names and figures one story keeps coming back to (its copies share them)."""

    names: tuple[str, ...]
    numbers: tuple[str, ...]

    @classmethod
    def draw(cls, rng: random.Random, language: str) -> StoryFacts:
        names, cumulative = name_universe()
        cast = tuple(dict.fromkeys(rng.choices(names, cum_weights=cumulative, k=3)))
        count = rng.randint(1, len(cast))
        numbers = tuple(_number(rng, language) for _ in range(rng.randint(1, 3)))
        return cls(cast[:count], numbers)


def sentence(rng: random.Random, language: str, facts: StoryFacts | None = None) -> str:
    """One sentence of plausible-looking news prose, now and then naming the story's names
    and figures."""
    facts = facts or StoryFacts.draw(rng, language)
    vocabulary = chinese_vocabulary() if language == "zh" else english_vocabulary()
    words = vocabulary.sample(rng, rng.randint(8, 22) if language == "zh" else rng.randint(9, 26))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(facts.names))
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), rng.choice(facts.numbers))
    if language == "zh":
        for _ in range(len(words) // 7):
            position = rng.randrange(1, len(words))
            words[position] = "，" + words[position]
        return "".join(words) + rng.choice("。。。。！？")
    for _ in range(len(words) // 9):
        position = rng.randrange(1, len(words))
        words[position] = words[position] + ","
    text = " ".join(words).rstrip(",")
    return text[0].upper() + text[1:] + rng.choice("....?")


def title_of(rng: random.Random, language: str, facts: StoryFacts) -> str:
    if language == "zh":
        words = chinese_vocabulary().sample(rng, rng.randint(4, 9))
        words.insert(0, facts.names[0])
        if rng.random() < 0.5:
            words.append(facts.numbers[0])
        return "".join(words)
    words = english_vocabulary().sample(rng, rng.randint(5, 11))
    words.insert(0, facts.names[0])
    if rng.random() < 0.5:
        words.append(facts.numbers[0])
    return " ".join(word.capitalize() if len(word) > 3 else word for word in words)


# ---- stories and their copies ---------------------------------------------------------------


Paragraphs = list[list[str]]


def story_text(story: int, language: str, seed: int) -> tuple[str, Paragraphs]:
    """Title and paragraphs (lists of sentences) of a story's original article."""
    rng = random.Random(f"{seed}:story:{story}")
    facts = StoryFacts.draw(rng, language)
    target = int(math.exp(rng.uniform(math.log(MIN_TEXT_CHARS + 60), math.log(MAX_TEXT_CHARS))))
    paragraphs: Paragraphs = []
    length = 0
    while length < target:
        paragraph = []
        for _ in range(rng.randint(2, 5)):
            text = sentence(rng, language, facts)
            paragraph.append(text)
            length += len(text) + (0 if language == "zh" else 1)
            if length >= target:
                break
        paragraphs.append(paragraph)
    _trim_to(paragraphs, MAX_TEXT_CHARS - 40, language)
    return title_of(rng, language, facts), paragraphs


def _joined(paragraphs: Paragraphs, language: str) -> str:
    separator = "" if language == "zh" else " "
    return "\n".join(separator.join(paragraph) for paragraph in paragraphs)


def _trim_to(paragraphs: Paragraphs, limit: int, language: str) -> None:
    while len(_joined(paragraphs, language)) > limit and sum(map(len, paragraphs)) > 1:
        paragraphs[-1].pop()
        if not paragraphs[-1]:
            paragraphs.pop()


def reword(
    title: str, paragraphs: Paragraphs, rng: random.Random, language: str, facts: StoryFacts
) -> tuple[str, Paragraphs]:
    """Another outlet's rewrite: ~15% of sentences rewritten, a sentence dropped, a word
    swapped here and there, two paragraphs reordered, a different headline ending."""
    copied = [list(paragraph) for paragraph in paragraphs]
    for paragraph in copied:
        for position, text in enumerate(paragraph):
            roll = rng.random()
            if roll < 0.15:
                paragraph[position] = sentence(rng, language, facts)
            elif roll < 0.30:
                paragraph[position] = _swap_word(text, rng, language)
    if sum(map(len, copied)) > 3:
        victim = rng.choice([p for p in copied if p])
        victim.pop(rng.randrange(len(victim)))
        copied = [paragraph for paragraph in copied if paragraph]
    if len(copied) > 2:
        first = rng.randrange(len(copied) - 1)
        copied[first], copied[first + 1] = copied[first + 1], copied[first]
    if language == "zh":
        new_title = title[: max(6, len(title) * 2 // 3)] + "".join(
            chinese_vocabulary().sample(rng, 2)
        )
    else:
        kept = title.split()[: max(4, len(title.split()) * 2 // 3)]
        new_title = " ".join([*kept, *english_vocabulary().sample(rng, 2)])
    return new_title, copied


def _swap_word(text: str, rng: random.Random, language: str) -> str:
    if language == "zh":
        position = rng.randrange(max(1, len(text) - 3))
        return text[:position] + chinese_vocabulary().sample(rng, 1)[0] + text[position + 2 :]
    words = text.split(" ")
    words[rng.randrange(len(words))] = english_vocabulary().sample(rng, 1)[0]
    return " ".join(words)


def syndicate(
    title: str, paragraphs: Paragraphs, rng: random.Random, language: str, origin: Site
) -> tuple[str, Paragraphs]:
    """A syndicated copy: same text, maybe credited in an opening line or cut short."""
    copied = [list(paragraph) for paragraph in paragraphs]
    if rng.random() < 0.5:
        credit = f"据{origin.name}报道，" if language == "zh" else f"As {origin.name} reported, "
        copied[0][0] = credit + copied[0][0][0].lower() + copied[0][0][1:]
    if rng.random() < 0.3 and len(copied) > 2:
        copied.pop()
    return title, copied


def article_content(plan: ArticlePlan, seed: int) -> tuple[str, str]:
    """(title, text) of one article as its site published it."""
    title, paragraphs = story_text(plan.story, plan.language, seed)
    rng = random.Random(f"{seed}:copy:{plan.story}:{plan.member}")
    if plan.kind == KIND_REWORDED:
        facts = StoryFacts.draw(random.Random(f"{seed}:story:{plan.story}"), plan.language)
        title, paragraphs = reword(title, paragraphs, rng, plan.language, facts)
    elif plan.kind == KIND_SYNDICATED:
        origin = SITES[random.Random(f"{seed}:origin:{plan.story}").randrange(len(SITES))]
        title, paragraphs = syndicate(title, paragraphs, rng, plan.language, origin)
    return title, _joined(paragraphs, plan.language)


def plan_corpus(size: int, seed: int = DEFAULT_SEED) -> list[ArticlePlan]:
    """Stories and their copies, shuffled the way a day's listings interleave them."""
    rng = random.Random(f"{seed}:plan:{size}")
    zh_sites = [i for i, site in enumerate(SITES) if site.language == "zh"]
    en_sites = [i for i, site in enumerate(SITES) if site.language == "en"]
    window = DayWindow(PARTITION_DAY, TIMEZONE)
    drafts: list[tuple[int, int, str, str, int, datetime]] = []
    story = 0
    while len(drafts) < size:
        language = "zh" if rng.random() < CHINESE_SHARE else "en"
        sites = zh_sites if language == "zh" else en_sites
        members = rng.choice(CLUSTER_SIZES) if rng.random() < CLUSTER_PROBABILITY else 1
        members = min(members, size - len(drafts))
        first_site = rng.choice(sites)
        others = rng.sample([s for s in sites if s != first_site], k=members - 1)
        first_time = window.start_utc + timedelta(seconds=rng.randrange(20 * 3600))
        for member, site in enumerate([first_site, *others]):
            kind = KIND_ORIGINAL
            if member:
                kind = KIND_SYNDICATED if rng.random() < 0.5 else KIND_REWORDED
            published = first_time + timedelta(seconds=member * rng.randrange(60, 3 * 3600))
            drafts.append((story, member, kind, language, site, published))
        story += 1
    rng.shuffle(drafts)
    return [
        ArticlePlan(
            index=index,
            story=story_key,
            member=member,
            kind=kind,
            language=language,
            site=site,
            published_at=published,
            page_bytes=int(rng.triangular(MIN_PAGE_BYTES, MAX_PAGE_BYTES, MODE_PAGE_BYTES)),
        )
        for index, (story_key, member, kind, language, site, published) in enumerate(drafts)
    ]


def article_url(plan: ArticlePlan) -> str:
    site = SITES[plan.site]
    day = plan.published_at
    url = f"https://{site.host}/{day:%Y/%m/%d}/{plan.story:07d}-{plan.member}.html"
    if plan.kind == KIND_SYNDICATED:
        url += "?utm_source=feed&utm_medium=rss"
    return url


# ---- page chrome ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _phrase_pool(language: str) -> tuple[str, ...]:
    """Short texts for navigation labels, hot lists, comments and embedded state."""
    rng = random.Random(f"pool:{language}")
    return tuple(sentence(rng, language) for _ in range(3000))


@lru_cache(maxsize=len(SITES))
def _site_chrome(site_index: int) -> tuple[str, str, str]:
    """(head CSS+scripts, navigation, footer) of one site: identical on all its pages."""
    site = SITES[site_index]
    rng = random.Random(f"chrome:{site.name}")
    pool = _phrase_pool(site.language)
    rules = []
    for number in range(rng.randint(250, 600)):
        properties = ";".join(
            f"{rng.choice(('margin', 'padding', 'color', 'font-size', 'line-height', 'border'))}"
            f":{rng.randint(0, 40)}px"
            for _ in range(rng.randint(2, 6))
        )
        rules.append(f".{site.name}-c{number} .x{rng.randint(0, 99)}{{{properties}}}")
    css = "<style>" + "\n".join(rules) + "</style>"
    analytics = (
        "<script>(function(w,d){var s=d.createElement('script');s.async=1;"
        f"s.src='https://stat.{site.host}/collect.js?sid={rng.randint(10**5, 10**6)}';"
        "d.head.appendChild(s);w.dataLayer=w.dataLayer||[];})(window,document);</script>"
    )
    channels = []
    for number in range(rng.randint(40, 120)):
        label = pool[rng.randrange(len(pool))][: 8 if site.language == "zh" else 18]
        channels.append(f'<li class="nav-item"><a href="/channel/{number}/">{label}</a></li>')
    navigation = (
        f'<header class="site-header"><div class="logo"><a href="/">{site.name}</a></div>'
        f'<nav class="main-nav"><ul>{"".join(channels)}</ul></nav>'
        '<div class="search"><form action="/search"><input name="q"></form></div></header>'
    )
    links = "".join(
        f'<a href="/about/{number}">{pool[rng.randrange(len(pool))][:10]}</a>'
        for number in range(rng.randint(30, 60))
    )
    notice = (
        f"Copyright © 2003-2026 {site.name}. All rights reserved."
        if site.language == "en"
        else f"版权所有 © 2003-2026 {site.name} 京ICP备{rng.randint(10**7, 10**8)}号"
    )
    footer = f'<footer class="site-footer"><div class="links">{links}</div><p>{notice}</p></footer>'
    return css + analytics, navigation, footer


def _ad_slot(rng: random.Random, site: Site) -> str:
    slot = rng.randint(1000, 9999)
    return (
        f'<div class="ad ad-{slot}" data-slot="{slot}"><iframe src="https://ads.{site.host}/'
        f'slot/{slot}" width="300" height="250" frameborder="0"></iframe>'
        f"<script>window.adq=window.adq||[];adq.push({{slot:{slot},w:300,h:250}});</script>"
        "</div>"
    )


def _link_list(rng: random.Random, pool: Sequence[str], css_class: str, count: int) -> str:
    items = "".join(
        f'<li><a href="/{rng.randint(10**6, 10**7)}.html">{pool[rng.randrange(len(pool))]}</a>'
        f"<span class='time'>{rng.randint(1, 23)}:{rng.randint(10, 59)}</span></li>"
        for _ in range(count)
    )
    return f'<div class="{css_class}"><ul>{items}</ul></div>'


def _comments(rng: random.Random, pool: Sequence[str], count: int, language: str) -> str:
    heading = "网友评论" if language == "zh" else "Comments"
    rows = []
    for number in range(count):
        body = " ".join(pool[rng.randrange(len(pool))] for _ in range(rng.randint(1, 3)))
        rows.append(
            f'<div class="comment" id="c{number}"><div class="user"><img src="/avatar/'
            f'{rng.randint(1, 9999)}.png"><span>user{rng.randint(10**4, 10**6)}</span></div>'
            f'<div class="comment-body"><p>{body}</p></div><div class="meta">'
            f'<span class="likes">{rng.randint(0, 999)}</span><a class="reply">reply</a>'
            "</div></div>"
        )
    return f'<section class="comments"><h3>{heading}</h3>{"".join(rows)}</section>'


def _state_script(rng: random.Random, pool: Sequence[str], budget: int) -> str:
    """An embedded app-state JSON blob (the bulk of many modern article pages)."""
    items: list[str] = []
    size = 0
    while size < budget:
        item = json.dumps(
            {
                "id": rng.randint(10**8, 10**9),
                "title": pool[rng.randrange(len(pool))],
                "url": f"/a/{rng.randint(10**6, 10**7)}.html",
                "img": f"https://img.cdn.example/{rng.getrandbits(64):016x}.jpg",
                "ts": 1771000000 + rng.randint(0, 10**6),
            },
            ensure_ascii=False,
        )
        items.append(item)
        size += len(item) * 2
    return '<script>window.__INITIAL_STATE__={"feed":[' + ",".join(items) + "]};</script>"


def render_page(plan: ArticlePlan, title: str, text: str, seed: int) -> bytes:
    """The page's bytes in its site's charset, close to plan.page_bytes long."""
    site = SITES[plan.site]
    rng = random.Random(f"{seed}:page:{plan.index}")
    pool = _phrase_pool(site.language)
    head_assets, navigation, footer = _site_chrome(plan.site)
    url = article_url(plan)
    published = plan.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    charset = "gbk" if site.charset == "gbk" else "utf-8"
    lang = "zh-CN" if site.language == "zh" else "en"
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n"))
    editor = (
        f"<p class='editor'>责任编辑：{rng.choice(('王磊', '李娜', '张伟', '刘洋'))}</p>"
        if site.language == "zh"
        else "<p class='share'>Share this article</p>"
    )
    json_ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": published,
            "author": {"@type": "Person", "name": f"reporter{rng.randint(1, 400)}"},
            "publisher": {"@type": "Organization", "name": site.name},
        },
        ensure_ascii=False,
    )
    head = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}">'
        f"<title>{title} - {site.name}</title>"
        f'<meta name="description" content="{text[:80]}">'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:site_name" content="{site.name}">'
        f'<link rel="canonical" href="{url.split("?")[0]}">'
        f'<script type="application/ld+json">{json_ld}</script>{head_assets}</head>'
    )
    article = (
        f'<div class="breadcrumb"><a href="/">{site.name}</a> &gt; <a href="/ai/">AI</a></div>'
        f'<main class="content"><article class="article"><h1 class="title">{title}</h1>'
        f'<div class="info"><span class="time">{published}</span>'
        f'<span class="source">{site.name}</span></div>'
        f'<div class="article-body">{paragraphs}{editor}</div></article>'
    )
    dom_budget = int(plan.page_bytes * rng.uniform(0.3, 0.6))
    parts = [
        head,
        "<body>",
        navigation,
        _ad_slot(rng, site),
        article,
        _link_list(rng, pool, "related", rng.randint(8, 16)),
        _ad_slot(rng, site),
    ]
    dom_size = sum(map(len, parts)) * (2 if site.language == "zh" else 1)
    comment_count = max(3, (dom_budget - dom_size) // 700)
    parts.append(_comments(rng, pool, comment_count, site.language))
    parts.append("</main>")
    parts.append(
        '<aside class="sidebar">'
        + _link_list(rng, pool, "hot-list", rng.randint(10, 30))
        + _ad_slot(rng, site)
        + "</aside>"
    )
    parts.append(footer)
    encoded = "".join(parts).encode(charset, errors="xmlcharrefreplace")
    state = _state_script(rng, pool, max(0, plan.page_bytes - len(encoded) - 40))
    tail = (state + "</body></html>").encode(charset, errors="xmlcharrefreplace")
    return encoded + tail


# ---- frames ----------------------------------------------------------------------------------


def feed_rows(seed: int) -> list[dict[str, object]]:
    fetched = DayWindow(PARTITION_DAY, TIMEZONE).end_utc + timedelta(hours=1)
    rows = []
    for site in SITES:
        feed_url = f"https://{site.host}/rss.xml"
        rows.append(
            {
                "partition_date": PARTITION_DAY,
                "record_kind": RECORD_FEED,
                "source": site.name,
                "source_type": "rss",
                "source_language": site.language,
                "source_weight": site.weight,
                "feed_url": feed_url,
                "url": feed_url,
                "status": STATUS_OK,
                "http_status": 200,
                "final_url": feed_url,
                "content_type": "application/rss+xml",
                "fetched_at": fetched,
                "elapsed_ms": 120.0,
                "from_cache": False,
            }
        )
    return rows


def generate_chunk(
    plans: Sequence[ArticlePlan], seed: int, bodies: BodyStore | None
) -> tuple[pl.DataFrame | None, pl.DataFrame]:
    """raw_articles rows and truth rows for some planned articles; the pages go to `bodies`.
    Without a body store no pages are rendered and the raw frame is None."""
    fetched = DayWindow(PARTITION_DAY, TIMEZONE).end_utc + timedelta(hours=1)
    raw_rows: list[dict[str, object]] = []
    truth_rows: list[dict[str, object]] = []
    for plan in plans:
        site = SITES[plan.site]
        title, text = article_content(plan, seed)
        url = article_url(plan)
        truth_rows.append(
            {
                "index": plan.index,
                "url": url,
                "source": site.name,
                "source_weight": site.weight,
                "language": plan.language,
                "story": f"st{plan.story:07d}",
                "member": plan.member,
                "kind": plan.kind,
                "published_at": plan.published_at,
                "title": title,
                "text": text,
            }
        )
        if bodies is None:
            continue
        body = render_page(plan, title, text, seed)
        summary = text.split("\n", 1)[0][:120]
        raw_rows.append(
            {
                "partition_date": PARTITION_DAY,
                "record_kind": RECORD_ITEM,
                "source": site.name,
                "source_type": "rss",
                "source_language": site.language,
                "source_weight": site.weight,
                "feed_url": f"https://{site.host}/rss.xml",
                "url": url,
                "guid": url,
                "listed_title": title,
                "listed_summary": summary,
                "published_at": plan.published_at,
                "published_at_source": "feed",
                "status": STATUS_OK,
                "http_status": 200,
                "final_url": url,
                "content_type": f"text/html; charset={site.charset}",
                "declared_charset": None if site.charset == "gbk" else "utf-8",
                "fetched_at": fetched,
                "elapsed_ms": 80.0,
                "from_cache": False,
                "content_hash": bodies.put(body),
            }
        )
    raw = pl.DataFrame(raw_rows, schema=RAW_ARTICLES_SCHEMA) if bodies is not None else None
    return raw, pl.DataFrame(truth_rows, schema=TRUTH_SCHEMA)


TRUTH_SCHEMA: dict[str, pl.DataType] = {
    "index": pl.Int64(),
    "url": pl.String(),
    "source": pl.String(),
    "source_weight": pl.Float64(),
    "language": pl.String(),
    "story": pl.String(),
    "member": pl.Int64(),
    "kind": pl.String(),
    "published_at": pl.Datetime("us"),
    "title": pl.String(),
    "text": pl.String(),
}


def _sha256(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()


def _generate_chunk_job(
    job: tuple[Sequence[ArticlePlan], int, str | None],
) -> tuple[bytes | None, bytes]:
    plans, seed, bodies_root = job
    raw, truth = generate_chunk(plans, seed, BodyStore(bodies_root) if bodies_root else None)
    return (None if raw is None else _to_ipc(raw)), _to_ipc(truth)


def _to_ipc(frame: pl.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def _from_ipc(payload: bytes) -> pl.DataFrame:
    import io

    return pl.read_ipc(io.BytesIO(payload))


def corpus_cache_dir() -> Path:
    """`$NEWS_PIPELINE_BENCH_CACHE`, else a folder in the system temp directory."""
    configured = os.environ.get(CACHE_ENV)
    base = Path(configured) if configured else Path(tempfile.gettempdir()) / "news_pipeline_bench"
    base.mkdir(parents=True, exist_ok=True)
    return base


def ensure_corpus(
    size: int,
    seed: int = DEFAULT_SEED,
    cache_dir: Path | None = None,
    workers: int | None = None,
    pages: bool = True,
) -> CorpusFiles:
    """Generate (once) and cache a corpus of `size` articles; return its files. Without
    `pages` only the truth file (labels and texts, all that dedupe needs) is made."""
    directory = cache_dir or corpus_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    tag = f"v{GENERATOR_VERSION}-seed{seed}-n{size}"
    files = CorpusFiles(
        raw_path=directory / f"raw-{tag}.parquet",
        truth_path=directory / f"truth-{tag}.parquet",
        size=size,
        seed=seed,
    )
    if files.truth_path.exists() and (files.raw_path.exists() or not pages):
        return files
    plans = plan_corpus(size, seed)
    bodies_root = str(files.bodies.root) if pages else None
    jobs = [
        (plans[i : i + GENERATION_CHUNK], seed, bodies_root)
        for i in range(0, size, GENERATION_CHUNK)
    ]
    partial_raw = files.raw_path.with_suffix(".partial")
    partial_truth = files.truth_path.with_suffix(".partial")
    feeds = pl.DataFrame(feed_rows(seed), schema=RAW_ARTICLES_SCHEMA).to_arrow()
    raw_writer = pq.ParquetWriter(partial_raw, feeds.schema, compression="lz4") if pages else None
    truth_writer = pq.ParquetWriter(
        partial_truth, pl.DataFrame(schema=TRUTH_SCHEMA).to_arrow().schema, compression="zstd"
    )
    try:
        if raw_writer is not None:
            raw_writer.write_table(feeds)
        # spawn: forking a process whose polars thread pool is running can deadlock the child
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers or os.cpu_count() or 1, mp_context=spawn) as pool:
            for raw_payload, truth_payload in pool.map(_generate_chunk_job, jobs):
                truth_writer.write_table(_from_ipc(truth_payload).to_arrow())
                if raw_writer is not None and raw_payload is not None:
                    raw_writer.write_table(_from_ipc(raw_payload).to_arrow().cast(feeds.schema))
    finally:
        truth_writer.close()
        if raw_writer is not None:
            raw_writer.close()
    if pages:
        partial_raw.replace(files.raw_path)
    partial_truth.replace(files.truth_path)
    return files


def read_raw(files: CorpusFiles) -> pl.DataFrame:
    return pl.read_parquet(files.raw_path)


def tiled_raw(raw: pl.DataFrame, copies: int) -> pl.DataFrame:
    """The items listed `copies` times under distinct URLs (as syndication would): a
    partition `copies` times larger without generating pages, for memory measurements.
    Copies have the same text, so dedupe merges them as same_text."""
    items = raw.filter(pl.col("record_kind") == RECORD_ITEM)
    tiles = [items] + [
        items.with_columns(pl.col(name) + f"?copy={copy}" for name in ("url", "guid", "final_url"))
        for copy in range(1, copies)
    ]
    return pl.concat([raw.filter(pl.col("record_kind") == RECORD_FEED), *tiles])


def read_truth(files: CorpusFiles) -> pl.DataFrame:
    return pl.read_parquet(files.truth_path)


def cleaned_from_truth(truth: pl.DataFrame) -> pl.DataFrame:
    """A cleaned_articles frame whose text is exactly what the pages carry: dedupe input
    at any size without running extraction first."""
    frame = truth.select(
        pl.lit(PARTITION_DAY).alias("partition_date"),
        pl.lit(RECORD_ITEM).alias("record_kind"),
        pl.col("url")
        .map_elements(lambda url: _sha256(url.encode())[:16], return_dtype=pl.String)
        .alias("article_id"),
        "source",
        "source_weight",
        "url",
        pl.col("url").alias("final_url"),
        pl.col("title").alias("listed_title"),
        "published_at",
        pl.lit("feed").alias("published_at_source"),
        "title",
        "text",
        pl.lit("page").alias("text_source"),
        pl.col("text").str.len_chars().cast(pl.Int64).alias("text_chars"),
        "language",
        pl.lit(False).alias("mojibake_repaired"),
    )
    columns = [
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in CLEANED_ARTICLES_SCHEMA.items()
    ]
    return frame.select(columns)


def duplicate_share(plans: Sequence[ArticlePlan]) -> float:
    """Share of articles that copy an earlier member of their story."""
    return sum(1 for plan in plans if plan.member > 0) / max(1, len(plans))


def cluster_sizes(plans: Sequence[ArticlePlan]) -> list[int]:
    counts: dict[int, int] = {}
    for plan in plans:
        counts[plan.story] = counts.get(plan.story, 0) + 1
    return sorted(counts.values())


def same_story_pairs(stories: Sequence[str]) -> set[tuple[int, int]]:
    """All (i, j), i < j, of positions with the same story label."""
    groups: dict[str, list[int]] = {}
    for position, story in enumerate(stories):
        groups.setdefault(story, []).append(position)
    return {pair for members in groups.values() for pair in itertools.combinations(members, 2)}


def pairwise_scores(
    truth_stories: Sequence[str], predicted_groups: Sequence[object]
) -> dict[str, float]:
    """Pairwise precision, recall and F1 of "same story" against the labels."""
    expected = same_story_pairs(truth_stories)
    predicted = same_story_pairs([str(group) for group in predicted_groups])
    hits = len(expected & predicted)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(expected) if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
