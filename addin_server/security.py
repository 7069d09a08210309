"""Response headers that make the service safe to expose inside a city network.

- `Content-Security-Policy`: the pane may load code only from this server and from the office.js
  origin (`https://appsforoffice.microsoft.com`), talk only to this server, and never be turned
  into a plug-in or form target elsewhere. `frame-ancestors` is left open on purpose: Office on the
  web shows the pane inside its own frame.
- `Strict-Transport-Security` when the request came over HTTPS (directly, or through a trusted
  proxy's `X-Forwarded-Proto`, see auth/network.py).
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, and `Cache-Control: no-store`
  on API answers (they hold prompts and audit records).
- CORS only for the origins listed in `CORS_ORIGINS`; nothing for anyone else.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

OFFICE_JS_ORIGIN = "https://appsforoffice.microsoft.com"
CSP = "; ".join([
    "default-src 'self'",
    f"script-src 'self' {OFFICE_JS_ORIGIN}",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])
HSTS = "max-age=31536000; includeSubDomains"
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type"
CORS_MAX_AGE = "600"


def parse_origins(value: Any) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return frozenset(str(i).strip().rstrip("/").lower() for i in items if str(i).strip())


def init_app(app: Flask) -> None:
    origins = parse_origins(app.extensions["oasis_settings"].get("CORS_ORIGINS"))

    @app.after_request
    def _headers(resp: Response) -> Response:
        h = resp.headers
        h["Content-Security-Policy"] = CSP  # the application's policy wins over a view's default
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        if request.is_secure:
            h["Strict-Transport-Security"] = HSTS
        if request.path.startswith("/api/"):
            h.setdefault("Cache-Control", "no-store")
        origin = request.headers.get("Origin")
        if origins and origin and origin.rstrip("/").lower() in origins:
            h["Access-Control-Allow-Origin"] = origin
            h["Access-Control-Allow-Methods"] = CORS_METHODS
            h["Access-Control-Allow-Headers"] = CORS_HEADERS
            h["Access-Control-Max-Age"] = CORS_MAX_AGE
            h.add("Vary", "Origin")
        elif origins:
            h.add("Vary", "Origin")
        return resp
