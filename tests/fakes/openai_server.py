"""A local OpenAI-compatible HTTP server for tests and benchmarks.

It speaks the Chat Completions wire format on real HTTP (plain `/v1/chat/completions` and the
Azure path `/openai/deployments/<name>/chat/completions?api-version=…`), streams server-sent
events, and plays scripted failures (status codes, delays) so the real `openai` client, with its
own retries and timeouts, is what the tests exercise.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_DATA_BLOCK = re.compile(r"<<<資料-[0-9a-f]+>>>\n(.*)\n<<<資料終わり-[0-9a-f]+>>>", re.S)
_AZURE_PATH = re.compile(r"^/openai/deployments/([^/]+)/chat/completions$")


@dataclass
class Step:
    """One scripted answer: an HTTP status, a delay before answering, or a fixed content."""

    status: int = 200
    delay: float = 0.0
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAI:
    def __init__(self, *, latency: float = 0.0, model: str = "fake-gpt") -> None:
        self.latency = latency
        self.model = model
        self.json_schema_supported = True
        self.script: deque[Step] = deque()
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- control ----------------------------------------------------------------------------
    def push(self, *steps: Step) -> None:
        with self._lock:
            self.script.extend(steps)

    def reset(self) -> None:
        with self._lock:
            self.script.clear()
            self.requests.clear()
            self.json_schema_supported = True
            self.latency = 0.0

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def azure_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK wait

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # -- serving ----------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        try:
            body = json.loads(h.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        with self._lock:
            self.requests.append(Seen(url.path, parse_qs(url.query), dict(h.headers), body))
            step = self.script.popleft() if self.script else Step()
        if url.path != "/v1/chat/completions" and not _AZURE_PATH.match(url.path):
            return _send(h, 404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        time.sleep(step.delay or self.latency)
        if step.status != 200:
            headers = {"retry-after": "0", **step.headers}
            return _send(h, step.status, {"error": {"message": f"scripted {step.status}", "type": "server_error"}},
                         headers)
        if body.get("response_format") and not self.json_schema_supported:
            return _send(h, 400, {"error": {"message": "response_format json_schema is not supported",
                                            "type": "invalid_request_error"}})
        content = step.content if step.content is not None else self._answer(body)
        model = (_AZURE_PATH.match(url.path) or [None, body.get("model") or self.model])[1]
        if body.get("stream"):
            return self._stream(h, content, model, body)
        _send(h, 200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 42, "completion_tokens": len(content), "total_tokens": 42 + len(content)},
        })

    def _answer(self, body: dict[str, Any]) -> str:
        """A deterministic stand-in answer built from the data block of the prompt."""
        user = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
        m = _DATA_BLOCK.search(user)
        source = m.group(1) if m else user
        if body.get("response_format"):
            edits = [{"start": i.start(), "end": i.end(), "original": "下さい", "replacement": "ください",
                      "reason": "補助動詞は平仮名"} for i in re.finditer("下さい", source)]
            return json.dumps({"corrected_text": source.replace("下さい", "ください"), "edits": edits},
                              ensure_ascii=False)
        system = next((m["content"] for m in body.get("messages", []) if m.get("role") == "system"), "")
        if "校正" in system:
            return source.replace("下さい", "ください")
        first = re.split(r"(?<=。)", source.strip())[0]
        return f"要約：{first}"

    def _stream(self, h: BaseHTTPRequestHandler, content: str, model: str, body: dict[str, Any]) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.end_headers()
        chunks = [content[i:i + 5] for i in range(0, len(content), 5)]
        for piece in chunks:
            _event(h, {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                       "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
        _event(h, {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            _event(h, {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                       "choices": [], "usage": {"prompt_tokens": 42, "completion_tokens": len(content),
                                                "total_tokens": 42 + len(content)}})
        h.wfile.write(b"data: [DONE]\n\n")
        h.wfile.flush()
        h.close_connection = True


def _event(h: BaseHTTPRequestHandler, data: dict[str, Any]) -> None:
    h.wfile.write(f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode())
    h.wfile.flush()


def _send(h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any],
          headers: dict[str, str] | None = None) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(data)
