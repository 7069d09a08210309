"""HTTP API v1 (see shared/CONTRACTS.md). Thin: parse, identify, hand to the service, answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context
from marshmallow import Schema, ValidationError

from addin_server.api.schemas import CheckRequestSchema, OperationRequestSchema, dump_check, dump_operation
from addin_server.auth import current_identity
from addin_server.errors import BadRequest
from addin_server.service import AssistantService
from addin_server.services import services

bp = Blueprint("api", __name__, url_prefix="/api/v1")
health_bp = Blueprint("health", __name__)

_check_schema = CheckRequestSchema()
_operation_schema = OperationRequestSchema()


def service() -> AssistantService:
    return services().service


def load_body(schema: Schema) -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # Python's json parser recurses: absurd nesting is malformed input, not a server error.
        raise BadRequest("JSON の入れ子が深すぎます。", code="invalid_json") from None
    if body is None:
        if not request.is_json:
            raise BadRequest("Content-Type: application/json の JSON を送ってください。", code="invalid_json")
        raise BadRequest("JSON の形式が正しくありません。", code="invalid_json")
    if not isinstance(body, dict):
        raise BadRequest("JSON はオブジェクト（{…}）で送ってください。", code="invalid_json")
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise BadRequest("入力内容に誤りがあります。", code="invalid_request",
                         details={"fields": exc.messages}) from exc


def _operation_body(operation: str) -> dict[str, Any]:
    data = load_body(_operation_schema)
    if data.get("operation") not in (None, operation):
        raise BadRequest("入力内容に誤りがあります。", code="invalid_request",
                         details={"fields": {"operation": [f"このエンドポイントでは {operation} を指定してください。"]}})
    data.pop("operation", None)
    return data


def _respond(payload: dict[str, Any]) -> tuple[Response, int]:
    return jsonify(payload), (200 if payload.get("allowed") else 422)


@bp.post("/check")
def check() -> tuple[Response, int]:
    data = load_body(_check_schema)
    identity = current_identity()
    result = service().check(identity, data.pop("operation"), **data)
    return jsonify(dump_check({"allowed": result.allowed, "findings": [f.to_dict() for f in result.findings],
                               "persons": result.persons.to_dict()})), 200


@bp.post("/summarize")
def summarize() -> tuple[Response, int]:
    data = _operation_body("summarize")
    return _respond(dump_operation(service().run(current_identity(), "summarize", **data).to_response()))


@bp.post("/proofread")
def proofread() -> tuple[Response, int]:
    data = _operation_body("proofread")
    return _respond(dump_operation(service().run(current_identity(), "proofread", **data).to_response()))


@bp.post("/summarize/stream")
def summarize_stream() -> Response:
    """Server-sent events: `delta` chunks, then one `result` or `error` event.

    The prompt's record is written before the response starts (503 JSON if it cannot be), so no
    delta leaves unrecorded; `result` comes only after the answer's record, else `error`."""
    data = _operation_body("summarize")
    identity = current_identity()
    events = service().stream(identity, **data)

    def generate() -> Iterator[str]:
        yield ": stream open\n\n"  # flush headers at once so the pane can show progress
        for event, payload in events:
            if event == "result" or (event == "error" and "allowed" in payload):
                payload = dump_operation(payload)  # the same body as /summarize's 200 or 422
            yield f"event: {event}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"

    return Response(stream_with_context(generate()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.get("/config")
def pane_config() -> Response:
    """What the task pane needs to know about this server (no secrets)."""
    s = service().settings
    return jsonify({
        "auth_mode": s.auth_mode,
        "profile": s.profile,
        "person_limit": s.person_limit,
        "max_prompt_chars": s.max_prompt_chars,
        "entra_client_id": s.get("ENTRA_AUDIENCE") if s.auth_mode == "entra" else None,
        "incident_contact": s.incident_contact,
        "model": service().gateway.describe(),
    })


@health_bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@health_bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready when the database answers and the audit store can take its write lock within
    READY_LOCK_TIMEOUT (a stuck session holding it stalls every write: drain this instance).
    The model endpoint is not a readiness factor: start-up refuses a configuration without one."""
    svc = service()
    database = svc.store.ping()
    audit_lock = database and svc.store.can_lock(svc.settings.ready_lock_timeout)
    ready = database and audit_lock
    return jsonify({"ready": ready, "database": database, "audit_lock": audit_lock,
                    "provider": svc.settings.llm_provider}), (200 if ready else 503)
