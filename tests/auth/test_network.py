"""The internal-network allowlist (oasis-network) and X-Forwarded-For from trusted proxies only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from addin_server.auth.network import client_from_forwarded, parse_networks
from addin_server.config import ConfigError

TRUSTED = parse_networks("10.0.0.1, 10.0.0.2, fd00::1", "TRUSTED_PROXIES")


@pytest.mark.parametrize(("peer", "xff", "expected"), [
    ("192.168.1.9", None, "192.168.1.9"),
    ("192.168.1.9", "10.9.9.9", "192.168.1.9"),  # untrusted peer: the header is ignored
    ("10.0.0.1", None, "10.0.0.1"),
    ("10.0.0.1", "172.16.5.5", "172.16.5.5"),
    ("10.0.0.1", "1.2.3.4, 172.16.5.5", "172.16.5.5"),  # the left part is the client's own claim
    ("10.0.0.1", "172.16.5.5, 10.0.0.2", "172.16.5.5"),  # two proxies: right-most untrusted
    ("10.0.0.1", "10.0.0.2", "10.0.0.2"),  # only proxies: the left-most
    ("10.0.0.1", "garbage", None),
    ("10.0.0.1", "172.16.5.5, garbage", None),
    ("10.0.0.1", "garbage, 172.16.5.5", "172.16.5.5"),
    ("fd00::1", "2001:db8::5", "2001:db8::5"),
    ("10.0.0.1", "::ffff:172.16.5.5", "172.16.5.5"),
    ("10.0.0.1", "[2001:db8::7]:4711", "2001:db8::7"),
    ("10.0.0.1", "172.16.5.5:4711", "172.16.5.5"),
])
def test_client_from_forwarded(peer: str, xff: str | None, expected: str | None) -> None:
    assert client_from_forwarded(peer, xff, TRUSTED) == expected


@pytest.mark.parametrize("value", ["10.0.0.0/33", "intranet", "10.0.0.1,,nope"])
def test_bad_network_lists_stop_start_up(make_app: Callable[..., Flask], value: str) -> None:
    with pytest.raises(ConfigError, match="ALLOWED_NETWORKS"):
        make_app(ALLOWED_NETWORKS=value)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(ALLOWED_NETWORKS="127.0.0.0/8, 10.20.0.0/16", TRUSTED_PROXIES="10.0.0.1")


def get(app: Flask, path: str, peer: str, **headers: str) -> tuple[int, dict]:
    resp = app.test_client().get(path, environ_base={"REMOTE_ADDR": peer}, headers=headers)
    return resp.status_code, resp.get_json(silent=True) or {}


def test_outside_the_allowlist_is_403_json(app: Flask) -> None:
    status, body = get(app, "/api/v1/config", "192.168.1.9")
    assert status == 403
    assert body["error"]["code"] == "network_forbidden"
    assert "oasis-network" in body["error"]["message"]
    for path in ("/readyz", "/taskpane.html", "/api/v1/openapi.json", "/api/v1/admin/audit", "/nope"):
        assert get(app, path, "192.168.1.9")[0] == 403, path


def test_inside_the_allowlist_passes(app: Flask) -> None:
    assert get(app, "/api/v1/config", "10.20.3.4")[0] == 200
    assert get(app, "/api/v1/config", "127.0.0.1")[0] == 200


def test_healthz_stays_open_for_load_balancers(app: Flask) -> None:
    assert get(app, "/healthz", "192.168.1.9") == (200, {"status": "ok"})


def test_forwarded_for_counts_only_from_a_trusted_proxy(app: Flask) -> None:
    # An outside client cannot claim an inside address.
    assert get(app, "/api/v1/config", "192.168.1.9", **{"X-Forwarded-For": "10.20.3.4"})[0] == 403
    # Through the trusted proxy, the address the proxy saw decides.
    assert get(app, "/api/v1/config", "10.0.0.1", **{"X-Forwarded-For": "10.20.3.4"})[0] == 200
    assert get(app, "/api/v1/config", "10.0.0.1", **{"X-Forwarded-For": "192.168.1.9"})[0] == 403
    assert get(app, "/api/v1/config", "10.0.0.1", **{"X-Forwarded-For": "10.20.3.4, 192.168.1.9"})[0] == 403
    assert get(app, "/api/v1/config", "10.0.0.1", **{"X-Forwarded-For": "bogus"})[0] == 403


def test_dev_identity_refuses_proxied_requests(app: Flask) -> None:
    resp = app.test_client().post("/api/v1/check", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                                  headers={"X-Forwarded-For": "127.0.0.1", "X-Oasis-User": "tanaka"},
                                  json={"text": "テスト", "host": "word", "operation": "summarize"})
    assert resp.status_code == 401


def _through_middleware(peer: str, headers: dict[str, str]) -> dict:
    from addin_server.auth.network import TrustedProxyMiddleware

    seen: dict = {}

    def inner(env: dict, start: object) -> list[bytes]:
        seen.update(env)
        return []

    environ = {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http", "HTTP_HOST": "pane.internal",
               **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}}
    TrustedProxyMiddleware(inner, TRUSTED)(environ, lambda *a: None)
    return seen


def test_middleware_rewrites_address_scheme_and_host_for_trusted_peers_only() -> None:
    forwarded = {"X-Forwarded-For": "10.20.3.4", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "evil.example, oasis.city.example"}
    env = _through_middleware("10.0.0.1", forwarded)
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"], env["HTTP_HOST"]) == \
        ("10.20.3.4", "https", "oasis.city.example")
    assert env["oasis.peer_addr"] == "10.0.0.1"
    env = _through_middleware("192.168.1.9", forwarded)
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"], env["HTTP_HOST"]) == ("192.168.1.9", "http", "pane.internal")
