"""The administrators' console: a web page over the audit log (oasis-log) and the person ledger.

`/admin/` serves one page (plain HTML, CSS and ES modules, no inline script, the app's CSP) that
talks to the JSON endpoints under `/admin/api/`. Those endpoints use the console's own sign-in,
a server-side session (see `sessions.py`), not the pane's bearer token:

- `entra` mode: OpenID Connect authorization-code flow with PKCE against Entra ID (Authlib's
  Flask client, confidential client with `ENTRA_CLIENT_SECRET`); the ID token's `roles` claim is
  kept in the session and checked on every request.
- `dev` mode, loopback only: a sign-in field, as the pane's `X-Oasis-User` header.

Anything that is not a GET carries a CSRF token (Flask-WTF's `CSRFProtect`, checked here only:
the pane's API uses bearer tokens and is not cookie-authenticated). Every read of the log is
itself recorded before it is shown, as the JSON admin API does.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from addin_server.admin.routes import (
    _record_read,
    audit_page,
    public_record,
    query_args,
    series_page,
    store_filters,
)
from addin_server.admin.schemas import AuditQuerySchema, SeriesQuerySchema
from addin_server.audit import chain
from addin_server.auth.entra import ADMIN_ROLE
from addin_server.auth.identity import Identity
from addin_server.config import is_loopback
from addin_server.errors import ApiError, BadRequest, Forbidden, Unauthorized
from addin_server.service import AssistantService
from addin_server.services import services

bp = Blueprint("admin_console", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()

SESSION_KEY = "oasis_admin"
FORWARDED = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP")


class NotSignedIn(Unauthorized):
    code = "signin_required"
    message = "管理画面を使うにはサインインしてください。"


class ConsoleAdminOnly(Forbidden):
    code = "admin_only"
    message = "この画面は管理者（Oasis.Admin ロール、または ADMIN_USERS に登録された利用者）だけが使えます。"


def _service() -> AssistantService:
    svc: AssistantService = services().service
    return svc


def _mode() -> str:
    return str(services().settings.auth_mode)


# -- who is signed in ----------------------------------------------------------------------
def signed_in() -> Identity | None:
    """The console identity from the server-side session, admin rights recomputed every time."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict) or not data.get("user_id"):
        return None
    user_id = str(data["user_id"])
    roles_value = data.get("roles")
    roles: list[Any] = roles_value if isinstance(roles_value, list) else []
    admins = services().admin_users
    return Identity(user_id=user_id, display=data.get("display"), client_addr=request.remote_addr,
                    is_admin=ADMIN_ROLE in roles or user_id in admins)


def _admin() -> Identity:
    ident = signed_in()
    if ident is None:
        raise NotSignedIn()
    if not ident.is_admin:
        current_app.logger.warning("console: non-administrator %s tried %s", ident.user_id, request.path)
        raise ConsoleAdminOnly()
    return ident


def start_session(user_id: str, display: str | None, roles: list[str]) -> None:
    """A fresh session id on every sign-in (no fixation), then the identity."""
    rotate = getattr(current_app.session_interface, "regenerate", None)
    if rotate is not None:
        session["rotating"] = True  # Flask-Session regenerates only a non-empty session
        rotate(session)
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = {"user_id": user_id, "display": display, "roles": roles,
                            "signed_in_at": datetime.now(UTC).isoformat(timespec="seconds")}


# -- pages ---------------------------------------------------------------------------------
def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, csrf_token=generate_csrf(), mode=_mode(), **context)
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/")
def console() -> Response:
    ident = signed_in()
    if ident is None:
        return redirect(url_for("admin_console.signin_page"))  # type: ignore[return-value]
    if not ident.is_admin:
        return _page("admin/forbidden.html", status=403, user=ident)
    return _page("admin/console.html", user=ident, person_limit=_service().settings.person_limit)


@bp.get("/signin")
def signin_page() -> Response:
    error = request.args.get("error")
    return _page("admin/signin.html", error=_SIGNIN_ERRORS.get(error or ""),
                 entra_ready=bool(services().oidc))


_SIGNIN_ERRORS = {
    "failed": "サインインできませんでした。もう一度お試しください。続く場合は管理者に連絡してください。",
    "dev_only": "この方法のサインインは、開発モードのサーバーをこのパソコンから使うときだけ利用できます。",
    "name": "利用者名を1〜64文字で入力してください。",
}


@bp.post("/signin/dev")
def signin_dev() -> Response:
    if _mode() != "dev" or not is_loopback(request.remote_addr) or any(h in request.headers for h in FORWARDED):
        return redirect(url_for("admin_console.signin_page", error="dev_only"))  # type: ignore[return-value]
    name = (request.form.get("user") or "").strip()
    if not name or len(name) > 64:
        return redirect(url_for("admin_console.signin_page", error="name"))  # type: ignore[return-value]
    start_session(f"dev:{name}", name, [])
    return redirect(url_for("admin_console.console"))  # type: ignore[return-value]


