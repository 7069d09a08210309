"""Security headers, CORS, body size, per-user rate limits, and no stack traces in answers."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from addin_server.config import ConfigError
from addin_server.security import CSP, OFFICE_JS_ORIGIN
from tests.conftest import LOOPBACK
from tests.support import require

BODY = {"text": "市の窓口は9時に開きます。", "host": "word", "operation": "summarize"}


def test_csp_allows_only_self_and_office_js(client: FlaskClient) -> None:
    for path in ("/taskpane.html", "/api/v1/config", "/healthz"):
        resp = client.get(path)
        assert resp.headers["Content-Security-Policy"] == CSP, path
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == f"'self' {OFFICE_JS_ORIGIN}"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP and "*" not in CSP


def test_hsts_only_over_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    resp = client.get("/healthz", base_url="https://localhost")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


def test_api_answers_are_not_cached(client: FlaskClient) -> None:
    resp = client.post("/api/v1/check", json=BODY, headers={"X-Oasis-User": "tanaka"})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"


def test_cors_only_for_configured_origins(make_app: Callable[..., Flask]) -> None:
    app = make_app(CORS_ORIGINS="https://pane.city.example")
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    ok = c.get("/api/v1/config", headers={"Origin": "https://pane.city.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://pane.city.example"
    assert "Origin" in ok.headers.get_all("Vary")
    other = c.get("/api/v1/config", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = c.options("/api/v1/check", headers={
        "Origin": "https://pane.city.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


def test_no_cors_by_default(client: FlaskClient) -> None:
    resp = client.get("/api/v1/config", headers={"Origin": "https://pane.city.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_body_over_the_limit_is_413_json(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAX_BODY_BYTES=1000)
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    resp = c.post("/api/v1/check", json={**BODY, "text": "あ" * 2000}, headers={"X-Oasis-User": "tanaka"})
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"


def test_unexpected_errors_leave_no_trace(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom() -> str:
        raise RuntimeError("secret internal detail /etc/oasis")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    resp = app.test_client().get("/api/v1/boom", environ_base=LOOPBACK)
    assert resp.status_code == 500
    text = resp.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert resp.get_json()["error"]["code"] == "internal_error"


def _post(c: FlaskClient, user: str) -> tuple[int, dict, dict]:
    resp = c.post("/api/v1/check", json=BODY, headers={"X-Oasis-User": user})
    return resp.status_code, resp.get_json(), dict(resp.headers)


def test_rate_limit_is_per_user_and_answers_429_in_japanese(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATE_LIMIT="3 per minute")
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    assert [_post(c, "tanaka")[0] for _ in range(3)] == [200, 200, 200]
    status, body, headers = _post(c, "tanaka")
    assert status == 429
    assert body["error"]["code"] == "rate_limited"
    assert "待って" in body["error"]["message"]
    assert 1 <= int(headers["Retry-After"]) <= 61  # the window (whole seconds, rounded up)
    assert body["error"]["retry_after"] == int(headers["Retry-After"])
    assert _post(c, "suzuki")[0] == 200  # another person is not affected
    assert c.get("/healthz").status_code == 200  # outside /api/ there is no limit
    assert c.get("/taskpane.html").status_code == 200


def test_unauthenticated_callers_are_limited_by_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATE_LIMIT="2 per minute")
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    codes = [c.post("/api/v1/check", json=BODY).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_redis_storage_shares_the_count_between_instances(make_app: Callable[..., Flask]) -> None:
    require("REDIS", _redis_up(), "Redis is not running at 127.0.0.1:6379")
    user = f"redis-{uuid.uuid4().hex[:8]}"  # a fresh key: counts from earlier runs do not matter
    apps = [make_app(RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379")
            for _ in range(2)]
    clients = [a.test_client() for a in apps]
    for c in clients:
        c.environ_base.update(LOOPBACK)
    codes = [_post(clients[i % 2], user)[0] for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_bad_rate_limit_string_fails_loudly(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="RATE_LIMIT"):
        make_app(RATE_LIMIT="lots")


def test_unreachable_rate_limit_storage_falls_back_to_memory(make_app: Callable[..., Flask]) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}")
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    codes = [_post(c, "tanaka")[0] for _ in range(4)]
    assert codes == [200, 200, 429, 429]  # served, and still limited (in memory), never a 500
