"""The report's own text in zh and en, and its date formats, read from data/report_text.yaml.

Feed text never passes through here: these strings are the project's, and the Markdown
templates emit them as written (see markdown.render_markdown).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from news_pipeline.datafiles import data_path

Language = Literal["zh", "en"]
REPORT_TEXT_FILE = "report_text.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LanguageText(_Frozen):
    """One language's fixed text: page labels (`text`), names and date formats."""

    html_lang: str
    day_format: str
    other_day_format: str
    weekdays: list[str] = Field(min_length=7, max_length=7)
    months: list[str] = Field(min_length=12, max_length=12)
    months_short: list[str] = Field(min_length=12, max_length=12)
    text: dict[str, str]


class ReportText(_Frozen):
    languages: dict[Language, LanguageText]
    category_names: dict[str, dict[Language, str]]

    @model_validator(mode="after")
    def _same_labels_in_every_language(self) -> ReportText:
        """A label missing from one language would only fail when that report is rendered."""
        keys = {language: set(entry.text) for language, entry in self.languages.items()}
        every = set().union(*keys.values())
        for language, present in keys.items():
            if present != every:
                raise ValueError(f"{language} lacks labels {sorted(every - present)}")
        return self


def load_report_text() -> ReportText:
    with data_path(REPORT_TEXT_FILE).open(encoding="utf-8") as stream:
        return ReportText.model_validate(yaml.safe_load(stream))


_REPORT_TEXT = load_report_text()

FIXED_TEXT: dict[str, dict[str, str]] = {
    language: entry.text for language, entry in _REPORT_TEXT.languages.items()
}
HTML_LANG: dict[str, str] = {
    language: entry.html_lang for language, entry in _REPORT_TEXT.languages.items()
}
DEFAULT_CATEGORY_NAMES: dict[str, dict[str, str]] = {
    category: dict(names) for category, names in _REPORT_TEXT.category_names.items()
}


def _format(template: str, moment: date, language: Language, **extra: str) -> str:
    entry = _REPORT_TEXT.languages[language]
    return template.format(
        year=moment.year,
        month=moment.month,
        day=moment.day,
        weekday=entry.weekdays[moment.weekday()],
        month_name=entry.months[moment.month - 1],
        month_short=entry.months_short[moment.month - 1],
        **extra,
    )


def format_day(day: date, language: Language) -> str:
    """2026年2月15日 星期日 / Sunday, 15 February 2026."""
    return _format(_REPORT_TEXT.languages[language].day_format, day, language)


def format_moment(moment: datetime, day: date, language: Language) -> str:
    """A local time: HH:MM on the report's day, with the date when it is another day."""
    clock = moment.strftime("%H:%M")
    if moment.date() == day:
        return clock
    template = _REPORT_TEXT.languages[language].other_day_format
    return _format(template, moment, language, clock=clock)
