"""Proofreading through the API with the offline engine: rule edits and notes, text and cells."""

from __future__ import annotations

import json

from addin_server.llm.edits import Edit, apply_edits
from tests.conftest import DEV_USER


def post(c, body):
    return c.post("/api/v1/proofread", data=json.dumps(body), content_type="application/json", headers=DEV_USER)


def test_offline_proofread_returns_rule_edits_and_notes(client):
    text = "事故が起きた時は、直ちに連絡して下さい。参加できないわけではありません。"
    resp = post(client, {"text": text, "host": "word"})
    assert resp.status_code == 200
    body = resp.get_json()
    result = body["result"]
    assert result["text"] == "事故が起きたときは、直ちに連絡してください。参加できないわけではありません。"
    assert [(e["rule"], e["original"], e["replacement"]) for e in result["edits"]] == [
        ("kobun.keishiki-meishi", "時", "とき"), ("kobun.hojo-doushi", "下さい", "ください")]
    assert {e["source"] for e in result["edits"]} == {"rules"}
    assert all(e["convention"] == "公用文における漢字使用等について（2010）" for e in result["edits"])
    assert apply_edits(text, [Edit(**e) for e in result["edits"]]) == result["text"]
    assert [(n["rule"], text[n["start"]:n["end"]], n["original"]) for n in result["notes"]] == [
        ("kobun.nijuu-hitei", "ないわけではありません", "ないわけではありません")]
    assert "replacement" not in result["notes"][0]
    assert body["model"] == "offline-kobunsho-rules-v2"


def test_a_clean_text_gets_no_edit_and_an_empty_notes_list(client):
    text = "説明会は、次のとおり開催します。申込みは不要です。"
    result = post(client, {"text": text, "host": "word"}).get_json()["result"]
    assert result == {"text": text, "edits": [], "notes": []}


def test_summaries_carry_no_notes(client):
    resp = client.post("/api/v1/summarize", data=json.dumps({"text": "説明会を開催します。", "host": "word"}),
                       content_type="application/json", headers=DEV_USER)
    assert resp.status_code == 200 and "notes" not in resp.get_json()["result"]


def test_cells_get_edits_and_notes_with_row_and_col(client):
    cells = [["件名", "備考"], ["説明会", "会議に出れない場合は連絡して下さい"], ["中止", "参加できないわけではない"]]
    resp = post(client, {"cells": cells, "host": "excel"})
    assert resp.status_code == 200
    result = resp.get_json()["result"]
    assert result["cells"][1][1] == "会議に出られない場合は連絡してください"
    assert result["cells"][2] == [None, None]
    assert [(e["row"], e["col"], e["rule"], e["original"]) for e in result["edits"]] == [
        (1, 1, "kobun.ranuki", "出れ"), (1, 1, "kobun.hojo-doushi", "下さい")]
    value = cells[2][1]
    assert [(n["row"], n["col"], n["rule"], value[n["start"]:n["end"]]) for n in result["notes"]] == [
        (2, 1, "kobun.nijuu-hitei", "ないわけではない")]
