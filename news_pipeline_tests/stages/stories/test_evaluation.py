"""evaluate_pairs: pairwise and B-cubed scores worked out by hand."""

from __future__ import annotations

import pytest

from news_pipeline.stories import evaluate_pairs


def test_evaluate_pairs_by_hand() -> None:
    # truth: {1,2,3} {4,5}; predicted: {1,2} {3,4,5}
    truth = ["a", "a", "a", "b", "b"]
    predicted = ["x", "x", "y", "y", "y"]
    figures = evaluate_pairs(truth, predicted)
    # same-story pairs: truth {12,13,23,45}, predicted {12,34,35,45}: 2 in common
    assert figures["pairwise_precision"] == pytest.approx(2 / 4)
    assert figures["pairwise_recall"] == pytest.approx(2 / 4)
    # B-cubed precision per item: 1, 1, 1/3, 2/3, 2/3 ; recall: 2/3, 2/3, 1/3, 1, 1
    assert figures["bcubed_precision"] == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert figures["bcubed_recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)


def test_evaluate_pairs_perfect() -> None:
    figures = evaluate_pairs(["a", "a", "b"], ["p", "p", "q"])
    assert figures["pairwise_f1"] == 1.0
    assert figures["bcubed_f1"] == 1.0
