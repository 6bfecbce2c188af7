"""The obvious alternative to our dedupe: datasketch MinHash + MinHashLSH, written the way its
README shows, over the same shingles our dedupe uses.

Shingles follow news_pipeline.stories.fingerprints' definition: NFKC, lower case; every CJK
character is a token and every run of Latin/Greek/Cyrillic letters and digits is a token; a
text whose tokens are more than 30% CJK is shingled into 5-token windows, any other into 3-token
windows; a text shorter than its window is one shingle. Same 128 permutations, same
Jaccard threshold (0.5), datasketch's own choice of bands and rows.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence

from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
THRESHOLD = 0.5
CHAR_SHINGLE = 5
WORD_SHINGLE = 3
CJK_RATIO = 0.3

_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]"
    r"|[0-9a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u052f]+"
)
_CJK = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]"
)


def shingles(text: str) -> set[bytes]:
    tokens = _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())
    if not tokens:
        return set()
    cjk = sum(1 for token in tokens if _CJK.fullmatch(token))
    size = CHAR_SHINGLE if cjk > CJK_RATIO * len(tokens) else WORD_SHINGLE
    if len(tokens) < size:
        return {" ".join(tokens).encode()}
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


class _UnionFind:
    def __init__(self, count: int) -> None:
        self.parent = list(range(count))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def datasketch_groups(texts: Sequence[str]) -> tuple[dict[str, float], list[int]]:
    """Near-duplicate groups (a group id per text) and the seconds of each phase."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    shingle_sets = [shingles(text) for text in texts]
    timings["shingle"] = time.perf_counter() - started

    started = time.perf_counter()
    signatures = []
    for shingle_set in shingle_sets:
        minhash = MinHash(num_perm=NUM_PERM)
        minhash.update_batch(shingle_set)
        signatures.append(minhash)
    timings["minhash"] = time.perf_counter() - started

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    for index, signature in enumerate(signatures):
        lsh.insert(index, signature)
    groups = _UnionFind(len(texts))
    for index, signature in enumerate(signatures):
        for other in lsh.query(signature):
            if other > index and signature.jaccard(signatures[other]) >= THRESHOLD:
                groups.union(index, other)
    timings["lsh"] = time.perf_counter() - started
    return timings, [groups.find(index) for index in range(len(texts))]
