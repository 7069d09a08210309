"""HTTP API v1 through the real app with the offline engine."""

from __future__ import annotations

import json

from addin_server.llm import apply_edits
from addin_server.llm.edits import Edit
from addin_server.services import services
from tests.conftest import DEV_USER

SOURCE = (
    "大阪市では生成AIの利用に関するガイドラインを定めました。職員は業務で生成AIを利用する際、"
    "このガイドラインに従う必要があります。個人情報の入力には制限があります。"
    "生成AIの出力は職員が確認し、必要に応じて修正してから利用します。"
)


def post(client, path, body, headers=DEV_USER):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


def test_summarize_offline(client, app):
    resp = post(client, "/api/v1/summarize", {"text": SOURCE, "host": "word"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["allowed"] is True and body["review_required"] is True
    assert body["model"] == "offline-extractive-v1"
    assert body["result"]["text"] and body["result"]["text"] != SOURCE
    # extractive: every sentence of the summary stands in the source
    for sentence in body["result"]["text"].split("。"):
        assert sentence in SOURCE
    assert set(body["persons"]) == {"request", "series_total", "limit"}
    record = services(app).service.store.get(body["request_id"])
    assert record["outcome"] == "allowed" and record["user_id"] == "dev:tanaka"
    assert record["request_text"] == SOURCE and record["response_text"] == body["result"]["text"]


def test_proofread_edits_round_trip(client):
    text = "申請書をを提出して下さい。ＡＢＣ１２３はﾃｽﾄです。よろしくお願い致します。"
    resp = post(client, "/api/v1/proofread", {"text": text, "host": "word", "operation": "proofread"})
    assert resp.status_code == 200
    result = resp.get_json()["result"]
    edits = [Edit(**e) for e in result["edits"]]
    assert len(edits) == 5
    for e in edits:
        assert text[e.start:e.end] == e.original and e.reason
    assert apply_edits(text, edits) == result["text"]
    assert result["text"] == "申請書を提出してください。ABC123はテストです。よろしくお願いいたします。"


def test_proofread_cells_gives_per_cell_proposals(client):
    cells = [["件名", "備考"], ["説明会", "資料を確認して下さい"], ["", None]]
    resp = post(client, "/api/v1/proofread", {"cells": cells, "host": "excel"})
    assert resp.status_code == 200
    result = resp.get_json()["result"]
    assert result["cells"][1][1] == "資料を確認してください"
    assert result["cells"][0] == [None, None]
    assert result["edits"][0]["row"] == 1 and result["edits"][0]["col"] == 1


def test_check_is_dry_run(client, app):
    resp = post(client, "/api/v1/check", {"text": SOURCE, "host": "word", "operation": "summarize"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["allowed"] is True and body["findings"] == [] and body["persons"]["limit"] == 1000


def test_check_requires_operation(client):
    resp = post(client, "/api/v1/check", {"text": SOURCE, "host": "word"})
    assert resp.status_code == 400
    assert "operation" in resp.get_json()["error"]["fields"]


def test_operation_must_match_endpoint(client):
    resp = post(client, "/api/v1/summarize", {"text": SOURCE, "host": "word", "operation": "proofread"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_request"


def test_length_rule_blocks_with_422_and_audit(make_app):
    app = make_app(MAX_PROMPT_CHARS=50)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    resp = post(client, "/api/v1/summarize", {"text": SOURCE, "host": "word"})
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["allowed"] is False and body["error"]["code"] == "policy_blocked"
    assert [f["rule"] for f in body["findings"]] == ["oasis-length"]
    assert body["findings"][0]["severity"] == "block"
    record = services(app).service.store.get(body["request_id"])
    assert record["outcome"] == "blocked" and record["rules"] == "oasis-length"


def test_stream_summarize_sends_deltas_then_result(client, app):
    resp = post(client, "/api/v1/summarize/stream", {"text": SOURCE, "host": "word"})
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    events = parse_sse(resp.get_data(as_text=True))
    kinds = [e for e, _ in events]
    assert kinds[-1] == "result" and kinds.count("delta") >= 2
    final = events[-1][1]
    assert "".join(d["text"] for e, d in events if e == "delta") == final["result"]["text"]
    assert services(app).service.store.get(final["request_id"])["outcome"] == "allowed"


def test_health_and_ready(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["database"] is True


def test_pane_config(client):
    body = client.get("/api/v1/config").get_json()
    assert body["auth_mode"] == "dev" and body["person_limit"] == 1000 and body["incident_contact"]


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        if not lines:
            continue
        kind = next(line[7:] for line in lines if line.startswith("event: "))
        data = json.loads("".join(line[6:] for line in lines if line.startswith("data: ")))
        events.append((kind, data))
    return events
