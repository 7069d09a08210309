"""Server-side sessions for the admin console (Flask-Session).

The browser holds only a random session id in an HttpOnly, SameSite=Lax cookie (Secure unless a
dev server on loopback over plain HTTP); the identity and roles stay on the server, so signing
out or expiry really ends the session. Storage: Redis when `SESSION_STORAGE_URI` is a
`redis://` URL (what several instances share), else files in the instance folder (one instance).

The session secret (`SECRET_KEY`) signs the CSRF tokens. In `dev` mode one is generated in the
instance folder (mode 0600) when none is configured; in `entra` mode with the console's sign-in
configured (`ENTRA_CLIENT_SECRET`) the server refuses to start without it.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from addin_server.config import ConfigError, is_loopback
from addin_server.services import services

DEFAULT_MINUTES = 30
COOKIE_NAME = "oasis_admin"


def secret_key(app: Flask) -> str:
    settings = services(app).settings
    configured = settings.get("SECRET_KEY")
    if configured:
        if len(str(configured)) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters (e.g. `python -c 'import secrets; "
                              "print(secrets.token_hex(32))'`)")
        return str(configured)
    if settings.auth_mode != "dev":
        if settings.get("ENTRA_CLIENT_SECRET"):
            raise ConfigError("SECRET_KEY is required for the admin console's sign-in (ENTRA_CLIENT_SECRET is "
                              "set): it signs the CSRF tokens; use the same value on every instance")
        # Nobody can sign in to the console without its client secret; a key for this process only.
        return secrets.token_hex(32)
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    from cachelib.file import FileSystemCache
    from flask_session import Session

    settings = services(app).settings
    app.config["SECRET_KEY"] = secret_key(app)
    minutes = int(settings.get("ADMIN_SESSION_MINUTES") or DEFAULT_MINUTES)
    if not 1 <= minutes <= 24 * 60:
        raise ConfigError("ADMIN_SESSION_MINUTES must be between 1 and 1440")
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Plain HTTP is only for a dev server on loopback; everything else is behind TLS.
        SESSION_COOKIE_SECURE=not (settings.auth_mode == "dev" and is_loopback(settings.bind_host)),
        SESSION_COOKIE_PATH="/admin",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=minutes),
        SESSION_PERMANENT=True,
        SESSION_KEY_PREFIX="oasis-admin:",
    )
    uri = str(settings.get("SESSION_STORAGE_URI") or "")
    if uri.startswith(("redis://", "rediss://")):
        import redis

        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=redis.Redis.from_url(uri))
    elif uri:
        raise ConfigError(f"SESSION_STORAGE_URI must be a redis:// URL, got {uri!r}")
    else:
        folder = Path(app.instance_path) / "admin-sessions"
        app.config.update(SESSION_TYPE="cachelib",
                          SESSION_CACHELIB=FileSystemCache(str(folder), threshold=1000, mode=0o600))
    Session(app)
