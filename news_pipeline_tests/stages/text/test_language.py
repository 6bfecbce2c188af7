"""Language detection with the source's hint, and Simplified/Traditional script."""

from __future__ import annotations

import re

from news_pipeline.text.language import (
    DETECTION_SAMPLE_CHARS,
    _language_detector,
    _plain_language,
    detect_language,
    detect_script,
)
from news_pipeline_tests.stages.text.pages import EN_PARAGRAPHS, HANT_PARAGRAPHS, ZH_PARAGRAPHS


def test_language_detection_and_hint() -> None:
    assert detect_language("\n".join(EN_PARAGRAPHS), "zh") == "en"
    assert detect_language("\n".join(ZH_PARAGRAPHS), "en") == "zh"
    assert detect_language("OK", "zh-CN") == "zh"
    assert detect_script("\n".join(HANT_PARAGRAPHS)) == "hant"
    assert detect_script("\n".join(ZH_PARAGRAPHS)) == "hans"
    assert detect_script("no Chinese here") is None


# Written for this test: plain text in each language the first pass decides, and two it leaves
# to lingua (a language outside its lists, and a short text).
PLAIN = {
    "en": " ".join(EN_PARAGRAPHS),
    "de": "Der Konzern hat am Donnerstag ein neues Modell vorgestellt, das auf den eigenen Chips "
    "läuft. Nach Angaben des Unternehmens ist es deutlich schneller als die Vorgänger und wird "
    "in den kommenden Wochen für alle Kunden freigeschaltet, die einen Vertrag haben.",
    "fr": "La société a présenté jeudi un nouveau modèle qui fonctionne sur ses propres puces. "
    "Selon elle, il est plus rapide que les précédents et sera proposé dans les prochaines "
    "semaines à tous les clients qui ont un contrat avec le groupe pour leurs services.",
    "es": "La empresa presentó el jueves un nuevo modelo que funciona con sus propios chips. Según "
    "la compañía, es más rápido que los anteriores y estará disponible para todos los clientes "
    "en las próximas semanas, cuando termine la fase de pruebas con los socios.",
    "zh": "\n".join(ZH_PARAGRAPHS),
}
LEFT_TO_LINGUA = [
    "La società ha presentato giovedì un nuovo modello che funziona sui propri chip. Secondo "
    "l'azienda è più veloce dei precedenti e sarà disponibile nelle prossime settimane.",
    "The new model is ready for every user from today.",
]


def test_first_pass_decides_plain_text_as_lingua_would() -> None:
    detector = _language_detector()
    for language, text in PLAIN.items():
        sample = text[:DETECTION_SAMPLE_CHARS]
        letters = len(re.findall(r"[^\W\d_]", sample))
        assert _plain_language(sample, letters) == language
        assert detector.detect_language_of(sample).iso_code_639_1.name.lower() == language
        assert detect_language(text) == language


def test_first_pass_leaves_other_languages_and_short_text_to_lingua() -> None:
    for text in LEFT_TO_LINGUA:
        letters = len(re.findall(r"[^\W\d_]", text))
        assert _plain_language(text, letters) is None
    assert detect_language(LEFT_TO_LINGUA[1], "zh") == "en"
