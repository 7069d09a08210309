"""The task pane in Excel (fake Office host, real app and API, offline engine, real Chromium)."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime

from tests.taskpane.conftest import Pane

TITLE = "生成AI出力（要確認）"
HEADER = ["cell", "id", "operation", "model", "created", "sha256", "text"]
WRITE_CALLS = {"Range.values", "comments.add", "worksheets.add"}

TABLE = {
    "A1": "区",
    "B1": "件数",
    "C1": "主な相談内容",
    "A2": "北区",
    "B2": 120,
    "C2": "子育て支援の制度について、申請の方法と必要な書類を知りたいという相談が多くありました。",
    "A3": "中央区",
    "B3": 95,
    "C3": "介護保険の認定と、在宅サービスの利用の流れについての相談が中心でした。",
    "A4": "西区",
    "B4": 60,
    "C4": "引越しに伴う各種手続きの順序と、窓口の受付時間に関する問い合わせがありました。",
}
PROOF = {
    "A1": "ご確認して下さい。",
    "A2": "ＡＢＣの件は確認出来ます。",
    "A3": "問題ありません。",
    "A4": "ｶﾀｶﾅを直します。",
}


def excel(
    cells: dict[str, object], selection: str, sheet: str = "相談 集計", **extra: object
) -> dict[str, object]:
    return {
        "host": "excel",
        "excel": {"sheets": {sheet: cells}, "selection": f"'{sheet}'!{selection}"},
        "url": "https://example.test/book.xlsx",
        **extra,
    }


def sha(text: str) -> str:
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


def provenance_rows(snap: dict) -> list[list[str]]:
    sheet = snap["excel"]["sheets"]["_oasis_provenance"]
    assert sheet["visibility"] == "VeryHidden"
    cells = sheet["cells"]
    rows = []
    r = 1
    while f"A{r}" in cells:
        rows.append([cells.get(f"{c}{r}", "") for c in "ABCDEFG"])
        r += 1
    assert rows[0] == HEADER
    return rows[1:]


def assert_originals_unchanged(snap: dict, sheet: str, original: dict[str, object]) -> None:
    cells = snap["excel"]["sheets"][sheet]["cells"]
    for addr, value in original.items():
        assert cells[addr] == value


def run_to_insert(pane: Pane, op: str) -> tuple[str, str]:
    pane.select_operation(op)
    pane.run()
    pane.wait_result()
    request_id = pane.page.inner_text("#request-id")
    model = pane.page.inner_text("#model-name")
    pane.tick_checklist()
    pane.page.click("#insert")
    return request_id, model


def test_summary_goes_below_the_selection_with_comment_and_hidden_provenance(open_pane) -> None:
    pane = open_pane(excel(TABLE, "A1:C4"))
    pane.select_operation("summarize")
    pane.run()
    pane.wait_result()
    assert pane.api_requests[:2] == ["/api/v1/check", "/api/v1/summarize/stream"]
    assert pane.page.input_value("#target-cell") == "A5"
    summary = pane.page.text_content("#result-text")
    request_id = pane.page.inner_text("#request-id")
    model = pane.page.inner_text("#model-name")
    pane.tick_checklist()
    pane.page.click("#insert")
    assert "元のセルは変更していません" in pane.wait_status("ok")

    snap = pane.snapshot()
    assert_originals_unchanged(snap, "相談 集計", TABLE)
    assert snap["excel"]["sheets"]["相談 集計"]["cells"]["A5"] == summary
    assert snap["excel"]["comments"] == [
        {"sheet": "相談 集計", "address": "A5", "content": f"{TITLE} {request_id}"}
    ]
    ((cell, rid, op, mdl, created, digest, text),) = provenance_rows(snap)
    assert (cell, rid, op, mdl, text) == ("'相談 集計'!A5", request_id, "summarize", model, summary)
    assert digest == sha(summary)
    assert datetime.fromisoformat(created).utcoffset().total_seconds() == 0
    # No write ever touched the selected cells.
    writes = [c for c in pane.calls("Range.values") if c["sheet"] == "相談 集計"]
    assert [c["address"] for c in writes] == ["A5"]
    assert not pane.console_errors


def test_summary_refuses_to_overwrite_a_filled_target(open_pane) -> None:
    pane = open_pane(excel({**TABLE, "A6": "既存のメモ"}, "A1:C4"))
    pane.run()
    pane.wait_result()
    pane.page.fill("#target-cell", "A6")
    pane.tick_checklist()
    pane.page.click("#insert")
    assert "上書きしない" in pane.wait_status("error")
    assert pane.snapshot()["excel"]["sheets"]["相談 集計"]["cells"]["A6"] == "既存のメモ"
    assert not [c for c in pane.calls() if c["name"] in WRITE_CALLS]


def test_proofread_proposals_beside_the_original(open_pane) -> None:
    pane = open_pane(excel(PROOF, "A1:A4", sheet="Sheet1"))
    request_id, model = run_to_insert(pane, "proofread")
    assert pane.api_requests[:2] == ["/api/v1/check", "/api/v1/proofread"]
    pane.wait_status("ok")
    snap = pane.snapshot()
    assert_originals_unchanged(snap, "Sheet1", PROOF)
    cells = snap["excel"]["sheets"]["Sheet1"]["cells"]
    proposals = {k: v for k, v in cells.items() if k.startswith("B")}
    # One proposal per changed cell, in the column to the right; the unchanged A3 gets none.
    assert set(proposals) == {"B1", "B2", "B4"}
    assert proposals["B1"] == "ご確認してください。"
    assert proposals["B2"] == "ABCの件は確認できます。"
    assert proposals["B4"] == "カタカナを直します。"
    comments = {c["address"]: c["content"] for c in snap["excel"]["comments"]}
    assert comments == {a: f"{TITLE} {request_id}" for a in proposals}
    rows = provenance_rows(snap)
    assert [r[0] for r in rows] == [f"'Sheet1'!{a}" for a in ("B1", "B2", "B4")]
    for cell, rid, op, mdl, _created, digest, text in rows:
        assert (rid, op, mdl) == (request_id, "proofread", model)
        assert text == proposals[cell.split("!")[1]] and digest == sha(text)


def test_proofread_goes_to_a_new_sheet_when_the_next_column_is_used(open_pane) -> None:
    pane = open_pane(excel({**PROOF, "B3": "メモ"}, "A1:A4", sheet="Sheet1"))
    request_id, _ = run_to_insert(pane, "proofread")
    assert "新しいシート" in pane.wait_status("ok")
    snap = pane.snapshot()
    assert_originals_unchanged(snap, "Sheet1", {**PROOF, "B3": "メモ"})
    assert set(snap["excel"]["sheets"]["Sheet1"]["cells"]) == {"A1", "A2", "A3", "A4", "B3"}
    (new_sheet,) = [n for n in snap["excel"]["sheets"] if n not in ("Sheet1", "_oasis_provenance")]
    assert set(snap["excel"]["sheets"][new_sheet]["cells"]) == {"A1", "A2", "A4"}
    rows = provenance_rows(snap)
    assert all(r[0].startswith(f"'{new_sheet}'!") and r[1] == request_id for r in rows)


def test_second_write_appends_provenance_rows(open_pane) -> None:
    pane = open_pane(excel(TABLE, "A1:C4"))
    first, _ = run_to_insert(pane, "summarize")
    pane.wait_status("ok")
    pane.page.fill("#target-cell", "A7")
    second, _ = run_to_insert(pane, "summarize")
    pane.wait_status("ok")
    rows = provenance_rows(pane.snapshot())
    assert [(r[0], r[1]) for r in rows] == [("'相談 集計'!A5", first), ("'相談 集計'!A7", second)]
    assert len(pane.calls("worksheets.add")) == 1


def test_block_finding_in_a_cell_stops_before_sending(open_pane) -> None:
    pane = open_pane(
        excel({"A1": "氏名", "B1": "個人番号", "A2": "大阪 花子", "B2": "123456789018"}, "A1:B2")
    )
    pane.run()
    pane.page.wait_for_selector("#check-findings li.block[data-rule='oasis-1']")
    assert "送信できません" in pane.wait_status("error")
    assert pane.api_requests == ["/api/v1/check"]
    assert not [c for c in pane.calls() if c["name"] in WRITE_CALLS]


def test_missing_excelapi_110_refuses_before_sending_and_offers_copy(open_pane) -> None:
    pane = open_pane(excel(TABLE, "A1:C4", sets={"ExcelApi": "1.9"}))
    pane.run()
    pane.page.wait_for_selector("#confirm:not([hidden])")
    assert "ExcelApi 1.10" in pane.page.inner_text("#confirm-host")
    assert pane.api_requests == ["/api/v1/check"]  # nothing spent before the person agrees
    pane.page.click("#confirm-send")
    pane.wait_result()
    assert "ExcelApi 1.10" in pane.page.inner_text("#insert-note")
    assert pane.page.is_disabled("#copy")
    pane.tick_checklist()
    assert pane.page.is_disabled("#insert") and pane.page.is_enabled("#copy")
    pane.page.click("#copy")
    assert pane.page.is_visible("#copy-buffer")
    assert not [c for c in pane.calls() if c["name"] in WRITE_CALLS]


def test_model_error_is_shown_in_japanese(open_pane, failing_model_server) -> None:
    pane = open_pane(excel(PROOF, "A1:A4", sheet="Sheet1"), server=failing_model_server)
    pane.select_operation("proofread")
    pane.run()
    assert "AI モデル" in pane.wait_status("error")
    assert not [c for c in pane.calls() if c["name"] in WRITE_CALLS]
