"""The OpenAPI 3.1 document of API v1, generated from the marshmallow schemas (apispec).

Request bodies come from `addin_server.api.schemas`, query strings and audit responses from
`addin_server.admin.schemas`; the answers of the generation endpoints are described here. Served
at `GET /api/v1/openapi.json`; schemathesis fuzzes the service against it in CI.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response, jsonify
from marshmallow import fields

from addin_server.admin.schemas import (
    AuditPageSchema,
    AuditQuerySchema,
    Instant,
    MyAuditQuerySchema,
    SeriesPageSchema,
    SeriesQuerySchema,
)
from addin_server.api.disclosure import DisclosureCheckRequestSchema
from addin_server.api.schemas import (
    CONTENT_PATTERN,
    BlockedResponseSchema,
    CellField,
    CheckRequestSchema,
    CheckResponseSchema,
    ErrorSchema,
    OperationRequestSchema,
    OperationResponseSchema,
    ResponseSchema,
)
from addin_server.services import services

OPENAPI_VERSION = "3.1.0"
NO_NUL = "^[^\\x00]*$"  # NUL cannot be stored or shown: answered 400
CELL_SCHEMA = {"type": ["string", "number", "boolean", "null"], "pattern": NO_NUL}
SSE_EVENT = {"type": "object", "required": ["event", "data"],
             "properties": {"event": {"enum": ["delta", "result", "error"]}, "data": {"type": "string"}}}
# "text or cells must have content" cannot be said per field: it is one rule over the body.
HAS_CONTENT = [
    {"required": ["text"], "properties": {"text": {"type": "string", "pattern": CONTENT_PATTERN}}},
    # at least one row holding at least one non-blank cell
    {"required": ["cells"], "properties": {"cells": {"type": "array", "contains": {
        "type": "array", "contains": {"anyOf": [{"type": "string", "pattern": CONTENT_PATTERN},
                                                 {"type": ["number", "boolean"]}]}}}}},
]


Schema = ResponseSchema  # the server's other answers follow the same rule


class PaneConfigSchema(Schema):
    auth_mode = fields.String(required=True)
    profile = fields.String(required=True)
    person_limit = fields.Integer(required=True)
    max_prompt_chars = fields.Integer(required=True)
    entra_client_id = fields.String(allow_none=True, required=True)
    incident_contact = fields.String(required=True)
    model = fields.String(required=True)


class DisclosureEditSchema(Schema):
    n = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "modified", "unmodified", "missing"]})
    tagged = fields.Boolean(required=True)


class DisclosureInsertionSchema(Schema):
    id = fields.String(required=True)
    operation = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "modified", "unmodified", "missing"]})
    tagged = fields.Boolean(required=True)
    edits = fields.List(fields.Nested(DisclosureEditSchema),
                        metadata={"description": "編集ごとの来歴を持つ校正（契約3）のときだけ"})


class DisclosureItemSchema(Schema):
    key = fields.String(required=True, metadata={"description": "依頼ID、または編集ごとの「依頼ID#n」"})
    id = fields.String(required=True)
    edit = fields.Integer(allow_none=True, required=True)
    operation = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "modified", "unmodified", "missing"]})
    tagged = fields.Boolean(required=True, metadata={"description": "開示コメントが既にある"})
    text = fields.String(required=True, metadata={"description": "生成AIが出力した文字列（来歴の記録）"})
    tag = fields.String(allow_none=True, required=True, metadata={"description": "Word: それを囲むコンテンツ コントロールのタグ"})
    cell = fields.String(allow_none=True, required=True, metadata={"description": "Excel: 'シート'!A1"})
    disclosure = fields.String(allow_none=True, required=True,
                               metadata={"description": "無編集のとき、一括タグ付けツールが付ける開示コメントの本文"})
    author = fields.String(allow_none=True, required=True)


class DisclosureCountsSchema(Schema):
    pending = fields.Integer(required=True)
    modified = fields.Integer(required=True)
    unmodified = fields.Integer(required=True)
    missing = fields.Integer(required=True)


class DisclosureCheckResponseSchema(Schema):
    request_id = fields.String(required=True)
    rule = fields.String(required=True, metadata={"const": "common-8"})
    insertions = fields.List(fields.Nested(DisclosureInsertionSchema), required=True,
                             metadata={"description": "一括タグ付けツールの報告書と同じ行"})
    items = fields.List(fields.Nested(DisclosureItemSchema), required=True)
    counts = fields.Nested(DisclosureCountsSchema, required=True)
    blocking = fields.Boolean(required=True, metadata={"description": "確認待ちがあり公開できない"})


class HealthSchema(Schema):
    status = fields.String(required=True)


class ReadySchema(Schema):
    ready = fields.Boolean(required=True)
    database = fields.Boolean(required=True)
    audit_lock = fields.Boolean(required=True, metadata={
        "description": "監査ログの書き込みロックを READY_LOCK_TIMEOUT 以内に取得できるか"})
    provider = fields.String(required=True)


# -- the document ---------------------------------------------------------------------------
def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {400: "入力の誤り", 401: "サインインが必要", 403: "ネットワークまたは権限により拒否", 413: "大きすぎる",
            429: "依頼が多すぎる（Retry-After）", 502: "モデルの誤応答", 503: "モデルまたは記録が利用できない",
            504: "モデルの時間切れ"}
    return {str(s): _json("Error", text[s]) for s in statuses}


def _custom_fields(converter: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """JSON Schema for the project's own field classes, which apispec cannot infer."""
    if isinstance(field, CellField):
        return dict(CELL_SCHEMA)
    if isinstance(field, Instant):
        return {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}],
                "examples": ["2026-04-01", "2026-04-01T09:00:00+09:00"]}
    return {}


