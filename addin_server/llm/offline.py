"""The offline engine: no model, no network. The embedded default and the fallback for demos.

Summaries are extractive (whole source sentences, in source order, in the form the person
asked for; see `summary.py`), so they never contain a fact that is not in the source.
Proofreading applies a few rules of 公用文 (official writing) conventions. Results are labelled as offline in `model`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from addin_server.llm.edits import Edit, apply_edits, validate_edits
from addin_server.llm.summary import summarize

SUMMARY_MODEL = "offline-extractive-v1"
PROOFREAD_MODEL = "offline-kobunsho-rules-v1"

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def summarize_text(text: str, instruction: str | None = None) -> str:
    """Whole source sentences in the requested form (see `addin_server.llm.summary`)."""
    return summarize(text, instruction).text


def summarize_cells(cells: Sequence[Sequence[object]], instruction: str | None = None) -> str:
    rows = [list(r) for r in cells if any(c not in (None, "") for c in r)]
    if not rows:
        return ""
    header = rows[0] if all(isinstance(c, str) and c for c in rows[0]) and len(rows) > 1 else None
    body = rows[1:] if header else rows
    ncols = max(len(r) for r in rows)
    parts = [f"表は{len(body)}行{ncols}列です。"]
    if header:
        parts.append("列は「" + "」「".join(str(h) for h in header) + "」です。")
        for j, name in enumerate(header):
            nums = [c for r in body if j < len(r) and isinstance(c := r[j], int | float) and not isinstance(c, bool)]
            if nums and len(nums) >= len(body) / 2:
                total = sum(nums)
                parts.append(f"「{name}」の合計は{_fmt(total)}、平均は{_fmt(total / len(nums))}です。")
    text_cells = " ".join(str(c) for r in body for c in r if isinstance(c, str) and len(c) > 15)
    if text_cells:
        parts.append(summarize_text(text_cells, instruction))
    return "".join(parts)


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.2f}"


# --- proofreading -------------------------------------------------------------------------

_HALF_KANA = re.compile(r"[\uff66-\uff9f]+")
_FULL_ALNUM = re.compile(r"[Ａ-Ｚａ-ｚ０-９]+")
_DOUBLED = re.compile(r"(を|が|に|で|へ)\1(?!\1)")
_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"(?<=[てで])下さい"), "ください", "補助動詞は平仮名で書きます（公用文の表記）"),
    (re.compile(r"(?<=[てで])頂(?=[きくけいか])"), "いただ", "補助動詞は平仮名で書きます（公用文の表記）"),
    (re.compile(r"(?<=お願い)致し"), "いたし", "補助動詞は平仮名で書きます（公用文の表記）"),
    (re.compile(r"出来(?=[るれなませずた])"), "でき", "「できる」は平仮名で書きます（公用文の表記）"),
    (re.compile(r"。。+"), "。", "句点が重なっています"),
    (re.compile(r"、、+"), "、", "読点が重なっています"),
]


def proofread(text: str) -> tuple[str, list[Edit]]:
    """Rule-based corrections; returns the corrected text and the edits that make it."""
    raw: list[Edit] = []
    for m in _FULL_ALNUM.finditer(text):
        raw.append(Edit(m.start(), m.end(), m.group(), unicodedata.normalize("NFKC", m.group()),
                        "英数字は半角で書きます（公用文の表記）"))
    for m in _HALF_KANA.finditer(text):
        raw.append(Edit(m.start(), m.end(), m.group(), unicodedata.normalize("NFKC", m.group()),
                        "半角カタカナは全角で書きます"))
    for m in _DOUBLED.finditer(text):
        raw.append(Edit(m.start(), m.end(), m.group(), m.group(1), f"助詞「{m.group(1)}」が重なっています"))
    for pattern, repl, reason in _RULES:
        for m in pattern.finditer(text):
            raw.append(Edit(m.start(), m.end(), m.group(), repl, reason))
    edits = validate_edits(text, raw)
    return apply_edits(text, edits), edits
