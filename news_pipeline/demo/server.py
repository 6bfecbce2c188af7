"""A local HTTP server for the bundled demo corpus, so the offline demo runs the real fetch path.

Files under `sites/` hold the placeholder `{demo_base_url}` wherever an absolute URL belongs
(feed links, canonical links, related links); the server replaces it with its own base URL as
it serves each file. The GBK site (`techzh`) gets `text/html` without a charset, as many
Chinese portals send it, so that the page's `<meta charset>` is the only hint.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parent
SITES_DIR = DEMO_DIR / "sites"
DEMO_SOURCES_PATH = DEMO_DIR / "sources.yaml"
DEMO_EXPECTED_PATH = DEMO_DIR / "expected.yaml"

BASE_URL_PLACEHOLDER_NAME = "demo_base_url"
BASE_URL_PLACEHOLDER = "{" + BASE_URL_PLACEHOLDER_NAME + "}"

GBK_SITES = frozenset({"techzh"})
LAST_MODIFIED = "Sun, 15 Feb 2026 13:00:00 GMT"


def content_type_for(relative_path: PurePosixPath) -> str | None:
    """The Content-Type a demo file is served with, or None for files that are not served."""
    site = relative_path.parts[0]
    utf8_suffix = "" if site in GBK_SITES else "; charset=utf-8"
    if relative_path.suffix == ".html":
        return "text/html" + utf8_suffix
    if relative_path.name == "atom.xml":
        return "application/atom+xml" + utf8_suffix
    if relative_path.suffix == ".xml":
        return "application/rss+xml" + utf8_suffix
    return None


def resolve_site_file(url_path: str) -> PurePosixPath | None:
    """Map a request path to a file under `sites/`, refusing anything outside it."""
    parts = [part for part in unquote(urlsplit(url_path).path).split("/") if part]
    if not parts or any(part in {".", ".."} or "\\" in part for part in parts):
        return None
    relative_path = PurePosixPath(*parts)
    if not (SITES_DIR / relative_path).is_file():
        return None
    return relative_path


def render_site_file(relative_path: PurePosixPath, base_url: str) -> bytes:
    """The bytes of a demo file with every placeholder replaced by the server's base URL."""
    raw = (SITES_DIR / relative_path).read_bytes()
    return raw.replace(BASE_URL_PLACEHOLDER.encode("ascii"), base_url.encode("ascii"))


class DemoCorpusHandler(BaseHTTPRequestHandler):
    """Serves `sites/` read-only; 404 for everything else (robots.txt included)."""

    base_url = ""
    server_version = "demo-corpus/1.0"

    def do_GET(self) -> None:
        self._respond(include_body=True)

    def do_HEAD(self) -> None:
        self._respond(include_body=False)

    def _respond(self, include_body: bool) -> None:
        relative_path = resolve_site_file(self.path)
        content_type = content_type_for(relative_path) if relative_path else None
        if relative_path is None or content_type is None:
            self._send_not_found(include_body)
            return
        body = render_site_file(relative_path, self.base_url)
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        not_modified = (
            self.headers.get("If-None-Match") == etag
            or self.headers.get("If-Modified-Since") == LAST_MODIFIED
        )
        self.send_response(HTTPStatus.NOT_MODIFIED if not_modified else HTTPStatus.OK)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        if not_modified:
            self.end_headers()
            return
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def _send_not_found(self, include_body: bool) -> None:
        body = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the pipeline logs its own fetches."""


# The demo's article URLs contain the server's address, and story ids are derived from
# canonical URLs: a fixed port keeps story ids stable from one run to the next, so a re-run
# day still matches the `seen_before` references stored by later days.
DEMO_PORT = 48015


# When DEMO_PORT is busy (another process serves the demo), the free port chosen instead is
# kept for the rest of this process, so its runs still agree on story ids with each other.
_fallback_ports: dict[tuple[str, int], int] = {}


def _bind(host: str, port: int, handler_class: type[DemoCorpusHandler]) -> ThreadingHTTPServer:
    if port == 0:
        return ThreadingHTTPServer((host, 0), handler_class)
    for candidate in (port, _fallback_ports.get((host, port))):
        if candidate is None:
            continue
        try:
            return ThreadingHTTPServer((host, candidate), handler_class)
        except OSError:
            continue
    logger.warning("port %s is busy; serving the demo corpus on a free port instead", port)
    server = ThreadingHTTPServer((host, 0), handler_class)
    _fallback_ports[(host, port)] = server.server_address[1]
    return server


@contextmanager
def serve_demo_corpus(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the demo sites in a daemon thread; yields the base URL, e.g. http://127.0.0.1:5432.

    A busy non-zero `port` falls back to a free one (with a warning) rather than failing.
    """
    handler_class = type("BoundDemoCorpusHandler", (DemoCorpusHandler,), {})
    server = _bind(host, port, handler_class)
    server.daemon_threads = True
    bound_host, bound_port = server.server_address[:2]
    base_url = f"http://{bound_host}:{bound_port}"
    handler_class.base_url = base_url
    thread = threading.Thread(target=server.serve_forever, name="demo-corpus-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


if __name__ == "__main__":
    with serve_demo_corpus() as demo_base_url:
        print(f"Serving the demo corpus at {demo_base_url} (Ctrl-C to stop)", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
