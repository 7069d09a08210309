"""Request schemas at the HTTP edge (marshmallow). Error messages are Japanese."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from addin_server.errors import known_messages

MSG = {
    "required": "必須の項目です。",
    "null": "空にはできません。",
    "invalid": "形式が正しくありません。",
    "unknown": "不明な項目です。",
}
# "Has content": a character outside ECMAScript's \s, so the OpenAPI document's pattern and this
# check agree exactly (Python's str.isspace() differs on \x1c-\x1f, \x85 and \ufeff).
CONTENT_PATTERN = "[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_CONTENT = re.compile(CONTENT_PATTERN)
MAX_ROWS = 200_000
MAX_COLS = 1_000
MAX_INSTRUCTION = 2_000


class CellField(fields.Field):
    """One Excel cell value: string, finite number, boolean or null."""

    default_error_messages = {  # noqa: RUF012 (marshmallow declares it per instance)
        "invalid": "セルの値は文字列・数値・真偽値・空のいずれかにしてください。"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is None or isinstance(value, str | bool):
            return value
        if isinstance(value, int):
            if abs(value) > 10**30:
                raise self.make_error("invalid")
            return value
        if isinstance(value, float) and math.isfinite(value):
            return value
        raise self.make_error("invalid")


def _str(**kw: Any) -> fields.String:
    return fields.String(error_messages={**MSG, "invalid": "文字列で指定してください。"}, **kw)


class OperationRequestSchema(Schema):
    class Meta:
        unknown = "raise"

    text = _str(load_default=None, allow_none=True)
    cells = fields.List(fields.List(CellField(allow_none=True), error_messages={**MSG, "invalid": "行は配列で指定してください。"}),
                        load_default=None, allow_none=True,
                        error_messages={**MSG, "invalid": "cells は2次元配列で指定してください。"})
    host = _str(required=True, validate=validate.OneOf(["word", "excel"], error="word か excel を指定してください。"))
    operation = _str(load_default=None, allow_none=True,
                     validate=validate.OneOf(["summarize", "proofread"], error="summarize か proofread を指定してください。"))
    series_id = _str(load_default=None, allow_none=True,
                     validate=validate.Length(max=200, error="作業名は200文字以内にしてください。"))
    instruction = _str(load_default=None, allow_none=True,
                       validate=validate.Length(max=MAX_INSTRUCTION, error=f"指示は{MAX_INSTRUCTION}文字以内にしてください。"))

    def handle_error(self, error: ValidationError, data: Any, **kwargs: Any) -> None:
        # marshmallow's own message for unknown fields is English; say it in Japanese.
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        # Unknown keys are the client's own text: echo them escaped (a lone surrogate cannot be
        # encoded in the answer) and never more than a few.
        raise ValidationError(known_messages(messages, MSG["unknown"]))

    @validates_schema
    def _content(self, data: dict[str, Any], **kwargs: Any) -> None:
        text, cells = data.get("text"), data.get("cells")
        has_cells = cells is not None and any(
            c is not None and (not isinstance(c, str) or _CONTENT.search(c)) for row in cells for c in row)
        if not (text and _CONTENT.search(text)) and not has_cells:
            raise ValidationError("text か cells のどちらかに内容を入れてください。", "text")
        if cells and (len(cells) > MAX_ROWS or any(len(row) > MAX_COLS for row in cells)):
            raise ValidationError(f"cells は {MAX_ROWS:,} 行 × {MAX_COLS:,} 列までです。", "cells")
        for name in ("text", "instruction", "series_id"):
            if data.get(name) is not None and not _clean(data[name]):
                raise ValidationError("使えない文字（NUL や不正なサロゲート）が含まれています。", name)
        if cells and not all(_clean(c) for row in cells for c in row if isinstance(c, str)):
            raise ValidationError("使えない文字（NUL や不正なサロゲート）が含まれています。", "cells")


def _clean(value: str) -> bool:
    """False for NUL and lone surrogates (which cannot be stored or shown)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class CheckRequestSchema(OperationRequestSchema):
    operation = _str(required=True,
                     validate=validate.OneOf(["summarize", "proofread"], error="summarize か proofread を指定してください。"))


