"""Headless Chromium for tests: rendered DOM, console messages, screenshots, visible text.

Debian's `chromium` is driven two ways, neither needing a browser driver or a downloaded
browser build:
- its own switches (`--dump-dom`, `--screenshot`, `--enable-logging=stderr`); console
  messages of the page then appear on stderr as `INFO:CONSOLE...] "message"` lines;
- the Chrome DevTools Protocol over a websocket (`DevToolsPage`), for what the switches
  cannot tell: uncaught exceptions and failed loads with their level, and the text a reader
  actually sees (`document.body.innerText` leaves out hidden and collapsed elements).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

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


@dataclass
class PageProblems:
    """Everything the page reported as going wrong while it loaded."""

    exceptions: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.exceptions, *self.console_errors, *self.log_errors]


class DevToolsPage:
    """One page of a headless Chromium, driven over the DevTools Protocol."""

    def __init__(self, socket: ClientConnection, timeout: float) -> None:
        self._socket = socket
        self._timeout = timeout
        self._ids = itertools.count(1)
        self.problems = PageProblems()
        self._events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result, recording the events that arrive meanwhile."""
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        deadline = time.monotonic() + self._timeout
        while True:
            message = self._receive(deadline, method)
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result", {})
            self._record(message)

    def wait_for_event(self, method: str) -> dict[str, Any]:
        """The first event named `method` (already received or arriving before the timeout)."""
        for event in self._events:
            if event["method"] == method:
                return event
        deadline = time.monotonic() + self._timeout
        while True:
            message = self._receive(deadline, method)
            self._record(message)
            if message.get("method") == method:
                return message

    def navigate(self, url: str) -> None:
        """Open `url` and wait for its load event; `problems` then belong to this page."""
        self._events.clear()
        self.problems = PageProblems()
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise RuntimeError(f"navigation to {url} failed: {result['errorText']}")
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} raised {result['exceptionDetails']}")
        return result["result"].get("value")

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no answer to {waiting_for} within {self._timeout:.0f}s")
        return json.loads(self._socket.recv(timeout=remaining))

    def _record(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:
            return
        self._events.append(message)
        params = message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            self.problems.exceptions.append(str(description))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            texts = [str(arg.get("value", arg.get("description"))) for arg in params["args"]]
            self.problems.console_errors.append(" ".join(texts))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            self.problems.log_errors.append(f"{entry.get('text')} {entry.get('url', '')}".strip())


@contextmanager
def devtools_page(binary: str, profile_dir: Path, timeout: float = 60) -> Iterator[DevToolsPage]:
    """A headless Chromium with remote debugging on 127.0.0.1, attached to its first page.

    The browser picks a free port and writes it to `DevToolsActivePort` in its profile.
    """
    profile_dir.mkdir(parents=True, exist_ok=True)
    port_file = profile_dir / "DevToolsActivePort"
    port_file.unlink(missing_ok=True)
    width, height = WINDOW_SIZE
    process = subprocess.Popen(
        [
            binary,
            *BASE_SWITCHES,
            f"--user-data-dir={profile_dir}",
            f"--window-size={width},{height}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chromium did not open its debugging port ({process.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=timeout).json()
        page = next(target for target in targets if target["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], open_timeout=timeout, max_size=2**26) as socket:
            tab = DevToolsPage(socket, timeout)
            for domain in ("Page", "Runtime", "Log"):
                tab.call(f"{domain}.enable")
            yield tab
    finally:
        # The browser's zygote, GPU and renderer processes share its process group.
        for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
            if _stop_group(process, sig, wait):
                break


def _stop_group(process: subprocess.Popen[bytes], sig: signal.Signals, wait: float) -> bool:
    """Signal the process group; True once every member has exited within `wait` seconds."""
    deadline = time.monotonic() + wait
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    while time.monotonic() < deadline:
        process.poll()
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False
