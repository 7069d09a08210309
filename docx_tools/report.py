"""Tagger report: JSON or CSV per CONTRACTS.md, and a printed summary table for staff."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from docx_tools.disclosure import MISSING, MODIFIED, PENDING, UNMODIFIED, FileResult

# `edit` (added last, so existing readers keep their columns): empty on an insertion's row, the
# edit number on the rows that follow it for each edit of a per-edit proofread.
CSV_FIELDS = ("path", "id", "operation", "status", "tagged", "error", "edit")
STATUS_JA = {PENDING: "確認待ち", MODIFIED: "編集あり", UNMODIFIED: "無編集", MISSING: "見当たらない"}


def to_json(results: Sequence[FileResult]) -> str:
    return json.dumps({"files": [r.to_dict() for r in results]}, ensure_ascii=False, indent=2) + "\n"


def to_csv(results: Sequence[FileResult]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in results:
        if r.error is not None or not r.insertions:
            writer.writerow({"path": r.path, "id": "", "operation": "", "status": "", "tagged": "",
                             "error": r.error or "", "edit": ""})
        for ins in r.insertions:
            writer.writerow({"path": r.path, "id": ins.id, "operation": ins.operation, "status": ins.status,
                             "tagged": "true" if ins.tagged else "false", "error": "", "edit": ""})
            for e in ins.edits or []:
                writer.writerow({"path": r.path, "id": ins.id, "operation": ins.operation, "status": e.status,
                                 "tagged": "true" if e.tagged else "false", "error": "", "edit": str(e.n)})
    return buf.getvalue()


def write_report(results: Sequence[FileResult], dest: Path) -> None:
    text = to_csv(results) if dest.suffix.lower() == ".csv" else to_json(results)
    # utf-8-sig for CSV so that Excel on Windows opens the Japanese correctly.
    dest.write_text(text, encoding="utf-8-sig" if dest.suffix.lower() == ".csv" else "utf-8", newline="")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("F", "W") else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def summary_table(results: Sequence[FileResult], dry_run: bool = False) -> str:
    """One line per file and a total line, columns aligned for full-width characters."""
    head = ["ファイル", "挿入", STATUS_JA[PENDING], STATUS_JA[MODIFIED], STATUS_JA[UNMODIFIED],
            STATUS_JA[MISSING], "注記済み", "今回追加", "エラー"]
    rows: list[list[str]] = []
    totals = [0] * 7
    errors = 0
    for r in results:
        counts = [
            len(r.insertions),
            *(sum(1 for i in r.insertions if i.status == s) for s in (PENDING, MODIFIED, UNMODIFIED, MISSING)),
            sum(1 for i in r.insertions if i.tagged),
            sum(1 for i in r.insertions if i.added),
        ]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        errors += r.error is not None
        rows.append([r.path, *map(str, counts), r.error or ""])
    rows.append(["合計", *map(str, totals), f"{errors} 件" if errors else ""])
    widths = [max(_width(row[i]) for row in [head, *rows]) for i in range(len(head) - 1)]
    lines = []
    for k, row in enumerate([head, *rows]):
        cells = [_pad(row[0], widths[0])] + [_pad(row[i], widths[i], right=True) for i in range(1, 8)]
        lines.append("  ".join(cells) + ("  " + row[8] if row[8] else ""))
        if k == 0 or k == len(rows) - 1:
            lines.append("-" * (sum(widths) + 2 * 7))
    if dry_run:
        lines.append("（試行モード: ファイルは変更していません）")
    if totals[1]:
        lines.append(f"確認待ちの生成AI出力が {totals[1]} 件あります。Word の変更履歴で確認し、承諾または修正してください。")
    return "\n".join(lines) + "\n"


def print_summary(results: Sequence[FileResult], out: TextIO, dry_run: bool = False) -> None:
    out.write(summary_table(results, dry_run))
