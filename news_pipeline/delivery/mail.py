"""E-mail: one multipart/alternative message, plain text and HTML, for one digest.

Mail clients drop `<style>` blocks, external stylesheets and scripts, so the HTML part
carries the report's look in inline `style` attributes on a table layout, with no image or
other external asset. Feed text is escaped by jinja's autoescape; only http(s) URLs become
links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import jinja2

from news_pipeline.delivery.digest import Digest
from news_pipeline.report import plain_text, safe_url

TEMPLATES_DIR = Path(__file__).parent / "templates"
HTML_TEMPLATE = "mail.html.j2"
TEXT_TEMPLATE = "mail.txt.j2"


@dataclass(frozen=True)
class MailStory:
    title: str
    url: str | None
    summary: str
    insight: str
    category: str
    sources: list[str]


def _environment(autoescape: bool, templates_dir: Path | None) -> jinja2.Environment:
    packaged = jinja2.FileSystemLoader(TEMPLATES_DIR)
    loader: jinja2.BaseLoader = packaged
    if templates_dir is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(templates_dir), packaged])
    return jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _story(digest: Digest, story: dict[str, Any]) -> MailStory:
    return MailStory(
        title=plain_text(story.get("title")),
        url=safe_url(str(story.get("url") or "")),
        summary=plain_text(story.get("summary")),
        insight=plain_text(story.get("insight")),
        category=digest.category_name(str(story.get("category"))),
        sources=digest.source_names(story),
    )


def _sections(digest: Digest) -> list[tuple[str, list[MailStory]]]:
    """Section-tier stories under their category names, in taxonomy order (as the report)."""
    order = {category: index for index, category in enumerate(digest.category_names)}
    stories = digest.by_tier("section")
    categories = sorted(
        {str(s.get("category")) for s in stories}, key=lambda c: (order.get(c, len(order)), c)
    )
    return [
        (
            digest.category_name(category),
            [_story(digest, s) for s in stories if str(s.get("category")) == category],
        )
        for category in categories
    ]


def render_mail(digest: Digest, templates_dir: Path | None = None) -> tuple[str, str]:
    """The (text, html) bodies of one digest."""
    context = {
        "digest": digest,
        "t": digest.text,
        "report_url": safe_url(digest.report_url),
        "headlines": [_story(digest, s) for s in digest.by_tier("headline")],
        "sections": _sections(digest),
        "briefs": [_story(digest, s) for s in digest.by_tier("brief")],
    }
    text = _environment(False, templates_dir).get_template(TEXT_TEMPLATE).render(context)
    html = _environment(True, templates_dir).get_template(HTML_TEMPLATE).render(context)
    return text, html


def mail_message(
    digest: Digest,
    *,
    sender: str,
    recipients: list[str],
    templates_dir: Path | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The multipart/alternative message (text first, then HTML, as RFC 2046 orders them)."""
    text, html = render_mail(digest, templates_dir)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = digest.title
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message
