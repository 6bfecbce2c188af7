"""How much a story is about AI, from 0 to 1; below the threshold it is `off_topic`.

Evidence, in a text already read as Simplified Chinese with every non-AI sense blanked out
(fashion model, travel agent, potato chips, robot vacuum: `non_ai_senses`):

- strong: each distinct AI term or known AI name (`ai_terms`, category entities) counts 2 in
  the title and 1 + 0.25·(extra occurrences, up to 4) in the body; so does an organisation
  whose name says AI ("… Intelligence", "…智能": names.py), 2 in the title, 1 in the body;
- weak: each distinct context term (`ai_context_terms`: model, agent, chip, 训练, 助手: words
  with other senses) or keyword of a category of things (机械臂, 视频生成, data center: the
  digest's scope) counts 1, a recognised product name ("Tarn-R1", "QX-900") 0.5. Weak
  evidence counts only in company: beside some strong evidence, or two weak items together, or
  a scope keyword alone in a story that names no other topic (`non_ai_topics`, or a blanked
  non-AI sense). A fashion show that says "models", a football agent, is not an AI story; a
  funding round that goes "to compute" is.

relevance = raw / (raw + 2). With the default threshold 0.3, one AI term anywhere keeps a story,
and so does one context term in a story about nothing else: dropping a real AI story costs more
than keeping a marginal one.
"""

from __future__ import annotations

from news_pipeline.editorial.names import PRODUCT, RecognisedName
from news_pipeline.editorial.taxonomy import TaxonomyMatcher

__all__ = ["ai_relevance_score"]

_TITLE_STRONG = 2.0
_BODY_STRONG = 1.0
_WEAK = 1.0
_PRODUCT_NAME = 0.5
_HALF_POINT = 2.0


def ai_relevance_score(
    matcher: TaxonomyMatcher,
    title: str,
    body: str,
    title_names: list[RecognisedName],
    body_names: list[RecognisedName],
    other_sense: bool = False,
) -> float:
    """AI relevance of a story (module docstring) from its prepared title and body;
    `other_sense`: a non-AI sense was blanked out of them (a story about something else)."""
    title_strong = matcher.relevance.count(title)
    body_strong = matcher.relevance.count(body)
    strong = _TITLE_STRONG * len(title_strong)
    for info, occurrences in body_strong.items():
        if info not in title_strong:
            strong += _BODY_STRONG + 0.25 * min(occurrences - 1, 4)
    ai_orgs_in_title = {name.text for name in title_names if name.ai}
    ai_orgs_in_body = {name.text for name in body_names if name.ai} - ai_orgs_in_title
    strong += _TITLE_STRONG * len(ai_orgs_in_title) + _BODY_STRONG * len(ai_orgs_in_body)

    ambiguous = set(matcher.context.count(title)) | set(matcher.context.count(body))
    scope = set(matcher.scope.count(title)) | set(matcher.scope.count(body))
    products = {name.text for name in [*title_names, *body_names] if name.kind == PRODUCT}
    items = len(ambiguous) + len(scope) + len(products)
    weak = _WEAK * (len(ambiguous) + len(scope)) + _PRODUCT_NAME * min(len(products), 2)
    elsewhere = other_sense or bool(
        matcher.other_topics.count(title) or matcher.other_topics.count(body)
    )
    in_company = strong > 0 or items >= 2 or (bool(scope) and not elsewhere)
    raw = strong + (weak if in_company else 0.0)
    return round(raw / (raw + _HALF_POINT), 4)
