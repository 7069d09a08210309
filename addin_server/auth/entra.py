"""Microsoft Entra ID v2 access tokens from the task pane (rules common-1, oasis-sso).

The pane gets a token for this add-in with Office single sign-on and sends it as
`Authorization: Bearer …`. Here it must be an RS256 JWT signed by one of the tenant's keys, with
`iss` = `https://login.microsoftonline.com/<ENTRA_TENANT_ID>/v2.0`, `aud` = `ENTRA_AUDIENCE`,
`scp` containing `access_as_user`, and a valid `exp`/`nbf` (60 s clock skew). The identity is the
token's `oid` (stable, never reassigned); `preferred_username` is only for display.

Keys: `ENTRA_JWKS_URL` (fetched with PyJWKClient, cached, refetched on an unknown key id at most
once per cooldown so random key ids cannot make us hammer the endpoint) or `ENTRA_JWKS_FILE` (a
mirrored key set, reread when the file changes).

Every rejection is the same 401 with one generic Japanese message; the reason goes only to the
server log, never to the client.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from flask import Flask, request

from addin_server.auth.identity import Identity
from addin_server.config import ConfigError
from addin_server.errors import Unauthorized
from addin_server.services import services

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]
REQUIRED_SCOPE = "access_as_user"
ADMIN_ROLE = "Oasis.Admin"
LEEWAY_SECONDS = 60
MAX_TOKEN_CHARS = 16_384
ISSUER_TEMPLATE = "https://login.microsoftonline.com/{tenant}/v2.0"


class TokenRejected(Exception):
    """Why a token was refused; logged server-side, never shown to the client."""


class KeySource(Protocol):
    def get(self, kid: str) -> RSAPublicKey: ...


def _rsa_key(jwk: jwt.PyJWK, kid: str) -> RSAPublicKey:
    key = jwk.key
    if not isinstance(key, RSAPublicKey):
        raise TokenRejected(f"key {kid!r} is not an RSA public key")
    return key


class UrlKeySource:
    """The tenant's published keys over HTTPS, cached; rotation handled by refetch-on-unknown-kid."""

    def __init__(self, url: str, *, lifespan: float = 3600, cooldown: float = 60, timeout: float = 10) -> None:
        self.client = jwt.PyJWKClient(url, cache_keys=False, cache_jwk_set=True, lifespan=lifespan,
                                      timeout=timeout, cooldown_duration=cooldown)

    def get(self, kid: str) -> RSAPublicKey:
        try:
            return _rsa_key(self.client.get_signing_key(kid), kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise TokenRejected(f"signing keys unavailable: {exc}") from exc
        except (jwt.PyJWKClientError, jwt.PyJWKError) as exc:
            raise TokenRejected(f"unknown key id {kid!r}: {exc}") from exc


class FileKeySource:
    """A mirrored JWKS file (for networks that cannot reach login.microsoftonline.com)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._load()  # a missing or broken file stops start-up, not the first request

    def _load(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
            data = json.loads(self.path.read_text(encoding="utf-8"))
            jwk_set = jwt.PyJWKSet.from_dict(data)
        except (OSError, ValueError, jwt.PyJWKSetError) as exc:
            raise ConfigError(f"ENTRA_JWKS_FILE {str(self.path)!r} is not a readable JWKS: {exc}") from None
        self._keys = {k.key_id: k for k in jwk_set.keys if k.key_id and k.public_key_use in ("sig", None)}
        self._mtime = mtime

    def get(self, kid: str) -> RSAPublicKey:
        with self._lock:
            if kid not in self._keys:
                try:
                    changed = self.path.stat().st_mtime != self._mtime
                except OSError:
                    changed = False
                if changed:
                    try:
                        self._load()
                    except ConfigError as exc:
                        log.error("%s; keeping the keys loaded before", exc)
            jwk = self._keys.get(kid)
        if jwk is None:
            raise TokenRejected(f"unknown key id {kid!r}")
        return _rsa_key(jwk, kid)


class EntraValidator:
    def __init__(self, tenant: str, audience: str | list[str], keys: KeySource,
                 admin_users: frozenset[str] = frozenset(), leeway: float = LEEWAY_SECONDS) -> None:
        self.tenant = tenant
        self.issuer = ISSUER_TEMPLATE.format(tenant=tenant)
        self.audience = audience
        self.keys = keys
        self.admin_users = admin_users
        self.leeway = leeway

    def validate(self, token: str) -> dict[str, Any]:
        """The verified claims of `token`, or TokenRejected."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise TokenRejected("empty or oversized token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"not a JWT: {exc}") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:  # alg none, HS256-with-the-public-key, ES…: refused before any key lookup
            raise TokenRejected(f"algorithm {alg!r} not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise TokenRejected("missing key id")
        key = self.keys.get(kid)
        try:
            claims = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                leeway=self.leeway, options={"require": ["exp", "iat", "iss", "aud", "oid"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"{type(exc).__name__}: {exc}") from exc
        if claims.get("tid") not in (None, self.tenant):
            raise TokenRejected("tenant mismatch")
        scopes = claims.get("scp")
        if not isinstance(scopes, str) or REQUIRED_SCOPE not in scopes.split():
            raise TokenRejected(f"scope {REQUIRED_SCOPE} missing")
        oid = claims.get("oid")
        if not isinstance(oid, str) or not oid.strip() or len(oid) > 128:
            raise TokenRejected("bad oid claim")
        return claims

    def identity(self, claims: dict[str, Any], client_addr: str | None) -> Identity:
        oid = str(claims["oid"])
        roles = claims.get("roles")
        has_role = isinstance(roles, list) and ADMIN_ROLE in roles
        display = claims.get("preferred_username") or claims.get("name")
        return Identity(
            user_id=oid,
            display=str(display)[:256] if display else None,
            is_admin=has_role or oid in self.admin_users,
            client_addr=client_addr,
        )


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("no bearer token")
    return token.strip()


def admin_users(value: Any) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return frozenset(str(i).strip() for i in items if str(i).strip())


def key_source(settings: Any) -> KeySource:
    url = settings.get("ENTRA_JWKS_URL")
    if url:
        try:
            return UrlKeySource(str(url), lifespan=float(settings.get("ENTRA_JWKS_LIFESPAN", 3600)),
                                cooldown=float(settings.get("ENTRA_JWKS_COOLDOWN", 60)))
        except jwt.PyJWKClientError as exc:
            raise ConfigError(f"ENTRA_JWKS_URL: {exc}") from None
    return FileKeySource(settings.get("ENTRA_JWKS_FILE"))


def init_entra(app: Flask) -> Callable[[], Identity]:
    """Build the validator from the settings; return the per-request identity resolver."""
    settings = services(app).settings
    audience_value = str(settings.get("ENTRA_AUDIENCE"))
    audiences = [a.strip() for a in audience_value.split(",") if a.strip()]
    validator = EntraValidator(
        tenant=str(settings.get("ENTRA_TENANT_ID")).strip().lower(),  # tokens carry GUIDs in lower case
        audience=audiences[0] if len(audiences) == 1 else audiences,
        keys=key_source(settings),
        admin_users=admin_users(settings.get("ADMIN_USERS")),
    )
    services(app).entra = validator

    def resolve() -> Identity:
        try:
            claims = validator.validate(bearer_token())
        except TokenRejected as exc:
            log.info("bearer token rejected from %s: %s", request.remote_addr, exc)
            raise Unauthorized(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
        return validator.identity(claims, request.remote_addr)

    return resolve