def build_spec(auth_mode: str = "entra") -> dict[str, Any]:
    """The document for a server in `auth_mode`: it names only the credentials that server takes."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="oasis-addin API",
        version="1",
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        info={"description": "大阪市生成AI利用ガイドライン（第2.1版）に沿った Word/Excel アドインのサーバー API"},
    )
    plugin.converter.add_attribute_function(_custom_fields)  # type: ignore[union-attr]
    if auth_mode == "entra":
        spec.components.security_scheme("entra", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                                  "description": "Entra ID のアクセス トークン（scope access_as_user）"})
    else:
        spec.components.security_scheme("dev", {"type": "apiKey", "in": "header", "name": "X-Oasis-User",
                                                "description": "開発モードのみ（ループバックからのみ有効）"})
    for name, schema in [
        ("OperationRequest", OperationRequestSchema), ("CheckRequest", CheckRequestSchema),
        ("CheckResponse", CheckResponseSchema), ("OperationResponse", OperationResponseSchema),
        ("BlockedResponse", BlockedResponseSchema), ("Error", ErrorSchema), ("PaneConfig", PaneConfigSchema),
        ("AuditPage", AuditPageSchema), ("SeriesPage", SeriesPageSchema), ("Health", HealthSchema),
        ("Ready", ReadySchema), ("DisclosureCheckRequest", DisclosureCheckRequestSchema),
        ("DisclosureCheckResponse", DisclosureCheckResponseSchema),
    ]:
        spec.components.schema(name, schema=schema)
    secured: list[dict[str, list[str]]] = [{"entra": []}] if auth_mode == "entra" else [{"dev": []}]
    post_errors = _errors(400, 401, 403, 413, 429)
    model_errors = _errors(502, 503, 504)

    def body(name: str, operation: str | None = None) -> dict[str, Any]:
        schema: Any = name
        if operation:  # the body may name the operation, but only this endpoint's
            schema = {"allOf": [{"$ref": f"#/components/schemas/{name}"},
                                {"properties": {"operation": {"enum": [operation, None]}}}]}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    spec.path(path="/api/v1/check", operations={"post": {
        "summary": "送信前の確認（記録のみ、人数台帳には数えない）", "security": secured,
        "requestBody": body("CheckRequest"),
        "responses": {"200": _json("CheckResponse", "確認結果"), **post_errors, **_errors(503)}}})
    for op, title in (("summarize", "要約"), ("proofread", "校正")):
        spec.path(path=f"/api/v1/{op}", operations={"post": {
            "summary": title, "security": secured, "requestBody": body("OperationRequest", op),
            "responses": {"200": _json("OperationResponse", "結果（要確認）"),
                          "422": _json("BlockedResponse", "ガイドラインのルールにより送信不可"),
                          **post_errors, **model_errors}}})
    spec.path(path="/api/v1/summarize/stream", operations={"post": {
        "summary": "要約（server-sent events）", "security": secured,
        "requestBody": body("OperationRequest", "summarize"),
        "responses": {"200": {"description": "delta / result / error イベント（data は JSON）",
                              "content": {"text/event-stream": {"schema": SSE_EVENT}}},
                      **post_errors, **_errors(503)}}})
    spec.path(path="/api/v1/disclosure/check", operations={"post": {
        "summary": "公開前チェック（共通ルール8）：文書内の生成AI出力の状態と開示コメント", "security": secured,
        "requestBody": body("DisclosureCheckRequest"),
        "responses": {"200": _json("DisclosureCheckResponse", "挿入ごとの状態（一括タグ付けツールと同じ判定）"),
                      "422": _json("Error", "文書の内容を読み取れない（XML の誤り・DTD を含む・本文がない）"),
                      **post_errors, **_errors(503)}}})
    spec.path(path="/api/v1/config", operations={"get": {
        "summary": "作業ウィンドウ用の設定", "responses": {"200": _json("PaneConfig", "設定"), **_errors(403, 429)}}})
    spec.path(path="/api/v1/admin/audit", operations={"get": {
        "summary": "監査ログ（管理者）", "security": secured,
        "parameters": [{"in": "query", "schema": AuditQuerySchema}],
        "responses": {"200": _json("AuditPage", "新しい順"), **_errors(400, 401, 403, 429, 503)}}})
    spec.path(path="/api/v1/me/audit", operations={"get": {
        "summary": "自分の依頼の記録", "security": secured,
        "parameters": [{"in": "query", "schema": MyAuditQuerySchema}],
        "responses": {"200": _json("AuditPage", "新しい順"), **_errors(400, 401, 403, 429)}}})
    spec.path(path="/api/v1/admin/series", operations={"get": {
        "summary": "系列ごとの人数（管理者、ルール oasis-2）", "security": secured,
        "parameters": [{"in": "query", "schema": SeriesQuerySchema}],
        "responses": {"200": _json("SeriesPage", "更新の新しい順"), **_errors(400, 401, 403, 429, 503)}}})
    spec.path(path="/healthz", operations={"get": {
        "summary": "プロセスの生存確認", "responses": {"200": _json("Health", "稼働中")}}})
    spec.path(path="/readyz", operations={"get": {
        "summary": "利用可能か（データベース・監査ログの書き込みロック・モデル）",
        "responses": {"200": _json("Ready", "利用可能"), "503": _json("Ready", "利用不可"), **_errors(403)}}})
    spec.path(path="/api/v1/openapi.json", operations={"get": {
        "summary": "この文書", "responses": {"200": {"description": "OpenAPI 3.1",
                                                "content": {"application/json": {"schema": {"type": "object"}}}},
                                        **_errors(403, 429)}}})
    document = spec.to_dict()
    check_body = document["components"]["schemas"]["DisclosureCheckRequest"]
    # Word needs the body's OOXML, Excel the provenance rows: one rule over the body.
    check_body["anyOf"] = [
        {"properties": {"host": {"const": "word"}, "ooxml": {"type": "string", "minLength": 1}}, "required": ["ooxml"]},
        {"properties": {"host": {"const": "excel"}, "rows": {"type": "array"}}, "required": ["rows"]},
    ]
    for name in ("values", "cell_comments"):
        check_body["properties"][name]["maxProperties"] = 100_000
    # NUL is refused in every string of this body (keys too), as elsewhere in the API.
    props = check_body["properties"]
    props["ooxml"]["pattern"] = NO_NUL
    props["provenance"]["items"]["pattern"] = NO_NUL
    for name in ("values", "cell_comments"):
        props[name]["propertyNames"] = {"pattern": NO_NUL, "maxLength": 300}
    props["cell_comments"]["additionalProperties"]["pattern"] = NO_NUL
    for field in ("author", "text"):
        document["components"]["schemas"]["Comment"]["properties"][field]["pattern"] = NO_NUL
    for name in ("OperationRequest", "CheckRequest"):
        body_schema = document["components"]["schemas"][name]
        body_schema["anyOf"] = HAS_CONTENT
        for field in ("text", "instruction", "series_id"):
            body_schema["properties"][field]["pattern"] = NO_NUL
    return document


def init_app(app: Flask) -> None:
    @app.get("/api/v1/openapi.json")
    def openapi_document() -> Response:
        svc = services()
        if svc.openapi is None:
            svc.openapi = build_spec(svc.settings.auth_mode)
        return jsonify(svc.openapi)
