"""Where the package's data files live (word lists, taxonomy, patterns, example sources),
and how YAML is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
# LibYAML's parser when PyYAML was built with it: the same documents as yaml.safe_load, ten
# times faster (taxonomy.yaml: 53 ms -> 6 ms), read by every stage's process at start
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def data_path(name: str) -> Path:
    """The path of a bundled data file, e.g. ``data_path("taxonomy.yaml")``."""
    return DATA_DIR / name


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` of a document (see _SAFE_LOADER); errors are yaml.YAMLError."""
    return yaml.load(text, Loader=_SAFE_LOADER)


def load_data_yaml(name: str) -> Any:
    """A bundled YAML data file, parsed."""
    return parse_yaml(data_path(name).read_text(encoding="utf-8"))
