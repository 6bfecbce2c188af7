"""Real receivers on 127.0.0.1 for delivery tests: an HTTP server that records every request
and answers from a script, and an SMTP server (aiosmtpd) that stores every message."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# What each chat platform answers when it takes a message.
ACCEPTED = {
    "webhook": (200, b"ok"),
    "slack": (200, b"ok"),
    "feishu": (200, b'{"code":0,"msg":"success","data":{}}'),
    "wecom": (200, b'{"errcode":0,"errmsg":"ok"}'),
    "telegram": (200, b'{"ok":true,"result":{"message_id":1}}'),
}


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class RecordingServer:
    """Records each request; answers the next scripted answer for its path, else the
    path's default (200 with the platform's success body for `/<channel>/...` paths)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[Request] = []
        self._script: dict[str, deque[Answer]] = defaultdict(deque)
        self._defaults: dict[str, Answer] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                answer = server._record(
                    Request("POST", self.path, dict(self.headers.items()), body)
                )
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: object) -> None:
                return

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self.port = self._httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, path: str, *answers: Answer) -> None:
        """Answer the next requests to `path` with these, in order."""
        with self._lock:
            self._script[path].extend(answers)

    def always(self, path: str, answer: Answer) -> None:
        with self._lock:
            self._defaults[path] = answer

    def to(self, path: str) -> list[Request]:
        return [request for request in self.requests if request.path == path]

    def _record(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            if self._script[request.path]:
                return self._script[request.path].popleft()
            if request.path in self._defaults:
                return self._defaults[request.path]
        channel = request.path.strip("/").split("/")[0]
        status, body = ACCEPTED.get(channel, (200, b"ok"))
        return Answer(status, body)


@dataclass
class StoredMail:
    mail_from: str
    recipients: list[str]
    data: bytes
    authenticated_as: str | None
    tls: bool

    def message(self) -> Message:
        return message_from_bytes(self.data, policy=default_policy)


class _Store:
    """Keeps each message; refuses the next `refuse_next` ones with `refusal` first."""

    def __init__(self) -> None:
        self.messages: list[StoredMail] = []
        self.logins: list[tuple[str, str]] = []
        self.refuse_next = 0
        self.refusal = "451 4.3.0 Try again later"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return self.refusal
        self.messages.append(
            StoredMail(
                mail_from=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                data=envelope.original_content or envelope.content,
                authenticated_as=session.auth_data,
                tls=session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(
    *, tls_context: ssl.SSLContext | None = None, password: str | None = None
) -> Iterator[tuple[int, _Store]]:
    """An SMTP server on 127.0.0.1: STARTTLS offered when given a context, AUTH offered and
    checked against `password` when given one (over plain text too: the client decides)."""
    store = _Store()

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, secret = auth_data.login.decode(), auth_data.password.decode()
            store.logins.append((login, secret))
            return AuthResult(success=secret == password, auth_data=login)
        return AuthResult(success=False)

    controller = Controller(
        store,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=tls_context,
        require_starttls=False,
        authenticator=authenticate if password else None,
        auth_require_tls=False,
        auth_required=False,
    )
    controller.start()
    try:
        yield controller.port, store
    finally:
        controller.stop()
