"""The audit endpoints: administrators read everything, staff only their own requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from addin_server.services import services
from tests.conftest import LOOPBACK
from tests.policy.numbers import VALID

ADMIN = {"X-Oasis-User": "admin"}
TANAKA = {"X-Oasis-User": "tanaka"}
SUZUKI = {"X-Oasis-User": "suzuki"}


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(ADMIN_USERS="dev:admin", RATE_LIMIT="1000 per minute")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    return c


def check(client: FlaskClient, headers: dict[str, str], text: str = "市の窓口は9時に開きます。") -> Any:
    resp = client.post("/api/v1/check", json={"text": text, "host": "word", "operation": "summarize"},
                       headers=headers)
    return resp.get_json()


@pytest.fixture
def populated(client: FlaskClient) -> FlaskClient:
    for _ in range(5):
        check(client, TANAKA)
    check(client, SUZUKI)
    check(client, SUZUKI, f"番号は{VALID}です。")  # blocked by oasis-1
    return client


def audit(client: FlaskClient, headers: dict[str, str] = ADMIN, path: str = "/api/v1/admin/audit",
          **params: Any) -> Any:
    return client.get(path, query_string=params, headers=headers)


def test_admin_reads_everything_newest_first(populated: FlaskClient) -> None:
    resp = audit(populated)
    assert resp.status_code == 200
    page = resp.get_json()
    assert page["total"] == 7 and len(page["items"]) == 7 and page["next_cursor"] is None
    seqs = [r["seq"] for r in page["items"]]
    assert seqs == sorted(seqs, reverse=True)
    first = page["items"][0]
    assert first["user_id"] == "dev:suzuki" and first["outcome"] == "blocked" and first["rules"] == ["oasis-1"]
    assert VALID not in first["request_text"]  # stored masked
    assert isinstance(first["findings"], list) and first["findings"][0]["rule"] == "oasis-1"
    assert len(first["record_hash"]) == 64


@pytest.mark.parametrize(("params", "expected"), [
    ({"user": "dev:tanaka"}, 5),
    ({"user": "dev:nobody"}, 0),
    ({"outcome": "blocked"}, 1),
    ({"outcome": "checked"}, 6),
    ({"rule": "oasis-1"}, 1),
    ({"rule": "oasis"}, 0),  # a rule id matches whole ids only
    ({"since": "2000-01-01"}, 7),
    ({"until": "2000-01-01T00:00:00+09:00"}, 0),
    ({"since": "2999-01-01"}, 0),
    ({"user": "dev:suzuki", "outcome": "checked"}, 1),
    ({"since": "2999-05-01", "until": "2000-04-01"}, 0),  # an empty range matches nothing
])
def test_filters(populated: FlaskClient, params: dict[str, str], expected: int) -> None:
    page = audit(populated, **params).get_json()
    assert page["total"] == expected == len(page["items"])


def test_pagination_walks_every_record_once(populated: FlaskClient) -> None:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = audit(populated, user="dev:tanaka", **params).get_json()
        pages += 1
        assert page["total"] == 5
        seen.extend(r["seq"] for r in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 5 and seen == sorted(seen, reverse=True)


def test_admin_reads_are_themselves_recorded(populated: FlaskClient, app: Flask) -> None:
    audit(populated, user="dev:tanaka")
    rows = list(services(app).service.store.iter_records(user_id="dev:admin"))
    assert [(r["operation"], r["outcome"]) for r in rows] == [("admin:audit", "read")]
    assert '"user": "dev:tanaka"' in rows[0]["instruction"]


def test_staff_cannot_read_the_admin_log(populated: FlaskClient) -> None:
    resp = audit(populated, TANAKA)
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "admin_only"
    assert audit(populated, TANAKA, path="/api/v1/admin/series").status_code == 403
    assert audit(populated, {}).status_code == 401


def test_staff_read_only_their_own_requests(populated: FlaskClient) -> None:
    page = audit(populated, TANAKA, path="/api/v1/me/audit").get_json()
    assert page["total"] == 5 and {r["user_id"] for r in page["items"]} == {"dev:tanaka"}
    page = audit(populated, SUZUKI, path="/api/v1/me/audit", outcome="blocked").get_json()
    assert page["total"] == 1
    # asking for someone else is not a filter staff have
    resp = audit(populated, TANAKA, path="/api/v1/me/audit", user="dev:suzuki")
    assert resp.status_code == 400
    assert audit(populated, {}, path="/api/v1/me/audit").status_code == 401


@pytest.mark.parametrize("params", [
    {"since": "yesterday"}, {"until": "2026-13-01"}, {"limit": 0}, {"limit": 201}, {"limit": "x"},
    {"outcome": "deleted"}, {"rule": "OASIS 1"}, {"cursor": "-1"}, {"cursor": "abc"}, {"page": 2},
    {"user": "x" * 300}, {"since": "2026-02-30"}, {"until": "2026-04-01T25:00:00"},
])
def test_bad_queries_are_400_with_fields(populated: FlaskClient, params: dict[str, Any]) -> None:
    resp = audit(populated, **params)
    assert resp.status_code == 400
    body = resp.get_json()["error"]
    assert body["code"] == "invalid_request" and body["fields"]


def test_repeated_parameter_is_400(populated: FlaskClient) -> None:
    resp = populated.get("/api/v1/admin/audit?user=dev:tanaka&user=dev:suzuki", headers=ADMIN)
    assert resp.status_code == 400


def test_series_totals(client: FlaskClient, app: Flask) -> None:
    text = "山田太郎さん、佐藤花子さん、鈴木一郎さんに連絡しました。"
    resp = client.post("/api/v1/summarize", json={"text": text, "host": "word", "series_id": "転入手続"},
                       headers=TANAKA)
    assert resp.status_code == 200, resp.get_json()
    counted = resp.get_json()["persons"]["series_total"]
    page = audit(client, path="/api/v1/admin/series").get_json()
    [item] = [i for i in page["items"] if i["user_id"] == "dev:tanaka"]
    assert item["total"] == counted
    assert item["remaining"] == page["person_limit"] - 1 - counted
    assert "転入手続" in item["series"]
    assert audit(client, path="/api/v1/admin/series", user="dev:nobody").get_json()["items"] == []
    assert audit(client, path="/api/v1/admin/series", limit=0).status_code == 400
