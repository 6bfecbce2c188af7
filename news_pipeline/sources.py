"""The sources file: which sites to read, how, and with which policy (CONTRACT.md).

Everything is validated before anything is fetched, so a typo in the YAML is one clear
line naming the file, the source and the field instead of a half-finished run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from news_pipeline.schema import DEFAULT_TIMEZONE

SourceType = Literal["rss", "html_list", "sitemap"]
Channel = Literal["webhook", "email", "slack", "feishu", "wecom", "telegram"]
Tier = Literal["headline", "section", "brief"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# One mailbox, no display name: nothing that could end a header or add a recipient.
_MAILBOX = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+\.[^@\s<>,;:\"()\[\]\\]+$")


class SourcesFileError(ValueError):
    """A sources file that cannot be used; the message is one line fit for a terminal."""


def check_url(value: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """The URL when its scheme is one of `schemes` and it has a host and a valid port."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in schemes:
        raise ValueError(f"scheme must be {' or '.join(schemes)}, got {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise ValueError("has no host")
    if any(character.isspace() or ord(character) < 32 for character in value):
        raise ValueError("contains whitespace or control characters")
    try:
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number in range)
    except ValueError as error:
        raise ValueError(f"has an invalid port ({error})") from error
    return value


class SourceConfig(BaseModel):
    """One site listing: an RSS/Atom feed, an HTML list page or a (news) sitemap."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    type: SourceType
    url: str
    language: str | None = None
    weight: float = Field(default=1.0, ge=0.0)
    link_selector: str | None = None
    same_site_only: bool = True

    @field_validator("name")
    @classmethod
    def _name_is_trimmed(cls, value: str) -> str:
        if value.strip() != value or not value:
            raise ValueError("must be a non-empty name without surrounding spaces")
        return value

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        return check_url(value)

    @model_validator(mode="after")
    def _selector_matches_type(self) -> SourceConfig:
        if self.type == "html_list" and not self.link_selector:
            raise ValueError("link_selector: required for type html_list")
        if self.type != "html_list" and self.link_selector is not None:
            raise ValueError(f"link_selector: only valid for type html_list, not {self.type}")
        if self.link_selector is not None:
            from selectolax.lexbor import LexborHTMLParser as HTMLParser

            try:
                HTMLParser("<p></p>").css(self.link_selector)
            except Exception as error:
                raise ValueError(f"link_selector: invalid CSS selector ({error})") from error
        return self


_ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SiteConfig(BaseModel):
    """Where `<data-dir>/reports/` is published: feed and notification links start here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        check_url(value)
        if urlsplit(value).query or urlsplit(value).fragment:
            raise ValueError("must not have a query or a fragment")
        return value if value.endswith("/") else value + "/"


class SubscriberConfig(BaseModel):
    """One receiver of the daily digest: a channel, its address and optional filters.

    Secrets stay out of the file when wanted: `url_env` names an environment variable that
    holds the URL (webhook tokens), and the SMTP password is read from
    `$NEWS_PIPELINE_SMTP_PASSWORD`, never from `smtp_url`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1)
    channel: Channel
    url: str | None = None
    url_env: str | None = None
    chat_id: str | None = None
    categories: list[str] | None = None
    min_tier: Tier = "brief"
    keywords: list[str] | None = None
    allow_private_addresses: bool = False
    smtp_url: str | None = None
    from_address: str | None = Field(default=None, alias="from")
    to: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _name_is_trimmed(cls, value: str) -> str:
        if value.strip() != value or not value:
            raise ValueError("must be a non-empty name without surrounding spaces")
        return value

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("url_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(f"not an environment variable name: {value!r}")
        return value

    @field_validator("chat_id", mode="before")
    @classmethod
    def _chat_id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        check_url(value, schemes=("smtp", "smtps"))
        if urlsplit(value).password is not None:
            raise ValueError("must not hold a password: set $NEWS_PIPELINE_SMTP_PASSWORD")
        return value

    @field_validator("from_address")
    @classmethod
    def _from_is_a_mailbox(cls, value: str | None) -> str | None:
        if value is not None and not _MAILBOX.match(value):
            raise ValueError(f"not a plain e-mail address: {value!r}")
        return value

    @field_validator("to")
    @classmethod
    def _to_are_mailboxes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("needs at least one address")
        for address in value:
            if not isinstance(address, str) or not _MAILBOX.match(address):
                raise ValueError(f"not a plain e-mail address: {address!r}")
        return value

    @field_validator("categories", "keywords")
    @classmethod
    def _non_empty_words(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or any(not word.strip() for word in value)):
            raise ValueError("must be a non-empty list of non-empty words")
        return value

    @model_validator(mode="after")
    def _fields_match_channel(self) -> SubscriberConfig:
        email_fields = {"smtp_url": self.smtp_url, "from": self.from_address, "to": self.to}
        if self.channel == "email":
            for field, value in email_fields.items():
                if value is None:
                    raise ValueError(f"{field}: required for channel email")
            for field, value in (("url", self.url), ("url_env", self.url_env)):
                if value is not None:
                    raise ValueError(f"{field}: not used by channel email (smtp_url is)")
        else:
            for field, value in email_fields.items():
                if value is not None:
                    raise ValueError(f"{field}: only valid for channel email")
            if (self.url is None) == (self.url_env is None):
                raise ValueError(f"url: channel {self.channel} needs exactly one of url, url_env")
        if self.channel == "telegram" and not self.chat_id:
            raise ValueError("chat_id: required for channel telegram")
        if self.channel != "telegram" and self.chat_id is not None:
            raise ValueError("chat_id: only valid for channel telegram")
        return self


class EditorConfig(BaseModel):
    """The optional `editor:` block: an OpenAI-compatible Chat Completions endpoint that
    writes titles, summaries and insight lines (news_pipeline/editor). The key itself is
    never in the file, only the name of the environment variable that holds it; errors about
    this block never echo a value (`hide_input_in_errors`), in case a key was pasted in."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    base_url: str
    model: str = Field(min_length=1)
    api_key_env: str | None = None
    max_calls_per_day: int = Field(default=200, ge=0)
    max_tokens_per_day: int = Field(default=400_000, ge=0)
    allow_private_addresses: bool = False
    # Article text per story is cut to this many (estimated) tokens before it is sent.
    input_tokens_per_story: int = Field(default=3000, ge=200)
    max_output_tokens: int = Field(default=700, ge=64)
    temperature: float = Field(default=0.2, ge=0, le=2)
    # Per endpoint: a local model on a CPU needs minutes where a hosted API needs seconds.
    # Unset, the editor resource's settings apply (Dagster run config can change those).
    timeout_seconds: float | None = Field(default=None, gt=0)
    max_concurrency: int | None = Field(default=None, ge=1)
    # For the estimated cost in the asset's metadata: the provider's list prices.
    price_per_million_input_tokens: float = Field(default=0.0, ge=0)
    price_per_million_output_tokens: float = Field(default=0.0, ge=0)
    currency: str = Field(default="USD", min_length=1, max_length=8)

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        value = check_url(value)
        if urlsplit(value).query or urlsplit(value).fragment:
            raise ValueError("must not have a query or fragment")
        return value.rstrip("/")

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_VAR_NAME.match(value):
            raise ValueError(
                "must be the name of an environment variable (letters, digits, _), "
                "not the key itself"
            )
        return value

    @model_validator(mode="after")
    def _key_only_over_tls(self) -> EditorConfig:
        """A key sent over plain HTTP to a public host can be read by anyone on the path."""
        plain_http = urlsplit(self.base_url).scheme.lower() != "https"
        if self.api_key_env and not self.allow_private_addresses and plain_http:
            raise ValueError("base_url: must be https when api_key_env is set")
        return self


