"""The disclosure vocabulary shared by every part of docx_tools (rule common-8).

The Word tagger, the Excel tagger, ``annotate`` and the report all speak these words: the
statuses an AI insertion can have, the per-insertion and per-file results, the comment author,
the content-control tag and title, and the disclosure comment with its parser. Keeping them in
one leaf module lets the Word and Excel sides import it without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

AUTHOR = "oasis-addin"
INITIALS = "AI"
CONTROL_TITLE = "生成AI出力（要確認）"
TAG_PREFIX = "oasis:"

PENDING = "pending"
MODIFIED = "modified"
UNMODIFIED = "unmodified"
MISSING = "missing"
STATUSES = (PENDING, MODIFIED, UNMODIFIED, MISSING)

# The request-id line is what makes tagging idempotent: a comment holding it is ours.
ID_LABEL = "依頼ID: "
_ID_LINE = re.compile(r"^依頼ID: (\S+)$", re.MULTILINE)


class Disclosable(Protocol):
    """What a disclosure needs to know about an insertion (provenance.Insertion has it)."""

    @property
    def id(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def created(self) -> str: ...


def disclosure_text(ins: Disclosable) -> str:
    """The Japanese disclosure comment for an insertion used without edits."""
    date = ins.created[:10] if ins.created else "不明"
    return (
        "この部分は生成AIを利用して作成し、編集せずにそのまま使用しています"
        "（大阪市生成AI利用ガイドライン 共通ルール8〔common-8〕による表示）。\n"
        f"{ID_LABEL}{ins.id}\n"
        f"モデル: {ins.model or '不明'}\n"
        f"作成日: {date}"
    )


def disclosed_ids(text: str) -> set[str]:
    """The request ids a comment text discloses (the parser of `disclosure_text`)."""
    return set(_ID_LINE.findall(text))


def discloses(text: str, ins_id: str) -> bool:
    return ins_id in disclosed_ids(text)


@dataclass
class InsertionResult:
    id: str
    operation: str
    status: str
    tagged: bool
    added: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "operation": self.operation, "status": self.status, "tagged": self.tagged}


@dataclass
class FileResult:
    path: str
    insertions: list[InsertionResult] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    written: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"path": self.path}
        if self.error is not None:
            out["error"] = self.error
        out["insertions"] = [i.to_dict() for i in self.insertions]
        return out
