"""The rendered report.html of a demo day, as headless Chromium shows it to a reader.

The day is materialized through the whole graph first; the page must then load with no
exception, console error or failed load, show every headline title of report.json as
visible text, switch colours for a dark theme and fit a phone's width without sideways
scrolling.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import instance_for_test

from news_pipeline_tests.browser import (
    WINDOW_SIZE,
    Chromium,
    devtools_page,
    png_size,
    require_chromium,
)
from news_pipeline_tests.conftest import materialize_day

DAY = "2026-02-15"
PHONE_WIDTH = 390  # CSS pixels of a common phone in portrait


@dataclass(frozen=True)
class RenderedDay:
    html: Path
    report: dict[str, object]

    @property
    def headline_titles(self) -> list[str]:
        stories = self.report["stories"]
        assert isinstance(stories, list)
        return [story["title"] for story in stories if story["tier"] == "headline"]


@pytest.fixture(scope="module")
def chromium_binary() -> str:
    return require_chromium()


@pytest.fixture(scope="module")
def rendered_day(
    chromium_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RenderedDay]:
    data_dir = tmp_path_factory.mktemp("report_browser")
    with instance_for_test() as instance:
        result = materialize_day(DAY, data_dir, instance)
    assert result.success
    folder = data_dir / "reports" / DAY
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    yield RenderedDay(html=folder / "report.html", report=report)


def test_the_browser_probe_sees_errors_and_hidden_text(
    chromium_binary: str, tmp_path: Path
) -> None:
    """The probe used on the report must be able to fail: a broken page is reported as such."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><body><p>shown words</p>"
        '<p style="display:none">hidden words</p>'
        "<details><summary>summary words</summary>collapsed words</details>"
        '<img src="absent.png" alt="">'
        "<script>console.error('logged error'); notDefinedAnywhere();</script>"
        "</body></html>",
        encoding="utf-8",
    )
    with devtools_page(chromium_binary, tmp_path / "profile") as page:
        page.navigate(broken.as_uri())
        visible = page.evaluate("document.body.innerText")
        problems = page.problems
    assert any("notDefinedAnywhere" in text for text in problems.exceptions)
    assert problems.console_errors == ["logged error"]
    assert any("absent.png" in text for text in problems.log_errors)
    assert "shown words" in visible and "summary words" in visible
    assert "hidden words" not in visible and "collapsed words" not in visible


def test_the_demo_day_has_headlines(rendered_day: RenderedDay) -> None:
    # The demo corpus holds at least three on-topic stories for the day (demo/expected.yaml).
    assert len(rendered_day.headline_titles) >= 3


def test_report_loads_without_errors_and_shows_headlines(
    rendered_day: RenderedDay, chromium_binary: str, tmp_path: Path
) -> None:
    with devtools_page(chromium_binary, tmp_path / "profile") as page:
        page.navigate(rendered_day.html.as_uri())
        assert page.problems.all() == []
        visible = page.evaluate("document.body.innerText")
        title = page.evaluate("document.title")
    missing = [title for title in rendered_day.headline_titles if title not in visible]
    assert not missing, f"headline titles not visible: {missing}"
    assert DAY[:4] in title


def test_dump_dom_and_screenshot_from_the_command_line(
    rendered_day: RenderedDay, chromium_binary: str, tmp_path: Path
) -> None:
    chromium = Chromium(chromium_binary, tmp_path / "profile")
    rendered = chromium.render(rendered_day.html.as_uri(), virtual_time_ms=2000)
    assert rendered.console == [], rendered.console
    for title in rendered_day.headline_titles:
        assert title in rendered.dom or _html_escaped(title) in rendered.dom, title
    assert "<script" not in rendered.dom.lower()
    screenshot = chromium.screenshot(
        rendered_day.html.as_uri(), tmp_path / "report.png", virtual_time_ms=2000
    )
    assert png_size(screenshot) == WINDOW_SIZE
    print(f"report screenshot: {screenshot}")


def _html_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_dark_theme_and_phone_width(
    rendered_day: RenderedDay, chromium_binary: str, tmp_path: Path
) -> None:
    background = "getComputedStyle(document.body).backgroundColor"
    with devtools_page(chromium_binary, tmp_path / "profile") as page:
        page.navigate(rendered_day.html.as_uri())
        light = page.evaluate(background)
        page.call(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": "dark"}],
        )
        dark = page.evaluate(background)
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=PHONE_WIDTH,
            height=800,
            deviceScaleFactor=2,
            mobile=True,
        )
        page.navigate(rendered_day.html.as_uri())
        content_width = page.evaluate("document.documentElement.scrollWidth")
    assert light != dark, (light, dark)
    assert content_width <= PHONE_WIDTH
