"""The word lists of news_pipeline/data/, loaded once per process.

Stages share them: stopwords serve summaries and story grouping, entity aliases carry Chinese
names into the words English reports use, domain words teach the mojibake repair the
vocabulary of AI news.
"""

from __future__ import annotations

import functools

from news_pipeline.datafiles import load_data_yaml


@functools.cache
def _load(name: str) -> dict:
    return load_data_yaml(name)


def function_words() -> frozenset[str]:
    """English articles, pronouns, auxiliaries and prepositions."""
    return frozenset(_load("stopwords.yaml")["function_words"])


def stopwords() -> frozenset[str]:
    """Function words plus the words every news report uses (dates, says, today)."""
    return function_words() | frozenset(_load("stopwords.yaml")["news_filler"])


def generic_name_words() -> frozenset[str]:
    """Capitalised words that name no particular actor, stopwords included."""
    return stopwords() | frozenset(_load("stopwords.yaml")["generic_name_words"])


def entity_aliases() -> dict[str, str]:
    """Chinese name -> the lower-case word English reports use for the same actor."""
    aliases = _load("entities.yaml")["aliases"]
    return {name: anchor for anchor, names in aliases.items() for name in names}


def domain_words() -> list[str]:
    """Chinese words of AI and tech news, in file order."""
    return list(_load("domain_words.yaml")["words"])
