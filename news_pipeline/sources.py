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

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SourcesFileError(ValueError):
    """A sources file that cannot be used; the message is one line fit for a terminal."""


def check_http_url(value: str) -> str:
    """An http(s) URL with a host, no whitespace and a valid port, or ValueError saying why."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"scheme must be http or https, got {parts.scheme or 'none'!r}")
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
        return check_http_url(value)

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
        value = check_http_url(value)
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
    raw_sources = data.get("sources")
    if len(location) >= 2 and location[0] == "sources" and isinstance(location[1], int):
        index = location[1]
        name = None
        if isinstance(raw_sources, list) and index < len(raw_sources):
            entry = raw_sources[index]
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                name = entry["name"]
        who = f"source {name!r} (#{index})" if name else f"source #{index}"
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
