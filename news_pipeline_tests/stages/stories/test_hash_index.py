"""HashIndex: positions of uint64 keys, including keys that share a first slot."""

from __future__ import annotations

import numpy as np

from news_pipeline.stories.hash_index import HashIndex


def _keys_sharing_a_slot(
    index_size: int, wanted: int, seed: int, last_slot: bool = False
) -> np.ndarray:
    """Random distinct keys of which ``wanted`` have the same first slot (the most crowded
    one, or the table's last)."""
    generator = np.random.default_rng(seed)
    probe = HashIndex(np.arange(index_size, dtype=np.uint64))
    candidates = np.unique(generator.integers(0, 2**63, 200_000, dtype=np.uint64))
    homes = probe._home(candidates)
    crowded = homes.max() if last_slot else np.bincount(homes).argmax()
    sharing = candidates[homes == crowded][:wanted]
    assert len(sharing) == wanted
    others = candidates[homes != crowded][: index_size - wanted]
    return np.concatenate([sharing, others])


def test_every_key_is_found_at_its_position_and_others_are_not() -> None:
    generator = np.random.default_rng(7)
    keys = np.unique(generator.integers(0, 2**64 - 1, 5_000, dtype=np.uint64))
    generator.shuffle(keys)
    index = HashIndex(keys)
    assert np.array_equal(index.find(keys), np.arange(len(keys)))
    absent = np.setdiff1d(generator.integers(0, 2**64 - 1, 5_000, dtype=np.uint64), keys)
    assert (index.find(absent) == -1).all()
    mixed = np.concatenate([absent[:100], keys[::-50]])
    expected = np.concatenate([np.full(100, -1), np.arange(len(keys))[::-50]])
    assert np.array_equal(index.find(mixed), expected)


def test_keys_with_one_first_slot_are_found_by_probing() -> None:
    # 4 keys of one home slot among 8: the second to fourth sit in later slots
    keys = _keys_sharing_a_slot(8, wanted=4, seed=3)
    index = HashIndex(keys)
    assert np.array_equal(index.find(keys), np.arange(len(keys)))
    # a miss that starts in the crowded slot probes past all of them to the empty one
    missing = np.setdiff1d(_keys_sharing_a_slot(8, wanted=6, seed=4), keys)
    assert len(missing) and (index.find(missing) == -1).all()


def test_keys_that_spill_past_the_last_slot_are_found() -> None:
    keys = _keys_sharing_a_slot(8, wanted=5, seed=6, last_slot=True)
    index = HashIndex(keys)
    assert np.array_equal(index.find(keys), np.arange(len(keys)))
    missing = np.setdiff1d(_keys_sharing_a_slot(8, wanted=7, seed=9, last_slot=True), keys)
    assert len(missing) and (index.find(missing) == -1).all()


def test_zero_is_a_key_like_any_other() -> None:
    index = HashIndex(np.array([5, 0, 9], dtype=np.uint64))
    assert index.find(np.array([0, 9, 3], dtype=np.uint64)).tolist() == [1, 2, -1]
    assert HashIndex(np.array([5], dtype=np.uint64)).find(np.array([0], dtype=np.uint64))[0] == -1


def test_an_empty_index_finds_nothing() -> None:
    index = HashIndex(np.zeros(0, dtype=np.uint64))
    assert index.find(np.array([0, 1], dtype=np.uint64)).tolist() == [-1, -1]
    assert index.find(np.zeros(0, dtype=np.uint64)).tolist() == []
