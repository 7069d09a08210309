"""The task pane in Word (fake Office host, real app and API, offline engine, real Chromium)."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime

from lxml import etree

from tests.taskpane.conftest import Pane

PROV_NS = "urn:oasis-addin:provenance:v1"
TITLE = "生成AI出力（要確認）"
INSERT_CALLS = {"Range.insertParagraph", "Range.insertText", "Range.insertContentControl"}

SOURCE = [
    "大阪市では、令和7年4月から市民向けの新しい相談窓口を区役所に設けました。",
    "窓口では、子育てや介護に関する相談をまとめて受け付け、担当部署への案内を行います。",
    "受付時間は平日の午前9時から午後5時30分までで、予約なしで利用できます。",
    "この文書はテスト用の別の段落です。",
]


def word(paragraphs: list[str], selected: int, **extra: object) -> dict[str, object]:
    """Fake Word config selecting the first `selected` paragraphs (offsets in UTF-16 units, as
    the fake host's JavaScript strings count them)."""
    end = len("\n".join(paragraphs[:selected]).encode("utf-16-le")) // 2
    return {
        "host": "word",
        "word": {"paragraphs": paragraphs, "selection": [0, end]},
        "url": "https://example.test/a.docx",
        **extra,
    }


def provenance(snapshot: dict) -> list[etree._Element]:
    parts = [etree.fromstring(x.encode("utf-8")) for x in snapshot["word"]["parts"]]
    ours = [p for p in parts if p.tag == f"{{{PROV_NS}}}provenance"]
    assert len(ours) == 1
    return ours[0].findall(f"{{{PROV_NS}}}insertion")


def assert_tracking_first(pane: Pane) -> None:
    calls = pane.calls()
    tracking = [
        c["seq"] for c in calls if c["name"] == "document.changeTrackingMode" and c["value"] == "TrackAll"
    ]
    inserts = [c for c in calls if c["name"] in INSERT_CALLS]
    assert tracking and inserts
    assert tracking[0] < min(c["seq"] for c in inserts)
    assert all(c["trackingMode"] == "TrackAll" for c in inserts)


def check_insertion(ins: etree._Element, request_id: str, operation: str, model: str, text: str) -> None:
    assert ins.get("id") == request_id
    assert ins.get("operation") == operation
    assert ins.get("model") == model
    created = datetime.fromisoformat(ins.get("created"))
    assert created.utcoffset() == UTC.utcoffset(None) and ins.get("created").endswith("Z")
    assert ins.findtext(f"{{{PROV_NS}}}text") == text
    nfc = unicodedata.normalize("NFC", text).encode("utf-8")
    assert ins.get("sha256") == hashlib.sha256(nfc).hexdigest()


def test_summarize_inserts_tracked_paragraphs_with_provenance(open_pane) -> None:
    # "シ\u3099" is a decomposed ジ: the hash must be over the NFC form.
    paragraphs = [
        *SOURCE[:2],
        "相談の内容はカテコ\u3099リー別に記録し、サーヒ\u3099スの改善に使います。",
        SOURCE[3],
    ]
    pane = open_pane(word(paragraphs, 3))
    pane.select_operation("summarize")
    pane.page.fill("#instruction", "100字程度で")
    pane.run()
    pane.wait_result()
    assert pane.api_requests[:2] == ["/api/v1/check", "/api/v1/summarize/stream"]
    result = pane.page.inner_text("#result-text")
    assert result.strip()
    # The preview was filled from the streamed deltas and ends as the full result.
    assert pane.page.text_content("#preview") == pane.page.text_content("#result-text")
    request_id = pane.page.inner_text("#request-id")
    model = pane.page.inner_text("#model-name")
    assert pane.page.is_disabled("#insert")  # the review checklist comes first
    pane.tick_checklist()
    pane.page.click("#insert")
    message = pane.wait_status("ok")
    assert "変更履歴" in message

    snap = pane.snapshot()
    assert_tracking_first(pane)
    controls = snap["word"]["controls"]
    assert [(c["tag"], c["title"]) for c in controls] == [(f"oasis:{request_id}", TITLE)]
    inserted = pane.page.text_content("#result-text")
    assert unicodedata.normalize("NFC", inserted) != inserted  # so the NFC hashing is exercised
    assert controls[0]["text"] == inserted
    # New paragraphs come after the selection; the original text is untouched.
    original = "\n".join(paragraphs[:3])
    assert snap["word"]["text"] == original + "\n" + inserted + "\n" + paragraphs[3]
    (ins,) = provenance(snap)
    check_insertion(ins, request_id, "summarize", model, inserted)
    # Nothing was deleted or replaced, and the task name was stored in the document.
    assert not pane.calls("Range.insertText")
    assert snap["settings"]["oasisSeriesId"] == pane.page.input_value("#series")
    assert pane.page.is_disabled("#insert")  # one insertion per result
    assert not pane.console_errors


def test_proofread_applies_each_edit_as_its_own_tracked_replacement(open_pane) -> None:
    paragraphs = [
        "ご確認して下さい。ＡＢＣの件は確認出来ます。ｶﾀｶﾅも直します。",
        "次の段落の下さいは選択外です。",
    ]
    pane = open_pane(word(paragraphs, 1))
    pane.select_operation("proofread")
    pane.run()
    pane.wait_result()
    assert pane.api_requests[:2] == ["/api/v1/check", "/api/v1/proofread"]
    edits = pane.page.query_selector_all("#edits li")
    assert len(edits) >= 3
    request_id = pane.page.inner_text("#request-id")
    model = pane.page.inner_text("#model-name")
    corrected = pane.page.text_content("#result-text")
    pane.tick_checklist()
    pane.page.click("#insert")
    pane.wait_status("ok")

    snap = pane.snapshot()
    assert_tracking_first(pane)
    replacements = pane.calls("Range.insertText")
    assert len(replacements) == len(edits)  # one tracked replacement per edit, not one big replace
    assert all(c["location"] == "Replace" and len(c["original"]) < len(paragraphs[0]) for c in replacements)
    assert len(snap["word"]["revisions"]) == len(edits)
    # Only AI text is AI (contract 3): one control per replacement, numbered in text order,
    # holding exactly that replacement; none around the person's own text.
    controls = snap["word"]["controls"]
    by_position = sorted(replacements, key=lambda c: paragraphs[0].find(c["original"]))
    assert sorted((c["tag"], c["title"]) for c in controls) == sorted(
        (f"oasis:{request_id}#{n}", TITLE) for n in range(1, len(edits) + 1))
    tags = {c["tag"]: c["text"] for c in controls}
    assert [tags[f"oasis:{request_id}#{n}"] for n in range(1, len(edits) + 1)] == [c["text"] for c in by_position]
    assert snap["word"]["text"] == corrected + "\n" + paragraphs[1]  # the next paragraph untouched
    (ins,) = provenance(snap)
    texts = [c["text"] for c in by_position]
    check_insertion(ins, request_id, "proofread", model, "\n".join(texts))
    recorded = ins.findall(f"{{{PROV_NS}}}edit")
    assert [(e.get("n"), e.findtext(f"{{{PROV_NS}}}text")) for e in recorded] == [
        (str(n), t) for n, t in enumerate(texts, start=1)]
    for e in recorded:
        assert e.get("sha256") == hashlib.sha256(e.findtext(f"{{{PROV_NS}}}text").encode("utf-8")).hexdigest()
    assert snap["word"]["trackingMode"] == "Off"  # the person's mode is back after the insert
    assert not pane.console_errors


def test_second_insertion_appends_to_the_same_provenance_part(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    ids = []
    for _ in range(2):
        ids.append(pane.run_and_insert())
    snap = pane.snapshot()
    assert [i.get("id") for i in provenance(snap)] == ids
    assert len(set(ids)) == 2
    assert len(pane.calls("customXmlParts.add")) == 1 and len(pane.calls("customXmlPart.setXml")) == 1


def test_block_finding_stops_before_sending(open_pane) -> None:
    pane = open_pane(word(["申請者のマイナンバーは 1234 5678 9018 です。", "別の段落"], 1))
    pane.run()
    pane.page.wait_for_selector("#check-findings li.block")
    finding = pane.page.query_selector("#check-findings li.block")
    assert finding.get_attribute("data-rule") == "oasis-1"
    assert "9018" in finding.inner_text() and "1234 5678" not in finding.inner_text()
    assert "送信できません" in pane.wait_status("error")
    assert pane.api_requests == ["/api/v1/check"]
    assert pane.page.is_hidden("#result") and pane.page.is_hidden("#confirm")
    assert not [c for c in pane.calls() if c["name"] in INSERT_CALLS]


def test_warning_asks_for_confirmation_then_sends(open_pane) -> None:
    text = "山田太郎さん、鈴木花子さん、佐藤一郎さん、田中次郎さんに、窓口の変更を連絡します。"
    pane = open_pane(word([text, "別の段落"], 1))
    pane.page.click("#new-series")  # a fresh series so earlier tests' counts do not add up
    pane.run()
    pane.page.wait_for_selector("#confirm:not([hidden])")
    assert pane.page.query_selector("#check-findings li.warn").get_attribute("data-rule") == "oasis-2"
    persons = pane.page.inner_text("#persons")
    assert "今回 4 人" in persons and "上限 5 人未満" in persons
    assert pane.api_requests == ["/api/v1/check"]  # nothing sent before the person confirms
    pane.page.click("#confirm-send")
    pane.wait_result()
    assert pane.api_requests[-1] == "/api/v1/summarize/stream"


def test_instruction_imitating_a_work_is_blocked(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    pane.page.fill("#instruction", "村上春樹風に書き直して")
    pane.run()
    pane.page.wait_for_selector("#check-findings li.block[data-rule='common-4']")
    assert pane.api_requests == ["/api/v1/check"]


def test_missing_wordapi_14_refuses_before_sending_and_offers_copy(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2, sets={"WordApi": "1.3", "IdentityAPI": "1.3"}))
    pane.run()
    # Said before a request is spent: only copying will be possible.
    pane.page.wait_for_selector("#confirm:not([hidden])")
    assert "WordApi 1.4" in pane.page.inner_text("#confirm-host")
    assert pane.api_requests == ["/api/v1/check"]
    pane.page.click("#confirm-send")
    pane.wait_result()
    note = pane.page.inner_text("#insert-note")
    assert "WordApi 1.4" in note and "挿入しません" in note
    assert pane.page.is_disabled("#copy") and pane.page.is_hidden("#copy-buffer")
    pane.tick_checklist()
    assert pane.page.is_disabled("#insert") and pane.page.is_enabled("#copy")
    pane.page.click("#copy")
    assert pane.page.input_value("#copy-buffer") == pane.page.text_content("#result-text")
    assert not [
        c
        for c in pane.calls()
        if c["name"] in INSERT_CALLS or c["name"] in ("document.changeTrackingMode", "Range.insertBookmark")
    ]


def test_model_error_is_shown_in_japanese(open_pane, failing_model_server) -> None:
    pane = open_pane(word(SOURCE, 2), server=failing_model_server)
    pane.run()
    message = pane.wait_status("error")
    assert "AI モデル" in message
    assert pane.page.is_hidden("#result")
    assert not [c for c in pane.calls() if c["name"] in INSERT_CALLS]


def test_too_large_selection_error_in_japanese(open_pane) -> None:
    pane = open_pane(word(["あ" * 800_000, "別"], 1))  # over the server's request size limit
    pane.run()
    message = pane.wait_status("error")
    assert any("\u3040" <= ch <= "\u30ff" for ch in message)  # Japanese, not an English default
    assert pane.page.is_hidden("#result")


def test_task_name_is_remembered_per_document(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2, settings={"oasisSeriesId": "保育所申請の集計"}))
    assert pane.page.input_value("#series") == "保育所申請の集計"
    pane.page.click("#new-series")
    new_name = pane.page.input_value("#series")
    assert new_name != "保育所申請の集計"
    assert pane.snapshot()["settings"]["oasisSeriesId"] == new_name
    help_text = pane.page.inner_text("#help")
    assert "共通ルール3" in help_text and "情報セキュリティ" in help_text
