"""The offline engine: no model, no network. The embedded default and the fallback for demos.

Summaries are extractive (whole source sentences, in source order, in the form the person
asked for; see `summary.py`), so they never contain a fact that is not in the source.
Proofreading applies the 公用文 (official writing) rules of `addin_server.kobun`, each edit and
note citing its rule and convention. Results are labelled as offline in `model`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from addin_server import kobun
from addin_server.kobun import Note
from addin_server.llm.edits import Edit, apply_edits, validate_edits
from addin_server.llm.summary import summarize

SUMMARY_MODEL = "offline-extractive-v1"
PROOFREAD_MODEL = "offline-kobunsho-rules-v2"

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def summarize_text(text: str, instruction: str | None = None) -> str:
    """Whole source sentences in the requested form (see `addin_server.llm.summary`)."""
    return summarize(text, instruction).text


def summarize_cells(cells: Sequence[Sequence[object]], instruction: str | None = None) -> str:
    return summarize_cells_computed(cells, instruction)[0]


def summarize_cells_computed(cells: Sequence[Sequence[object]], instruction: str | None = None
                             ) -> tuple[str, list[dict[str, str]]]:
    """The table summary and the values it computed, as `{value, formula}` for the output check
    (common-5 reports them as 計算値 with the formula instead of as numbers missing from the
    source)."""
    rows = [list(r) for r in cells if any(c not in (None, "") for c in r)]
    if not rows:
        return "", []
    header = rows[0] if all(isinstance(c, str) and c for c in rows[0]) and len(rows) > 1 else None
    body = rows[1:] if header else rows
    ncols = max(len(r) for r in rows)
    computed = [
        {"value": str(len(body)), "formula": "表の行数" + ("（見出し行を除く）" if header else "")},
        {"value": str(ncols), "formula": "表の列数"},
    ]
    parts = [f"表は{len(body)}行{ncols}列です。"]
    if header:
        parts.append("列は「" + "」「".join(str(h) for h in header) + "」です。")
        for j, name in enumerate(header):
            nums = [c for r in body if j < len(r) and isinstance(c := r[j], int | float) and not isinstance(c, bool)]
            if nums and len(nums) >= len(body) / 2:
                total = sum(nums)
                terms = " + ".join(_fmt(n) for n in nums[:5]) + (f" + …（{len(nums)}件）" if len(nums) > 5 else "")
                computed.append({"value": _fmt(total), "formula": f"「{name}」の合計 = {terms}"})
                computed.append({"value": _fmt(total / len(nums)),
                                 "formula": f"「{name}」の平均 = 合計 {_fmt(total)} ÷ {len(nums)}件"})
                parts.append(f"「{name}」の合計は{_fmt(total)}、平均は{_fmt(total / len(nums))}です。")
    text_cells = " ".join(str(c) for r in body for c in r if isinstance(c, str) and len(c) > 15)
    if text_cells:
        parts.append(summarize_text(text_cells, instruction))
    return "".join(parts), computed


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.2f}"


# --- proofreading -------------------------------------------------------------------------


class ProofreadResult(tuple[str, list[Edit]]):
    """(corrected text, edits) — unpacks like the 2-tuple callers expect — plus `notes`: spans
    with a reason and no replacement, where the rules see no single right fix."""

    notes: list[Note]

    def __new__(cls, text: str, edits: list[Edit], notes: list[Note]) -> ProofreadResult:
        self = super().__new__(cls, (text, edits))
        self.notes = notes
        return self

    @property
    def text(self) -> str:
        return self[0]

    @property
    def edits(self) -> list[Edit]:
        return self[1]


def proofread(text: str) -> ProofreadResult:
    """公用文 rules (addin_server.kobun): the corrected text, the edits that make it (each with
    `source="rules"`, its rule ID and convention) and the notes."""
    report = kobun.check(text)
    edits = validate_edits(text, [Edit.from_rule(c) for c in report.corrections])
    return ProofreadResult(apply_edits(text, edits), edits, report.notes)