@bp.get("/login")
def login() -> Response:
    """Entra ID: redirect to the authorize endpoint (state, nonce and PKCE kept in the session)."""
    from addin_server.admin import oidc

    return oidc.begin()


@bp.get("/callback")
def callback() -> Response:
    from addin_server.admin import oidc

    claims = oidc.finish()
    if claims is None:
        return redirect(url_for("admin_console.signin_page", error="failed"))  # type: ignore[return-value]
    roles = [str(r) for r in claims.get("roles", []) if isinstance(r, str)]
    display = claims.get("name") or claims.get("preferred_username")
    start_session(str(claims["oid"]), str(display) if display else None, roles)
    return redirect(url_for("admin_console.console"))  # type: ignore[return-value]


@bp.post("/signout")
def signout() -> Response:
    session.clear()
    return redirect(url_for("admin_console.signin_page"))  # type: ignore[return-value]


# -- JSON for the page -------------------------------------------------------------------------
def _args(schema: Any, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    multi = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in drop}
    out: dict[str, Any] = query_args(schema, multi)
    return out


_audit_query = AuditQuerySchema()
_export_query = AuditQuerySchema(exclude=("limit", "cursor"))  # the search filters, without paging
_series_query = SeriesQuerySchema()


@bp.get("/api/audit")
def api_audit() -> Response:
    ident = _admin()
    filters = _args(_audit_query)
    store = _service().store
    page = audit_page(store, filters)
    page["counts"] = store.outcome_counts(**store_filters(filters))
    _record_read(ident, "admin:audit", filters)  # recorded before anything is shown
    return jsonify(page)


@bp.get("/api/audit/<request_id>")
def api_record(request_id: str) -> Response:
    ident = _admin()
    if len(request_id) > 64:
        raise BadRequest("依頼IDが長すぎます。")
    row = _service().store.request(request_id)
    _record_read(ident, "admin:record", {"request_id": request_id})
    if row is None:
        raise ApiError("指定された依頼IDの記録は見つかりません。", status=404, code="not_found")
    return jsonify(public_record(row))


@bp.get("/api/series")
def api_series() -> Response:
    """People counted per user and series, nearest the limit first (oasis-2)."""
    ident = _admin()
    filters = _args(_series_query)
    svc = _service()
    _record_read(ident, "admin:series", filters)
    return jsonify(series_page(svc, filters, nearest_first=True))


@bp.post("/api/verify")
def api_verify() -> Response:
    ident = _admin()
    svc = _service()
    report = chain.verify(svc.store)
    problem = report.problem
    result = {
        "ok": problem is None,
        "records": report.records,
        "head": report.head,
        "start": report.start,
        "problem": None if problem is None else {"kind": problem.kind, "seq": problem.seq,
                                                 "request_id": problem.request_id, "detail": problem.describe()},
        "verified_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _record_read(ident, "admin:verify", {"ok": result["ok"], "records": report.records})
    services().last_verify = result
    return jsonify(result)


@bp.get("/api/verify")
def api_last_verify() -> Response:
    _admin()
    return jsonify({"last": services().last_verify})


@bp.get("/api/export")
def api_export() -> Response:
    """The filtered records as CSV or JSON Lines, with the formula-safe export of the command."""
    ident = _admin()
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "jsonl"):
        raise BadRequest("format は csv または jsonl を指定してください。")
    filters = _args(_export_query, drop=("format",))
    _record_read(ident, "admin:export", {**filters, "format": fmt})
    buf = io.StringIO()
    chain.export(chain.iter_filtered(_service().store, **store_filters(filters)), buf, fmt)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    resp = Response(buf.getvalue(), mimetype="text/csv" if fmt == "csv" else "application/x-ndjson")
    resp.headers["Content-Disposition"] = f'attachment; filename="oasis-audit-{stamp}.{fmt}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.before_request
def _csrf() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


# -- errors: JSON for the API, a page for the pages -----------------------------------------
@bp.errorhandler(ApiError)
def _console_error(exc: ApiError) -> Any:
    if request.path.startswith("/admin/api/"):
        return jsonify(exc.body()), exc.status, exc.headers
    return _page("admin/error.html", status=exc.status, message=exc.message)


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> Any:
    body = {"error": {"code": "csrf_failed", "message": "画面の有効期限が切れました。ページを読み込み直してから、もう一度操作してください。"}}
    if request.path.startswith("/admin/api/"):
        return jsonify(body), 400
    return _page("admin/error.html", status=400, message=body["error"]["message"])


def init_app(app: Flask) -> None:
    from addin_server.admin import oidc, sessions

    sessions.init_app(app)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # only the console's forms and calls are checked
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # bound to the session, which expires by itself
    csrf.init_app(app)
    oidc.init_app(app)
    app.register_blueprint(bp)
