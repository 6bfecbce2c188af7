"""How much a story is about AI, from 0 to 1; below the threshold it is `off_topic`.

Evidence, in a text already read as Simplified Chinese with every non-AI sense blanked out
(fashion model, travel agent, potato chips, robot vacuum: `non_ai_senses`):

- strong: each distinct AI term or known AI name (`ai_terms`, category entities) counts 2 in
  the title and 1 + 0.25·(extra occurrences, up to 4) in the body; so does an organisation
  whose name says AI ("… Intelligence", "…智能": names.py), 2 in the title, 1 in the body;
- weak: each distinct context term (`ai_context_terms`: model, agent, chip, parameters,
  训练, 助手) counts 1 in the title and 0.5 in the body, a recognised product name
  ("Tarn-R1", "QX-900") 0.5. Weak evidence counts only in company: with some strong
  evidence, or when two or more weak terms or names appear (a fashion show that says
  "models" once is not an AI story; an email assistant that drafts replies is).

relevance = raw / (raw + 2). With the default threshold 0.3, one AI term anywhere keeps a story,
and so do two context terms: dropping a real AI story costs more than keeping a marginal one.
"""

from __future__ import annotations

from news_pipeline.editorial.names import PRODUCT, RecognisedName
from news_pipeline.editorial.taxonomy import TaxonomyMatcher

__all__ = ["ai_relevance_score"]

_TITLE_STRONG = 2.0
_BODY_STRONG = 1.0
_TITLE_WEAK = 1.0
_BODY_WEAK = 0.5
_PRODUCT_NAME = 0.5
_HALF_POINT = 2.0


def ai_relevance_score(
    matcher: TaxonomyMatcher,
    title: str,
    body: str,
    title_names: list[RecognisedName],
    body_names: list[RecognisedName],
) -> float:
    """AI relevance of a story (module docstring) from its prepared title and body."""
    title_strong = matcher.relevance.count(title)
    body_strong = matcher.relevance.count(body)
    strong = _TITLE_STRONG * len(title_strong)
    for info, occurrences in body_strong.items():
        if info not in title_strong:
            strong += _BODY_STRONG + 0.25 * min(occurrences - 1, 4)
    ai_orgs_in_title = {name.text for name in title_names if name.ai}
    ai_orgs_in_body = {name.text for name in body_names if name.ai} - ai_orgs_in_title
    strong += _TITLE_STRONG * len(ai_orgs_in_title) + _BODY_STRONG * len(ai_orgs_in_body)

    title_weak = set(matcher.context.count(title))
    body_weak = set(matcher.context.count(body)) - title_weak
    products = {name.text for name in [*title_names, *body_names] if name.kind == PRODUCT}
    weak = _TITLE_WEAK * len(title_weak) + _BODY_WEAK * len(body_weak)
    weak += _PRODUCT_NAME * min(len(products), 2)
    weak_items = len(title_weak) + len(body_weak) + len(products)
    raw = strong + (weak if strong > 0 or weak_items >= 2 else 0.0)
    return round(raw / (raw + _HALF_POINT), 4)
