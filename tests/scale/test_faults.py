"""Faults on two gunicorn instances sharing PostgreSQL (issue 10): nothing reaches the model
unrecorded and nobody is counted without a record, whatever dies or stalls.

The test model keeps every prompt it received; each request carries a marker (`K-<n>`) and two
people nobody else names, so prompts, records and ledger entries can be matched one to one.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

from addin_server.audit import AuditStore
from addin_server.audit import chain as audit_chain
from tests.audit.keys import KEY_CONFIG, KEYS
from tests.scale.harness import CountingFakeOpenAI, GunicornServer, Reply, is_japanese, post
from tests.scale.pgdb import fresh_database, require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

USER = "fault-user"
SERIES = "fault-series"
PER_REQUEST = 2
MARKER = re.compile(r"K-(\d+)-")
FAMILY = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本", "松本", "井上",
          "木村", "林", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "山下", "中島", "石井", "小川", "前田",
          "岡田", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本", "福田", "太田", "西村", "藤井"]
GIVEN = ["太郎", "花子", "一郎", "次郎", "健太", "美咲", "陽子", "直樹"]


def body(n: int) -> dict[str, Any]:
    """Request n: its marker and two people of its own (氏名 column), for the ledger check."""
    family, pair = FAMILY[n % len(FAMILY)], (n // len(FAMILY)) * PER_REQUEST
    rows = [[f"{family}{GIVEN[(pair + k) % len(GIVEN)]}", f"K-{n}-受付"] for k in range(PER_REQUEST)]
    return {"cells": [["氏名", "メモ"], *rows], "host": "excel", "series_id": f"{SERIES}-{n}"}


@pytest.fixture
def database() -> Iterator[str]:
    require_postgres()
    with fresh_database("oasis_fault") as url:
        yield url


@pytest.fixture
def model() -> Iterator[CountingFakeOpenAI]:
    fake = CountingFakeOpenAI(latency=1.5).start()
    yield fake
    fake.stop()


def start_two(database: str, model: CountingFakeOpenAI, logs: Path, **extra: Any) -> list[GunicornServer]:
    config = {"DATABASE_URL": database, "AUTH_MODE": "dev", "LLM_PROVIDER": "openai",
              "LLM_BASE_URL": model.base_url, "APPROVED_ENDPOINTS": model.base_url, "LLM_MODEL": "fake-gpt",
              "LLM_TIMEOUT": 10, "LLM_MAX_RETRIES": 0, "RATE_LIMIT": "100000 per minute", "DB_DEADLINE": 4,
              "READY_LOCK_TIMEOUT": 0.5, **KEY_CONFIG, **extra}
    servers = [GunicornServer(logs / f"server{n}.log", config, workers=1, threads=8) for n in range(2)]
    try:
        return [s.wait_ready() for s in servers]
    except BaseException:
        for s in servers:
            s.stop()
        raise


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (gunicorn's workers), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill9(server: GunicornServer) -> None:
    """`kill -9` the master and its workers at once: no handler, no cleanup, no rollback sent."""
    for pid in [server.proc.pid, *descendants(server.proc.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.proc.wait()


def safe_post(base: str, n: int) -> tuple[int, Reply]:
    try:
        return n, post(base, "/api/v1/summarize", body(n), USER, timeout=60)
    except (OSError, urllib.error.URLError) as exc:  # the instance died under the request
        return n, Reply(0, {"error": {"code": type(exc).__name__}})


def prompts_at_model(model: CountingFakeOpenAI) -> set[int]:
    seen: set[int] = set()
    for request in list(model.requests):
        for message in request.body.get("messages", []):
            seen.update(int(m) for m in MARKER.findall(str(message.get("content", ""))))
    return seen


def check_records_against(database: str, model: CountingFakeOpenAI, replies: list[tuple[int, Reply]]
                          ) -> dict[str, Any]:
    """The invariants of issue 10, whatever happened: returns figures for the caller."""
    store = AuditStore(database, KEYS)
    try:
        rows = list(store.iter_records())
        recorded: dict[int, set[str]] = {}
        for row in rows:
            for m in MARKER.findall((row["request_cells"] or "") + (row["request_text"] or "")):
                recorded.setdefault(int(m), set()).add(row["outcome"])
        at_model = prompts_at_model(model)
        missing = at_model - {n for n, outcomes in recorded.items() if "pending" in outcomes}
        assert missing == set(), f"prompts at the model without a record: {sorted(missing)}"
        # People are counted exactly when a record exists: the ledger holds the two people of
        # every recorded request and of no other.
        totals = {r["series"]: int(r["total"]) for r in store.person_ledger().series_totals()}
        counted = {int(s.rsplit("-", 1)[1]) for s, t in totals.items() if t}
        assert all(t == PER_REQUEST for t in totals.values() if t), totals
        assert counted == {n for n, outcomes in recorded.items() if "pending" in outcomes}
        for n, reply in replies:
            if reply.status == 200:
                assert recorded.get(n, set()) >= {"pending", "allowed"}
            elif reply.status in (503, 504, 502):
                error = reply.body["error"]
                assert is_japanese(error["message"])
                if error["code"] == "audit_unavailable":  # says 送信していません: it must be true
                    assert n not in at_model and n not in counted, n
                    assert "送信していません" in error["message"]
                if error["code"] == "answer_not_recorded":
                    assert n in counted and "表示しません" in error["message"]
        report = audit_chain.verify(store)
        assert report.ok, report.problem
        return {"at_model": len(at_model), "recorded": len(recorded), "unanswered": report.unanswered,
                "statuses": sorted({r.status for _, r in replies})}
    finally:
        store.dispose()


def test_kill_9_of_one_instance_leaves_no_prompt_or_person_unrecorded(
        database: str, model: CountingFakeOpenAI, tmp_path: Path) -> None:
    victim, survivor = start_two(database, model, tmp_path)
    try:
        with ThreadPoolExecutor(24) as pool:
            futures = [pool.submit(safe_post, (victim if n % 2 else survivor).base, n) for n in range(24)]
            for _ in range(300):  # until the model holds requests (bounded: 30 s)
                if model.in_flight >= 8:
                    break
                time.sleep(0.1)
            assert model.in_flight >= 8, "the requests never reached the model"
            kill9(victim)
            replies = [f.result() for f in futures]
        figures = check_records_against(database, model, replies)
        killed = [n for n, r in replies if r.status == 0]
        assert killed, "no request was cut by the kill"
        assert figures["unanswered"] >= 1  # their prompts are recorded; their answers never were
        # The survivor carried on: every request sent to it got its answer.
        assert all(r.status == 200 for n, r in replies if n % 2 == 0)
        print(f"\nkill -9: {figures}, cut requests {len(killed)}")
    finally:
        for s in (victim, survivor):
            s.stop()


def test_terminated_database_sessions_lose_no_record(database: str, model: CountingFakeOpenAI,
                                                     tmp_path: Path) -> None:
    servers = start_two(database, model, tmp_path)
    stop = threading.Event()
    terminated = []

    def terminator() -> None:
        with psycopg.connect(database, autocommit=True) as admin:
            while not stop.is_set():
                killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
                terminated.append(killed[0] if killed else 0)
                stop.wait(1.0)

    try:
        thread = threading.Thread(target=terminator)
        thread.start()
        try:
            with ThreadPoolExecutor(16) as pool:
                replies = list(pool.map(lambda n: safe_post(servers[n % 2].base, n), range(32)))
        finally:
            stop.set()
            thread.join()
        assert sum(terminated) > 0
        figures = check_records_against(database, model, replies)
        assert all(r.status in (200, 502, 503) for _, r in replies), [r.body for _, r in replies if r.status != 200]
        print(f"\nterminated sessions {sum(terminated)}: {figures}")
    finally:
        for s in servers:
            s.stop()


def readiness(server: GunicornServer) -> tuple[int, dict[str, Any]]:
    import json

    try:
        with urllib.request.urlopen(f"{server.base}/readyz", timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_held_chain_head_lock_drains_readiness_and_fails_requests_honestly(
        database: str, model: CountingFakeOpenAI, tmp_path: Path) -> None:
    servers = start_two(database, model, tmp_path)
    try:
        before = len(model.requests)
        with psycopg.connect(database) as holder:  # a frozen instance: lock taken, never released
            holder.execute("SELECT value FROM oasis_meta WHERE key = 'chain_head' FOR UPDATE")
            states = [readiness(s) for s in servers]
            with ThreadPoolExecutor(4) as pool:
                replies = list(pool.map(lambda n: safe_post(servers[n % 2].base, 1000 + n), range(4)))
            still_held = holder.execute("SELECT 1").fetchone() is not None  # the lock outlived them
            holder.rollback()
        assert still_held
        assert [(code, state["audit_lock"]) for code, state in states] == [(503, False), (503, False)]
        for _, reply in replies:
            assert reply.status == 503 and reply.body["error"]["code"] == "audit_unavailable"
            assert "送信していません" in reply.body["error"]["message"]
        assert len(model.requests) == before  # and indeed nothing was sent
        assert [readiness(s)[0] for s in servers] == [200, 200]
        assert safe_post(servers[0].base, 2000)[1].status == 200
        check_records_against(database, model, replies)
    finally:
        for s in servers:
            s.stop()


def test_a_stream_whose_answer_cannot_be_recorded_ends_in_an_error_event(
        database: str, model: CountingFakeOpenAI, tmp_path: Path) -> None:
    import json

    from tests.api.test_endpoints import parse_sse

    servers = start_two(database, model, tmp_path)
    try:
        got: dict[str, str] = {}

        def stream() -> None:
            req = urllib.request.Request(
                servers[1].base + "/api/v1/summarize/stream", method="POST",
                data=json.dumps(body(3000), ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json", "X-Oasis-User": USER})
            with urllib.request.urlopen(req, timeout=60) as resp:
                got["status"], got["text"] = str(resp.status), resp.read().decode()

        thread = threading.Thread(target=stream)
        thread.start()
        for _ in range(300):  # the prompt is recorded before the model is called
            if model.in_flight >= 1:
                break
            time.sleep(0.05)
        assert model.in_flight >= 1, "the request never reached the model"
        with psycopg.connect(database) as holder:  # now the answer's record cannot be written
            holder.execute("SELECT value FROM oasis_meta WHERE key = 'chain_head' FOR UPDATE")
            thread.join(60)
            finished_while_locked = not thread.is_alive()
            holder.rollback()
        assert finished_while_locked and got["status"] == "200"
        events = parse_sse(got["text"])
        kinds = [k for k, _ in events]
        assert "result" not in kinds and kinds[-1] == "error", kinds
        error = events[-1][1]["error"]
        assert error["code"] == "answer_not_recorded" and "表示しません" in error["message"]
        figures = check_records_against(database, model, [])
        assert figures["unanswered"] == 1 and figures["at_model"] == figures["recorded"] == 1
    finally:
        for s in servers:
            s.stop()
