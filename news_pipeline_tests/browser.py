"""Headless Chromium from the command line: rendered DOM, console messages and screenshots.

Debian's `chromium` is driven through its own switches (`--dump-dom`, `--screenshot`,
`--enable-logging=stderr`), so no browser driver or downloaded browser build is needed.
Console messages of the page (errors, uncaught exceptions, failed loads) appear on stderr as
`INFO:CONSOLE...] "message", source: url (line)` lines, which `console_messages` collects.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
WINDOW_SIZE = (1400, 900)
# Quiet, offline, reproducible: no sync, updates, QUIC or first-run UI.
BASE_SWITCHES = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--hide-scrollbars",
)
CONSOLE_LINE = re.compile(r":CONSOLE[:(]\d*\)?\] (?P<message>.*)$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The browser's path, or skip the calling test with the reason."""
    found = find_chromium()
    if found is None:
        pytest.skip(
            "headless Chromium is not installed (Debian: apt-get install chromium; "
            ".ci/run installs it when run as root)"
        )
    return found


@dataclass(frozen=True)
class PageRender:
    """What Chromium made of a page: the DOM after scripts ran, and its console output."""

    dom: str
    console: list[str]
    stderr: str


class Chromium:
    """One Chromium binary with a private profile directory."""

    def __init__(self, binary: str, profile_dir: Path, timeout: float = 120) -> None:
        self.binary = binary
        self.profile_dir = profile_dir
        self.timeout = timeout

    def _command(self, url: str, *switches: str, virtual_time_ms: int) -> list[str]:
        width, height = WINDOW_SIZE
        return [
            self.binary,
            *BASE_SWITCHES,
            f"--user-data-dir={self.profile_dir}",
            f"--window-size={width},{height}",
            f"--virtual-time-budget={virtual_time_ms}",
            *switches,
            url,
        ]

    def render(self, url: str, virtual_time_ms: int = 5000) -> PageRender:
        """Load `url`, let scripts and timers run for the virtual-time budget, dump the DOM."""
        completed = subprocess.run(
            self._command(
                url,
                "--dump-dom",
                "--enable-logging=stderr",
                "--v=0",
                virtual_time_ms=virtual_time_ms,
            ),
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        if completed.returncode != 0 or not completed.stdout.strip():
            raise RuntimeError(
                f"chromium --dump-dom {url} exited {completed.returncode}: "
                f"{completed.stderr[-2000:]}"
            )
        return PageRender(
            dom=completed.stdout,
            console=console_messages(completed.stderr),
            stderr=completed.stderr,
        )

    def screenshot(self, url: str, path: Path, virtual_time_ms: int = 5000) -> Path:
        """Write a PNG of the page as the window shows it."""
        completed = subprocess.run(
            self._command(url, f"--screenshot={path}", virtual_time_ms=virtual_time_ms),
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        if completed.returncode != 0 or not path.exists():
            raise RuntimeError(
                f"chromium --screenshot {url} exited {completed.returncode}: "
                f"{completed.stderr[-2000:]}"
            )
        return path


def console_messages(stderr: str) -> list[str]:
    """The page's console messages from Chromium's stderr log."""
    messages = []
    for line in stderr.splitlines():
        match = CONSOLE_LINE.search(line)
        if match:
            messages.append(match.group("message"))
    return messages


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header (raises if the file is not a PNG)."""
    header = path.read_bytes()[:24]
    if not header.startswith(PNG_SIGNATURE) or header[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    width, height = struct.unpack(">II", header[16:24])
    return width, height
