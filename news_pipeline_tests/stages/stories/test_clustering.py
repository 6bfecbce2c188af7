"""Average linkage: stray links are outvoted, copies merge first, one site one report."""

from __future__ import annotations

import numpy as np

from news_pipeline.stories.clustering import average_linkage


def cluster(count: int, links: list[tuple[int, int, float, bool]], sources: list[str]):
    pairs = np.array([(a, b) for a, b, _, _ in links], dtype=np.int64).reshape(-1, 2)
    probability = np.array([p for _, _, p, _ in links])
    must = np.array([m for _, _, _, m in links], dtype=bool)
    return average_linkage(count, pairs, probability, must, 0.3, np.array(sources)).tolist()


def test_a_stray_link_does_not_chain_two_stories() -> None:
    strong = 0.95
    links = [(0, 1, strong, False), (1, 2, strong, False), (0, 2, strong, False)]
    links += [(3, 4, strong, False), (4, 5, strong, False), (3, 5, strong, False)]
    links += [(2, 3, 0.9, False)]  # one report mentions both events
    labels = cluster(6, links, ["a", "b", "c", "d", "e", "f"])
    assert labels[:3] == [0, 0, 0]
    assert labels[3:] == [3, 3, 3]


def test_single_linkage_would_have_chained_them() -> None:
    links = [(0, 1, 0.95, False), (1, 2, 0.95, False), (2, 3, 0.95, False)]
    labels = cluster(4, links, ["a", "b", "c", "d"])
    # a chain of strong links with nothing between its ends: the ends stay apart
    assert labels[0] != labels[3]


def test_two_articles_of_one_site_are_not_merged_unless_copies() -> None:
    links = [(0, 1, 0.99, False), (0, 2, 0.99, False), (1, 2, 0.99, False)]
    labels = cluster(3, links, ["site", "site", "other"])
    assert labels[0] != labels[1]
    copies = cluster(3, [(0, 1, 1.0, True), (0, 2, 0.99, False)], ["site", "site", "other"])
    assert copies[0] == copies[1] == 0


def test_a_group_of_copies_carries_the_sources_of_all_its_members() -> None:
    # copies 0 + 4 (sites a, x) and 1 + 3 (sites b, y) form groups; 2 (site x) links to both
    # groups; 5 (site b) links to group 0 only. x is in group 0 through its member 4, so 2
    # may join group 1 but not group 0; b is in group 1 through its member 1, so 5 may join
    # group 0 only.
    links = [(0, 4, 1.0, True), (1, 3, 1.0, True)]
    links += [(0, 2, 0.99, False), (2, 4, 0.99, False), (1, 2, 0.6, False), (2, 3, 0.6, False)]
    links += [(0, 5, 0.99, False), (4, 5, 0.99, False)]
    labels = cluster(6, links, ["a", "b", "x", "y", "x", "b"])
    assert labels == [0, 1, 1, 1, 0, 0]
