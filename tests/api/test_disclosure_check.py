"""POST /api/v1/disclosure/check: the pane's pre-publication check, judged by docx_tools' classifier."""

from __future__ import annotations

import json

from addin_server.services import services
from docx_tools import disclosure, tagger
from tests.conftest import DEV_USER
from tests.docx_tools import helpers as h
from tests.docx_tools.test_tagger_per_edit import PL_TEXT, per_edit_document

URL = "/api/v1/disclosure/check"


def post(client, body, headers=DEV_USER):
    return client.post(URL, data=json.dumps(body, ensure_ascii=False), content_type="application/json",
                       headers=headers)


def _report(data: bytes, suffix: str) -> list[dict]:
    _new, results = tagger.process_bytes(data, suffix, dry_run=True)
    return [r.to_dict() for r in results]


def test_word_answer_is_the_tagger_report_and_the_audit_holds_no_content(client, app) -> None:
    data = per_edit_document()
    resp = post(client, {"host": "word", "ooxml": h.flat_opc(data), "provenance": h.provenance_xml(data)})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["rule"] == "common-8"
    assert body["insertions"] == _report(data, ".docx")
    assert body["counts"] == {"pending": 1, "modified": 1, "unmodified": 5, "missing": 1}
    assert body["blocking"] is True
    by_key = {i["key"]: i for i in body["items"]}
    assert by_key["PL#1"]["text"] == PL_TEXT and by_key["PL#1"]["tag"] is None
    assert by_key["PU#2"]["tag"] == "oasis:PU#2" and by_key["PU#2"]["author"] == "oasis-addin"
    assert by_key["PU#2"]["disclosure"] == disclosure.disclosure_text(h.proofread_ins("PU", ["ください", "は"]), 2)
    record = services(app).service.store.get(body["request_id"])
    assert record["operation"] == "disclosure:check" and record["outcome"] == "checked"
    assert record["rules"] == "common-8" and record["user_id"] == "dev:tanaka" and record["host"] == "word"
    assert json.loads(record["instruction"]) == {"insertions": 6, "items": 8, "pending": 1, "modified": 1,
                                                 "unmodified": 5, "missing": 1, "untagged_unmodified": 5}
    stored = json.dumps({k: v for k, v in record.items()}, ensure_ascii=False, default=str)
    for secret in ("申請書", "ください", PL_TEXT, "PU", "oasis:"):
        assert secret not in stored
    assert record["request_text"] is None and record["response_text"] is None


def test_comments_sent_by_the_pane_mark_insertions_tagged(client) -> None:
    data = per_edit_document()
    ins = h.proofread_ins("PL", [PL_TEXT])
    comments = [{"author": "田中 花子", "text": disclosure.disclosure_text(ins, 1)}]
    body = post(client, {"host": "word", "ooxml": h.flat_opc(data), "provenance": h.provenance_xml(data),
                         "comments": comments}).get_json()
    assert {i["key"]: i["tagged"] for i in body["items"]}["PL#1"] is True
    assert {i["id"]: i["tagged"] for i in body["insertions"]}["PL"] is True


def test_excel_answer_is_the_tagger_report(client) -> None:
    rows = [("'集計 表'!B2", "X1", "要約そのまま"), ("'集計 表'!C3", "X2", "元の要約"), ("'集計 表'!E9", "X3", "消えた要約")]
    data = h.xlsx_bytes({"B2": "要約そのまま", "C3": "手を入れた要約"}, rows=rows)
    prov = [[c, i, "summarize", h.MODEL, "2026-11-20T01:02:03Z", "", t] for c, i, t in rows]
    resp = post(client, {"host": "excel", "rows": prov,
                         "values": {"'集計 表'!B2": "要約そのまま", "'集計 表'!C3": "手を入れた要約", "'集計 表'!E9": None},
                         "cell_comments": {"'集計 表'!B2": "生成AI出力（要確認） X1"}})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["insertions"] == _report(data, ".xlsx")
    assert [(i["cell"], i["status"]) for i in body["items"]] == [
        ("'集計 表'!B2", "unmodified"), ("'集計 表'!C3", "modified"), ("'集計 表'!E9", "missing")]
    assert body["blocking"] is False


def test_empty_document_lists_nothing(client) -> None:
    data = h.docx_bytes(["生成AIを使っていない文書。"])
    body = post(client, {"host": "word", "ooxml": h.flat_opc(data)}).get_json()
    assert body["insertions"] == [] and body["items"] == [] and body["blocking"] is False


def test_bad_input_gets_japanese_errors(client) -> None:
    missing = post(client, {"host": "word"})
    assert missing.status_code == 400
    assert "OOXML" in json.dumps(missing.get_json()["error"]["fields"], ensure_ascii=False)
    unknown = post(client, {"host": "excel", "rows": [], "extra": 1})
    assert unknown.status_code == 400
    assert unknown.get_json()["error"]["fields"]["extra"] == ["不明な項目です。"]
    broken = post(client, {"host": "word", "ooxml": "<w:document"})
    assert broken.status_code == 422
    assert broken.get_json()["error"] == {"code": "invalid_xml", "message": "本文の OOXML を XML として読めません。"}
    unsafe = post(client, {"host": "word", "ooxml": "<x/>", "provenance": ['<!DOCTYPE p [<!ENTITY e "x">]><p/>']})
    assert unsafe.status_code == 422 and unsafe.get_json()["error"]["code"] == "unsafe_xml"
    nul = post(client, {"host": "excel", "rows": [["'S'!A1", "X", "summarize", "", "", "", "a\x00b"]]})
    assert nul.status_code == 400 and "NUL" in json.dumps(nul.get_json(), ensure_ascii=False)


def test_too_large_is_413_with_a_way_out(client, app) -> None:
    before = services(app).service.store.count()
    big = "<w:document>" + "x" * (16 * 1024 * 1024) + "</w:document>"
    resp = post(client, {"host": "word", "ooxml": big})
    assert resp.status_code == 413
    assert "oasis-addin tag" in resp.get_json()["error"]["message"]
    assert services(app).service.store.count() == before  # nothing recorded for a refused body


def test_documented_in_openapi(client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/disclosure/check"]["post"]
    assert {"200", "400", "413", "422"} <= set(op["responses"])
    assert "DisclosureCheckResponse" in doc["components"]["schemas"]
