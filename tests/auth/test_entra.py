"""Entra ID access tokens: what is accepted, and every way a token is refused (401, no detail)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from addin_server.config import ConfigError
from addin_server.errors import Unauthorized
from addin_server.services import services
from tests.auth.tokens import AUDIENCE, OID, TENANT, JwksServer, SigningKey, b64, unsigned, write_jwks
from tests.conftest import LOOPBACK

BODY = {"text": "市の窓口は9時に開きます。", "host": "word", "operation": "summarize"}


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("key-1")


@pytest.fixture(scope="module")
def other_key() -> SigningKey:
    return SigningKey("key-2")


@pytest.fixture
def entra_app(make_app: Callable[..., Flask], tmp_path: Path, key: SigningKey) -> Flask:
    return make_app(AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=AUDIENCE,
                    ENTRA_JWKS_FILE=str(write_jwks(tmp_path / "jwks.json", key)))


@pytest.fixture
def client(entra_app: Flask) -> FlaskClient:
    c = entra_app.test_client()
    c.environ_base.update(LOOPBACK)
    return c


def check(client: FlaskClient, token: str | None, **headers: str) -> Any:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/api/v1/check", json=BODY, headers=headers)


def test_valid_token_identifies_by_oid(client: FlaskClient, entra_app: Flask, key: SigningKey) -> None:
    resp = check(client, key.token())
    assert resp.status_code == 200, resp.get_json()
    [row] = list(services(entra_app).service.store.iter_records())
    assert row["user_id"] == OID
    assert row["user_display"] == "tanaka@city.example.jp"
    assert row["client_addr"] == "127.0.0.1"


def test_clock_skew_within_leeway_is_accepted(client: FlaskClient, key: SigningKey) -> None:
    now = int(time.time())
    assert check(client, key.token({"exp": now - 30})).status_code == 200
    assert check(client, key.token({"nbf": now + 30})).status_code == 200


def test_scope_among_others_is_accepted(client: FlaskClient, key: SigningKey) -> None:
    assert check(client, key.token({"scp": "User.Read access_as_user"})).status_code == 200


def _hs256_with_public_key(key: SigningKey) -> str:
    """The classic algorithm-confusion forgery: HMAC keyed with the RSA public key."""
    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    payload = b64(json.dumps({"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "aud": AUDIENCE,
                              "oid": OID, "scp": "access_as_user", "iat": now, "exp": now + 600}).encode())
    signature = hmac.new(key.public_pem(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def _forgeries(key: SigningKey, other: SigningKey) -> dict[str, str]:
    now = int(time.time())
    impostor = SigningKey(key.kid)  # same key id, different private key
    return {
        "alg none": unsigned({"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "aud": AUDIENCE,
                              "oid": OID, "scp": "access_as_user", "iat": now, "exp": now + 600}, key.kid),
        "HS256 with the public key": _hs256_with_public_key(key),
        "wrong issuer": key.token({"iss": "https://login.microsoftonline.com/common/v2.0"}),
        "v1 issuer": key.token({"iss": f"https://sts.windows.net/{TENANT}/"}),
        "other tenant": key.token({"iss": "https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/v2.0"}),
        "wrong audience": key.token({"aud": "00000003-0000-0000-c000-000000000000"}),
        "expired": key.token({"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200}),
        "not yet valid": key.token({"nbf": now + 3600}),
        "missing scope": key.token({"scp": "User.Read"}),
        "no scp claim (app token)": key.token(drop=("scp",), overrides={"roles": ["Oasis.Admin"]}),
        "no oid": key.token(drop=("oid",)),
        "no exp": key.token(drop=("exp",)),
        "unknown key id": other.token(),
        "signed by another key with our kid": impostor.token(),
        "tampered payload": _tamper(key.token()),
        "garbage": "not-a-token",
        "three dots": "a.b.c",
        "empty segments": "..",
    }


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(__import__("base64").urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["oid"] = "ffffffff-ffff-ffff-ffff-ffffffffffff"
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


FORGERIES = ["alg none", "HS256 with the public key", "wrong issuer", "v1 issuer", "other tenant",
             "wrong audience", "expired", "not yet valid", "missing scope", "no scp claim (app token)",
             "no oid", "no exp", "unknown key id", "signed by another key with our kid", "tampered payload",
             "garbage", "three dots", "empty segments"]


@pytest.mark.parametrize("case", FORGERIES)
def test_forged_or_invalid_tokens_get_401_without_detail(
        case: str, client: FlaskClient, entra_app: Flask, key: SigningKey, other_key: SigningKey,
        caplog: pytest.LogCaptureFixture) -> None:
    token = _forgeries(key, other_key)[case]
    with caplog.at_level(logging.INFO, logger="addin_server.auth.entra"):
        resp = check(client, token)
    assert resp.status_code == 401
    assert resp.get_json() == {"error": {"code": "unauthorized", "message": Unauthorized.message}}
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert "rejected" in caplog.text  # the reason is in the server log only
    assert list(services(entra_app).service.store.iter_records()) == []


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dGFuYWthOnB3"}, {"Authorization": "Bearer"},
                                     {"Authorization": "Bearer " + "a" * 20000}])
def test_missing_or_malformed_authorization_is_401(client: FlaskClient, headers: dict[str, str]) -> None:
    resp = client.post("/api/v1/check", json=BODY, headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["message"] == Unauthorized.message


def test_dev_header_means_nothing_in_entra_mode(client: FlaskClient) -> None:
    resp = client.post("/api/v1/check", json=BODY, headers={"X-Oasis-User": "tanaka"})
    assert resp.status_code == 401


def test_admin_role_and_admin_users(make_app: Callable[..., Flask], tmp_path: Path, key: SigningKey) -> None:
    jwks_file = str(write_jwks(tmp_path / "jwks.json", key))
    app = make_app(AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=AUDIENCE, ENTRA_JWKS_FILE=jwks_file,
                   ADMIN_USERS="9d9d9d9d-0000-0000-0000-000000000001")
    c = app.test_client()
    c.environ_base.update(LOOPBACK)

    def audit(token: str) -> int:
        return c.get("/api/v1/admin/audit", headers={"Authorization": f"Bearer {token}"}).status_code

    assert audit(key.token()) == 403
    assert audit(key.token({"roles": ["Oasis.Reader"]})) == 403
    assert audit(key.token({"roles": "Oasis.Admin"})) == 403  # roles must be a list
    assert audit(key.token({"roles": ["Oasis.Admin"]})) == 200
    assert audit(key.token({"oid": "9d9d9d9d-0000-0000-0000-000000000001"})) == 200
    # ADMIN_USERS matches the immutable oid only, never the display name
    assert audit(key.token({"preferred_username": "9d9d9d9d-0000-0000-0000-000000000001"})) == 403


def test_jwks_file_is_reread_when_it_changes(make_app: Callable[..., Flask], tmp_path: Path,
                                             key: SigningKey, other_key: SigningKey) -> None:
    path = write_jwks(tmp_path / "jwks.json", key)
    app = make_app(AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=AUDIENCE, ENTRA_JWKS_FILE=str(path))
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    assert check(c, other_key.token()).status_code == 401
    write_jwks(path, key, other_key)
    import os

    os.utime(path, (time.time() + 5, time.time() + 5))  # a new mtime even on coarse file systems
    assert check(c, other_key.token()).status_code == 200
    assert check(c, key.token()).status_code == 200


@pytest.mark.parametrize("content", ["", "{", '{"keys": "x"}', '{"keys": []}'])
def test_unreadable_jwks_file_stops_start_up(make_app: Callable[..., Flask], tmp_path: Path, content: str) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match="ENTRA_JWKS_FILE"):
        make_app(AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=AUDIENCE, ENTRA_JWKS_FILE=str(path))


def test_jwks_url_fetched_cached_and_rotated(make_app: Callable[..., Flask], key: SigningKey,
                                            other_key: SigningKey) -> None:
    with JwksServer(key) as server:
        app = make_app(AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=AUDIENCE,
                       ENTRA_JWKS_URL=server.url, ENTRA_JWKS_COOLDOWN=0)
        c = app.test_client()
        c.environ_base.update(LOOPBACK)
        for _ in range(3):
            assert check(c, key.token()).status_code == 200
        assert server.fetches == 1  # cached
        server.keys = [other_key]  # the tenant rolls its signing key
        assert check(c, other_key.token()).status_code == 200  # unknown kid -> one refetch
        assert server.fetches == 2
        # The refreshed set no longer holds the retired key: its tokens stop working; the
        # cooldown of 0 lets it refetch once more, and the endpoint still does not publish it.
        assert check(c, key.token()).status_code == 401
        assert server.fetches == 3


def test_unknown_key_ids_do_not_hammer_the_jwks_endpoint(make_app: Callable[..., Flask], key: SigningKey) -> None:
    with JwksServer(key) as server:
        app = make_app(AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=AUDIENCE,
                       ENTRA_JWKS_URL=server.url, ENTRA_JWKS_COOLDOWN=300)
        c = app.test_client()
        c.environ_base.update(LOOPBACK)
        assert check(c, key.token()).status_code == 200
        for i in range(5):
            assert check(c, SigningKey(f"random-{i}").token()).status_code == 401
        assert server.fetches == 1  # within the cooldown no refetch happens


def test_unreachable_jwks_url_is_401_not_500(make_app: Callable[..., Flask], key: SigningKey) -> None:
    with JwksServer(key) as server:
        url = server.url
    app = make_app(AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=AUDIENCE, ENTRA_JWKS_URL=url)
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    assert check(c, key.token()).status_code == 401


def test_jwks_url_must_be_http(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="ENTRA_JWKS_URL"):
        make_app(AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=AUDIENCE,
                 ENTRA_JWKS_URL="file:///etc/passwd")
