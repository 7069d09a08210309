"""Issue 12's task-pane behaviour: placement by the source marker, code points vs UTF-16, tracking
mode restored, the review gate on copy, the stream rule, up-front refusal, no writes on open, and
Excel showing what it wrote. Fake Office host, real app (offline engine), real Chromium."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from tests.taskpane.conftest import Pane
from tests.taskpane.test_pane_excel import PROOF, TABLE, excel
from tests.taskpane.test_pane_word import INSERT_CALLS, SOURCE, TITLE, provenance, word

NON_BMP = "𠮷田さんと𩸽😀の資料を確認して下さい。ＡＢＣの件は確認出来ます。"
DOC_WRITES = INSERT_CALLS | {
    "customXmlParts.add",
    "customXmlPart.setXml",
    "settings.set",
    "settings.saveAsync",
    "Range.insertBookmark",
    "document.changeTrackingMode",
}


def result_ready(pane: Pane, op: str = "summarize") -> str:
    pane.select_operation(op)
    pane.run()
    pane.wait_result()
    return pane.page.inner_text("#request-id")


def insert(pane: Pane) -> None:
    pane.tick_checklist()
    pane.page.click("#insert")


# ---- 1. placement: the source marker, not the cursor --------------------------------------
def test_summary_lands_after_its_source_though_the_cursor_moved(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    request_id = result_ready(pane)
    (mark,) = pane.calls("Range.insertBookmark")
    assert mark["bookmark"].startswith("_oasis_src_")  # hidden (leading "_")
    assert mark["text"] == "\n".join(SOURCE[:2])
    # The person clicks into the last paragraph to compare with the original, then inserts.
    last = len("\n".join(SOURCE[:3])) + 1
    pane.page.evaluate(f"window.__fake.select({last + 2}, {last + 2})")
    insert(pane)
    assert "後ろ" in pane.wait_status("ok")
    snap = pane.snapshot()
    summary = pane.page.text_content("#result-text")
    assert snap["word"]["text"] == "\n".join([*SOURCE[:2], summary, *SOURCE[2:]])
    assert [c["tag"] for c in snap["word"]["controls"]] == [f"oasis:{request_id}"]
    assert snap["word"]["bookmarks"] == []  # the marker is gone
    assert [c["bookmark"] for c in pane.calls("document.deleteBookmark")] == [mark["bookmark"]]


def test_source_deleted_meanwhile_inserts_nothing(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    result_ready(pane)
    end = len("\n".join(SOURCE[:2]))
    pane.page.evaluate(f"window.__fake.type(0, {end + 1}, '')")  # both paragraphs deleted
    before = pane.snapshot()["word"]["text"]
    insert(pane)
    assert "削除" in pane.wait_status("error")
    snap = pane.snapshot()
    assert snap["word"]["text"] == before and snap["word"]["controls"] == [] and snap["word"]["parts"] == []
    assert not [c for c in pane.calls() if c["name"] in INSERT_CALLS]
    assert pane.page.is_disabled("#insert") and pane.page.is_enabled("#copy")  # copying still works


def test_source_changed_meanwhile_inserts_nothing(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    result_ready(pane)
    pane.page.evaluate("window.__fake.type(0, 3, '本市')")  # 大阪市 → 本市 inside the source
    insert(pane)
    assert "変更" in pane.wait_status("error")
    snap = pane.snapshot()
    assert snap["word"]["controls"] == [] and snap["word"]["bookmarks"] == []
    assert not [c for c in pane.calls() if c["name"] in INSERT_CALLS]
    assert pane.page.is_disabled("#insert")


def test_cancel_and_errors_leave_no_marker(open_pane, failing_model_server) -> None:
    pane = open_pane(word(SOURCE, 2), server=failing_model_server)
    pane.run()
    pane.wait_status("error")
    snap = pane.snapshot()
    assert len(pane.calls("Range.insertBookmark")) == 1
    assert snap["word"]["bookmarks"] == []


def test_selection_moved_between_check_and_send_sends_nothing(open_pane) -> None:
    text = "山田太郎さん、鈴木花子さん、佐藤一郎さん、田中次郎さんに、窓口の変更を連絡します。"
    pane = open_pane(word([text, "別の段落"], 1))
    pane.page.click("#new-series")
    pane.run()
    pane.page.wait_for_selector("#confirm:not([hidden])")
    pane.page.evaluate("window.__fake.select(0, 2)")
    pane.page.click("#confirm-send")
    assert "選択範囲" in pane.wait_status("error")
    assert pane.api_requests == ["/api/v1/check"]
    assert not pane.calls("Range.insertBookmark")


# ---- 2. code points at the boundary --------------------------------------------------------
def test_api_converts_code_points_to_utf16_once(open_pane) -> None:
    pane = open_pane(word(SOURCE, 1))
    # Known answers: "𠮷a😀b": code points 1..2 is "a" (UTF-16 2..3), 3..4 is "b" (UTF-16 5..6).
    out = pane.page.evaluate(
        """async () => {
            const api = await import("/taskpane/static/js/api.js");
            const body = {text: "𠮷a😀b", cells: undefined};
            const r = api.toUtf16(body, {
              findings: [{rule: "oasis-2", spans: [{start: 3, end: 4}]}, {rule: "common-5", spans: [{start: 1, end: 2}]}],
              result: {text: "😀x", edits: [{start: 1, end: 2, original: "a"}], notes: [{start: 3, end: 4, original: "b"}]},
            });
            const cells = api.toUtf16({cells: [["𩸽ab", "x"], ["😀😀c"]]},
              {result: {text: "", edits: [{row: 1, col: 0, start: 2, end: 3}, {start: 5, end: 6}]}});
            return {r, cells};
        }"""
    )
    r = out["r"]
    assert r["result"]["edits"][0]["start"] == 2 and r["result"]["edits"][0]["end"] == 3
    assert (r["result"]["notes"][0]["start"], r["result"]["notes"][0]["end"]) == (5, 6)
    assert r["findings"][0]["spans"][0] == {"start": 5, "end": 6}  # input rule: request text
    assert r["findings"][1]["spans"][0] == {"start": 2, "end": 3}  # output rule: result text "😀x"
    # Cell edit: offsets inside "😀😀c"; joined edit: "𩸽ab\tx\n…" code point 5 is "\n" at UTF-16 6.
    assert out["cells"]["result"]["edits"][0] == {"row": 1, "col": 0, "start": 4, "end": 5}
    assert out["cells"]["result"]["edits"][1] == {"start": 6, "end": 7}


def test_word_proofread_after_non_bmp_characters_applies_every_edit(open_pane) -> None:
    pane = open_pane(word([NON_BMP, "次の段落。"], 1))
    request_id = result_ready(pane, "proofread")
    edits = pane.page.query_selector_all("#edits li")
    assert len(edits) == 3
    insert(pane)
    message = pane.wait_status("ok")
    assert "反映できなかった" not in message
    snap = pane.snapshot()
    corrected = "𠮷田さんと𩸽😀の資料を確認してください。ABCの件は確認できます。"
    assert snap["word"]["text"] == corrected + "\n次の段落。"
    assert len(pane.calls("Range.insertText")) == 3 and len(snap["word"]["revisions"]) == 3
    # Only AI text is AI: one control per applied edit, none around the person's text.
    assert sorted(c["tag"] for c in snap["word"]["controls"]) == [f"oasis:{request_id}#{n}" for n in (1, 2, 3)]
    (ins,) = provenance(snap)
    assert ins.get("id") == request_id and ins.get("operation") == "proofread"
    assert len([e for e in ins if etree.QName(e).localname == "edit"]) == 3


def test_word_summary_highlight_after_non_bmp_characters(open_pane) -> None:
    text = "😀𠮷田さんの窓口には看護婦を配置し、健康の相談にも応じます。"
    pane = open_pane(word([text, "別の段落"], 1))
    result_ready(pane)
    marks = [m.inner_text() for m in pane.page.query_selector_all("#result-text mark")]
    assert marks == ["看護婦"]
    insert(pane)
    pane.wait_status("ok")
    summary = pane.page.text_content("#result-text")
    assert pane.snapshot()["word"]["text"] == f"{text}\n{summary}\n別の段落"


def test_excel_proofread_with_non_bmp_cells(open_pane) -> None:
    cells = {"A1": "𠮷田さんの件は確認出来ます。", "A2": "😀ｶﾀｶﾅを直します。", "A3": "𩸽は問題ありません。"}
    pane = open_pane(excel(cells, "A1:A3", sheet="Sheet1"))
    result_ready(pane, "proofread")
    names = [li.inner_text().split("：")[0] for li in pane.page.query_selector_all("#edits li")]
    assert names == ["A1", "A2"]
    insert(pane)
    pane.wait_status("ok")
    written = pane.snapshot()["excel"]["sheets"]["Sheet1"]["cells"]
    assert written["B1"] == "𠮷田さんの件は確認できます。" and written["B2"] == "😀カタカナを直します。"
    assert "B3" not in written


def test_excel_offsets_without_result_cells_after_non_bmp(open_pane) -> None:
    """Edits located by offsets only (no result.cells): the converted offsets must hit the cells."""
    cells = {"A1": "𠮷田さんの件は確認出来ます。", "A2": "😀ｶﾀｶﾅを直します。"}
    pane = open_pane(excel(cells, "A1:A2", sheet="Sheet1"))
    result = {
        "text": "",
        "edits": [
            {"row": 0, "col": 0, "start": 9, "end": 11, "original": "出来", "replacement": "でき", "reason": "r"},
            # joined text "𠮷田さんの件は確認出来ます。\n😀ｶﾀｶﾅ…": code point 16 is ｶ
            {"start": 16, "end": 20, "original": "ｶﾀｶﾅ", "replacement": "カタカナ", "reason": "r"},
        ],
    }
    pane.script_answer("proofread", result, "00000000-0000-4000-8000-000000000001")
    result_ready(pane, "proofread")
    assert "対応づけられない" not in pane.page.inner_text("#insert-note")
    insert(pane)
    pane.wait_status("ok")
    written = pane.snapshot()["excel"]["sheets"]["Sheet1"]["cells"]
    assert written["B1"] == "𠮷田さんの件は確認できます。" and written["B2"] == "😀カタカナを直します。"


def test_excel_summary_with_non_bmp_cells(open_pane) -> None:
    cells = {"A1": "区", "B1": "メモ", "A2": "北区", "B2": "𠮷田さんから𩸽の料理教室😀について相談がありました。"}
    pane = open_pane(excel(cells, "A1:B2"))
    result_ready(pane)
    summary = pane.page.text_content("#result-text")
    assert "𩸽" in summary
    insert(pane)
    pane.wait_status("ok")
    assert pane.snapshot()["excel"]["sheets"]["相談 集計"]["cells"]["A3"] == summary


# ---- zero edits ----------------------------------------------------------------------------
def test_zero_edit_proofread_writes_nothing_in_word(open_pane) -> None:
    pane = open_pane(word(["問題ありません。", "別の段落"], 1))
    result_ready(pane, "proofread")
    assert "修正の提案はありませんでした" in pane.page.inner_text("#insert-note")
    pane.tick_checklist()
    assert pane.page.is_disabled("#insert")
    snap = pane.snapshot()
    assert snap["word"]["controls"] == [] and snap["word"]["parts"] == [] and snap["word"]["bookmarks"] == []
    assert not [c for c in pane.calls() if c["name"] in INSERT_CALLS | {"document.changeTrackingMode"}]
    assert pane.page.is_hidden("#edits-box")


def test_zero_edit_proofread_writes_nothing_in_excel(open_pane) -> None:
    pane = open_pane(excel({"A1": "問題ありません。"}, "A1", sheet="Sheet1"))
    result_ready(pane, "proofread")
    pane.tick_checklist()
    assert pane.page.is_disabled("#insert")
    assert set(pane.snapshot()["excel"]["sheets"]) == {"Sheet1"}
    assert not pane.calls("Range.values") and not pane.calls("comments.add")


# ---- 4. tracking mode put back -------------------------------------------------------------
def tracking_values(pane: Pane) -> list[str]:
    return [c["value"] for c in pane.calls("document.changeTrackingMode")]


def test_tracking_is_restored_to_off_after_a_summary(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    result_ready(pane)
    insert(pane)
    pane.wait_status("ok")
    assert tracking_values(pane) == ["TrackAll", "Off"]
    assert pane.snapshot()["word"]["trackingMode"] == "Off"
    assert all(c["trackingMode"] == "TrackAll" for c in pane.calls() if c["name"] in INSERT_CALLS)


def test_tracking_is_restored_to_the_persons_mode_after_a_proofread(open_pane) -> None:
    pane = open_pane(word(["資料を確認して下さい。", "別"], 1) | {"word": {
        "paragraphs": ["資料を確認して下さい。", "別"], "selection": [0, 11], "trackingMode": "TrackMineOnly"}})
    result_ready(pane, "proofread")
    insert(pane)
    pane.wait_status("ok")
    assert tracking_values(pane) == ["TrackAll", "TrackMineOnly"]
    assert pane.snapshot()["word"]["trackingMode"] == "TrackMineOnly"


def test_tracking_already_on_is_left_alone(open_pane) -> None:
    cfg = word(SOURCE, 2)
    cfg["word"] = {**cfg["word"], "trackingMode": "TrackAll"}  # type: ignore[dict-item]
    pane = open_pane(cfg)
    result_ready(pane)
    insert(pane)
    pane.wait_status("ok")
    assert tracking_values(pane) == [] and pane.snapshot()["word"]["trackingMode"] == "TrackAll"
    assert len(pane.calls("Range.insertParagraph")) >= 1


# ---- 5. the review gate and the stream rule ------------------------------------------------
def test_copy_needs_the_whole_checklist(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    result_ready(pane)
    boxes = pane.page.query_selector_all(".review")
    assert len(boxes) == 4
    for box in boxes[:3]:
        box.check()
        assert pane.page.is_disabled("#copy") and pane.page.is_disabled("#insert")
    pane.page.click("#copy", force=True)  # a click on the disabled button does nothing
    assert pane.page.is_hidden("#copy-buffer")
    boxes[3].check()
    assert pane.page.is_enabled("#copy") and pane.page.is_enabled("#insert")
    pane.page.click("#copy")
    assert pane.page.input_value("#copy-buffer") == pane.page.text_content("#result-text")


SSE_DELTAS = 'event: delta\ndata: {"text": "途中までの要約"}\n\nevent: delta\ndata: {"text": "の続き"}\n\n'


def stream_answer(pane: Pane, tail: str) -> None:
    pane.page.route(
        "**/api/v1/summarize/stream",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=SSE_DELTAS + tail),
    )


def assert_preview_discarded(pane: Pane) -> None:
    assert pane.page.text_content("#preview") == ""
    assert pane.page.is_hidden("#result") and pane.page.is_hidden("#progress")
    assert pane.page.is_hidden("#copy-buffer")
    assert "途中までの要約" not in pane.page.inner_text("body")
    assert not [c for c in pane.calls() if c["name"] in INSERT_CALLS]
    assert pane.snapshot()["word"]["bookmarks"] == []


def test_error_event_after_deltas_discards_the_preview(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    error = {"error": {"code": "audit_unavailable", "message": "記録できなかったため、結果を返せません。"}}
    stream_answer(pane, f"event: error\ndata: {json.dumps(error, ensure_ascii=False)}\n\n")
    pane.run()
    message = pane.wait_status("error")
    assert "記録できなかった" in message and "破棄" in message
    assert_preview_discarded(pane)


def test_stream_ending_without_result_discards_the_preview(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    stream_answer(pane, "")
    pane.run()
    assert "破棄" in pane.wait_status("error")
    assert_preview_discarded(pane)


def test_preview_is_not_usable_while_streaming(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    held: list[Any] = []
    pane.page.route("**/api/v1/summarize/stream", lambda route: held.append(route))
    pane.run()
    pane.page.wait_for_selector("#progress:not([hidden])")
    assert held
    assert pane.page.is_hidden("#result")  # neither insert nor copy exists before `result`
    assert not pane.page.is_visible("#insert") and not pane.page.is_visible("#copy")
    pane.page.click("#cancel")
    pane.wait_status("info", contains="キャンセル")
    assert pane.snapshot()["word"]["bookmarks"] == []


# ---- 7. nothing written on open ------------------------------------------------------------
def test_opening_the_pane_writes_nothing(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))  # returns once start-up has finished (body[data-ready])
    assert not [c for c in pane.calls() if c["name"] in DOC_WRITES]
    assert pane.snapshot()["settings"] == {}
    assert pane.page.input_value("#series")  # a default name is offered, not stored
    pane.page.fill("#series", "保育所申請の集計")
    pane.page.press("#series", "Tab")  # naming the task stores it
    assert pane.snapshot()["settings"]["oasisSeriesId"] == "保育所申請の集計"


def test_opening_excel_writes_nothing(open_pane) -> None:
    pane = open_pane(excel(TABLE, "A1:C4"))
    assert not [c for c in pane.calls() if c["name"] in DOC_WRITES | {"Range.values", "worksheets.add"}]
    assert pane.snapshot()["settings"] == {}


# ---- 8. Excel shows what it wrote ----------------------------------------------------------
def test_excel_summary_is_activated_and_selected(open_pane) -> None:
    pane = open_pane(excel(TABLE, "A1:C4"))
    result_ready(pane)
    pane.page.evaluate("window.__fake.selectCells(\"'相談 集計'!C9\")")  # the person looked elsewhere
    insert(pane)
    message = pane.wait_status("ok")
    assert "「相談 集計」の A5" in message
    snap = pane.snapshot()
    assert snap["excel"]["active"] == "相談 集計"
    assert snap["excel"]["selection"] == {"sheet": "相談 集計", "address": "A5"}


def test_excel_proposals_beside_are_selected(open_pane) -> None:
    pane = open_pane(excel(PROOF, "A1:A4", sheet="Sheet1"))
    result_ready(pane, "proofread")
    insert(pane)
    assert "「Sheet1」の B1:B4" in pane.wait_status("ok")
    snap = pane.snapshot()
    assert snap["excel"]["active"] == "Sheet1"
    assert snap["excel"]["selection"] == {"sheet": "Sheet1", "address": "B1:B4"}


def test_excel_proposals_on_a_new_sheet_are_shown(open_pane) -> None:
    pane = open_pane(excel({**PROOF, "B3": "メモ"}, "A1:A4", sheet="Sheet1"))
    result_ready(pane, "proofread")
    insert(pane)
    message = pane.wait_status("ok")
    snap = pane.snapshot()
    (new_sheet,) = [n for n in snap["excel"]["sheets"] if n not in ("Sheet1", "_oasis_provenance")]
    assert snap["excel"]["active"] == new_sheet
    assert snap["excel"]["selection"] == {"sheet": new_sheet, "address": "A1:A4"}
    assert f"「{new_sheet}」の A1:A4" in message and "新しいシート" in message
    assert [c["sheet"] for c in pane.calls("Worksheet.activate")] == [new_sheet]


# ---- notes, reasons and sources (contract 2) -----------------------------------------------
def test_notes_and_edit_sources_are_shown(open_pane) -> None:
    text = "😀本市の資料を確認して下さい。なお、これについては検討します。"
    pane = open_pane(word([text, "別"], 1))
    result = {
        "text": text.replace("下さい", "ください"),
        "edits": [
            {"start": 11, "end": 14, "original": "下さい", "replacement": "ください",
             "reason": "補助動詞は平仮名で書きます", "source": "rules", "rule": "kobun.hojo-doshi",
             "convention": "公用文作成の考え方（2022）"},
            {"start": 1, "end": 3, "original": "本市", "replacement": "大阪市",
             "reason": "正式な名称にします", "source": "model"},
        ],
        "notes": [
            {"start": 18, "end": 20, "original": "これ", "reason": "指示語が何を指すか確かめてください",
             "rule": "kobun.shijigo", "convention": "公用文作成の考え方（2022）"},
        ],
    }
    pane.script_answer("proofread", result, "00000000-0000-4000-8000-000000000002")
    result_ready(pane, "proofread")
    assert pane.page.inner_text("#edits-heading") == "修正案"
    items = pane.page.query_selector_all("#edits li")
    assert items[0].get_attribute("data-source") == "rules"
    assert "公用文作成の考え方（2022）（kobun.hojo-doshi）" in items[0].inner_text()
    assert "補助動詞は平仮名で書きます" in items[0].inner_text()
    assert "AI の提案" in items[1].inner_text()
    (note,) = pane.page.query_selector_all("#notes li")
    assert "指示語" in note.inner_text() and "kobun.shijigo" in note.inner_text()
    assert pane.page.is_visible("#notes-heading")
    insert(pane)
    pane.wait_status("ok")
    corrected = "😀大阪市の資料を確認してください。なお、これについては検討します。"
    assert pane.snapshot()["word"]["text"] == corrected + "\n別"
    # One control per applied edit, each holding only the replacement (only AI text is AI).
    assert sorted((c["title"], c["text"]) for c in pane.snapshot()["word"]["controls"]) == [
        (TITLE, "ください"), (TITLE, "大阪市")]


def test_task_name_is_stored_once_when_running(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    for _ in range(2):
        result_ready(pane)
    assert len(pane.calls("settings.saveAsync")) == 1  # stored on the first run, unchanged after
    assert pane.snapshot()["settings"]["oasisSeriesId"] == pane.page.input_value("#series")


def test_proofread_whose_edits_cannot_be_placed_writes_nothing(open_pane) -> None:
    pane = open_pane(word(["資料を確認して下さい。", "別"], 1))
    result = {
        "text": "資料を確認してください。",
        # The stated original is not at the stated place: nothing can be applied.
        "edits": [{"start": 7, "end": 10, "original": "御座い", "replacement": "ござい", "reason": "r"}],
    }
    pane.script_answer("proofread", result, "00000000-0000-4000-8000-000000000003")
    result_ready(pane, "proofread")
    insert(pane)
    assert "文書は変更していません" in pane.wait_status("info", contains="反映できる修正")
    snap = pane.snapshot()
    assert snap["word"]["text"] == "資料を確認して下さい。\n別"
    assert snap["word"]["controls"] == [] and snap["word"]["parts"] == [] and snap["word"]["bookmarks"] == []
    assert not [c for c in pane.calls() if c["name"] in INSERT_CALLS | {"document.changeTrackingMode"}]
