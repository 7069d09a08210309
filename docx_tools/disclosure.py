"""The disclosure vocabulary shared by every part of docx_tools (rule common-8).

The Word tagger, the Excel tagger, ``annotate`` and the report all speak these words: the
statuses an AI insertion can have, the per-insertion and per-file results, the comment author,
the content-control tag and title, and the disclosure comment with its parser. Keeping them in
one leaf module lets the Word and Excel sides import it without importing each other.
"""

from __future__ import annotations

import unicodedata
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


class Disclosable(Protocol):
    """What a disclosure needs to know about an insertion (provenance.Insertion has it)."""

    @property
    def id(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def created(self) -> str: ...


def disclosure_key(ins_id: str, n: int | None = None) -> str:
    """What the disclosure's id line names: the request id, or ``<id>#<n>`` for one edit of a
    per-edit proofread (the same suffix as the edit's control tag)."""
    return ins_id if n is None else f"{ins_id}#{n}"


def disclosure_text(ins: Disclosable, n: int | None = None) -> str:
    """The Japanese disclosure comment for an insertion (or one edit of it) used without edits."""
    date = ins.created[:10] if ins.created else "不明"
    return (
        "この部分は生成AIを利用して作成し、編集せずにそのまま使用しています"
        "（大阪市生成AI利用ガイドライン 共通ルール8〔common-8〕による表示）。\n"
        f"{ID_LABEL}{disclosure_key(ins.id, n)}\n"
        f"モデル: {ins.model or '不明'}\n"
        f"作成日: {date}"
    )


def disclosed_ids(text: str) -> set[str]:
    """The keys a comment text discloses (the parser of `disclosure_text`): whole id lines only,
    so ``依頼ID: X`` never matches ``依頼ID: X#2``."""
    return {line.strip()[len(ID_LABEL):] for line in text.splitlines()
            if line.strip().startswith(ID_LABEL) and len(line.strip()) > len(ID_LABEL)}


def has_id_line(text: str, key: str) -> bool:
    return key in disclosed_ids(text)


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def is_disclosed(comments: list[tuple[str, str]], key: str, full_text: str) -> bool:
    """Whether one of the (author, text) comments already discloses ``key``.

    A comment by ``oasis-addin`` naming the id counts; so does a comment by anyone that holds the
    complete disclosure text, whitespace aside: the task pane's 公開前チェック writes exactly this
    text, but Office.js comments always carry the person's name as author.
    """
    want = _squash(full_text)
    return any((author == AUTHOR and has_id_line(text, key)) or want in _squash(text)
               for author, text in comments)


@dataclass
class EditResult:
    """One edit of a per-edit proofread: classified and tagged on its own."""

    n: int
    status: str
    tagged: bool
    added: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"n": self.n, "status": self.status, "tagged": self.tagged}


@dataclass
class InsertionResult:
    id: str
    operation: str
    status: str
    tagged: bool
    added: bool = False
    edits: list[EditResult] | None = None  # per-edit proofreads only

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "operation": self.operation, "status": self.status,
                                  "tagged": self.tagged}
        if self.edits is not None:
            out["edits"] = [e.to_dict() for e in self.edits]
        return out


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
