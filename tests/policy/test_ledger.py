"""oasis-2: the person ledger and the fewer-than-1,000-people rule."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from addin_server.policy import InMemoryPersonLedger, PolicyEngine, PolicyRequest
from addin_server.policy.rules.base import person_key, series_key


def table(names: list[str]) -> list[list[object]]:
    return [["氏名", "備考"], *[[n, "相談"] for n in names]]


def people(start: int, stop: int) -> list[str]:
    return [f"利用者{i:05d}" for i in range(start, stop)]


def engine(ledger: InMemoryPersonLedger | None = None, limit: int = 1000) -> PolicyEngine:
    return PolicyEngine(profile="oasis", person_limit=limit, ledger=ledger, hash_key=b"secret")


def req(names: list[str], user: str = "u1", series: str | None = "s1", **kw: object) -> PolicyRequest:
    return PolicyRequest(user=user, operation="summarize", cells=table(names), series_id=series, **kw)  # type: ignore[arg-type]


def test_ledger_counts_and_records() -> None:
    led = InMemoryPersonLedger()
    r = led.add("u", "s", {"a", "b"}, 10, commit=True)
    assert (r.before, r.new, r.recorded) == (0, 2, True)
    r = led.add("u", "s", {"b", "c"}, 10, commit=False)
    assert (r.before, r.new, r.recorded) == (2, 1, False)
    assert led.count("u", "s") == 2
    r = led.add("u", "s", {"c", "d", "e"}, 5, commit=True)  # 2 + 3 reaches the limit: not recorded
    assert (r.total, r.recorded) == (5, False)
    assert led.count("u", "s") == 2


def test_split_runs_add_up() -> None:
    led = InMemoryPersonLedger()
    e = engine(led)
    d1 = e.check_input(req(people(0, 600)), commit=True)
    assert d1.allowed and d1.persons.series_total == 600
    d2 = e.check_input(req(people(600, 1000)), commit=True)
    assert not d2.allowed
    (f,) = [f for f in d2.findings if f.rule == "oasis-2"]
    assert f.severity == "block" and "1,000人" in f.message and "600人" in f.message
    assert d2.persons.request == 400 and d2.persons.series_total == 1000
    assert led.count("u1", "s1") == 600  # the blocked request recorded nobody


def test_repeats_count_once() -> None:
    led = InMemoryPersonLedger()
    e = engine(led)
    for _ in range(3):
        d = e.check_input(req(people(0, 500)), commit=True)
        assert d.allowed and d.persons.series_total == 500
    assert led.count("u1", "s1") == 500


def test_other_users_and_series_are_separate() -> None:
    led = InMemoryPersonLedger()
    e = engine(led)
    assert e.check_input(req(people(0, 900)), commit=True).allowed
    assert e.check_input(req(people(900, 1800), user="u2"), commit=True).allowed
    assert e.check_input(req(people(900, 1800), series="s2"), commit=True).allowed
    assert e.check_input(req(people(900, 1000)), commit=False).persons.series_total == 1000


@pytest.mark.parametrize(("n", "allowed"), [(999, True), (1000, False)])
def test_limit_boundary(n: int, allowed: bool) -> None:
    d = engine(InMemoryPersonLedger()).check_input(req(people(0, n)), commit=True)
    assert d.allowed is allowed
    assert d.persons.series_total == n


def test_warning_from_eighty_percent() -> None:
    e = engine(InMemoryPersonLedger())
    d = e.check_input(req(people(0, 799)), commit=True)
    assert not [f for f in d.findings if f.rule == "oasis-2"]
    d = e.check_input(req(people(799, 800)), commit=True)
    (f,) = [f for f in d.findings if f.rule == "oasis-2"]
    assert f.severity == "warn" and d.allowed and "800人" in f.message


def test_check_reports_without_recording() -> None:
    led = InMemoryPersonLedger()
    d = engine(led).check_input(req(people(0, 10)), commit=False)
    assert d.persons.series_total == 10 and led.count("u1", "s1") == 0


def test_blocked_by_another_rule_records_nothing() -> None:
    led = InMemoryPersonLedger()
    d = engine(led).check_input(req(people(0, 10), instruction="パロディにして"), commit=True)
    assert not d.allowed and led.count("u1", "s1") == 0


def test_without_ledger_only_this_request_counts() -> None:
    e = engine(None)
    assert e.check_input(req(people(0, 999)), commit=True).allowed
    assert e.check_input(req(people(0, 999)), commit=True).persons.series_total == 999


def test_series_defaults_to_the_day_in_japan() -> None:
    late_utc = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 01:30 on 1 April in Japan
    r = PolicyRequest(user="u", operation="summarize", text="x", now=late_utc)
    assert series_key(r) == "day:2026-04-01"
    assert series_key(PolicyRequest(user="u", operation="summarize", series_id="abc")) == "abc"


def test_person_keys_are_keyed_hashes() -> None:
    k1 = person_key(b"k1", "name:山田太郎")
    assert k1 != person_key(b"k2", "name:山田太郎") and "山田" not in k1 and len(k1) == 64


def test_ledger_is_thread_safe() -> None:
    led = InMemoryPersonLedger()
    keys = [f"k{i}" for i in range(2000)]

    def work(part: list[str]) -> None:
        for k in part:
            led.add("u", "s", {k}, 10**6, commit=True)

    threads = [threading.Thread(target=work, args=(keys[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert led.count("u", "s") == 2000


def test_text_people_count_too() -> None:
    e = engine(InMemoryPersonLedger(), limit=3)
    d = e.check_input(PolicyRequest(user="u", operation="summarize", series_id="t",
                                    text="山田太郎様、鈴木一郎様、佐藤花子様が来庁。"), commit=True)
    assert not d.allowed and d.persons.request == 3
