"""One JSON error shape for every failure: `{"error": {"code", "message", ...}}`.

Messages are Japanese and say what the person can do; no stack trace ever leaves the server.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a Japanese message for staff."""

    status = 500
    code = "internal_error"
    message = "サーバーで予期しないエラーが発生しました。時間をおいて再度お試しください。解決しない場合は管理者に連絡してください。"

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class BadRequest(ApiError):
    status, code = 400, "bad_request"
    message = "リクエストの形式が正しくありません。"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"
    message = "サインインが必要です。Office にサインインし直してから、もう一度お試しください。"


class Forbidden(ApiError):
    status, code = 403, "forbidden"
    message = "この操作は許可されていません。"


class NotFound(ApiError):
    status, code = 404, "not_found"
    message = "指定されたページや機能が見つかりません。"


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"
    message = "この方法（HTTP メソッド）では利用できません。"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"
    message = "送信データが大きすぎます。選択範囲を小さく分けて実行してください。"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"
    message = "Content-Type: application/json の JSON を送ってください。"


class PolicyBlocked(ApiError):
    """The guideline's rules refused the request (422); the body also carries the findings."""

    status, code = 422, "policy_blocked"
    message = "ガイドラインのルールにより、この内容は送信できません。表示された指摘を確認してください。"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"
    message = "短時間に多くの依頼がありました。少し待ってから再度お試しください。"
    template = "短時間に多くの依頼がありました。{seconds} 秒ほど待ってから再度お試しください。"

    @classmethod
    def after(cls, seconds: int) -> RateLimited:
        return cls(cls.template.format(seconds=seconds), headers={"Retry-After": str(seconds)})


class ModelError(ApiError):
    """The model endpoint failed; status 502 (bad answer), 503 (unavailable/rate) or 504 (timeout)."""

    status, code = 502, "model_error"
    message = "AI モデルから正しい応答が得られませんでした。時間をおいて再度お試しください。"


class ModelUnavailable(ModelError):
    status, code = 503, "model_unavailable"
    message = "AI モデルが混み合っているか利用できません。数分おいてから再度お試しください。"


class ModelTimeout(ModelError):
    status, code = 504, "model_timeout"
    message = "AI モデルの応答が時間内に返りませんでした。選択範囲を短くするか、時間をおいて再度お試しください。"


class AuditUnavailable(ApiError):
    """The audit store cannot record; under every profile nothing is returned unrecorded.

    Raised before the model is called: the text was not sent and nobody was counted."""

    status, code = 503, "audit_unavailable"
    message = ("記録（ログ）を保存できないため、処理を行いませんでした。文章は AI モデルに送信していません"
               "（ルール cloud-4 / oasis-log）。時間をおいて再度お試しください。解決しない場合は管理者に連絡してください。")


class AnswerNotRecorded(AuditUnavailable):
    """The prompt reached the model, but its answer could not be recorded, so it is not shown."""

    code = "answer_not_recorded"
    message = ("文章は AI モデルに送信され、依頼の記録は保存されましたが、回答を記録（ログ）に保存できなかったため、"
               "回答は表示しません（ルール oasis-log）。時間をおいて再度お試しください。解決しない場合は管理者に連絡してください。")


# The class that speaks for each HTTP status werkzeug or an extension may raise on its own.
BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls
    for cls in (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, PayloadTooLarge,
                UnsupportedMediaType, PolicyBlocked, RateLimited, ModelError, ModelUnavailable, ModelTimeout)
}


def for_status(status: int) -> ApiError:
    """The one error for an HTTP status (500's wording for a status we do not name)."""
    cls = BY_STATUS.get(status)
    return cls() if cls is not None else ApiError(status=status, code="http_error",
                                                  message="リクエストを処理できませんでした。")


MAX_ECHOED_KEY = 64


def echo_key(key: object) -> str:
    """A client-supplied field name made safe to echo in `fields`: lone surrogates and control
    characters become `\\u` + four hex digits as text (raw ones cannot be encoded, and a 500 would follow), and a
    long name is cut so an error never carries the client's payload back."""
    text = str(key)
    out = []
    for ch in text[:MAX_ECHOED_KEY]:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF or code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(text) > MAX_ECHOED_KEY else "")


MAX_UNKNOWN_FIELDS = 20


def known_messages(messages: dict[Any, Any], unknown: str) -> dict[Any, Any]:
    """marshmallow's error dict with its English "Unknown field." in Japanese, and every
    client-supplied key escaped (echo_key); at most MAX_UNKNOWN_FIELDS unknown keys are named."""
    out: dict[Any, Any] = {}
    unknown_seen = 0
    for key, value in messages.items():
        if value == ["Unknown field."]:
            unknown_seen += 1
            if unknown_seen > MAX_UNKNOWN_FIELDS:
                continue
            value = [unknown]
        out[echo_key(key) if isinstance(key, str) else key] = value
    return out
