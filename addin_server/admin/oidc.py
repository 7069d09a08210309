"""Entra ID sign-in for the admin console: OpenID Connect authorization code + PKCE (Authlib).

Authlib keeps `state`, `nonce` and the PKCE verifier in the (server-side) session, checks the
state on return, redeems the code with the client secret and the verifier, and validates the ID
token against the provider's keys (signature, issuer, audience = our client id, expiry, nonce).
Configuration: `ENTRA_TENANT_ID`, `ENTRA_CLIENT_ID` (or the GUID in `ENTRA_AUDIENCE`),
`ENTRA_CLIENT_SECRET`, and optionally `ENTRA_METADATA_URL` (default: the tenant's v2.0
discovery document). The redirect URI to register is `<PUBLIC_URL>/admin/callback`.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, current_app, redirect, request, url_for

from addin_server.config import ConfigError
from addin_server.services import services

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _client_id(settings: Any) -> str | None:
    explicit = settings.get("ENTRA_CLIENT_ID")
    if explicit:
        return str(explicit)
    match = _GUID.search(str(settings.get("ENTRA_AUDIENCE") or ""))
    return match.group(0) if match else None


def init_app(app: Flask) -> None:
    """Register the Entra client when the console's sign-in is configured (entra mode)."""
    settings = services(app).settings
    secret = settings.get("ENTRA_CLIENT_SECRET")
    if settings.auth_mode != "entra" or not secret:
        return
    client_id = _client_id(settings)
    tenant = settings.get("ENTRA_TENANT_ID")
    metadata = settings.get("ENTRA_METADATA_URL") or (
        f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration" if tenant else None)
    if not client_id or not metadata:
        raise ConfigError("the admin console's sign-in needs ENTRA_CLIENT_ID (or ENTRA_AUDIENCE) and "
                          "ENTRA_TENANT_ID or ENTRA_METADATA_URL besides ENTRA_CLIENT_SECRET")
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    oauth.register(
        "entra",
        client_id=client_id,
        client_secret=str(secret),
        server_metadata_url=str(metadata),
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256",
                       "timeout": float(settings.get("ENTRA_HTTP_TIMEOUT") or 10)},
    )
    services(app).oidc = oauth


def _redirect_uri() -> str:
    public = services().settings.get("PUBLIC_URL")
    if public:
        return str(public).rstrip("/") + "/admin/callback"
    return url_for("admin_console.callback", _external=True)


def begin() -> Response:
    oauth = services().oidc
    if oauth is None:
        return redirect(url_for("admin_console.signin_page", error="failed"))  # type: ignore[return-value]
    resp: Response = oauth.entra.authorize_redirect(_redirect_uri())
    return resp


def finish() -> dict[str, Any] | None:
    """The validated ID token claims, or None (the reason goes to the server log only)."""
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError  # Authlib validates ID token claims with joserfc

    oauth = services().oidc
    if oauth is None or "error" in request.args:
        current_app.logger.warning("console sign-in refused by the provider: %s", request.args.get("error"))
        return None
    try:
        token = oauth.entra.authorize_access_token()
    except (AuthlibBaseError, JoseError, ValueError, KeyError, OSError) as exc:  # OSError: requests failures
        current_app.logger.warning("console sign-in failed: %s", type(exc).__name__)
        return None
    claims = token.get("userinfo")
    if not isinstance(claims, dict) or not isinstance(claims.get("oid"), str) or not claims["oid"].strip():
        current_app.logger.warning("console sign-in: ID token without oid")
        return None
    return dict(claims)
