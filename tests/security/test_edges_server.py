"""Edges over a real socket, on both servers the project ships with: `oasis-addin serve`
(werkzeug) and gunicorn (gunicorn.conf.py). The test client never sends a chunked body the way a
client on the wire does, so the 413 for an unsized body is checked here (issue 10)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from tests.scale.harness import GunicornServer
from tests.test_serve import start, stop

LIMIT = 1000
DEV = {"X-Oasis-User": "tanaka"}


@pytest.fixture(scope="module", params=["werkzeug", "gunicorn"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "werkzeug":
        proc, base = start(tmp, config={"MAX_BODY_BYTES": str(LIMIT)})
        try:
            yield "127.0.0.1", int(base.rsplit(":", 1)[1])
        finally:
            stop(proc)
        return
    gunicorn = GunicornServer(tmp / "gunicorn.log", {"DATABASE_URL": f"sqlite:///{tmp / 'audit.db'}",
                                                     "AUTH_MODE": "dev", "MAX_BODY_BYTES": LIMIT},
                              workers=1, threads=2)
    gunicorn.wait_ready()
    try:
        yield "127.0.0.1", gunicorn.port
    finally:
        gunicorn.stop()


def exchange(addr: tuple[str, int], head: bytes, chunks: list[bytes] | None = None, body: bytes = b"",
             ) -> tuple[int, dict[str, str], bytes]:
    """Send one request (chunked when `chunks` is given) and read one response off the socket."""
    with socket.create_connection(addr, timeout=20) as s:
        s.sendall(head)
        try:
            if chunks is None:
                s.sendall(body)
            else:
                for chunk in chunks:
                    s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may answer and close before reading everything: that is the point
        data = b""
        while b"\r\n\r\n" not in data:
            more = s.recv(65536)
            assert more, data
            data += more
        header_block, rest = data.split(b"\r\n\r\n", 1)
        lines = header_block.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            more = s.recv(65536)
            assert more, rest
            rest += more
        return status, headers, rest[:length]


def post_head(path: str, *, chunked: bool, length: int | None = None, extra: dict[str, str] | None = None) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
             *(f"{k}: {v}" for k, v in {**DEV, **(extra or {})}.items())]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def split(data: bytes, size: int = 300) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


CHECK = {"text": "市の窓口は9時に開きます。", "host": "word", "operation": "summarize"}


def test_chunked_body_over_the_limit_is_413_not_its_prefix(server: tuple[str, int]) -> None:
    # A valid JSON document padded with spaces: its first LIMIT bytes parse on their own, so a
    # server that silently truncates would answer 200 on the prefix.
    doc = json.dumps(CHECK, ensure_ascii=False).encode()
    assert len(doc) < LIMIT
    body = doc + b" " * (LIMIT * 3)
    status, headers, payload = exchange(server, post_head("/api/v1/check", chunked=True), split(body))
    assert status == 413, payload
    assert json.loads(payload)["error"]["code"] == "payload_too_large"
    assert headers["content-type"].startswith("application/json")


def test_chunked_body_just_past_the_limit_is_413(server: tuple[str, int]) -> None:
    doc = json.dumps(CHECK, ensure_ascii=False).encode()
    body = doc + b" " * (LIMIT + 1 - len(doc))
    assert len(body) == LIMIT + 1
    status, _, payload = exchange(server, post_head("/api/v1/check", chunked=True), split(body))
    assert status == 413 and json.loads(payload)["error"]["code"] == "payload_too_large"


def test_chunked_body_within_the_limit_is_read_whole(server: tuple[str, int]) -> None:
    # Exactly LIMIT bytes, in many small chunks: served, and the whole text was seen (the
    # finding for the name at the very end shows the tail was not cut off).
    doc = json.dumps(CHECK, ensure_ascii=False).encode()
    body = doc + b" " * (LIMIT - len(doc))
    assert len(body) == LIMIT
    status, _, payload = exchange(server, post_head("/api/v1/check", chunked=True), split(body, 37))
    assert status == 200, payload
    assert json.loads(payload)["allowed"] is True


def test_endless_chunked_body_is_cut_off(server: tuple[str, int]) -> None:
    # 2 MB in chunks: the server stops reading near the limit and answers; it is not drained.
    body = b"[" + b" " * (2 * 1024 * 1024)
    status, _, payload = exchange(server, post_head("/api/v1/summarize", chunked=True), split(body, 16384))
    assert status == 413 and json.loads(payload)["error"]["code"] == "payload_too_large"


def test_sized_body_over_the_limit_is_413(server: tuple[str, int]) -> None:
    body = json.dumps({**CHECK, "text": "あ" * LIMIT}, ensure_ascii=False).encode()
    status, _, payload = exchange(server, post_head("/api/v1/check", chunked=False, length=len(body)), body=body)
    assert status == 413 and json.loads(payload)["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("host", ["a b", 'evil.example"><x/>', "host:99999"])
def test_malformed_host_on_the_wire_is_400(server: tuple[str, int], host: str) -> None:
    head = f"GET /manifest.xml HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1")
    status, headers, payload = exchange(server, head)
    # gunicorn refuses a Host with a space itself (400, before the app); the app answers the rest.
    assert status == 400, payload
    if headers.get("content-type", "").startswith("application/json"):
        assert json.loads(payload)["error"]["code"] == "invalid_host"
    assert b"evil" not in payload


@pytest.mark.parametrize("header", ["Forwarded: for=10.1.2.3", "X-Real-IP: 10.1.2.3", "X-Forwarded-Host: x"])
def test_dev_identity_with_a_forwarding_header_on_the_wire_is_401(server: tuple[str, int], header: str) -> None:
    name, value = header.split(": ", 1)
    body = json.dumps(CHECK).encode()
    status, _, payload = exchange(server, post_head("/api/v1/check", chunked=False, length=len(body),
                                                    extra={name: value}), body=body)
    assert status == 401 and json.loads(payload)["error"]["code"] == "unauthorized"
