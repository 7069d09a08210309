"""Reading the audit log (rule oasis-log): administrators everything, staff their own requests.

- `GET /api/v1/admin/audit` — administrators only: every record, filtered by `user`, `since`,
  `until`, `rule`, `outcome`; newest first, `limit` per page, `cursor` for the next page.
- `GET /api/v1/admin/series` — administrators only: people counted per user and series (oasis-2).
- `GET /api/v1/me/audit` — anyone signed in: the same listing, always restricted to the caller's
  own records (no `user` filter).

An administrator's read of the log is itself written to the log (operation `admin:audit` or
`admin:series`, outcome `read`), so access to other people's prompts is accountable; if that
record cannot be written, nothing is shown (503).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from addin_server.admin.schemas import AuditQuerySchema, MyAuditQuerySchema, SeriesQuerySchema
from addin_server.audit.store import (
    AuditRecord,
    AuditStore,
)
from addin_server.auth import current_identity
from addin_server.auth.identity import Identity
from addin_server.errors import BadRequest, Forbidden
from addin_server.service import AssistantService
from addin_server.services import services

bp = Blueprint("admin", __name__, url_prefix="/api/v1")

_audit_query = AuditQuerySchema()
_my_query = MyAuditQuerySchema()
_series_query = SeriesQuerySchema()


class AdminOnly(Forbidden):
    code = "admin_only"
    message = "監査ログの閲覧は管理者のみに許可されています。自分の依頼の記録は「自分の記録」から確認できます。"


def _service() -> AssistantService:
    return services().service


def _query(schema: Schema) -> dict[str, Any]:
    return query_args(schema, request.args.to_dict(flat=False))


def query_args(schema: Schema, multi: Mapping[str, list[str]]) -> dict[str, Any]:
    """Query-string filters through a schema: each key once, errors as one 400 in Japanese."""
    if any(len(values) > 1 for values in multi.values()):
        raise BadRequest("同じ項目を複数回指定することはできません。", code="invalid_request")
    args = {key: values[0] for key, values in multi.items()}
    try:
        return schema.load(args)
    except ValidationError as exc:
        raise BadRequest("検索条件に誤りがあります。", code="invalid_request",
                         details={"fields": exc.messages}) from exc


def _admin() -> Identity:
    ident = current_identity()
    if not ident.is_admin:
        current_app.logger.warning("non-administrator %s tried %s", ident.user_id, request.path)
        raise AdminOnly()
    return ident


def _record_read(ident: Identity, operation: str, query: Mapping[str, Any]) -> None:
    svc = _service()
    svc.store.record(AuditRecord(
        request_id=str(uuid.uuid4()), user_id=ident.user_id, user_display=ident.display,
        client_addr=ident.client_addr, operation=operation, profile=svc.settings.profile, outcome="read",
        instruction=json.dumps(dict(query), ensure_ascii=False, sort_keys=True),
    ))


# API filter names -> the store's (`user` is the audit log's `user_id`).
_STORE_NAMES = {"user": "user_id", "outcome": "outcome", "since": "since", "until": "until", "rule": "rule",
                "operation": "operation", "series": "series"}


def store_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The validated query's filters as AuditStore keyword arguments (paging left out)."""
    return {_STORE_NAMES[k]: v for k, v in filters.items() if k in _STORE_NAMES and v}


def audit_page(store: AuditStore, filters: Mapping[str, Any]) -> dict[str, Any]:
    """One page of requests (AuditStore.page, the one audit query), as JSON."""
    limit = int(filters.get("limit") or 50)
    cursor = int(filters["cursor"]) if filters.get("cursor") else None
    page = store.page(limit=limit, cursor=cursor, **store_filters(filters))
    return {"items": [public_record(r) for r in page["rows"]], "total": page["total"], "limit": limit,
            "next_cursor": page["next_cursor"]}


def public_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as JSON: JSON columns decoded, the rule list split."""
    out = dict(row)
    out["findings"] = _json(row.get("findings"), [])
    out["request_cells"] = _json(row.get("request_cells"), None)
    out["rules"] = [r for r in (row.get("rules") or "").split(",") if r]
    out["masked"] = bool(row.get("masked"))
    return out


def _json(text: Any, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


@bp.get("/admin/audit")
def admin_audit() -> Response:
    ident = _admin()
    filters = _query(_audit_query)
    page = audit_page(_service().store, filters)
    _record_read(ident, "admin:audit", filters)  # before anything is shown; 503 if it cannot be
    return jsonify(page)


@bp.get("/me/audit")
def my_audit() -> Response:
    ident = current_identity()
    filters = _query(_my_query)
    filters["user"] = ident.user_id  # staff see only their own requests, whatever they ask
    return jsonify(audit_page(_service().store, filters))


@bp.get("/admin/series")
def admin_series() -> Response:
    ident = _admin()
    filters = _query(_series_query)
    svc = _service()
    _record_read(ident, "admin:series", filters)
    return jsonify(series_page(svc, filters))


def series_page(svc: AssistantService, filters: Mapping[str, Any], *, nearest_first: bool = False) -> dict[str, Any]:
    """People counted per user and series against the limit (oasis-2): most recently updated
    first, or with `nearest_first` the fullest first (the console's order)."""
    rows = svc.store.person_ledger().series_totals(filters.get("user"))
    if nearest_first:
        rows = sorted(rows, key=lambda r: (-int(r["total"]), str(r["updated_at"])))
    limit = svc.settings.person_limit
    page = rows[filters["offset"]:filters["offset"] + filters["limit"]]
    items = [{"user_id": r["user_id"], "series": r["series"], "total": int(r["total"]),
              "updated_at": r["updated_at"], "remaining": max(0, limit - 1 - int(r["total"])),
              "level": series_level(int(r["total"]), limit)} for r in page]
    return {"items": items, "total": len(rows), "person_limit": limit}


def series_level(total: int, limit: int) -> str:
    """`over` at the limit (oasis-2 allows fewer than `limit`), `near` from 80 % or one short, else `ok`."""
    if total >= limit - 1:
        return "over" if total >= limit else "near"
    return "near" if total >= 0.8 * limit else "ok"
