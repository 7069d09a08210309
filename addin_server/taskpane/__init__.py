"""The Word/Excel task pane: its page, static ES modules, icons and the manifest for this server.

Plain HTML/CSS/ES modules served as files (no build step, no inline script or style), so a
strict Content-Security-Policy applies unchanged.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, render_template, request

from addin_server.manifest import ICON_SIZES, ManifestError, icon_bytes, render_manifest

bp = Blueprint(
    "taskpane",
    __name__,
    static_folder="static",
    static_url_path="/taskpane/static",
    template_folder="templates",
)

# Applied only when the application has not set its own policy (the app's wins).
CSP = (
    "default-src 'self'; script-src 'self' https://appsforoffice.microsoft.com; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@bp.get("/taskpane.html")
def taskpane() -> Response:
    resp = Response(render_template("taskpane.html"), mimetype="text/html")
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/manifest.xml")
def manifest() -> Response:
    """The manifest for the URL this server is reached at (behind a proxy: see ProxyFix)."""
    client_id = _client_id()
    try:
        xml = render_manifest(request.host_url, client_id=client_id)
    except ManifestError:
        abort(500)
    resp = Response(xml, mimetype="application/xml")
    resp.headers["Content-Disposition"] = 'inline; filename="manifest.xml"'
    return resp


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
