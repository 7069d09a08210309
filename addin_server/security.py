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
- Request bodies without a length (`Transfer-Encoding: chunked`) are counted while they are read
  and answered 413 once they pass `MAX_BODY_BYTES` (`BodyLimitMiddleware`). Werkzeug alone
  stops reading at the limit and hands the view the prefix, which may parse as valid JSON and be
  served (issue 10); a body with `Content-Length` is refused by Flask's MAX_CONTENT_LENGTH.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, request

from addin_server.errors import PayloadTooLarge
from addin_server.services import services

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


# Set in the WSGI environ when an unsized body passed the limit; the view is never reached.
OVERSIZE_KEY = "oasis.body_over_limit"
_READ_SIZE = 64 * 1024


class BodyLimitMiddleware:
    """Read an unsized (chunked) body up to `limit` + 1 bytes before the application sees it.

    Within the limit the body is handed on as a sized stream (`CONTENT_LENGTH` set), so every
    reader downstream sees all of it; past the limit reading stops at once (an endless stream
    holds no worker), the application gets an empty body and OVERSIZE_KEY, and answers 413 in
    the one JSON shape. Sized bodies pass untouched.
    """

    def __init__(self, wsgi_app: Callable[..., Any], limit: int) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            stream = environ["wsgi.input"]
            chunks, total = [], 0
            while total <= self.limit:
                chunk = stream.read(min(_READ_SIZE, self.limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            if total > self.limit:
                environ[OVERSIZE_KEY] = True
                chunks = []
            body = b"".join(chunks)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    origins = parse_origins(services(app).settings.get("CORS_ORIGINS"))
    app.wsgi_app = BodyLimitMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, services(app).settings.max_body_bytes)

    @app.before_request
    def _oversize() -> None:
        if request.environ.get(OVERSIZE_KEY):
            # The rest of the body was never read: the connection cannot carry another request.
            raise PayloadTooLarge(headers={"Connection": "close"})

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