# -- response schemas: responses are dumped through these and the OpenAPI document is built from them
class ResponseSchema(Schema):
    """Answers may grow new keys; clients must ignore what they do not know."""

    class Meta:
        unknown = INCLUDE


class SpanSchema(ResponseSchema):
    start = fields.Integer()
    end = fields.Integer()
    row = fields.Integer()
    col = fields.Integer()


class FindingSchema(ResponseSchema):
    rule = fields.String(required=True, metadata={"description": "ガイドラインのルール ID（RULES.md）"})
    severity = fields.String(required=True, metadata={"enum": ["block", "warn", "info"]})
    message = fields.String(required=True)
    spans = fields.List(fields.Nested(SpanSchema), required=True)
    data = fields.Dict()


class PersonsSchema(ResponseSchema):
    request = fields.Integer(required=True)
    series_total = fields.Integer(required=True)
    limit = fields.Integer(required=True)


class EditSchema(ResponseSchema):
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    original = fields.String(required=True)
    replacement = fields.String(required=True)
    reason = fields.String(required=True)
    row = fields.Integer()
    col = fields.Integer()
    source = fields.String(metadata={"enum": ["rules", "model"],
                                     "description": "校正の出所: 公用文ルール（rules）か AI モデル（model）か"})
    rule = fields.String(metadata={"description": "ルールの ID（source が rules のとき。例: kobun.keishiki-meishi）"})
    convention = fields.String(metadata={"description": "根拠とした表記の基準（例: 公用文作成の考え方（2022））"})


class NoteSchema(ResponseSchema):
    """A span worth a second look where the rules see no single right fix (no replacement)."""

    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    original = fields.String(required=True)
    reason = fields.String(required=True)
    rule = fields.String(required=True)
    convention = fields.String(required=True)
    row = fields.Integer()
    col = fields.Integer()


class ResultSchema(ResponseSchema):
    text = fields.String(required=True)
    edits = fields.List(fields.Nested(EditSchema), required=True)
    cells = fields.List(fields.List(CellField(allow_none=True)))
    notes = fields.List(fields.Nested(NoteSchema), metadata={
        "description": "校正のみ: 置き換え案のない指摘（位置は要求テキストのコードポイント、セルでは row/col 付き）"})


class ErrorDetailSchema(ResponseSchema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    field_errors = fields.Dict(data_key="fields", metadata={"description": "項目ごとの誤り（400）"})
    retry_after = fields.Integer(metadata={"description": "再試行までの秒数（429）"})


class ErrorSchema(ResponseSchema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class CheckResponseSchema(ResponseSchema):
    allowed = fields.Boolean(required=True)
    findings = fields.List(fields.Nested(FindingSchema), required=True)
    persons = fields.Nested(PersonsSchema, required=True)


class OperationResponseSchema(ResponseSchema):
    request_id = fields.String(required=True)
    allowed = fields.Boolean(required=True, metadata={"const": True})
    result = fields.Nested(ResultSchema, required=True)
    findings = fields.List(fields.Nested(FindingSchema), required=True)
    model = fields.String(required=True)
    review_required = fields.Boolean(required=True, metadata={"const": True})
    persons = fields.Nested(PersonsSchema, required=True)


class BlockedResponseSchema(ResponseSchema):
    request_id = fields.String(required=True)
    allowed = fields.Boolean(required=True, metadata={"const": False})
    findings = fields.List(fields.Nested(FindingSchema), required=True)
    persons = fields.Nested(PersonsSchema, required=True)
    error = fields.Nested(ErrorDetailSchema, required=True)


_OPERATION = OperationResponseSchema()
_BLOCKED = BlockedResponseSchema()
_CHECK = CheckResponseSchema()


def dump_operation(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An operation's answer through its schema: the 200 body, or the 422 body when blocked."""
    return (_OPERATION if payload.get("allowed") else _BLOCKED).dump(payload)


def dump_check(payload: Mapping[str, Any]) -> dict[str, Any]:
    return _CHECK.dump(payload)
