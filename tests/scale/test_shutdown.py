"""Graceful shutdown: SIGTERM while requests wait for the model; they finish and are recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from addin_server.audit import AuditStore
from tests.audit.keys import KEY_CONFIG, KEYS
from tests.scale.harness import CountingFakeOpenAI, GunicornServer, Reply, post_all

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

IN_FLIGHT = 4


@pytest.fixture
def server(pg_url: str, slow_model: CountingFakeOpenAI, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[GunicornServer]:
    config = {"DATABASE_URL": pg_url, "AUTH_MODE": "dev", "LLM_PROVIDER": "openai",
              "LLM_BASE_URL": slow_model.base_url, "APPROVED_ENDPOINTS": slow_model.base_url,
              "LLM_MODEL": "fake-gpt", "LLM_TIMEOUT": 10, "LLM_MAX_RETRIES": 0, **KEY_CONFIG}
    srv = GunicornServer(tmp_path_factory.mktemp("stop") / "server.log", config, workers=1, threads=IN_FLIGHT)
    try:
        yield srv.wait_ready()
    finally:
        srv.stop()


def test_sigterm_lets_in_flight_requests_finish_with_their_records(
        server: GunicornServer, slow_model: CountingFakeOpenAI, pg_url: str) -> None:
    seen_before = len(slow_model.requests)
    replies: list[Reply] = []
    sender = threading.Thread(target=lambda: replies.extend(post_all(
        (server.base, "/api/v1/summarize", {"text": "本日の会議は10時からです。", "host": "word"}, f"stop{i}")
        for i in range(IN_FLIGHT))))
    sender.start()
    for _ in range(300):  # until the model holds all of them (bounded: 30 s)
        if len(slow_model.requests) - seen_before >= IN_FLIGHT:
            break
        time.sleep(0.1)
    assert slow_model.in_flight == IN_FLIGHT, "the requests never reached the model"

    server.terminate()
    sender.join(60)
    assert server.proc.wait(60) == 0, server.log()
    assert [r.status for r in replies] == [200] * IN_FLIGHT, [r.body for r in replies]
    store = AuditStore(pg_url, KEYS)
    try:
        for r in replies:
            row = store.get(r.body["request_id"])
            assert row is not None and row["outcome"] == "allowed" and row["response_text"]
    finally:
        store.dispose()
