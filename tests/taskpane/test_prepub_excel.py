"""公開前チェック in Excel: statuses as the batch tagger reports them, disclosures the tagger accepts."""

from __future__ import annotations

from docx_tools import disclosure, provenance, tagger
from docx_tools.provenance import Insertion
from tests.docx_tools import helpers as h
from tests.taskpane.prepub_support import units_of_report
from tests.taskpane.test_prepub_word import open_prepub, run_check

SHEET = "集計 表"
CREATED = "2026-11-20T01:02:03Z"
CELLS = {"B2": "要約そのまま", "C3": "手を入れた要約", "D4": "注記なしの要約", "B6": "注記済みの要約"}
ROWS = [  # cell, id, recorded text
    (f"'{SHEET}'!B2", "X1", "要約そのまま"),        # unmodified, the add-in's own comment on it
    (f"'{SHEET}'!C3", "X2", "元の要約"),            # modified
    (f"'{SHEET}'!E9", "X3", "消えた要約"),          # missing (cell emptied)
    (f"'{SHEET}'!D4", "X4", "注記なしの要約"),      # unmodified, no comment
    (f"'{SHEET}'!B6", "X5", "注記済みの要約"),      # unmodified, already disclosed
    ("'消えたシート'!A1", "X6", "シートごと削除"),  # missing (sheet deleted)
]


def _disclosure(ins_id: str, text: str) -> str:
    return disclosure.disclosure_text(Insertion(ins_id, "summarize", h.MODEL, CREATED, provenance.text_sha256(text), text))


COMMENTS = {"B2": "生成AI出力（要確認） X1",
            "B6": "生成AI出力（要確認） X5\n\n" + _disclosure("X5", "注記済みの要約")}


def _fake() -> dict:
    prov = {"A1": "cell", "B1": "id", "C1": "operation", "D1": "model", "E1": "created", "F1": "sha256", "G1": "text"}
    for i, (cell, ins_id, text) in enumerate(ROWS, start=2):
        values = [cell, ins_id, "summarize", h.MODEL, CREATED, provenance.text_sha256(text), text]
        prov.update({f"{col}{i}": v for col, v in zip("ABCDEFG", values, strict=True)})
    return {"host": "excel", "url": "https://example.test/shukei.xlsx",
            "excel": {"sheets": {SHEET: dict(CELLS), "_oasis_provenance": prov}, "selection": f"{SHEET}!A1",
                      "comments": [{"sheet": SHEET, "address": a, "content": c, "author": "oasis-addin"}
                                   for a, c in COMMENTS.items()]}}


def test_statuses_match_the_tagger_and_tagging_afterwards_changes_nothing(open_pane) -> None:
    data = h.xlsx_bytes(CELLS, comments=COMMENTS, rows=ROWS)
    _same, before = tagger.process_bytes(data, ".xlsx", dry_run=True)
    pane = open_prepub(open_pane, _fake())
    listed = run_check(pane)
    assert listed == units_of_report(before)
    assert sorted(set(listed.values())) == ["missing", "modified", "unmodified"]
    assert pane.page.is_hidden("#prepub-group-pending")
    # Select an entry: its sheet is activated and the cell selected.
    pane.page.click("button.prepub-item[data-key='X4']")
    pane.page.wait_for_function("window.__fake.calls.some((c) => c.name === 'Range.select' && c.address === 'D4')")
    assert pane.calls("Worksheet.activate")[-1]["sheet"] == SHEET
    pane.page.click("#prepub-tag")
    pane.page.wait_for_selector("#prepub-status.ok:not([hidden])", timeout=20000)
    final = {c["address"]: c["content"] for c in pane.snapshot()["excel"]["comments"] if c["sheet"] == SHEET}
    # The tagger's own result on the untouched workbook, comment for comment.
    tagged, _ = tagger.process_bytes(data, ".xlsx")
    assert final["B2"] == COMMENTS["B2"] + "\n\n" + _disclosure("X1", "要約そのまま")
    assert final["D4"] == _disclosure("X4", "注記なしの要約")
    assert final["B6"] == COMMENTS["B6"]  # already disclosed: untouched
    assert tagged is not None
    after = h.xlsx_bytes(CELLS, comments=final, rows=ROWS)
    new, results = tagger.process_bytes(after, ".xlsx")
    assert new is None  # nothing left for the batch tagger to add
    assert units_of_report(results) == units_of_report(before)
    assert {r.id for r in results if r.tagged} == {"X1", "X4", "X5"}


def test_workbook_without_provenance_shows_the_empty_state(open_pane) -> None:
    pane = open_prepub(open_pane, {"host": "excel", "excel": {"sheets": {"Sheet1": {"A1": "x"}},
                                                              "selection": "Sheet1!A1"}})
    assert run_check(pane) == {}
    assert pane.page.is_visible("#prepub-empty")


def test_without_exceljapi_110_says_so(open_pane) -> None:
    fake = _fake()
    fake["sets"] = {"ExcelApi": "1.9"}
    pane = open_prepub(open_pane, fake)
    assert pane.page.is_disabled("#prepub-run")
    assert "ExcelApi 1.10" in pane.page.inner_text("#prepub-status")
