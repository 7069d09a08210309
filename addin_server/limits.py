"""Per-user rate limits on the API (flask-limiter): one budget per person, not one per route.

The key is the caller's identity (Entra `oid` or the dev user) when it can be established, else
the client address, so one person cannot exhaust the model for everyone and a stream of bad
tokens is slowed per address. Storage is in memory by default (one process) and Redis (or any
`limits` storage URI) when `RATELIMIT_STORAGE_URI` is set, so several instances share one count.
If that storage becomes unreachable the limiter falls back to memory rather than refusing staff.

Budgets are application-wide limits (flask-limiter `ApplicationLimit`, one shared counter per
scope and key), so /check, /summarize, /proofread, the stream and /config all draw on the same
count — a person does not get the whole allowance again on each endpoint (issue 10):

- `RATE_LIMIT` (default `60 per minute;1000 per day`, `limits` notation, `;`-separated): every
  `/api/` route except the audit reads, scope `api`.
- `READ_RATE_LIMIT` (default `120 per minute;5000 per day`): the audit reads
  (`/api/v1/admin/audit`, `/api/v1/admin/series`, `/api/v1/me/audit`), scope `read`, so an
  administrator paging through the log does not use up their own model budget, and vice versa.

A breach answers 429 with the one JSON error shape, a Japanese message and `Retry-After`
(seconds).
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import parse_many

from addin_server.config import ConfigError
from addin_server.errors import ApiError, RateLimited
from addin_server.services import services

DEFAULT_RATE_LIMIT = "60 per minute;1000 per day"
DEFAULT_READ_RATE_LIMIT = "120 per minute;5000 per day"
API_SCOPE, READ_SCOPE = "api", "read"
READ_PATHS = frozenset({"/api/v1/admin/audit", "/api/v1/admin/series", "/api/v1/me/audit"})


def rate_limit_key() -> str:
    """The identity of the caller, or its address when it has none (yet)."""
    from addin_server.auth import current_identity

    try:
        return f"user:{current_identity().user_id}"
    except ApiError:
        return f"addr:{request.remote_addr or '-'}"


def is_read(path: str) -> bool:
    """An audit read, counted in its own budget."""
    return path in READ_PATHS


def _exempt_from_api() -> bool:
    return not request.path.startswith("/api/") or request.method == "OPTIONS" or is_read(request.path)


def _exempt_from_read() -> bool:
    return request.method == "OPTIONS" or not is_read(request.path)


def _rate(settings: Any, key: str, default: str) -> str:
    rate = str(settings.get(key, default))
    try:
        parse_many(rate)
    except ValueError:
        raise ConfigError(f"{key} {rate!r} is not a rate (e.g. '60 per minute;1000 per day')") from None
    return rate


def init_app(app: Flask) -> Limiter:
    settings = services(app).settings
    storage = settings.get("RATELIMIT_STORAGE_URI") or "memory://"
    rate = _rate(settings, "RATE_LIMIT", DEFAULT_RATE_LIMIT)
    read_rate = _rate(settings, "READ_RATE_LIMIT", DEFAULT_READ_RATE_LIMIT)
    limiter = Limiter(
        rate_limit_key,
        # One counter per person and scope across all routes (not one per route).
        application_limits=[
            ApplicationLimit(rate, scope=API_SCOPE, exempt_when=_exempt_from_api),
            ApplicationLimit(read_rate, scope=READ_SCOPE, exempt_when=_exempt_from_read),
        ],
        storage_uri=str(storage),
        strategy="moving-window",
        headers_enabled=False,  # Retry-After is set on the 429 only (below)
        in_memory_fallback_enabled=True,
        key_prefix="oasis",
    )
    limiter.init_app(app)
    services(app).limiter = limiter

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded) -> tuple[Response, int, dict[str, str]]:
        current = limiter.current_limit
        wait = current.reset_at - time.time() if current is not None else 60
        seconds = max(1, math.ceil(wait))
        current_app.logger.info("rate limit %s reached by %s", exc.limit.limit, rate_limit_key())
        error = RateLimited.after(seconds)  # errors.py is the one vocabulary of codes and messages
        error.details["retry_after"] = seconds
        return jsonify(error.body()), error.status, error.headers

    return limiter
