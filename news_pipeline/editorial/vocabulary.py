"""The editorial stage's data files, loaded once per process.

Summaries and key facts need to know where English sentences do not end (abbreviations), which
sentences are page furniture, which datelines open a report and which units make a number a
fact; those lists live in news_pipeline/data/ so that they can grow without code changes.
"""

from __future__ import annotations

import functools

from news_pipeline.cjk import HAN_BASIC, character_class
from news_pipeline.datafiles import load_data_yaml

# The one placeholder data patterns may use (see data/summary_boilerplate.yaml).
_HAN_PLACEHOLDER = "{han}"


@functools.cache
def _load(name: str) -> dict:
    return load_data_yaml(name)


def abbreviations() -> frozenset[str]:
    """Lower-case abbreviations, without their final dot, after which a '.' goes on."""
    return frozenset(_load("abbreviations.yaml")["abbreviations"])


def boilerplate_sentence_patterns() -> list[str]:
    """Regexes of sentences that are page furniture (editor credits, app adverts, cookies)."""
    return list(_load("summary_boilerplate.yaml")["sentences"])


def dateline_patterns() -> list[str]:
    """Regexes of agency tags and datelines at the start of a sentence, in file order."""
    han = character_class((HAN_BASIC,))
    return [
        pattern.replace(_HAN_PLACEHOLDER, han)
        for pattern in _load("summary_boilerplate.yaml")["datelines"]
    ]


def fact_units() -> dict[str, list[str]]:
    """Regex alternatives of the units after a number: zh_multipliers, zh_units, en_units."""
    units = _load("fact_units.yaml")
    return {key: list(units[key]) for key in ("zh_multipliers", "zh_units", "en_units")}


def summary_cue_patterns() -> dict[str, list[str]]:
    """Regexes of the cues of a news lead (`event`), of background (`background`) and of a
    sentence that leans on an earlier one (`dependent`)."""
    cues = _load("summary_cues.yaml")
    return {key: list(cues[key]) for key in ("event", "background", "dependent")}
