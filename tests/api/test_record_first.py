"""Record first (issue 10): the prompt is recorded before the model sees it, the answer before
anyone sees it, people are counted exactly when a record exists, and a request whose answer never
got recorded shows as `interrupted` everywhere an administrator or the person looks."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from addin_server.audit import chain
from addin_server.errors import AuditUnavailable
from addin_server.services import services
from tests.api.test_endpoints import parse_sse
from tests.conftest import LOOPBACK
from tests.fakes.openai_server import FakeOpenAI, Step

TANAKA = {"X-Oasis-User": "tanaka"}
ADMIN = {"X-Oasis-User": "admin"}
# Names, so the request counts people in the ledger (oasis-2).
TEXT = "担当の山田太郎さんと佐藤花子さんが、市民課の窓口で申請の受付を行いました。"
ANSWER = "山田さんと佐藤さんが申請を受け付けた。"


@pytest.fixture
def app(make_app: Callable[..., Flask], fake_llm: FakeOpenAI) -> Flask:
    return make_app(LLM_PROVIDER="openai", LLM_BASE_URL=fake_llm.base_url, LLM_MODEL="fake-gpt",
                    APPROVED_ENDPOINTS=fake_llm.base_url, LLM_TIMEOUT=2, LLM_MAX_RETRIES=0,
                    ADMIN_USERS="dev:admin", RATE_LIMIT="1000 per minute")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    return c


def post(client: FlaskClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json={"host": "word", **body}, headers=TANAKA)


def ledger_total(app: Flask) -> int:
    return sum(int(r["total"]) for r in services(app).service.store.person_ledger().series_totals())


def outcomes(app: Flask) -> list[str]:
    return [r["outcome"] for r in services(app).service.store.iter_records()]


def test_the_prompt_is_recorded_before_the_model_is_called(app: Flask, client: FlaskClient, fake_llm: FakeOpenAI,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    svc = services(app).service
    seen: list[tuple[list[str], int]] = []
    original = svc.gateway.summarize

    def watching(*args: Any) -> Any:
        seen.append((outcomes(app), ledger_total(app)))  # what is durable when the model is called
        return original(*args)

    monkeypatch.setattr(svc.gateway, "summarize", watching)
    fake_llm.push(Step(content=ANSWER))
    resp = post(client, "/api/v1/summarize", {"text": TEXT})
    assert resp.status_code == 200 and resp.get_json()["result"]["text"] == ANSWER
    assert seen == [(["pending"], 2)]  # record and both people, before the call
    rows = list(svc.store.iter_records())
    assert [r["outcome"] for r in rows] == ["pending", "allowed"]
    assert rows[0]["request_id"] == rows[1]["request_id"] and rows[1]["response_text"] == ANSWER
    assert rows[0]["response_text"] is None and rows[0]["request_text"] == TEXT
    assert len(fake_llm.requests) == 1


def test_if_the_prompt_cannot_be_recorded_nothing_is_sent_and_nobody_counted(
        app: Flask, client: FlaskClient, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    store = services(app).service.store

    def unwritable(*_a: Any) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "append", unwritable)
    for path in ("/api/v1/summarize", "/api/v1/summarize/stream"):
        resp = post(client, path, {"text": TEXT})
        assert resp.status_code == 503 and resp.mimetype == "application/json"  # no stream was opened
        error = resp.get_json()["error"]
        assert error["code"] == "audit_unavailable" and "送信していません" in error["message"]
    assert fake_llm.requests == [] and ledger_total(app) == 0 and outcomes(app) == []


def test_an_answer_that_cannot_be_recorded_is_not_shown_and_the_message_says_so(
        app: Flask, client: FlaskClient, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    store = services(app).service.store

    def unwritable(*_a: Any) -> str:
        raise AuditUnavailable()

    monkeypatch.setattr(store, "record", unwritable)  # phase 2 only: the prompt's record went through
    fake_llm.push(Step(content=ANSWER))
    resp = post(client, "/api/v1/summarize", {"text": TEXT})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 503 and ANSWER not in body and "山田さん" not in body
    error = resp.get_json()["error"]
    assert error["code"] == "answer_not_recorded"
    assert "送信され" in error["message"] and "表示しません" in error["message"]
    assert len(fake_llm.requests) == 1 and outcomes(app) == ["pending"] and ledger_total(app) == 2


def test_stream_sends_no_delta_before_the_prompt_record_and_no_result_without_the_answer_record(
        app: Flask, client: FlaskClient, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = services(app).service
    seen: list[list[str]] = []
    original = svc.gateway.stream_summarize

    def watching(*args: Any) -> Any:
        seen.append(outcomes(app))
        yield from original(*args)

    def unwritable(*_a: Any) -> str:
        raise AuditUnavailable()

    monkeypatch.setattr(svc.gateway, "stream_summarize", watching)
    monkeypatch.setattr(svc.store, "record", unwritable)
    fake_llm.push(Step(content=ANSWER))
    resp = post(client, "/api/v1/summarize/stream", {"text": TEXT})
    events = parse_sse(resp.get_data(as_text=True))
    kinds = [k for k, _ in events]
    assert seen == [["pending"]]
    assert kinds[-1] == "error" and "result" not in kinds and kinds.count("delta") >= 1
    assert events[-1][1]["error"]["code"] == "answer_not_recorded"  # the pane discards the preview
    assert outcomes(app) == ["pending"]


def test_stream_result_comes_after_the_answer_record(app: Flask, client: FlaskClient, fake_llm: FakeOpenAI) -> None:
    fake_llm.push(Step(content=ANSWER))
    events = parse_sse(post(client, "/api/v1/summarize/stream", {"text": TEXT}).get_data(as_text=True))
    assert events[-1][0] == "result" and events[-1][1]["result"]["text"] == ANSWER
    rows = list(services(app).service.store.iter_records())
    assert [r["outcome"] for r in rows] == ["pending", "allowed"]
    assert rows[1]["request_id"] == events[-1][1]["request_id"]


def test_an_unanswered_request_shows_as_interrupted_everywhere(app: Flask, client: FlaskClient,
                                                                fake_llm: FakeOpenAI,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    store = services(app).service.store
    fake_llm.push(Step(content=ANSWER))
    assert post(client, "/api/v1/summarize", {"text": "完了する依頼です。"}).status_code == 200

    def unwritable(*_a: Any) -> str:
        raise AuditUnavailable()

    with monkeypatch.context() as m:  # the instance "dies" between the model call and the answer record
        m.setattr(store, "record", unwritable)
        fake_llm.push(Step(content=ANSWER))
        assert post(client, "/api/v1/summarize", {"text": TEXT}).status_code == 503

    mine = client.get("/api/v1/me/audit", headers=TANAKA).get_json()
    assert [i["outcome"] for i in mine["items"]] == ["pending", "allowed"]  # one row per request; fresh
    store.pending_grace = 0  # the longest a request can take has passed
    mine = client.get("/api/v1/me/audit", headers=TANAKA).get_json()
    assert [i["outcome"] for i in mine["items"]] == ["interrupted", "allowed"] and mine["total"] == 2
    admin = client.get("/api/v1/admin/audit?outcome=interrupted", headers=ADMIN).get_json()
    assert admin["total"] == 1 and admin["items"][0]["request_text"] == TEXT
    exported = list(chain.iter_filtered(store))
    assert [(r["outcome"], r["status"]) for r in exported if r["user_id"] == "dev:tanaka"] == [
        ("pending", "completed"), ("allowed", "allowed"), ("pending", "interrupted")]
    assert "interrupted" in _export_text(exported, "csv")
    report = chain.verify(store)
    assert report.ok and report.unanswered == 1  # counted, not called tampering


def test_a_failed_model_call_completes_the_record_as_failed(app: Flask, client: FlaskClient,
                                                            fake_llm: FakeOpenAI) -> None:
    fake_llm.push(Step(status=400))
    assert post(client, "/api/v1/summarize", {"text": TEXT}).status_code >= 500
    rows = list(services(app).service.store.iter_records())
    assert [(r["outcome"], r["error_code"]) for r in rows] == [("pending", None), ("failed", "model_config_error")]
    report = chain.verify(services(app).service.store)
    assert report.ok and report.unanswered == 0


def test_readiness_turns_false_while_the_write_lock_is_held(app: Flask, client: FlaskClient) -> None:
    store = services(app).service.store
    assert client.get("/readyz").get_json()["audit_lock"] is True
    with store.engine.connect() as holder:
        store.lock_chain_head(holder)  # SQLite: BEGIN IMMEDIATE holds the write lock
        body = client.get("/readyz")
        holder.rollback()
    assert body.status_code == 503 and body.get_json()["audit_lock"] is False
    assert client.get("/readyz").status_code == 200


def test_a_ledger_failure_is_not_mistaken_for_a_policy_block(app: Flask, client: FlaskClient, fake_llm: FakeOpenAI,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The policy engine turns a rule's exception into a blocking finding (fail closed); a
    database error while counting people must instead fail the whole transaction honestly."""
    import sqlalchemy as sa

    ledger = services(app).service.engine.ledger
    calls = []

    def broken(*_a: Any) -> Any:
        calls.append(1)
        raise sa.exc.OperationalError("SELECT …", {}, Exception("lock timeout"))

    monkeypatch.setattr(ledger, "_add_in", broken)
    resp = post(client, "/api/v1/summarize", {"text": TEXT})
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "audit_unavailable"
    assert len(calls) == 2  # tried once more on a fresh transaction, within the budget
    assert fake_llm.requests == [] and outcomes(app) == [] and ledger_total(app) == 0


def _export_text(rows: list, fmt: str) -> str:
    """What `audit export` writes for these rows, as text."""
    buf = io.StringIO()
    chain.export(iter(rows), buf, fmt)
    return buf.getvalue()
