"""The Word/Excel task pane: its page, static ES modules, icons and the manifest for this server.

Plain HTML/CSS/ES modules served as files (no build step, no inline script or style), so a
strict Content-Security-Policy applies unchanged.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, render_template, request

from addin_server.errors import ApiError
from addin_server.manifest import (
    ICON_SIZES,
    BadHost,
    ManifestError,
    icon_bytes,
    render_manifest,
    served_base_url,
)
from addin_server.services import KEY as SERVICES_KEY
from addin_server.services import Services

bp = Blueprint(
    "taskpane",
    __name__,
    static_folder="static",
    static_url_path="/taskpane/static",
    template_folder="templates",
)

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@bp.get("/taskpane.html")
def taskpane() -> Response:
    # The Content-Security-Policy is the application's one policy (security.py), on every answer.
    resp = Response(render_template("taskpane.html"), mimetype="text/html")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/manifest.xml")
def manifest() -> Response:
    """The manifest for PUBLIC_URL, or (without it, in development) for a loopback Host only."""
    client_id = _client_id()
    try:
        base = served_base_url(_public_url(), request.environ.get("HTTP_HOST"), request.scheme)
    except BadHost as exc:  # a malformed or foreign Host is the client's error: 400, one JSON shape
        raise ApiError(str(exc), status=400, code=exc.code) from None
    try:
        xml = render_manifest(base, client_id=client_id)
    except ManifestError:
        abort(500)
    resp = Response(xml, mimetype="application/xml")
    resp.headers["Content-Disposition"] = 'inline; filename="manifest.xml"'
    return resp


def _public_url() -> str | None:
    """PUBLIC_URL as validated at start-up (config.parse_public_url), else as configured."""
    svc = current_app.extensions.get(SERVICES_KEY)
    if isinstance(svc, Services):
        return svc.settings.public_url
    return current_app.config.get("PUBLIC_URL") or None


def _client_id() -> str | None:
    """The Entra ID application id: ENTRA_CLIENT_ID, else the GUID in ENTRA_AUDIENCE
    (`<guid>` or `api://host/<guid>`); None outside Entra mode."""
    explicit = current_app.config.get("ENTRA_CLIENT_ID")
    if explicit:
        return str(explicit)
    match = _GUID.search(str(current_app.config.get("ENTRA_AUDIENCE") or ""))
    return match.group(0) if match else None


@bp.get("/assets/icon-<int:size>.png")
def icon(size: int) -> Response:
    if size not in ICON_SIZES:
        abort(404)
    resp = Response(icon_bytes(size), mimetype="image/png")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp
