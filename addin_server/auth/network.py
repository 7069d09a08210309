"""Who is really calling, and from where (rule oasis-network: use only from the internal network).

Two pieces:

- `TrustedProxyMiddleware` (WSGI): when — and only when — the immediate peer is one of
  `TRUSTED_PROXIES`, the client address is taken from `X-Forwarded-For` (the right-most address
  that is not itself a trusted proxy), and the scheme and host from `X-Forwarded-Proto` /
  `X-Forwarded-Host`. From any other peer those headers are ignored, so a client cannot claim
  another address. Everything downstream (the allowlist, the dev identity, the rate limiter, the
  audit record) then simply reads `request.remote_addr`.
- `init_app`: a `before_request` hook answering 403 (JSON) to clients outside `ALLOWED_NETWORKS`.
  `/healthz` stays open so a load balancer can probe liveness; it reveals nothing.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request

from addin_server.config import ConfigError
from addin_server.errors import Forbidden
from addin_server.services import Network, services

log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Paths answered whatever the client address (liveness probe only).
OPEN_PATHS = frozenset({"/healthz"})
# Where the middleware keeps the original peer address.
PEER_KEY = "oasis.peer_addr"


class NetworkForbidden(Forbidden):
    code = "network_forbidden"
    message = "このサービスは庁内ネットワークからのみ利用できます（ルール oasis-network）。庁内の端末から接続してください。"


def parse_networks(value: str | Iterable[str] | None, key: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 192.168.1.5` (string or list) -> networks; a bad entry stops start-up."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    networks: list[Network] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ConfigError(f"{key} entry {text!r} is not an IP address or CIDR network") from None
    return tuple(networks)


def parse_address(value: str | None) -> Address | None:
    if not value:
        return None
    text = value.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "10.0.0.1:443"
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped  # "::ffff:10.0.0.1" is the IPv4 client of a dual-stack socket
    return addr


def in_networks(addr: Address | None, networks: Iterable[Network]) -> bool:
    return addr is not None and any(addr.version == n.version and addr in n for n in networks)


def client_from_forwarded(peer: str | None, forwarded_for: str | None,
                          trusted: tuple[Network, ...]) -> str | None:
    """The client address for a request whose immediate peer is `peer`.

    Each proxy appends the address it saw, so reading right to left every entry written by a
    trusted proxy is believable; the first address that is not a trusted proxy is the client.
    An unparsable entry in that trusted part means a broken proxy: no address (denied).
    """
    peer_addr = parse_address(peer)
    if not in_networks(peer_addr, trusted) or not forwarded_for:
        return str(peer_addr) if peer_addr is not None else None
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        addr = parse_address(hop)
        if addr is None:
            return None
        if not in_networks(addr, trusted):
            return str(addr)
    first = parse_address(hops[0]) if hops else peer_addr  # every hop is a trusted proxy
    return str(first) if first is not None else None


def _last_value(value: str | None) -> str | None:
    """The right-most value of a comma-separated forwarded header (the one our proxy set)."""
    if not value:
        return None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return parts[-1] if parts else None


class TrustedProxyMiddleware:
    """Rewrite REMOTE_ADDR, scheme and host from forwarded headers, for trusted peers only."""

    def __init__(self, wsgi_app: Callable[..., Any], trusted: tuple[Network, ...]) -> None:
        self.wsgi_app = wsgi_app
        self.trusted = trusted

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        peer = environ.get("REMOTE_ADDR")
        environ[PEER_KEY] = peer
        if in_networks(parse_address(peer), self.trusted):
            client = client_from_forwarded(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.trusted)
            environ["REMOTE_ADDR"] = client or ""  # "" is in no network: denied, never trusted
            proto = (_last_value(environ.get("HTTP_X_FORWARDED_PROTO")) or "").lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = _last_value(environ.get("HTTP_X_FORWARDED_HOST"))
            if host:
                environ["HTTP_HOST"] = host
        return self.wsgi_app(environ, start_response)


# Headers a proxy adds to say whom it forwards for. Their presence means a hop between the
# client and this server, whatever their value (a proxy on this very computer forwards the
# whole network to a loopback peer); the WSGI server maps `-` and `_` alike to `_`.
FORWARDING_HEADERS = ("HTTP_FORWARDED", "HTTP_X_REAL_IP", "HTTP_VIA", "HTTP_TRUE_CLIENT_IP",
                      "HTTP_X_CLIENT_IP", "HTTP_X_CLUSTER_CLIENT_IP", "HTTP_CLIENT_IP")
FORWARDING_PREFIXES = ("HTTP_X_FORWARDED", "HTTP_X_ORIGINAL_FORWARDED")


def forwarding_headers(environ: dict[str, Any]) -> list[str]:
    """The forwarding headers a request carries (names as in the WSGI environ), if any."""
    return sorted(k for k in environ
                  if k in FORWARDING_HEADERS or k.startswith(FORWARDING_PREFIXES))


def init_app(app: Flask) -> None:
    svc = services(app)
    settings = svc.settings
    allowed = parse_networks(settings.get("ALLOWED_NETWORKS"), "ALLOWED_NETWORKS")
    trusted = parse_networks(settings.get("TRUSTED_PROXIES"), "TRUSTED_PROXIES")
    svc.allowed_networks, svc.trusted_proxies = allowed, trusted
    if trusted:
        app.wsgi_app = TrustedProxyMiddleware(app.wsgi_app, trusted)  # type: ignore[method-assign]
    if not allowed:
        if settings.auth_mode == "entra":
            log.warning("ALLOWED_NETWORKS is empty: any address that reaches this server may call it "
                        "(rule oasis-network). Set the internal CIDR ranges.")
        return

    @app.before_request
    def _allowlist() -> None:
        if request.path in OPEN_PATHS:
            return
        addr = parse_address(request.remote_addr)
        if not in_networks(addr, allowed):
            log.warning("request from %s (peer %s) outside ALLOWED_NETWORKS refused: %s %s",
                        request.remote_addr or "?", request.environ.get(PEER_KEY), request.method,
                        request.path)
            raise NetworkForbidden()
