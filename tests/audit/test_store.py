"""The audit store: records, chain hashes, ledger atomicity, schema versioning (SQLite)."""

from __future__ import annotations

import threading
from itertools import pairwise

import sqlalchemy as sa

from addin_server.audit import AuditRecord, AuditStore
from addin_server.audit.store import GENESIS_HASH, SCHEMA_VERSION, hash_matches, record_hash, schema_meta
from tests.audit.keys import KEYS


def make_store(tmp_path) -> AuditStore:
    store = AuditStore(f"sqlite:///{tmp_path}/audit.db", KEYS)
    store.migrate()
    return store


def rec(i: int, **kw) -> AuditRecord:
    return AuditRecord(request_id=f"r{i}", user_id="u", operation="summarize", profile="oasis",
                       outcome="allowed", **kw)


def test_migrate_is_versioned_and_idempotent(tmp_path):
    store = make_store(tmp_path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.migrate() == SCHEMA_VERSION
    with store.reader.connect() as conn:  # the ledger's key lives outside the database
        keys = set(conn.execute(sa.select(schema_meta.c.key)).scalars())
    assert keys == {"schema_version", "chain_head"}


def test_records_are_hash_chained(tmp_path):
    store = make_store(tmp_path)
    for i in range(3):
        store.record(rec(i, request_text=f"本文{i}"))
    rows = list(store.iter_records())
    assert rows[0]["prev_hash"] == GENESIS_HASH
    for a, b in pairwise(rows):
        assert b["prev_hash"] == a["record_hash"]
    for row in rows:
        assert row["hash_version"] == 2 and row["key_id"] == KEYS.current_id
        assert record_hash(row["prev_hash"], row, KEYS.current) == row["record_hash"]
        assert hash_matches(row, KEYS)
        assert record_hash(row["prev_hash"], row) != row["record_hash"]  # not the unkeyed hash


def test_filters(tmp_path):
    store = make_store(tmp_path)
    store.record(rec(1, rules="oasis-1,oasis-2"))
    store.record(AuditRecord(request_id="r2", user_id="v", operation="proofread", profile="oasis",
                             outcome="blocked", rules="common-4"))
    assert store.count(user_id="v") == 1 and store.count(outcome="allowed") == 1
    assert store.count(rule="oasis-1") == 1 and store.count(rule="oasis") == 0


def test_concurrent_writers_keep_one_chain(tmp_path):
    store = make_store(tmp_path)
    threads = [threading.Thread(target=lambda i=i: store.record(rec(i))) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = list(store.iter_records())
    assert len(rows) == 20
    assert len({r["prev_hash"] for r in rows}) == 20  # no fork: each hash is followed once


def test_ledger_add_counts_once_and_stops_at_limit(tmp_path):
    ledger = make_store(tmp_path).person_ledger()
    first = ledger.add("u", "s", ["a", "b"], 5, commit=True)
    assert (first.before, first.new, first.recorded) == (0, 2, True)
    again = ledger.add("u", "s", ["a", "c"], 5, commit=True)
    assert (again.before, again.new) == (2, 1)
    dry = ledger.add("u", "s", ["d"], 5, commit=False)
    assert (dry.total, dry.recorded) == (4, False)
    too_many = ledger.add("u", "s", ["d", "e"], 5, commit=True)
    assert (too_many.total, too_many.recorded) == (5, False)
    assert ledger.add("u", "s", [], 5, commit=True).before == 3
    assert ledger.add("other", "s", ["a"], 5, commit=True).before == 0


def test_concurrent_ledger_adds_never_pass_the_limit(tmp_path):
    ledger = make_store(tmp_path).person_ledger()
    results = []

    def worker(i: int) -> None:
        results.append(ledger.add("u", "s", [f"p{i}-{k}" for k in range(3)], 10, commit=True))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.recorded for r in results) == 3  # 3 x 3 = 9 < 10; a fourth would reach 12
    assert ledger.add("u", "s", [], 10, commit=False).before == 9
