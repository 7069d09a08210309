"""Load: a gunicorn server in front of a model that answers after 1 s, 50 requests at once.

Throughput is shown by the model's own count of calls it held at once (no clock in a test; the
figures are in bench/server_bench.py). Failures of the model under load (429, 500, timeouts)
still leave one audit record each and a clear Japanese JSON answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from addin_server.audit import AuditStore
from tests.audit.keys import KEY_CONFIG, KEYS
from tests.fakes.openai_server import Step
from tests.scale.harness import CountingFakeOpenAI, GunicornServer, is_japanese, post_all

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKERS, THREADS = 2, 4
TEXT = "市の窓口は9時に開きます。土日は休みです。"


@pytest.fixture(scope="module")
def server(pg_url: str, slow_model: CountingFakeOpenAI,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornServer]:
    config = {"DATABASE_URL": pg_url, "AUTH_MODE": "dev", "LLM_PROVIDER": "openai",
              "LLM_BASE_URL": slow_model.base_url, "APPROVED_ENDPOINTS": slow_model.base_url,
              "LLM_MODEL": "fake-gpt", "LLM_TIMEOUT": 4, "LLM_MAX_RETRIES": 0, "RATE_LIMIT": "100000 per minute",
              **KEY_CONFIG}
    srv = GunicornServer(tmp_path_factory.mktemp("load") / "server.log", config, workers=WORKERS, threads=THREADS)
    try:
        yield srv.wait_ready()
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def store(pg_url: str) -> Iterator[AuditStore]:
    s = AuditStore(pg_url, KEYS)
    yield s
    s.dispose()


def summarize_burst(srv: GunicornServer, tag: str, n: int) -> list:
    # One user per request: this measures the server, not a per-user rate limit.
    return post_all((srv.base, "/api/v1/summarize", {"text": TEXT, "host": "word"}, f"{tag}{i}") for i in range(n))


def records_of(store: AuditStore, tag: str) -> list[dict]:
    """Each request's final record (its prompt record, outcome pending, comes before it)."""
    return [r for r in store.iter_records() if r["user_display"] and r["user_display"].startswith(tag)
            and r["outcome"] != "pending"]


def test_fifty_requests_run_on_every_worker_thread_and_all_are_recorded(
        server: GunicornServer, slow_model: CountingFakeOpenAI, store: AuditStore) -> None:
    slow_model.clear_counts()
    replies = summarize_burst(server, "load", 50)
    assert Counter(r.status for r in replies) == {200: 50}
    assert all(r.body["result"]["text"] and r.body["model"] == "fake-gpt" for r in replies)
    # Every thread of both processes held a model call at once: throughput ~ threads / latency.
    assert slow_model.max_in_flight == WORKERS * THREADS
    rows = records_of(store, "load")
    assert sorted(r["request_id"] for r in rows) == sorted(r.body["request_id"] for r in replies)
    assert {r["outcome"] for r in rows} == {"allowed"}


def test_model_failures_under_load_leave_a_record_and_a_clear_answer(
        server: GunicornServer, slow_model: CountingFakeOpenAI, store: AuditStore) -> None:
    # The model's script is consumed in arrival order: 4 rate limits, 4 errors, 4 timeouts
    # (longer than LLM_TIMEOUT), then normal answers. The client does not retry (LLM_MAX_RETRIES=0).
    slow_model.push(*[Step(status=429)] * 4, *[Step(status=500)] * 4, *[Step(delay=6.0)] * 4)
    replies = summarize_burst(server, "fail", 24)
    assert Counter(r.status for r in replies) == {200: 12, 503: 4, 502: 4, 504: 4}
    codes = {503: "model_unavailable", 502: "model_error", 504: "model_timeout"}
    for r in replies:
        if r.status != 200:
            assert r.body["error"]["code"] == codes[r.status]
            assert is_japanese(r.body["error"]["message"])
    rows = records_of(store, "fail")
    assert len(rows) == 24  # one per request, whatever happened to it
    assert Counter((r["outcome"], r["error_code"]) for r in rows) == {
        ("allowed", None): 12, ("failed", "model_unavailable"): 4, ("failed", "model_error"): 4,
        ("failed", "model_timeout"): 4}
    ok_ids = {r.body["request_id"] for r in replies if r.status == 200}
    assert ok_ids == {r["request_id"] for r in rows if r["outcome"] == "allowed"}
