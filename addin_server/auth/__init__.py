"""Who is asking. Every generation request carries a staff identity (common-1, oasis-sso).

`dev` mode: the `X-Oasis-User` header, accepted only from a loopback client that did not come
through a proxy (no forwarding header of any kind, see network.forwarding_headers). `entra` mode: a Microsoft Entra ID bearer token (see `entra.py`).
"""

from __future__ import annotations

from flask import Flask, g, request

from addin_server.auth.identity import Identity
from addin_server.auth.network import forwarding_headers
from addin_server.config import is_loopback
from addin_server.errors import Unauthorized
from addin_server.services import services

DEV_HEADER = "X-Oasis-User"


def dev_identity() -> Identity:
    addr = request.remote_addr
    # Any forwarding header (Forwarded, X-Forwarded-*, X-Real-IP, Via, …) means a proxy: refuse.
    if not is_loopback(addr) or forwarding_headers(request.environ):
        raise Unauthorized("開発モードのサーバーには、このパソコン以外からは接続できません。")
    user = (request.headers.get(DEV_HEADER) or "").strip()
    if not user or len(user) > 128:
        raise Unauthorized(f"利用者を確認できません（開発モードでは {DEV_HEADER} ヘッダーが必要です）。")
    user_id = f"dev:{user}"
    admins = services().admin_users
    return Identity(user_id=user_id, display=user, is_admin=user_id in admins, client_addr=addr)


def current_identity() -> Identity:
    """The identity of this request, resolved once; raises Unauthorized (401)."""
    if "oasis_identity" not in g:
        resolver = services().identity_resolver
        if resolver is None:
            raise RuntimeError("auth.init_app() has not run")
        try:
            g.oasis_identity = resolver()
        except Unauthorized as exc:
            g.oasis_identity = exc  # the rate limiter asks first; validate (and log) once
    if isinstance(g.oasis_identity, Unauthorized):
        raise g.oasis_identity
    return g.oasis_identity


def init_app(app: Flask, auth_mode: str) -> None:
    from addin_server.auth.entra import admin_users

    # ADMIN_USERS holds identities as the audit log keys them: an Entra `oid`, or `dev:<name>`.
    svc = services(app)
    svc.admin_users = admin_users(svc.settings.get("ADMIN_USERS"))
    if auth_mode == "dev":
        app.logger.warning(
            "AUTH_MODE=dev: identities come from the %s header, accepted only from loopback clients. "
            "Never use this mode for staff.", DEV_HEADER)
        svc.identity_resolver = dev_identity
    else:
        from addin_server.auth.entra import init_entra

        svc.identity_resolver = init_entra(app)
