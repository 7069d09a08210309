"""Every error status answers in one JSON shape with a Japanese message."""

from __future__ import annotations

import json

import pytest

from addin_server.services import services
from tests.conftest import DEV_USER


def _is_japanese(s: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in s)


def assert_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    err = resp.get_json()["error"]
    assert _is_japanese(err["message"])
    if code:
        assert err["code"] == code
    assert "Traceback" not in resp.get_data(as_text=True)
    return err


def test_malformed_json(client):
    resp = client.post("/api/v1/summarize", data="{not json", content_type="application/json", headers=DEV_USER)
    assert_error(resp, 400, "invalid_json")


def test_json_not_an_object(client):
    resp = client.post("/api/v1/summarize", data="[1,2]", content_type="application/json", headers=DEV_USER)
    assert_error(resp, 400, "invalid_json")


def test_wrong_content_type(client):
    resp = client.post("/api/v1/summarize", data="text=abc", headers=DEV_USER)
    assert_error(resp, 400, "invalid_json")


@pytest.mark.parametrize("body, field", [
    ({"host": "word"}, "text"),
    ({"text": "", "cells": [[]], "host": "word"}, "text"),
    ({"text": "  ", "cells": [[None, " "]], "host": "excel"}, "text"),
    ({"text": "本文", "host": "powerpoint"}, "host"),
    ({"text": "本文", "host": "word", "extra": 1}, "extra"),
    ({"text": 5, "host": "word"}, "text"),
    ({"cells": [[{"a": 1}]], "host": "excel"}, "cells"),
    ({"cells": "abc", "host": "excel"}, "cells"),
    ({"text": "本文\x00", "host": "word"}, "text"),
    ({"text": "本文", "host": "word", "instruction": "あ" * 2001}, "instruction"),
])
def test_field_errors(client, body, field):
    resp = client.post("/api/v1/summarize", data=json.dumps(body), content_type="application/json",
                       headers=DEV_USER)
    err = assert_error(resp, 400, "invalid_request")
    assert field in err["fields"]
    assert all(_is_japanese(m) for msgs in err["fields"].values() for m in _flatten(msgs))


def _flatten(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _flatten(v)
    elif isinstance(value, list):
        for v in value:
            yield from _flatten(v)
    else:
        yield value


def test_lone_surrogate_is_rejected(client):
    raw = '{"text": "\\ud800abc", "host": "word"}'
    resp = client.post("/api/v1/summarize", data=raw, content_type="application/json", headers=DEV_USER)
    assert_error(resp, 400, "invalid_request")


def test_missing_identity_401(client):
    resp = client.post("/api/v1/summarize", json={"text": "本文です。", "host": "word"})
    assert_error(resp, 401, "unauthorized")


def test_dev_identity_refused_from_non_loopback(client):
    resp = client.post("/api/v1/summarize", json={"text": "本文です。", "host": "word"}, headers=DEV_USER,
                       environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert_error(resp, 401, "unauthorized")


def test_dev_identity_refused_through_proxy(client):
    headers = {**DEV_USER, "X-Forwarded-For": "10.1.2.3"}
    resp = client.post("/api/v1/summarize", json={"text": "本文です。", "host": "word"}, headers=headers)
    assert_error(resp, 401, "unauthorized")


def test_body_too_large_413(make_app):
    app = make_app(MAX_BODY_BYTES=1000)
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    resp = c.post("/api/v1/summarize", json={"text": "あ" * 2000, "host": "word"}, headers=DEV_USER)
    assert_error(resp, 413, "payload_too_large")


def test_unknown_route_and_method(client):
    assert_error(client.get("/api/v1/nothing"), 404, "not_found")
    resp = client.get("/api/v1/summarize")
    assert_error(resp, 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"]


def test_unexpected_exception_is_500_without_trace(app, client, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services(app).service.gateway, "summarize", boom)
    resp = client.post("/api/v1/summarize", json={"text": "本文です。", "host": "word"}, headers=DEV_USER)
    assert_error(resp, 500, "internal_error")
    assert "secret internals" not in resp.get_data(as_text=True)
    store = services(app).service.store
    assert [r["outcome"] for r in store.iter_records()] == ["pending", "failed"]  # prompt recorded first
