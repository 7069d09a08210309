"""Request schemas at the HTTP edge (marshmallow). Error messages are Japanese."""

from __future__ import annotations

import math
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

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
