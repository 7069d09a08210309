from __future__ import annotations

import io
import warnings

import openpyxl

from docx_tools import disclosure, tagger, xlsx
from docx_tools.package import Package
from tests.docx_tools import helpers as h

ROWS = [
    ("'集計 表'!C2", "R1", "AIが書いた説明"),
    ("'集計 表'!C3", "R2", "元の説明"),
    ("'集計 表'!C4", "R3", "既存コメントのあるセル"),
    ("'集計 表'!C9", "R4", "消えたセル"),
]


def _book() -> bytes:
    return h.xlsx_bytes(
        {"A1": "見出し", "C2": "AIが書いた説明", "C3": "人が直した説明", "C4": "既存コメントのあるセル"},
        comments={"A1": "人のコメント", "C4": "生成AI出力（要確認） R3"},
        rows=ROWS,
    )


def _comments(data: bytes) -> dict[tuple[str, str], tuple[str, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.comment is not None:
                    out[(ws.title, c.coordinate)] = (c.comment.author, c.comment.text)
    return out


def test_provenance_sheet_is_very_hidden_and_read() -> None:
    data = _book()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert wb[xlsx.PROVENANCE_SHEET].sheet_state == "veryHidden"
    cells, values = xlsx.read_provenance(data)
    assert [(c.sheet, c.coord, c.ins.id) for c in cells] == [
        ("集計 表", "C2", "R1"), ("集計 表", "C3", "R2"), ("集計 表", "C4", "R3"), ("集計 表", "C9", "R4")]
    assert values[("集計 表", "C3")] == "人が直した説明"


def test_statuses_and_cell_comments() -> None:
    data = _book()
    new, results = tagger.process_bytes(data, ".xlsx")
    assert new is not None
    assert {r.id: (r.status, r.tagged) for r in results} == {
        "R1": (disclosure.UNMODIFIED, True),
        "R2": (disclosure.MODIFIED, False),
        "R3": (disclosure.UNMODIFIED, True),
        "R4": (disclosure.MISSING, False),
    }
    comments = _comments(new)
    assert comments[("集計 表", "A1")][1] == "人のコメント"
    author, text = comments[("集計 表", "C2")]
    assert "生成AI" in text and "common-8" in text and "依頼ID: R1" in text and h.MODEL in text
    assert author == "oasis-addin"
    # One comment per cell in Excel: the disclosure is appended to the existing one.
    text4 = comments[("集計 表", "C4")][1]
    assert text4.startswith("生成AI出力（要確認） R3") and "依頼ID: R3" in text4
    assert ("集計 表", "C3") not in comments


def test_second_run_adds_nothing_and_parts_survive() -> None:
    data = _book()
    first, _ = tagger.process_bytes(data, ".xlsx")
    assert first is not None
    again, results = tagger.process_bytes(first, ".xlsx")
    assert again is None
    assert all(r.tagged for r in results if r.status == disclosure.UNMODIFIED)
    before, after = Package.from_bytes(data), Package.from_bytes(first)
    changed = {n for n in before.parts if before.parts[n] != after.parts.get(n)}
    # Only the comments part and the VML drawing of the sheet change; everything else is identical.
    assert all(n.startswith(("xl/comments", "xl/drawings/")) for n in changed), changed
    assert set(before.parts) <= set(after.parts)


def test_sheet_without_comments_gets_all_parts() -> None:
    data = h.xlsx_bytes({"B2": "AIの文"}, rows=[("'集計 表'!B2", "N1", "AIの文")])
    new, results = tagger.process_bytes(data, ".xlsx")
    assert new is not None and results[0].tagged
    before, after = Package.from_bytes(data), Package.from_bytes(new)
    added = set(after.parts) - set(before.parts)
    assert any(n.startswith("xl/comments") for n in added)
    assert any(n.endswith(".vml") for n in added)
    assert b"legacyDrawing" in after.parts["xl/worksheets/sheet1.xml"]
    assert b'Extension="vml"' in after.parts["[Content_Types].xml"]
    assert _comments(new)[("集計 表", "B2")][0] == "oasis-addin"


def test_sheet_name_with_apostrophe() -> None:
    import openpyxl as ox

    wb = ox.Workbook()
    ws = wb.active
    ws.title = "It's 表"
    ws["A2"] = "AIの文"
    buf = io.BytesIO()
    wb.save(buf)
    pkg = Package.from_bytes(buf.getvalue())
    xlsx.add_provenance_sheet(pkg, [xlsx.Insertion("Q1", "summarize", h.MODEL, "2026-11-20T00:00:00Z", "",
                                                   "AIの文", cell="'It''s 表'!A2")])
    new, results = tagger.process_bytes(pkg.to_bytes(), ".xlsx")
    assert new is not None and [(r.status, r.tagged) for r in results] == [(disclosure.UNMODIFIED, True)]
    assert ("It's 表", "A2") in _comments(new)
