"""The admin console's sign-in, session, CSRF and JSON endpoints, through the real app.

Entra mode signs in through `oidc_provider.OidcProvider` over real HTTP: Authlib fetches the
discovery document, redeems the code with the client secret and PKCE verifier, and validates the
ID token; the test client only follows the browser's redirects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from addin_server.services import services
from tests.admin.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.auth.tokens import SigningKey, write_jwks
from tests.policy.numbers import VALID

LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    p = OidcProvider().start()
    yield p
    p.stop()


def _token(client: FlaskClient, path: str = "/admin/signin") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf[-_]token" (?:value|content)="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def dev_client(app: Flask, user: str | None) -> FlaskClient:
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    if user is not None:
        resp = c.post("/admin/signin/dev", data={"user": user, "csrf_token": _token(c)})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/")
    return c


@pytest.fixture
def dev_app(make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("OASIS_INSTANCE_PATH", str(tmp_path / "instance"))
    return make_app(ADMIN_USERS="dev:boss")


def _summarize(app: Flask, user: str, text: str, series: str | None = None) -> dict[str, Any]:
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    body: dict[str, Any] = {"text": text, "host": "word"}
    if series:
        body["series_id"] = series
    resp = c.post("/api/v1/summarize", data=json.dumps(body), content_type="application/json",
                  headers={"X-Oasis-User": user})
    return {"status": resp.status_code, "body": resp.get_json()}


# -- dev mode ------------------------------------------------------------------------------
def test_signed_out_is_sent_to_signin_and_api_says_401(dev_app: Flask) -> None:
    c = dev_client(dev_app, None)
    resp = c.get("/admin/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/signin")
    api = c.get("/admin/api/audit")
    assert api.status_code == 401 and api.get_json()["error"]["code"] == "signin_required"


def test_staff_member_gets_a_japanese_403_page_and_no_log(dev_app: Flask) -> None:
    _summarize(dev_app, "tanaka", "市の窓口は9時に開きます。土日は休みです。")
    c = dev_client(dev_app, "tanaka")
    page = c.get("/admin/")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "管理者だけが使えます" in html and "窓口" not in html
    for path in ("/admin/api/audit", "/admin/api/series", "/admin/api/export?format=csv"):
        resp = c.get(path)
        assert resp.status_code == 403, path
        assert "窓口" not in resp.get_data(as_text=True)


def test_admin_searches_by_operation_series_and_outcome_with_counts(dev_app: Flask) -> None:
    _summarize(dev_app, "tanaka", "市の窓口は9時に開きます。土日は休みです。", series="窓口案内")
    _summarize(dev_app, "tanaka", f"申請者の個人番号は{VALID}です。", series="窓口案内")
    _summarize(dev_app, "suzuki", "図書館は月曜に休みます。", series="図書館")
    c = dev_client(dev_app, "boss")
    page = c.get("/admin/api/audit?series=窓口案内").get_json()
    assert page["total"] == 2
    assert {r["series_id"] for r in page["items"]} == {"窓口案内"}
    assert page["counts"] == {"allowed": 1, "blocked": 1}
    blocked = c.get("/admin/api/audit?outcome=blocked&operation=summarize").get_json()
    assert [r["user_id"] for r in blocked["items"]] == ["dev:tanaka"]
    assert VALID not in json.dumps(blocked, ensure_ascii=False)
    detail = c.get(f"/admin/api/audit/{blocked['items'][0]['request_id']}").get_json()
    assert "oasis-1" in detail["rules"] and VALID not in json.dumps(detail, ensure_ascii=False)
    bad = c.get("/admin/api/audit?since=yesterday")
    assert bad.status_code == 400 and "fields" in bad.get_json()["error"]


def test_every_console_read_is_recorded_before_it_is_shown(dev_app: Flask) -> None:
    c = dev_client(dev_app, "boss")
    c.get("/admin/api/audit?user=dev:tanaka")
    c.get("/admin/api/series")
    c.get("/admin/api/export?format=jsonl")
    reads = c.get("/admin/api/audit?outcome=read").get_json()["items"]
    ops = [r["operation"] for r in reads]
    assert {"admin:audit", "admin:series", "admin:export"} <= set(ops)
    assert all(r["user_id"] == "dev:boss" for r in reads)


def test_pagination_walks_every_record_once(dev_app: Flask) -> None:
    for k in range(7):
        _summarize(dev_app, "tanaka", f"第{k}回の会議は午前に開きます。資料は前日に配ります。")
    c = dev_client(dev_app, "boss")
    seen: list[str] = []
    url = "/admin/api/audit?user=dev:tanaka&limit=3"
    while True:
        page = c.get(url).get_json()
        seen += [r["request_id"] for r in page["items"]]
        if not page["next_cursor"]:
            break
        url = f"/admin/api/audit?user=dev:tanaka&limit=3&cursor={page['next_cursor']}"
    assert len(seen) == 7 == len(set(seen))


def test_series_nearest_the_limit_come_first(make_app: Callable[..., Flask], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OASIS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(ADMIN_USERS="dev:boss", PERSON_LIMIT=5)
    _summarize(app, "tanaka", "出席者は山田太郎様です。", series="小さい作業")
    _summarize(app, "tanaka", "出席者は山田太郎様、佐藤花子様、鈴木一郎様、高橋次郎様です。", series="大きい作業")
    items = dev_client(app, "boss").get("/admin/api/series").get_json()["items"]
    assert [i["series"] for i in items] == ["大きい作業", "小さい作業"]
    assert items[0]["total"] == 4 and items[0]["level"] == "near"
    assert items[1]["level"] == "ok"


def test_verify_needs_csrf_and_reports_tampering(dev_app: Flask) -> None:
    _summarize(dev_app, "tanaka", "市の窓口は9時に開きます。土日は休みです。")
    c = dev_client(dev_app, "boss")
    assert c.post("/admin/api/verify").status_code == 400  # no CSRF token
    token = _token(c, "/admin/")
    ok = c.post("/admin/api/verify", headers={"X-CSRFToken": token}).get_json()
    assert ok["ok"] is True and ok["records"] >= 1 and len(ok["head"]) == 64
    store = services(dev_app).service.store
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_records SET request_text = 'changed' WHERE seq = 1")
    bad = c.post("/admin/api/verify", headers={"X-CSRFToken": token}).get_json()
    assert bad["ok"] is False and bad["problem"]["seq"] == 1 and bad["problem"]["kind"] == "altered"


def test_export_matches_the_command(dev_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from addin_server.cli import main

    _summarize(dev_app, "tanaka", "=1+1 市の窓口は9時に開きます。土日は休みです。")
    _summarize(dev_app, "suzuki", "図書館は月曜に休みます。")
    c = dev_client(dev_app, "boss")
    resp = c.get("/admin/api/export?format=csv&user=dev:tanaka")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    out = tmp_path / "cli.csv"
    monkeypatch.setenv("OASIS_DATABASE_URL", services(dev_app).settings.database_url)
    assert main(["audit", "export", "--format", "csv", "--user", "dev:tanaka", "-o", str(out)]) == 0
    assert resp.get_data() == out.read_bytes()  # byte for byte, CRLF rows included
    assert "'=1+1" in resp.get_data(as_text=True)


def test_signout_needs_csrf_and_ends_the_session(dev_app: Flask) -> None:
    c = dev_client(dev_app, "boss")
    assert c.post("/admin/signout").status_code == 400
    assert c.post("/admin/signout", data={"csrf_token": _token(c, "/admin/")}).status_code == 302
    assert c.get("/admin/api/audit").status_code == 401


def test_dev_signin_refused_through_a_proxy_or_from_elsewhere(dev_app: Flask) -> None:
    c = dev_app.test_client()
    c.environ_base.update(LOOPBACK)
    token = _token(c)
    resp = c.post("/admin/signin/dev", data={"user": "boss", "csrf_token": token},
                  headers={"X-Forwarded-For": "10.0.0.8"})
    assert "error=dev_only" in resp.headers["Location"]
    far = dev_app.test_client()
    far.environ_base.update({"REMOTE_ADDR": "10.1.2.3"})
    resp = far.post("/admin/signin/dev", data={"user": "boss", "csrf_token": _token(far)})
    assert "error=dev_only" in resp.headers["Location"]
    assert far.get("/admin/api/audit").status_code == 401


def test_session_cookie_is_httponly_lax_and_server_side(dev_app: Flask) -> None:
    c = dev_app.test_client()
    c.environ_base.update(LOOPBACK)
    token = _token(c)
    resp = c.post("/admin/signin/dev", data={"user": "boss", "csrf_token": token})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "boss" not in value and len(value) >= 32  # only a random id leaves the server


# -- entra mode ---------------------------------------------------------------------------
@pytest.fixture
def entra_app(make_app: Callable[..., Flask], tmp_path: Path, provider: OidcProvider,
              monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("OASIS_INSTANCE_PATH", str(tmp_path / "instance"))
    provider.reset()
    return make_app(AUTH_MODE="entra", ENTRA_TENANT_ID="tenant-1", ENTRA_AUDIENCE=f"api://x/{CLIENT_ID}",
                    ENTRA_JWKS_FILE=str(write_jwks(tmp_path / "jwks.json", SigningKey())),
                    ENTRA_CLIENT_ID=CLIENT_ID, ENTRA_CLIENT_SECRET=CLIENT_SECRET,
                    ENTRA_METADATA_URL=provider.metadata_url, SECRET_KEY="k" * 64)


def entra_signin(app: Flask) -> tuple[FlaskClient, Any]:
    """Follow the browser's path: /admin/login → provider's authorize → /admin/callback."""
    c = app.test_client()
    start = c.get("/admin/login")
    assert start.status_code == 302
    authorize = start.headers["Location"]
    q = parse_qs(urlsplit(authorize).query)
    assert q["code_challenge_method"] == ["S256"] and q["code_challenge"][0] and q["nonce"][0]
    back = requests.get(authorize, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    url = urlsplit(back.headers["Location"])
    return c, c.get(f"{url.path}?{url.query}")


def test_entra_signin_with_admin_role(entra_app: Flask, provider: OidcProvider) -> None:
    c, done = entra_signin(entra_app)
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/")
    assert provider.token_requests and provider.token_requests[0]["code_verifier"]
    page = c.get("/admin/")
    assert page.status_code == 200 and "監査 太郎" in page.get_data(as_text=True)
    assert c.get("/admin/api/audit").status_code == 200


def test_entra_signin_without_role_gets_403(entra_app: Flask, provider: OidcProvider) -> None:
    provider.reset(roles=["Oasis.User"])
    c, done = entra_signin(entra_app)
    assert done.status_code == 302
    assert c.get("/admin/").status_code == 403
    assert c.get("/admin/api/audit").status_code == 403


@pytest.mark.parametrize("mode", ["wrong_audience", "expired", "bad_nonce", "foreign_key"])
def test_entra_refuses_bad_id_tokens(entra_app: Flask, provider: OidcProvider, mode: str) -> None:
    provider.reset(mode)
    c, done = entra_signin(entra_app)
    assert done.status_code == 302 and "error=failed" in done.headers["Location"]
    assert c.get("/admin/api/audit").status_code == 401


def test_session_id_rotates_on_signin(entra_app: Flask, provider: OidcProvider) -> None:
    c = entra_app.test_client()
    first = c.get("/admin/login")
    before = first.headers["Set-Cookie"].split(";")[0]
    back = requests.get(first.headers["Location"], allow_redirects=False, timeout=10)
    url = urlsplit(back.headers["Location"])
    done = c.get(f"{url.path}?{url.query}")
    after = done.headers["Set-Cookie"].split(";")[0]
    assert before != after and "Secure" in done.headers["Set-Cookie"]


def test_replayed_callback_is_refused(entra_app: Flask, provider: OidcProvider) -> None:
    c = entra_app.test_client()
    start = c.get("/admin/login")
    back = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    url = urlsplit(back.headers["Location"])
    assert c.get(f"{url.path}?{url.query}").headers["Location"].endswith("/admin/")
    other = entra_app.test_client()  # an attacker's browser with the stolen redirect
    assert "error=failed" in other.get(f"{url.path}?{url.query}").headers["Location"]


def test_entra_mode_without_secret_key_refuses_to_start(make_app: Callable[..., Flask], tmp_path: Path,
                                                        provider: OidcProvider) -> None:
    from addin_server.config import ConfigError

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app(AUTH_MODE="entra", ENTRA_TENANT_ID="tenant-1", ENTRA_AUDIENCE=f"api://x/{CLIENT_ID}",
                 ENTRA_JWKS_FILE=str(write_jwks(tmp_path / "jwks.json", SigningKey())),
                 ENTRA_CLIENT_ID=CLIENT_ID, ENTRA_CLIENT_SECRET=CLIENT_SECRET,
                 ENTRA_METADATA_URL=provider.metadata_url)
