"""The offline engine: no model, no network. The embedded default and the fallback for demos.

Summaries are extractive (the highest-scoring sentences of the source, in source order), so
they never contain a fact that is not in the source. Proofreading applies the 公用文 (official
writing) rules of `addin_server.kobun`, each edit and note citing its rule and convention. Results are labelled as offline in `model`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from addin_server import kobun
from addin_server.kobun import Note
from addin_server.llm.edits import Edit, apply_edits, validate_edits

SUMMARY_MODEL = "offline-extractive-v1"
PROOFREAD_MODEL = "offline-kobunsho-rules-v2"

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_TERM = re.compile(r"[\u4e00-\u9fff々]{2,}|[\u30a0-\u30ffー]{2,}|[A-Za-z][A-Za-z0-9]+|\d+")
_LIMIT = re.compile(r"(\d{2,5})\s*(?:字|文字)(?:以内|程度|くらい|まで)?")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def summarize_text(text: str, instruction: str | None = None) -> str:
    sents = sentences(text)
    if not sents:
        return ""
    limit = _char_limit(instruction, default=max(80, len(text) // 3))
    if len(sents) == 1 or sum(map(len, sents)) <= limit:
        return "".join(_terminate(s) for s in sents) if len(sents) <= 2 else _pick(sents, limit)
    return _pick(sents, limit)


def _pick(sents: list[str], limit: int) -> str:
    freq = Counter(t for s in sents for t in _TERM.findall(s))
    scores = []
    for i, s in enumerate(sents):
        terms = _TERM.findall(s)
        score = sum(math.log1p(freq[t]) for t in set(terms)) / math.sqrt(len(s) + 1)
        score *= 1.3 if i == 0 else 1.0  # the opening usually states the subject
        scores.append((score, i))
    chosen: list[int] = []
    used = 0
    for _, i in sorted(scores, reverse=True):
        if used + len(sents[i]) > limit and chosen:
            continue
        chosen.append(i)
        used += len(sents[i])
        if used >= limit:
            break
    return "".join(_terminate(sents[i]) for i in sorted(chosen))


def _terminate(s: str) -> str:
    return s if s[-1] in "。！？!?" else s + "。"


def _char_limit(instruction: str | None, default: int) -> int:
    if instruction:
        m = _LIMIT.search(unicodedata.normalize("NFKC", instruction))
        if m:
            return max(10, int(m.group(1)))
    return default


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
