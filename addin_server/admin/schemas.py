"""Query and response schemas of the audit endpoints (marshmallow; messages in Japanese)."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from addin_server.audit.times import OutOfRange, to_log_time
from addin_server.errors import known_messages

OUTCOMES = ("allowed", "blocked", "failed", "checked", "rejected", "read", "purge", "pending", "interrupted",
            "upgrade")
RULE_PATTERN = r"^[a-z]+(-[a-z0-9]+)*$"
MAX_PAGE = 200
MSG = {"required": "必須の項目です。", "null": "空にはできません。", "invalid": "形式が正しくありません。"}


class Instant(fields.Field):
    """An ISO 8601 date (`2026-04-01`, midnight UTC) or date-time; naive times are UTC.

    Deserializes to the audit log's own text form so it compares correctly with `created_at`.
    """

    default_error_messages = {  # noqa: RUF012 (marshmallow declares it per instance)
        "invalid": "日付または日時を ISO 8601 形式（例: 2026-04-01 または 2026-04-01T09:00:00+09:00）で指定してください。",
        "range": "日時が扱える範囲（UTC で西暦1年1月1日〜9999年12月31日）を超えています。"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return self.parse(value)

    def parse(self, value: Any) -> str:
        if not isinstance(value, str) or len(value) > 64:
            raise self.make_error("invalid")
        try:
            return to_log_time(value)
        except OutOfRange:
            raise self.make_error("range") from None
        except ValueError:
            raise self.make_error("invalid") from None


def _str(**kw: Any) -> fields.String:
    return fields.String(error_messages={**MSG, "invalid": "文字列で指定してください。"}, **kw)


class _Strict(Schema):
    class Meta:
        unknown = "raise"

    def handle_error(self, error: ValidationError, data: Any, **kwargs: Any) -> None:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise ValidationError(known_messages(messages, "不明な項目です。"))


class MyAuditQuerySchema(_Strict):
    """Filters a member of staff may use on their own records."""

    since = Instant(metadata={"description": "この日時以降（ISO 8601、日付のみは UTC 0 時）"})
    until = Instant(metadata={"description": "この日時より前"})
    rule = _str(validate=validate.Regexp(RULE_PATTERN, error="ルール ID（例: oasis-1）で指定してください。"),
                metadata={"description": "指摘されたルール ID（例: oasis-1）"})
    outcome = _str(validate=validate.OneOf(OUTCOMES, error=f"{' / '.join(OUTCOMES)} のいずれかを指定してください。"))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PAGE, error=f"1〜{MAX_PAGE} で指定してください。"),
                           error_messages={**MSG, "invalid": "整数で指定してください。"})
    cursor = _str(validate=validate.Regexp(r"^[1-9][0-9]{0,17}$", error="前の応答の next_cursor を指定してください。"),
                  metadata={"description": "前のページの応答にある next_cursor"})
    operation = _str(validate=validate.Regexp(r"^[a-z]+(:[a-z]+)?$", error="操作名（例: summarize）で指定してください。"),
                     metadata={"description": "操作（summarize, proofread, check, admin:audit …）"})
    series = _str(validate=validate.Length(1, 256, error="一連の処理の識別子は1〜256文字で指定してください。"),
                  metadata={"description": "一連の処理の識別子（series_id）"})


class AuditQuerySchema(MyAuditQuerySchema):
    """Administrators may also filter by user."""

    user = _str(validate=validate.Length(1, 256, error="利用者 ID は1〜256文字で指定してください。"),
                metadata={"description": "利用者 ID（Entra の oid、開発モードでは dev:名前）"})


class SeriesQuerySchema(_Strict):
    user = _str(validate=validate.Length(1, 256, error="利用者 ID は1〜256文字で指定してください。"))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000, error="1〜1000 で指定してください。"),
                           error_messages={**MSG, "invalid": "整数で指定してください。"})
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10**9, error="0 以上で指定してください。"),
                            error_messages={**MSG, "invalid": "整数で指定してください。"})


# -- responses (documented in the OpenAPI document) -----------------------------------------
class _Open(Schema):
    class Meta:
        unknown = INCLUDE  # answers may grow new keys; clients ignore what they do not know


class AuditRecordSchema(_Open):
    seq = fields.Integer(required=True)
    request_id = fields.String(required=True)
    created_at = fields.String(required=True)
    user_id = fields.String(required=True)
    user_display = fields.String(allow_none=True, required=True)
    client_addr = fields.String(allow_none=True, required=True)
    host = fields.String(allow_none=True, required=True)
    operation = fields.String(required=True)
    profile = fields.String(required=True)
    series_id = fields.String(allow_none=True, required=True)
    request_text = fields.String(allow_none=True, required=True)
    request_cells = fields.Raw(allow_none=True, required=True, metadata={"description": "セル値の2次元配列"})
    instruction = fields.String(allow_none=True, required=True)
    response_text = fields.String(allow_none=True, required=True)
    findings = fields.List(fields.Raw(), required=True)
    rules = fields.List(fields.String(), required=True)
    model = fields.String(allow_none=True, required=True)
    prompt_tokens = fields.Integer(allow_none=True, required=True)
    completion_tokens = fields.Integer(allow_none=True, required=True)
    latency_ms = fields.Integer(allow_none=True, required=True)
    outcome = fields.String(required=True)
    error_code = fields.String(allow_none=True, required=True)
    masked = fields.Boolean(required=True)
    prev_hash = fields.String(required=True)
    record_hash = fields.String(required=True)


class AuditPageSchema(_Open):
    items = fields.List(fields.Nested(AuditRecordSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "条件に合う記録の総数"})
    limit = fields.Integer(required=True)
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "次のページ（古い記録）を読むときの cursor。最後なら null"})


class SeriesItemSchema(_Open):
    user_id = fields.String(required=True)
    series = fields.String(required=True)
    total = fields.Integer(required=True)
    updated_at = fields.String(required=True)
    remaining = fields.Integer(required=True, metadata={"description": "上限までに数えられる残りの人数"})
    level = fields.String(required=True, metadata={"description": "ok / near（上限の8割以上）/ over（上限に到達）"})


class SeriesPageSchema(_Open):
    items = fields.List(fields.Nested(SeriesItemSchema), required=True)
    total = fields.Integer(required=True)
    person_limit = fields.Integer(required=True)