class SourcesConfig(BaseModel):
    """The whole sources file. Validation errors never quote a value (a key pasted into the
    editor block must not reach a terminal or a log); the messages name the field instead."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    timezone: str = DEFAULT_TIMEZONE
    report_language: Literal["zh", "en"] = "zh"
    allow_private_addresses: bool = False
    sources: list[SourceConfig] = Field(min_length=1)
    editor: EditorConfig | None = None
    site: SiteConfig | None = None
    subscribers: list[SubscriberConfig] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesConfig:
        seen: set[str] = set()
        for index, source in enumerate(self.sources):
            if source.name in seen:
                raise ValueError(f"source {source.name!r} (#{index}): name: duplicate source name")
            seen.add(source.name)
        names: set[str] = set()
        for index, subscriber in enumerate(self.subscribers):
            if subscriber.name in names:
                raise ValueError(
                    f"subscriber {subscriber.name!r} (#{index}): name: duplicate subscriber name"
                )
            names.add(subscriber.name)
        return self


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key repeated in one mapping: PyYAML keeps the last
    one silently, so a second `sources:` would drop every source listed under the first."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> Any:
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` may be overridden
            continue
        key = loader.construct_object(key_node)
        try:
            repeated = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: construct_mapping reports it
            continue
        if repeated:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def substitute_placeholders(text: str, substitutions: dict[str, str]) -> str:
    """Replace `{name}` placeholders; unknown names are left for validation to report."""

    def replace(match: re.Match[str]) -> str:
        return substitutions.get(match.group(1), match.group(0))

    return _PLACEHOLDER.sub(replace, text)


def load_sources(path: Path, substitutions: dict[str, str] | None = None) -> SourcesConfig:
    """Read and validate a sources file, raising SourcesFileError with a one-line reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourcesFileError(f"{path}: cannot read sources file ({error})") from error
    if substitutions:
        text = substitute_placeholders(text, substitutions)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        reason = " ".join(str(error).split())
        raise SourcesFileError(f"{path}: not valid YAML ({reason})") from error
    if not isinstance(data, dict):
        raise SourcesFileError(f"{path}: expected a mapping with a 'sources' list at the top")
    try:
        return SourcesConfig.model_validate(data)
    except ValidationError as error:
        raise SourcesFileError(_describe_validation_error(path, data, error)) from error


def _describe_validation_error(path: Path, data: dict[str, Any], error: ValidationError) -> str:
    """First validation problem as 'file: source <name> (#i): field: reason'."""
    problem = error.errors()[0]
    location = list(problem["loc"])
    message = str(problem["msg"]).removeprefix("Value error, ")
    if not location:
        return f"{path}: {message}"
    lists = {"sources": "source", "subscribers": "subscriber"}
    if len(location) >= 2 and location[0] in lists and isinstance(location[1], int):
        raw_entries = data.get(str(location[0]))
        kind = lists[str(location[0])]
        index = location[1]
        name = None
        if isinstance(raw_entries, list) and index < len(raw_entries):
            entry = raw_entries[index]
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                name = entry["name"]
        who = f"{kind} {name!r} (#{index})" if name else f"{kind} #{index}"
        field_path = [str(part) for part in location[2:]]
        field = ".".join(field_path)
        if not field and ": " in message:
            field, message = message.split(": ", 1)
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        elif problem["type"] == "missing":
            message = "missing required field"
        return f"{path}: {who}: {field or 'entry'}: {message}"
    field = ".".join(str(part) for part in location) or "file"
    if problem["type"] == "extra_forbidden":
        message = "unknown key"
    elif problem["type"] == "missing":
        message = "missing required field"
    return f"{path}: {field}: {message}"
