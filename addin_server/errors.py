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
    message = "指定されたものが見つかりません。"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"
    message = "送信データが大きすぎます。選択範囲を小さく分けて実行してください。"


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
