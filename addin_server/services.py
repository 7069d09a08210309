"""The application's shared objects, typed, under one `app.extensions` key.

`create_app` builds one `Services` and each surface fills the fields it owns while it registers
(auth: admin_users, identity_resolver, entra; admin: oidc; limits: limiter). Request code reads
them through `services()` instead of untyped string keys.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from flask import Flask, current_app

if TYPE_CHECKING:  # type-only imports of modules that do not import this one (no cycle)
    from addin_server.auth.identity import Identity
    from addin_server.config import Settings
    from addin_server.service import AssistantService

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TokenValidator(Protocol):
    """What the auth layer's Entra ID validator offers (auth/entra.py's EntraValidator)."""

    def validate(self, token: str) -> dict[str, Any]: ...

    def identity(self, claims: dict[str, Any], client_addr: str | None) -> Identity: ...

KEY = "oasis"


@dataclass
class Services:
    service: AssistantService
    settings: Settings
    # Identities (as the audit log keys them) that get the admin role.
    admin_users: frozenset[str] = frozenset()
    identity_resolver: Callable[[], Identity] | None = None
    entra: TokenValidator | None = None
    oidc: Any = None  # authlib's OAuth registry (authlib ships no type information)
    limiter: Any = None  # flask_limiter.Limiter (untyped)
    allowed_networks: tuple[Network, ...] = ()
    trusted_proxies: tuple[Network, ...] = ()
    openapi: dict[str, Any] | None = None  # the OpenAPI document, built on first request
    last_verify: dict[str, Any] | None = None  # the admin console's last chain verification


def init_app(app: Flask, service: AssistantService, settings: Settings) -> Services:
    svc = Services(service=service, settings=settings)
    app.extensions[KEY] = svc
    return svc


def services(app: Flask | None = None) -> Services:
    """The services of `app` (default: the current application)."""
    found = (app or current_app).extensions.get(KEY)
    if not isinstance(found, Services):
        raise RuntimeError("create_app() has not set up this application")
    return found
