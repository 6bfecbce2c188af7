"""Stories from pair probabilities: average-linkage agglomeration.

Single linkage (the union of every link) lets one doubtful link chain two stories into one:
two Tencent stories of one day, each linked to a report that mentions both, become one story.
Average linkage merges two groups only when the mean probability over all their pairs (a pair
never compared counts 0) reaches the threshold, so a stray link between two well-formed
stories is outvoted by the pairs that do not link. Copies (same text, near-duplicate) are
merged first, unconditionally. Measured on the tune split of the stories_eval corpus
(pairwise, same-day pairs, the prototype's features): single linkage P 0.74 / R 0.97 at its
best F1 against average linkage P 0.92 / R 0.93.

A site writes one report of an event a day: two groups that hold articles of one source
(copies apart) are never merged. On the tune split this alone took pairwise precision from
0.934 to 1.000 at the same recall (0.899): the look-alikes that still merged (QQ's 脑洞秀 in
Yuanbao and Yuanbao's red packets) were each reported by the same sites; the older labelled
set (dedupe_eval) keeps 1.000 / 1.000.
"""

from __future__ import annotations

import numpy as np

from news_pipeline.stories.links import connected_components

# Components larger than this many groups merge by single linkage over confident links only:
# the agglomeration is cubic in the component's size.
MAX_AGGLOMERATED_GROUPS = 400
_CONFIDENT = 0.9


def average_linkage(
    count: int,
    pairs: np.ndarray,
    probability: np.ndarray,
    must_link: np.ndarray,
    threshold: float,
    sources: np.ndarray,
) -> np.ndarray:
    """Cluster label (smallest member index) per document.

    ``pairs`` (n x 2) with their ``probability``; rows where ``must_link`` is true are merged
    before anything else; ``sources`` (one code per document) keeps one site's articles
    apart."""
    labels = connected_components(count, pairs[must_link])
    source_codes = np.unique(sources, return_inverse=True)[1].reshape(-1)
    considered = (probability > 0) & ~must_link
    if not considered.any():
        return labels
    # groups are today's must-link components; pairs between groups sum their probabilities
    group_a, group_b = labels[pairs[considered, 0]], labels[pairs[considered, 1]]
    across = group_a != group_b
    group_a, group_b = group_a[across], group_b[across]
    weights = probability[considered][across]
    if len(weights) == 0:
        return labels
    reachable = connected_components(count, np.column_stack([group_a, group_b]))
    sizes = np.bincount(labels, minlength=count)
    # each group's members, contiguous: by_group[first_member[g] : first_member[g] + sizes[g]]
    by_group = np.argsort(labels, kind="stable")
    first_member = np.cumsum(sizes) - sizes
    merged_into = np.arange(count)
    component_of = reachable[group_a]
    order = np.argsort(component_of, kind="stable")
    bounds = np.flatnonzero(np.diff(component_of[order])) + 1
    # every component's groups at once, in component order: one unique of (component, group)
    keyed = np.unique(
        np.concatenate([component_of * count + group_a, component_of * count + group_b])
    )
    node_bounds = np.flatnonzero(np.diff(keyed // count)) + 1
    for chunk, nodes in zip(
        np.split(order, bounds), np.split(keyed % count, node_bounds), strict=True
    ):
        if len(nodes) > MAX_AGGLOMERATED_GROUPS:
            confident = chunk[weights[chunk] >= _CONFIDENT]
            links = np.column_stack([group_a[confident], group_b[confident]])
            joined = connected_components(count, links)
            merged_into[nodes] = joined[nodes]
            continue
        member_sources = _sources_of_groups(nodes, by_group, first_member, sizes, source_codes)
        _agglomerate(
            nodes,
            group_a[chunk],
            group_b[chunk],
            weights[chunk],
            sizes,
            threshold,
            merged_into,
            member_sources,
        )
    return merged_into[labels]


def _agglomerate(
    nodes: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    weights: np.ndarray,
    sizes: np.ndarray,
    threshold: float,
    merged_into: np.ndarray,
    member_sources: np.ndarray,
) -> None:
    """Merge the pair of groups with the highest mean probability while it reaches the
    threshold and the two share no source; write each node's final group (its smallest
    node) into merged_into. ``member_sources`` is a (groups x sources) boolean matrix."""
    index = {int(node): position for position, node in enumerate(nodes)}
    size = len(nodes)
    totals = np.zeros((size, size))
    at_left = np.array([index[int(node)] for node in left])
    at_right = np.array([index[int(node)] for node in right])
    np.add.at(totals, (at_left, at_right), weights)
    totals = totals + totals.T
    counts = sizes[nodes].astype(np.float64)
    sources = member_sources.copy()
    shared_source = (sources.astype(np.int64) @ sources.T.astype(np.int64)) > 0
    alive = np.ones(size, dtype=bool)
    owner = np.arange(size)
    while True:
        means = totals / np.outer(counts, counts)
        means[~alive, :] = -1.0
        means[:, ~alive] = -1.0
        np.fill_diagonal(means, -1.0)
        means[shared_source] = -1.0
        best = int(np.argmax(means))
        first, second = divmod(best, size)
        if means[first, second] < threshold:
            break
        keep, drop = min(first, second), max(first, second)
        totals[keep, :] += totals[drop, :]
        totals[:, keep] += totals[:, drop]
        totals[keep, keep] = 0.0
        counts[keep] += counts[drop]
        alive[drop] = False
        sources[keep] |= sources[drop]
        shared_source[keep, :] |= shared_source[drop, :]
        shared_source[:, keep] |= shared_source[:, drop]
        owner[owner == drop] = keep
    final = nodes[owner]
    smallest = {}
    for node, group in zip(nodes.tolist(), final.tolist(), strict=True):
        smallest[group] = min(smallest.get(group, node), node)
    merged_into[nodes] = [smallest[group] for group in final.tolist()]


def _sources_of_groups(
    nodes: np.ndarray,
    by_group: np.ndarray,
    first_member: np.ndarray,
    sizes: np.ndarray,
    codes: np.ndarray,
) -> np.ndarray:
    """(groups x sources) boolean matrix: which sources each group's members come from.
    The members are read from the groups' contiguous runs in by_group, not found by a pass
    over every document per component (100k synthetic articles, 770 components: average
    linkage took 0.50 s, 0.34 s so)."""
    counts = sizes[nodes]
    run_start = np.cumsum(counts) - counts
    at = np.repeat(first_member[nodes] - run_start, counts) + np.arange(int(counts.sum()))
    matrix = np.zeros((len(nodes), int(codes.max(initial=0)) + 1), dtype=bool)
    matrix[np.repeat(np.arange(len(nodes)), counts), codes[by_group[at]]] = True
    return matrix
