"""Word proofread in the pane, contract 3: only the replaced spans are marked as AI output."""

from __future__ import annotations

import hashlib

from lxml import etree

from tests.taskpane.test_pane_word import PROV_NS, TITLE, provenance, word


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


REQUEST_ID = "7f3c2a10-0000-4000-8000-00000000abcd"


def _insert(pane) -> None:
    pane.select_operation("proofread")
    pane.run()
    pane.wait_result()
    pane.tick_checklist()
    pane.page.click("#insert")


def test_deletion_insertion_and_replacement_after_non_bmp_text(open_pane) -> None:
    text = "𠮷野さんが資料をを確認した"  # 𠮷 is two UTF-16 units: code points differ from JS indexes
    edits = [
        {"start": 8, "end": 9, "original": "を", "replacement": "", "reason": "重複"},
        {"start": 9, "end": 11, "original": "確認", "replacement": "確かめ", "reason": "言い換え"},
        {"start": 13, "end": 13, "original": "", "replacement": "。", "reason": "句点"},
    ]
    corrected = "𠮷野さんが資料を確かめした。"
    pane = open_pane(word([text, "次の段落。"], 1, word={"paragraphs": [text, "次の段落。"],
                                                    "selection": [0, _utf16(text)],
                                                    "trackingMode": "TrackMineOnly"}))
    pane.script_answer("proofread", {"text": corrected, "edits": edits}, REQUEST_ID)
    _insert(pane)
    pane.wait_status("ok")
    snap = pane.snapshot()
    assert snap["word"]["text"] == corrected + "\n次の段落。"
    rid = REQUEST_ID
    # The deletion has no control; the replacement and the insertion each have exactly theirs.
    assert sorted((c["tag"], c["title"], c["text"]) for c in snap["word"]["controls"]) == [
        (f"oasis:{rid}#2", TITLE, "確かめ"), (f"oasis:{rid}#3", TITLE, "。")]
    assert [c["name"] for c in pane.calls() if c["name"] in ("Range.delete", "Range.insertText")] == [
        "Range.insertText", "Range.insertText", "Range.delete"]  # from the end backwards
    assert all(c["trackingMode"] == "TrackAll" for c in pane.calls("Range.delete") + pane.calls("Range.insertText"))
    assert snap["word"]["trackingMode"] == "TrackMineOnly"  # the person's own mode is restored
    (ins,) = provenance(snap)
    assert ins.get("operation") == "proofread" and ins.findtext(f"{{{PROV_NS}}}text") == "\n確かめ\n。"
    assert ins.get("sha256") == hashlib.sha256("\n確かめ\n。".encode()).hexdigest()
    assert [(e.get("n"), e.findtext(f"{{{PROV_NS}}}text") or "", e.get("sha256"))
            for e in ins.findall(f"{{{PROV_NS}}}edit")] == [
        ("1", "", hashlib.sha256(b"").hexdigest()),
        ("2", "確かめ", hashlib.sha256("確かめ".encode()).hexdigest()),
        ("3", "。", hashlib.sha256("。".encode()).hexdigest())]


def test_real_engine_edits_after_non_bmp_text_land_in_place(open_pane) -> None:
    text = "𩸽の塩焼きと𠮷の字について、資料を確認して下さい。"
    pane = open_pane(word([text], 1, word={"paragraphs": [text], "selection": [0, _utf16(text)]}))
    _insert(pane)
    pane.wait_status("ok")
    snap = pane.snapshot()
    assert snap["word"]["text"] == "𩸽の塩焼きと𠮷の字について、資料を確認してください。"
    assert [c["text"] for c in snap["word"]["controls"]] == ["ください"]
    assert snap["word"]["controls"][0]["tag"].endswith("#1")


def test_a_proofread_that_applies_no_edit_writes_nothing(open_pane) -> None:
    text = "市の窓口は九時に開きます。"
    # An edit whose original is not at its offsets: nothing can be placed.
    edits = [{"start": 0, "end": 2, "original": "県の", "replacement": "府の", "reason": "x"}]
    pane = open_pane(word([text], 1))
    pane.script_answer("proofread", {"text": text, "edits": edits}, REQUEST_ID)
    _insert(pane)
    message = pane.wait_status("info")
    assert "文書は変更していません" in message
    snap = pane.snapshot()
    assert snap["word"]["controls"] == [] and snap["word"]["parts"] == [] and snap["word"]["revisions"] == []
    assert snap["word"]["text"] == text
    written = {"Range.insertText", "Range.delete", "Range.insertContentControl", "customXmlParts.add",
               "document.changeTrackingMode"}
    assert [c["name"] for c in pane.calls() if c["name"] in written] == []


def test_old_and_new_records_share_one_part(open_pane) -> None:
    """A document with an old whole-selection proofread record gets the new record beside it."""
    old = ('<provenance xmlns="urn:oasis-addin:provenance:v1"><insertion id="OLD" operation="proofread" '
           'model="m" created="2026-01-01T00:00:00Z" sha256="x"><text>古い</text></insertion></provenance>')
    text = "資料を確認して下さい。"
    pane = open_pane(word([text], 1, word={"paragraphs": [text], "selection": [0, len(text)], "parts": [old]}))
    _insert(pane)
    pane.wait_status("ok")
    (part,) = pane.snapshot()["word"]["parts"]
    root = etree.fromstring(part.encode("utf-8"))
    ids = [i.get("id") for i in root.findall(f"{{{PROV_NS}}}insertion")]
    assert ids[0] == "OLD" and len(ids) == 2
    assert root.findall(f"{{{PROV_NS}}}insertion")[1].find(f"{{{PROV_NS}}}edit") is not None
