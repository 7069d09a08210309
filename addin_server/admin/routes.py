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

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from addin_server.admin.schemas import AuditQuerySchema, MyAuditQuerySchema, SeriesQuerySchema
from addin_server.audit.store import (
    INTERRUPTED,
    PENDING,
    AuditRecord,
    AuditStore,
    audit_records,
    completed_clause,
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


def _where(query: Any, filters: Mapping[str, Any], stale_before: str) -> Any:
    c = audit_records.c
    # One row per request: a pending record whose answer (or failure) was recorded later is
    # shown through that later record; one never completed is `interrupted` once its grace
    # time is over (`pending` before).
    query = query.where(sa.not_(completed_clause()))
    if filters.get("user"):
        query = query.where(c.user_id == filters["user"])
    if filters.get("outcome") == INTERRUPTED:
        query = query.where(c.outcome == PENDING, c.created_at < stale_before)
    elif filters.get("outcome") == PENDING:
        query = query.where(c.outcome == PENDING, c.created_at >= stale_before)
    elif filters.get("outcome"):
        query = query.where(c.outcome == filters["outcome"])
    if filters.get("since"):
        query = query.where(c.created_at >= filters["since"])
    if filters.get("until"):
        query = query.where(c.created_at < filters["until"])
    if filters.get("rule"):
        query = query.where((sa.literal(",") + c.rules + sa.literal(",")).contains(f",{filters['rule']},"))
    if filters.get("operation"):
        query = query.where(c.operation == filters["operation"])
    if filters.get("series"):
        query = query.where(c.series_id == filters["series"])
    return query


def outcome_counts(store: AuditStore, filters: Mapping[str, Any]) -> dict[str, int]:
    """How many requests of each outcome match the filters (the cursor and outcome aside);
    a pending record past its grace time counts as `interrupted`, as the listing shows it."""
    wide = {k: v for k, v in filters.items() if k not in ("outcome", "cursor", "limit")}
    stale = store.stale_before()
    c = audit_records.c
    shown = sa.case((sa.and_(c.outcome == PENDING, c.created_at < stale), sa.literal(INTERRUPTED)),
                    else_=c.outcome).label("shown")
    query = _where(sa.select(shown, sa.func.count()).select_from(audit_records), wide, stale)
    with store.reader.connect() as conn:
        return {str(o): int(n) for o, n in conn.execute(query.group_by(shown))}


def shown_outcome(row: dict[str, Any], stale_before: str) -> dict[str, Any]:
    """A record as the log reads it: a pending one past its grace time is `interrupted`."""
    if row.get("outcome") == PENDING and str(row.get("created_at")) < stale_before:
        row["outcome"] = INTERRUPTED  # the prompt reached the model; no answer was recorded
    return row


def audit_page(store: AuditStore, filters: Mapping[str, Any]) -> dict[str, Any]:
    """One page, newest first; the cursor is the `seq` below which the next page starts."""
    limit = int(filters.get("limit") or 50)
    stale = store.stale_before()
    query = _where(audit_records.select(), filters, stale)
    if filters.get("cursor"):
        query = query.where(audit_records.c.seq < int(filters["cursor"]))
    query = query.order_by(audit_records.c.seq.desc()).limit(limit + 1)
    count = _where(sa.select(sa.func.count()).select_from(audit_records), filters, stale)
    with store.reader.connect() as conn:  # reads never take the write lock
        rows = [dict(r._mapping) for r in conn.execute(query)]
        total = int(conn.execute(count).scalar_one())
    more = len(rows) > limit
    rows = rows[:limit]
    rows = [shown_outcome(r, stale) for r in rows]
    return {"items": [public_record(r) for r in rows], "total": total, "limit": limit,
            "next_cursor": str(rows[-1]["seq"]) if more and rows else None}


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
    rows = svc.store.person_ledger().series_totals(filters.get("user"))
    limit = svc.settings.person_limit
    page = rows[filters["offset"]:filters["offset"] + filters["limit"]]
    items = [{"user_id": r["user_id"], "series": r["series"], "total": int(r["total"]),
              "updated_at": r["updated_at"], "remaining": max(0, limit - 1 - int(r["total"]))} for r in page]
    return jsonify({"items": items, "total": len(rows), "person_limit": limit})
