"""Two server processes on one database race for one series' person allowance (oasis-2).

PostgreSQL is what several instances share; the same race on one SQLite file covers a single
host running several gunicorn workers on the default database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from addin_server.audit import AuditStore
from addin_server.audit import chain as audit_chain
from tests.audit.keys import KEY_CONFIG, KEYS
from tests.scale.harness import GunicornServer, post, post_all

pytestmark = pytest.mark.slow

LIMIT = 1000
PER_REQUEST = 30
REQUESTS = 50
USER = "race-user"
SERIES = "race-series"

FAMILY = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "山下", "中島", "石井", "小川", "前田", "岡田", "長谷川", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本", "斉藤", "福田", "太田", "西村", "藤井", "金子", "岡本", "藤原", "中野", "三浦", "原田", "松田"]
GIVEN = ["太郎", "花子", "一郎", "次郎", "三郎", "健太", "翔太", "大輔", "直樹", "拓也", "美咲", "陽子", "由美", "恵子", "裕子", "明美", "真一", "誠", "修", "学", "和也", "達也", "浩二", "里美", "智子", "洋子", "康介", "亮", "隆", "聡"]


def cells(i: int) -> list[list[str]]:
    """A table of 30 people nobody else in the race names (氏名 header, unique full names)."""
    return [["氏名", "所属"], *[[f"{FAMILY[i]}{GIVEN[k]}", "市民課"] for k in range(PER_REQUEST)]]


@pytest.fixture(scope="module", params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One shared database: PostgreSQL (several hosts), or one SQLite file (one host, several processes)."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path_factory.mktemp('race-sqlite') / 'audit.db'}"


@pytest.fixture(scope="module")
def servers(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[GunicornServer]]:
    logs = tmp_path_factory.mktemp("race")
    # One person's 50 requests in a second: the per-user rate limit is raised so the ledger decides.
    config = {"DATABASE_URL": db_url, "AUTH_MODE": "dev", "LLM_PROVIDER": "offline", "PERSON_LIMIT": LIMIT,
              "RATE_LIMIT": "100000 per minute", **KEY_CONFIG}
    started = [GunicornServer(logs / f"server{n}.log", config, workers=2, threads=8) for n in range(2)]
    try:
        yield [s.wait_ready() for s in started]
    finally:
        for s in started:
            s.terminate()  # both at once, then wait for each
        for s in started:
            s.stop()


def test_two_instances_never_pass_the_person_limit(servers: list[GunicornServer], db_url: str) -> None:
    assert len({len(set(FAMILY)), len(FAMILY)}) == 1 and len(FAMILY) >= REQUESTS and len(set(GIVEN)) >= PER_REQUEST
    # The policy engine counts each table as 30 people (a dry run records nothing).
    probe = post(servers[0].base, "/api/v1/check",
                 {"cells": cells(0), "host": "excel", "operation": "summarize", "series_id": SERIES}, "probe-user")
    assert probe.status == 200 and probe.body["persons"]["request"] == PER_REQUEST, probe.body

    replies = post_all(
        (servers[i % 2].base, "/api/v1/summarize", {"cells": cells(i), "host": "excel", "series_id": SERIES}, USER)
        for i in range(REQUESTS))

    statuses = Counter(r.status for r in replies)
    expected_ok = (LIMIT - 1) // PER_REQUEST  # 33: one more would bring the series to 1,020
    assert statuses == {200: expected_ok, 422: REQUESTS - expected_ok}, statuses
    for r in replies:
        if r.status == 422:
            assert r.body["allowed"] is False
            assert any(f["rule"] == "oasis-2" and f["severity"] == "block" for f in r.body["findings"])
    # Each success saw its own running total: the adds ran one after another across instances.
    totals = sorted(r.body["persons"]["series_total"] for r in replies if r.status == 200)
    assert totals == [PER_REQUEST * (n + 1) for n in range(expected_ok)]

    store = AuditStore(db_url, KEYS)
    try:
        user_id = store.get(replies[0].body["request_id"])["user_id"]  # as the auth layer names her
        [series] = store.person_ledger().series_totals(user_id)
        assert SERIES in series["series"]
        assert series["total"] == PER_REQUEST * expected_ok <= LIMIT - 1
        # Records for every request, none lost and none doubled (an allowed one has its prompt
        # record and its answer record), and one unbroken keyed chain.
        rows = list(store.iter_records(user_id=user_id))
        assert sorted({r["request_id"] for r in rows}) == sorted(r.body["request_id"] for r in replies)
        assert Counter(r["outcome"] for r in rows) == {"pending": expected_ok, "allowed": expected_ok,
                                                       "blocked": REQUESTS - expected_ok}
        report = audit_chain.verify(store)
        assert report.ok and report.unanswered == 0, report.problem
    finally:
        store.dispose()
