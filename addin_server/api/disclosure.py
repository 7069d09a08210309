"""`POST /api/v1/disclosure/check`: the task pane's 公開前チェック (rule common-8).

The pane sends what Office.js lets it read (Word: the body's OOXML, the provenance part(s) and
the comments; Excel: the provenance sheet's rows and the AI cells' values and comments). The
classification is docx_tools' own (``docx_tools.check``), the very code the batch tagger runs,
so the pane and ``oasis-addin tag`` cannot disagree. The audit record says who checked how many
insertions in which state, never the document's content.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Response, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from addin_server.api.routes import bp, load_body
from addin_server.api.schemas import MSG, CellField, _clean
from addin_server.audit.store import AuditRecord
from addin_server.auth import current_identity
from addin_server.errors import ApiError, PayloadTooLarge
from addin_server.services import services
from docx_tools import check

RULE = "common-8"
OPERATION = "disclosure:check"
# Whole documents are larger than prompts: this endpoint has its own body limit (the pane drops
# embedded pictures from the OOXML before sending, so text-heavy documents stay far below it).
MAX_CHECK_BYTES = 16 * 1024 * 1024
MAX_PARTS = 20
MAX_ROWS = 100_000
MAX_COMMENTS = 20_000
MAX_TEXT = 1_000_000


class _Base(Schema):
    class Meta:
        unknown = "raise"

    def handle_error(self, error: ValidationError, data: Any, **kwargs: Any) -> None:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise ValidationError(_japanese(messages))


def _japanese(messages: Any) -> Any:
    """marshmallow's own message for unknown fields is English; say it in Japanese."""
    if isinstance(messages, dict):
        return {k: _japanese(v) for k, v in messages.items()}
    if messages == ["Unknown field."]:
        return [MSG["unknown"]]
    return messages


def _s(max_len: int = MAX_TEXT, **kw: Any) -> fields.String:
    return fields.String(error_messages={**MSG, "invalid": "文字列で指定してください。"},
                         validate=validate.Length(max=max_len, error=f"{max_len:,} 文字までです。"), **kw)


class CommentSchema(_Base):
    author = _s(1_000, load_default="")
    text = _s(100_000, required=True)


class DisclosureCheckRequestSchema(_Base):
    """Word: `ooxml` (+ `provenance`, `comments`); Excel: `rows` (+ `values`, `cell_comments`)."""

    host = fields.String(required=True, error_messages={**MSG, "invalid": "文字列で指定してください。"},
                         validate=validate.OneOf(["word", "excel"], error="word か excel を指定してください。"))
    ooxml = fields.String(load_default=None, allow_none=True,
                          error_messages={**MSG, "invalid": "文字列で指定してください。"},
                          metadata={"description": "Word の body.getOoxml()（flat OPC）または w:document"})
    provenance = fields.List(_s(), load_default=list,
                             validate=validate.Length(max=MAX_PARTS, error=f"来歴の部品は {MAX_PARTS} 個までです。"),
                             error_messages={**MSG, "invalid": "文字列の配列で指定してください。"},
                             metadata={"description": "urn:oasis-addin:provenance:v1 のカスタム XML 部品"})
    comments = fields.List(fields.Nested(CommentSchema), load_default=list,
                           validate=validate.Length(max=MAX_COMMENTS, error=f"コメントは {MAX_COMMENTS:,} 件までです。"),
                           error_messages={**MSG, "invalid": "配列で指定してください。"})
    rows = fields.List(fields.List(CellField(allow_none=True), error_messages={**MSG, "invalid": "行は配列で指定してください。"},
                                   validate=validate.Length(max=7, error="1 行は 7 列までです。")),
                       load_default=None, allow_none=True,
                       validate=validate.Length(max=MAX_ROWS, error=f"来歴シートは {MAX_ROWS:,} 行までです。"),
                       error_messages={**MSG, "invalid": "rows は2次元配列で指定してください。"},
                       metadata={"description": "_oasis_provenance シートの見出し行より後の行"})
    values = fields.Dict(keys=_s(300), values=CellField(allow_none=True), load_default=dict,
                         error_messages={**MSG, "invalid": "セル参照をキーとするオブジェクトで指定してください。"})
    cell_comments = fields.Dict(keys=_s(300), values=_s(100_000), load_default=dict,
                                error_messages={**MSG, "invalid": "セル参照をキーとするオブジェクトで指定してください。"})

    @validates_schema
    def _per_host(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("host") == "word" and not data.get("ooxml"):
            raise ValidationError("Word では本文の OOXML（ooxml）を送ってください。", "ooxml")
        if data.get("host") == "excel" and data.get("rows") is None:
            raise ValidationError("Excel では来歴シートの行（rows）を送ってください。", "rows")
        for name in ("values", "cell_comments"):
            if len(data.get(name) or {}) > MAX_ROWS:
                raise ValidationError(f"{MAX_ROWS:,} 個までです。", name)
        if not all(_clean(s) for s in _strings(data)):
            raise ValidationError("使えない文字（NUL や不正なサロゲート）が含まれています。", "_schema")


def _strings(data: Any) -> Iterator[str]:
    """Every string of the loaded body, keys included."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _strings(value)


class UnreadableDocument(ApiError):
    status, code = 422, "unreadable_document"
    message = "文書の内容を読み取れませんでした。"


class CheckTooLarge(PayloadTooLarge):
    message = ("文書が大きすぎるため、作業ウィンドウでは確認できません（16 MiB まで）。"
               "一括タグ付けツール（oasis-addin tag）で確認してください。")


_schema = DisclosureCheckRequestSchema()


@bp.post("/disclosure/check")
def disclosure_check() -> tuple[Response, int]:
    if request.content_length is not None and request.content_length > MAX_CHECK_BYTES:
        raise CheckTooLarge()
    request.max_content_length = MAX_CHECK_BYTES  # also bounds a body sent without a length
    data = load_body(_schema)
    identity = current_identity()
    try:
        if data["host"] == "word":
            comments = [(c["author"], c["text"]) for c in data["comments"]]
            result = check.check_word(data["ooxml"], data["provenance"], comments)
        else:
            result = check.check_excel(data["rows"], data["values"], data["cell_comments"])
    except check.CheckInputError as exc:
        # Well-formed JSON whose document cannot be read: 422, like other content refusals.
        raise UnreadableDocument(exc.message, code=exc.code) from None
    body = result.to_dict()
    request_id = str(uuid.uuid4())
    svc = services().service
    # Counts only: neither the document's text nor the insertions' ids go into the log.
    summary = {"insertions": len(result.insertions), "items": len(result.items), **result.counts(),
               "untagged_unmodified": sum(1 for i in result.items if i.status == "unmodified" and not i.tagged)}
    svc.store.record(AuditRecord(
        request_id=request_id, user_id=identity.user_id, user_display=identity.display,
        client_addr=identity.client_addr, host=data["host"], operation=OPERATION, profile=svc.settings.profile,
        outcome="checked", rules=RULE, instruction=json.dumps(summary, ensure_ascii=False, sort_keys=True),
    ))
    return jsonify({"request_id": request_id, "rule": RULE, **body}), 200
