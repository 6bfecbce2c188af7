"""A Chat Completions server on 127.0.0.1 that answers like a careful model and misbehaves on
cue, as real providers do: 429 with Retry-After, 503, a stalled answer, prose instead of
JSON, an invented figure, obedience to an instruction planted in an article, a 401 that
echoes the key back.

By default every request gets a grounded answer built from the story it carries (titles and
first sentences of its articles, in the language the system prompt asks for). `on(text, ...)`
scripts the next answers of requests whose story contains `text`; each behaviour is used once,
then the default answers again. Dialects: "openai" (`/v1/chat/completions`, errors
`{"error": {"message", "type", "code"}}`), "ollama" (same path, errors `{"error": "..."}`),
"dashscope" (`/compatible-mode/v1/chat/completions`). Every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

PREFIXES = {"openai": "/v1", "ollama": "/v1", "dashscope": "/compatible-mode/v1"}
_STORY_DATA = re.compile(r"<story_data>\s*(.*?)\s*</story_data>", re.DOTALL)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_NAME = re.compile(r"[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+")
# An instruction an obedient model would follow: 'the title "X"' / '标题改成“X”'.
_PLANTED_TITLE = re.compile(r"(?:title|headline|标题)[^\"“”]{0,30}[\"“]([^\"”]{3,80})[\"”]")


@dataclass
class Reply:
    """What the server sends for one request."""

    status: int = 200
    content: str | None = None  # the completion's message content (status 200)
    error: str | None = None  # the error message (other statuses)
    headers: dict[str, str] = field(default_factory=dict)
    stall: bool = False  # never answer: the client's timeout must end it
    echo_key: bool = False  # put the Authorization header into the error (as 401s do)


Behaviour = Callable[[dict[str, Any], str], Reply]


def answer(title: str, summary: str, insight: str) -> Behaviour:
    """A JSON answer with exactly these texts."""
    content = json.dumps({"title": title, "summary": summary, "insight": insight})
    return lambda story, language: Reply(content=content)


def prose(text: str = "Sure! Here is a summary of the story in plain words.") -> Behaviour:
    return lambda story, language: Reply(content=text)


def status(code: int, message: str = "", **headers: str) -> Behaviour:
    return lambda story, language: Reply(
        status=code, error=message or f"status {code}", headers=headers
    )


def stall() -> Behaviour:
    return lambda story, language: Reply(stall=True)


def unauthorized() -> Behaviour:
    """401 quoting the key it was given, as some providers do."""
    return lambda story, language: Reply(status=401, echo_key=True)


def grounded(story: dict[str, Any], language: str) -> Reply:
    """An answer built only from the story's own words, in the language asked for."""
    return Reply(content=json.dumps(grounded_answer(story, language), ensure_ascii=False))


def invented_figure(story: dict[str, Any], language: str) -> Reply:
    """A grounded answer plus a figure that no article states."""
    data = grounded_answer(story, language)
    data["summary"] += "营收同比增长87%。" if language == "zh" else " Revenue grew 87% in a year."
    return Reply(content=json.dumps(data, ensure_ascii=False))


def obedient(story: dict[str, Any], language: str) -> Reply:
    """Follows a title an article tells it to use; otherwise a grounded answer."""
    data = grounded_answer(story, language)
    found = _PLANTED_TITLE.search(json.dumps(story, ensure_ascii=False))
    if found:
        data["title"] = found.group(1)
    return Reply(content=json.dumps(data, ensure_ascii=False))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.replace("…", "")) if s.strip()]


def grounded_answer(story: dict[str, Any], language: str) -> dict[str, str]:
    articles = story.get("articles") or [{"source": "", "title": "", "text": ""}]
    chinese = language == "zh"

    def in_language(text: str) -> bool:
        return bool(_HAN.search(text)) == chinese

    titled = [a for a in articles if in_language(a["title"])]
    texts = [s for a in articles for s in _sentences(a["text"]) if in_language(s)]
    names = list(dict.fromkeys(_LATIN_NAME.findall(articles[0]["title"])))[:2]
    source = articles[0]["source"]
    if chinese:
        title = titled[0]["title"] if titled else f"{'、'.join(names) or '海外'}最新动态"
        summary = "".join(texts[:2])[:150] or f"据{source}报道，{'、'.join(names)}有新进展。"
        insight = "这条消息值得关注AI的读者留意。"
    else:
        title = titled[0]["title"] if titled else f"Update from {source}"
        summary = " ".join(texts[:2]) or f"{source} reported on {', '.join(names) or 'it'}."
        insight = "Readers who follow AI may want to keep an eye on this story."
    return {"title": title, "summary": summary, "insight": insight}


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def story(self) -> dict[str, Any]:
        """The story JSON of the first user message."""
        user = next(m["content"] for m in self.body["messages"] if m["role"] == "user")
        return json.loads(_STORY_DATA.search(user).group(1))


class ChatServer:
    def __init__(self, dialect: str = "openai") -> None:
        self.dialect = dialect
        self.requests: list[RecordedRequest] = []
        self.default: Behaviour = grounded
        self._scripts: list[tuple[str, list[Behaviour]]] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{PREFIXES[self.dialect]}"

    def on(self, text: str, *behaviours: Behaviour) -> None:
        """The next requests whose story contains `text` get these behaviours, in order."""
        with self._lock:
            self._scripts.append((text, list(behaviours)))

    def requests_about(self, text: str) -> list[RecordedRequest]:
        return [r for r in self.requests if text in json.dumps(r.story, ensure_ascii=False)]

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _behaviour(self, story_text: str) -> Behaviour:
        with self._lock:
            for text, behaviours in self._scripts:
                if text in story_text and behaviours:
                    return behaviours.pop(0)
        return self.default

    def _error_body(self, message: str, code: int) -> bytes:
        if self.dialect == "ollama":
            return json.dumps({"error": message}).encode()
        error = {"message": message, "type": "invalid_request_error", "code": str(code)}
        return json.dumps({"error": error}).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                request = RecordedRequest(self.path, dict(self.headers.items()), body)
                with server._lock:
                    server.requests.append(request)
                if not self.path.endswith("/chat/completions") or not self.path.startswith(
                    PREFIXES[server.dialect]
                ):
                    self._send(404, server._error_body(f"no route {self.path}", 404))
                    return
                story = request.story
                language = "zh" if _HAN.search(body["messages"][0]["content"]) else "en"
                reply = server._behaviour(json.dumps(story, ensure_ascii=False))(story, language)
                if reply.stall:
                    server._release.wait()
                    return
                if reply.status != 200:
                    message = reply.error or ""
                    if reply.echo_key:
                        given = self.headers.get("Authorization", "").removeprefix("Bearer ")
                        message = f"Incorrect API key provided: {given}"
                    self._send(reply.status, server._error_body(message, reply.status), reply)
                    return
                completion = {
                    "id": f"chatcmpl-{len(server.requests)}",
                    "object": "chat.completion",
                    "model": body.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": length // 4,
                        "completion_tokens": len(reply.content or "") // 4,
                        "total_tokens": length // 4 + len(reply.content or "") // 4,
                    },
                }
                self._send(200, json.dumps(completion, ensure_ascii=False).encode())

            def _send(self, code: int, payload: bytes, reply: Reply | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (reply.headers if reply else {}).items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler


@contextmanager
def serve_chat(dialect: str = "openai") -> Iterator[ChatServer]:
    with ChatServer(dialect) as server:
        yield server


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    """A Chat Completions server (OpenAI dialect) on 127.0.0.1 for the test's duration."""
    with serve_chat() as server:
        yield server
