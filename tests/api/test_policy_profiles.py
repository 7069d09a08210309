"""The policy rules through POST /api/v1/check and /api/v1/summarize under each profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from addin_server.services import services
from tests.fakes.openai_server import FakeOpenAI, Step
from tests.policy.numbers import VALID, notate

USER = {"X-Oasis-User": "tanaka"}
CLEAN = (
    "大阪市では生成AIの利用に関するガイドラインを定めました。職員は業務で生成AIを利用する際、"
    "このガイドラインに従う必要があります。生成AIの出力は職員が確認してから利用します。"
)
WITH_NUMBER = CLEAN + f"申請者の個人番号は{notate(VALID, '-')}です。"
WITH_PERSON = CLEAN + "相談者の山田太郎様には電話で回答しました。"


def client_for(make_app: Callable[..., Flask], profile: str, **config: Any) -> tuple[Flask, FlaskClient]:
    app = make_app(PROFILE=profile, **config)
    c = app.test_client()
    c.environ_base.update({"REMOTE_ADDR": "127.0.0.1"})
    return app, c


def post(c: FlaskClient, path: str, body: dict[str, Any], user: str = "tanaka") -> Any:
    return c.post(path, data=json.dumps({"host": "word", **body}), content_type="application/json",
                  headers={"X-Oasis-User": user})


def rules(body: dict[str, Any], severity: str = "block") -> set[str]:
    return {f["rule"] for f in body["findings"] if f["severity"] == severity}


# (profile, request body, blocking rules)
CASES = [
    ("oasis", {"text": CLEAN}, set()),
    ("rag", {"text": CLEAN}, set()),
    ("cloud", {"text": CLEAN}, set()),
    ("oasis", {"text": WITH_NUMBER}, {"oasis-1"}),
    ("rag", {"text": WITH_NUMBER}, {"rag-1", "rag-2"}),
    ("oasis", {"cells": [["備考"], [int(VALID)]]}, {"oasis-1"}),
    ("oasis", {"text": WITH_PERSON}, set()),
    ("rag", {"text": WITH_PERSON}, {"rag-2"}),
    ("cloud", {"text": WITH_PERSON}, set()),
    ("rag", {"cells": [["氏名", "電話"], ["山田 太郎", "06-1234-5678"]]}, {"rag-2"}),
    ("oasis", {"text": CLEAN, "instruction": "村上春樹風にまとめて"}, {"common-4"}),
    ("rag", {"text": CLEAN, "instruction": "有名なキャッチコピーに似たフレーズにして"}, {"common-4"}),
    ("cloud", {"text": CLEAN, "instruction": "替え歌にして"}, {"common-4"}),
    ("oasis", {"text": CLEAN, "instruction": "200字以内で簡潔に、箇条書きで"}, set()),
]


@pytest.mark.parametrize(("profile", "body", "blocking"), CASES)
@pytest.mark.parametrize("path", ["/api/v1/check", "/api/v1/summarize"])
def test_profiles(make_app: Callable[..., Flask], path: str, profile: str, body: dict[str, Any],
                  blocking: set[str]) -> None:
    _, c = client_for(make_app, profile)
    if path.endswith("check"):
        body = {**body, "operation": "summarize"}
    resp = post(c, path, body)
    data = resp.get_json()
    # check is a dry run: always 200 with `allowed`; a blocked summarize is 422
    assert resp.status_code == (422 if blocking and path.endswith("summarize") else 200), data
    assert rules(data) == blocking
    assert data["allowed"] is (not blocking)
    assert VALID not in resp.get_data(as_text=True).replace("-", "") or not blocking
    for f in data["findings"]:
        assert f["message"] and f["rule"]
    if path.endswith("summarize") and not blocking:
        assert data["review_required"] is True  # common-1 / common-7
        assert data["result"]["text"]


def test_individual_number_never_echoed_in_findings(make_app: Callable[..., Flask]) -> None:
    _, c = client_for(make_app, "oasis")
    resp = post(c, "/api/v1/summarize", {"text": WITH_NUMBER})
    raw = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert notate(VALID, "-") not in raw and VALID not in raw
    assert "**** **** " + VALID[-4:] in raw


def test_stored_request_is_masked_under_cloud(make_app: Callable[..., Flask]) -> None:
    app, c = client_for(make_app, "cloud")
    resp = post(c, "/api/v1/summarize", {"text": WITH_NUMBER})
    assert resp.status_code == 200
    record = services(app).service.store.get(resp.get_json()["request_id"])
    assert notate(VALID, "-") not in record["request_text"]
    assert "**** **** " + VALID[-4:] in record["request_text"]


def table(start: int, stop: int) -> list[list[Any]]:
    return [["氏名", "備考"], *[[f"利用者{i:04d}", "相談"] for i in range(start, stop)]]


def test_person_limit_through_the_api(make_app: Callable[..., Flask]) -> None:
    _, c = client_for(make_app, "oasis", PERSON_LIMIT=10)
    series = {"series_id": "名簿整理"}
    # check reports the totals without recording them
    resp = post(c, "/api/v1/check", {"cells": table(0, 6), "operation": "summarize", **series})
    assert resp.status_code == 200 and resp.get_json()["persons"] == {"request": 6, "series_total": 6, "limit": 10}
    resp = post(c, "/api/v1/summarize", {"cells": table(0, 6), **series})
    assert resp.status_code == 200 and resp.get_json()["persons"]["series_total"] == 6
    # the same people again count once; 8 of 10 warns
    resp = post(c, "/api/v1/summarize", {"cells": table(4, 8), **series})
    body = resp.get_json()
    assert resp.status_code == 200 and body["persons"]["series_total"] == 8
    assert rules(body, "warn") == {"oasis-2"}
    # a split run that would reach the limit is blocked, with the totals in the message
    resp = post(c, "/api/v1/summarize", {"cells": table(8, 10), **series})
    body = resp.get_json()
    assert resp.status_code == 422 and rules(body) == {"oasis-2"}
    (f,) = [f for f in body["findings"] if f["rule"] == "oasis-2"]
    assert "10人" in f["message"] and "8人" in f["message"]
    # other users and other series are separate
    assert post(c, "/api/v1/summarize", {"cells": table(8, 10), **series}, user="suzuki").status_code == 200
    assert post(c, "/api/v1/summarize", {"cells": table(8, 10), "series_id": "別件"}).status_code == 200


def test_output_findings_are_warnings_beside_the_result(make_app: Callable[..., Flask], fake_llm: FakeOpenAI) -> None:
    """An answer with a figure the source lacks comes back with a common-5 warning pointing into it."""
    invented = "ガイドラインは2019年に廃止されました。"
    fake_llm.push(Step(content=invented))
    _, c = client_for(make_app, "oasis", LLM_PROVIDER="openai", LLM_BASE_URL=fake_llm.base_url,
                      LLM_MODEL="fake-gpt", APPROVED_ENDPOINTS=fake_llm.base_url, LLM_TIMEOUT=2, LLM_MAX_RETRIES=0)
    resp = post(c, "/api/v1/summarize", {"text": CLEAN})
    body = resp.get_json()
    assert resp.status_code == 200 and body["result"]["text"] == invented
    output = [f for f in body["findings"] if f["rule"] == "common-5"]
    assert output, body["findings"]
    assert {f["severity"] for f in output} == {"warn"}
    spans = [s for f in output for s in f["spans"]]
    assert spans
    assert any("2019" in invented[s["start"]:s["end"]] for s in spans), spans


def test_cloud_refuses_generation_when_the_audit_store_cannot_record(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, c = client_for(make_app, "cloud")
    store = services(app).service.store
    before = store.count()
    calls = []

    def unwritable(*_a: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "append", unwritable)
    monkeypatch.setattr(services(app).service.gateway, "summarize", lambda *a: calls.append(a))
    resp = post(c, "/api/v1/summarize", {"text": CLEAN})
    assert resp.status_code == 503
    assert resp.get_json()["error"]["code"] == "audit_unavailable"
    assert "送信していません" in resp.get_json()["error"]["message"]  # true: the model was not called
    assert "result" not in resp.get_json() and calls == []
    assert store.count() == before
