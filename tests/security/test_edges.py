"""Edges of issue 10 through the app: forwarded headers in dev mode, 400 (not 500) for dates out
of range and unencodable keys. (Host headers: tests/taskpane/test_manifest.py; chunked bodies on
a real socket: test_edges_server.py; the shared rate budget: test_rate_budget.py.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin_server.services import services
from tests.conftest import LOOPBACK

BODY = {"text": "市の窓口は9時に開きます。", "host": "word", "operation": "summarize"}
ADMIN = {"X-Oasis-User": "boss"}


@pytest.fixture
def admin_client(make_app: Callable[..., Flask]) -> FlaskClient:
    app = make_app(ADMIN_USERS="dev:boss", RATE_LIMIT="10000 per minute", READ_RATE_LIMIT="10000 per minute")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show as the 500 it would be
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    return c


def _records(client: FlaskClient) -> int:
    return int(services(client.application).service.store.count())


# -- dev identity behind any forwarding header ------------------------------------------------
@pytest.mark.parametrize("header, value", [
    ("Forwarded", "for=10.1.2.3;proto=https"),
    ("Forwarded", "for=127.0.0.1"),  # even claiming loopback: a proxy is in the path
    ("X-Forwarded-For", "10.1.2.3"),
    ("X-Forwarded-Host", "evil.example"),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Port", "443"),
    ("X-Forwarded-Prefix", "/oasis"),
    ("X-Forwarded-Server", "proxy"),
    ("X_Forwarded_For", "10.1.2.3"),  # the underscore spelling reaches WSGI as the same name
    ("X-Real-IP", "10.1.2.3"),
    ("Via", "1.1 proxy.city.example"),
    ("True-Client-IP", "10.1.2.3"),
    ("Forwarded", ""),  # present at all is enough
])
def test_dev_mode_refuses_identity_with_a_forwarding_header(admin_client: FlaskClient, header: str,
                                                            value: str) -> None:
    resp = admin_client.post("/api/v1/check", json=BODY, headers={"X-Oasis-User": "tanaka", header: value})
    assert resp.status_code == 401, header
    assert resp.get_json()["error"]["code"] == "unauthorized"
    assert "このパソコン以外" in resp.get_json()["error"]["message"]
    me = admin_client.get("/api/v1/me/audit", headers={"X-Oasis-User": "tanaka", header: value})
    assert me.status_code == 401
    assert _records(admin_client) == 0
    # The same request without the header is served: the refusal is the header's doing.
    assert admin_client.post("/api/v1/check", json=BODY, headers={"X-Oasis-User": "tanaka"}).status_code == 200


# -- dates out of Python's range: 400, never an OverflowError 500 -------------------------------
@pytest.mark.parametrize("path", ["/api/v1/admin/audit", "/api/v1/me/audit"])
@pytest.mark.parametrize("name, value", [
    ("since", "0001-01-01T00:00:00+14:00"),
    ("until", "9999-12-31T23:59:59-14:00"),
    ("since", "0001-01-01T13:59:59+14:00"),
    ("until", "9999-12-31T23:59:59.999999-00:01"),
])
def test_dates_beyond_the_utc_range_are_400(admin_client: FlaskClient, path: str, name: str, value: str) -> None:
    resp = admin_client.get(path, query_string={name: value}, headers=ADMIN)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["error"]["code"] == "invalid_request"
    assert body["error"]["fields"] == {name: ["日時が扱える範囲（UTC で西暦1年1月1日〜9999年12月31日）を超えています。"]}


def test_dates_at_the_edge_of_the_range_are_served(admin_client: FlaskClient) -> None:
    for query in ({"since": "0001-01-01T00:00:00+00:00"}, {"until": "9999-12-31T23:59:59-00:00"},
                  {"since": "0001-01-01T14:00:00+14:00", "until": "9999-12-31T09:59:59-14:00"}):
        assert admin_client.get("/api/v1/me/audit", query_string=query, headers=ADMIN).status_code == 200, query


DATE_ALPHABET = "0123456789-+:TZtz .,/_\u3000０１２"


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(
    st.text(DATE_ALPHABET, max_size=40),
    st.builds(lambda y, mo, d, h, off: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:00:00{off}",
              st.sampled_from([1, 2, 1970, 9998, 9999]), st.integers(1, 12), st.integers(1, 31),
              st.integers(0, 23), st.sampled_from(["+14:00", "-14:00", "+23:59", "-23:59", "Z", "", "+24:00"])),
))
def test_any_date_text_gets_200_or_400(admin_client: FlaskClient, value: str) -> None:
    for path in ("/api/v1/admin/audit", "/api/v1/me/audit"):
        for name in ("since", "until"):
            resp = admin_client.get(path, query_string={name: value}, headers=ADMIN)
            assert resp.status_code in (200, 400), (path, name, value, resp.status_code)
            if resp.status_code == 400:
                assert resp.get_json()["error"]["code"] == "invalid_request"


# -- keys the answer cannot carry raw -----------------------------------------------------------
@pytest.mark.parametrize("raw_key, echoed", [
    ("\\ud800", "\\ud800"),  # a lone high surrogate
    ("\\udfff", "\\udfff"),  # a lone low surrogate
    ("x\\ud83dy", "x\\ud83dy"),
    ("\\u0000", "\\u0000"),
    ("\\u001b[31m", "\\u001b[31m"),
])
def test_unencodable_json_key_is_400_and_not_echoed_raw(admin_client: FlaskClient, raw_key: str,
                                                         echoed: str) -> None:
    payload = '{"' + raw_key + '": 1, "text": "本文です。", "host": "word"}'
    for path in ("/api/v1/check", "/api/v1/summarize", "/api/v1/proofread"):
        data = payload if path != "/api/v1/check" else payload.replace('"host"', '"operation": "summarize", "host"')
        resp = admin_client.post(path, data=data, headers={"X-Oasis-User": "tanaka",
                                                           "Content-Type": "application/json"})
        assert resp.status_code == 400, (path, resp.get_data())
        raw = resp.get_data()
        text = raw.decode("utf-8")  # strict: a raw surrogate could not have been encoded at all
        body = json.loads(text)
        assert body["error"]["code"] == "invalid_request"
        assert body["error"]["fields"] == {echoed: ["不明な項目です。"]}
        assert not any(0xD800 <= ord(ch) <= 0xDFFF or ord(ch) < 0x20 for key in body["error"]["fields"] for ch in key)
    assert _records(admin_client) == 0


def test_many_or_long_unknown_keys_are_named_briefly(admin_client: FlaskClient) -> None:
    body = {**BODY, **{f"k{i}": i for i in range(200)}, "長" * 5000: 1}
    resp = admin_client.post("/api/v1/check", json=body, headers={"X-Oasis-User": "tanaka"})
    assert resp.status_code == 400
    fields = resp.get_json()["error"]["fields"]
    assert len(fields) == 20  # at most 20 unknown names, each at most 64 characters and "…"
    assert all(len(k) <= 65 for k in fields)
    assert len(resp.get_data()) < 4000


def test_audit_export_out_of_range_date_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from addin_server.cli import main

    url = f"sqlite:///{tmp_path / 'audit.db'}"
    for flag, value in (("--since", "0001-01-01T00:00:00+14:00"), ("--until", "9999-12-31T23:59:59-14:00")):
        assert main(["audit", "--database-url", url, "export", flag, value]) == 2
        err = capsys.readouterr().err
        assert "エラー" in err and flag in err and "Traceback" not in err
