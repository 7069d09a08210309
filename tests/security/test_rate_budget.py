"""One rate budget per person across every API route (issue 10), in memory and in Redis.

Before, each route had its own counter, so a person got the whole allowance again on /check,
/summarize, /proofread and the stream. Audit reads have a budget of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import LOOPBACK
from tests.security.test_headers_limits import _redis_up
from tests.support import require

TEXT = "市の窓口は9時に開きます。"


def _call(c: FlaskClient, route: str, user: str) -> int:
    headers = {"X-Oasis-User": user}
    if route == "check":
        return c.post("/api/v1/check", json={"text": TEXT, "host": "word", "operation": "summarize"},
                      headers=headers).status_code
    if route in ("summarize", "proofread"):
        return c.post(f"/api/v1/{route}", json={"text": TEXT, "host": "word"}, headers=headers).status_code
    if route == "stream":
        resp = c.post("/api/v1/summarize/stream", json={"text": TEXT, "host": "word"}, headers=headers)
        resp.get_data()  # run the stream to its end
        return resp.status_code
    return c.get(route, headers=headers).status_code  # a GET path


def _clients(make_app: Callable[..., Flask], n: int, **config: str) -> list[FlaskClient]:
    clients = []
    for _ in range(n):
        c = make_app(ADMIN_USERS="dev:boss", **config).test_client()
        c.environ_base.update(LOOPBACK)
        clients.append(c)
    return clients


def test_check_summarize_proofread_draw_on_one_budget(make_app: Callable[..., Flask]) -> None:
    (c,) = _clients(make_app, 1, RATE_LIMIT="3 per minute")
    assert [_call(c, r, "tanaka") for r in ("check", "summarize", "proofread")] == [200, 200, 200]
    for route in ("check", "summarize", "proofread", "stream", "/api/v1/config"):
        assert _call(c, route, "tanaka") == 429, route  # spent, whichever route is asked
    assert _call(c, "proofread", "suzuki") == 200  # another person's budget is their own


def test_audit_reads_have_their_own_budget(make_app: Callable[..., Flask]) -> None:
    (c,) = _clients(make_app, 1, RATE_LIMIT="2 per minute", READ_RATE_LIMIT="3 per minute")
    assert [_call(c, r, "boss") for r in ("check", "summarize")] == [200, 200]
    assert _call(c, "proofread", "boss") == 429
    # The model budget is spent; reading the log still works, up to its own budget, shared by
    # the three read routes.
    reads = ["/api/v1/admin/audit", "/api/v1/me/audit", "/api/v1/admin/series"]
    assert [_call(c, r, "boss") for r in reads] == [200, 200, 200]
    assert [_call(c, r, "boss") for r in reads] == [429, 429, 429]
    assert _call(c, "/healthz", "boss") == 200 and _call(c, "/taskpane.html", "boss") == 200


def test_reads_do_not_spend_the_model_budget(make_app: Callable[..., Flask]) -> None:
    (c,) = _clients(make_app, 1, RATE_LIMIT="2 per minute", READ_RATE_LIMIT="50 per minute")
    assert [_call(c, "/api/v1/me/audit", "tanaka") for _ in range(5)] == [200] * 5
    assert [_call(c, r, "tanaka") for r in ("check", "proofread", "summarize")] == [200, 200, 429]


def test_bad_read_rate_fails_loudly(make_app: Callable[..., Flask]) -> None:
    from addin_server.config import ConfigError

    with pytest.raises(ConfigError, match="READ_RATE_LIMIT"):
        make_app(READ_RATE_LIMIT="often")


def test_redis_one_budget_across_routes_and_instances(make_app: Callable[..., Flask]) -> None:
    require("REDIS", _redis_up(), "Redis is not running at 127.0.0.1:6379")
    user = f"budget-{uuid.uuid4().hex[:8]}"  # a fresh key: counts from earlier runs do not matter
    a, b = _clients(make_app, 2, RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379")
    assert [_call(a, "check", user), _call(b, "summarize", user), _call(a, "proofread", user)] == [200, 200, 200]
    assert _call(b, "check", user) == 429
    assert _call(a, "stream", user) == 429
    assert _call(b, "/api/v1/me/audit", user) == 200  # reads: their own budget, also shared
