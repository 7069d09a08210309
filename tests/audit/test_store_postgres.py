"""The audit store on PostgreSQL: the whole SQLite suite again, plus what only a shared database
has to get right (many processes migrating, adding to one series, appending to one chain)."""

from __future__ import annotations

import inspect
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from addin_server.audit import AuditRecord, AuditStore
from addin_server.audit.store import GENESIS_HASH, SCHEMA_VERSION, ledger_series, record_hash
from addin_server.errors import AuditUnavailable
from tests.audit import test_store as sqlite_suite
from tests.audit.keys import KEYS
from tests.scale.pgdb import fresh_database, require_postgres

pytestmark = pytest.mark.postgres

SQLITE_TESTS = sorted(name for name in vars(sqlite_suite) if name.startswith("test_"))
FORK = multiprocessing.get_context("fork")  # children build their own engines after the fork


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    require_postgres()
    with fresh_database() as url:
        yield url


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """The module's database with an empty schema (each test starts from nothing)."""
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    yield pg_database


@pytest.fixture
def new_store(pg_url: str) -> Iterator[Callable[[], AuditStore]]:
    stores: list[AuditStore] = []

    def make() -> AuditStore:
        store = AuditStore(pg_url, KEYS)
        store.migrate()
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.dispose()


@pytest.mark.parametrize("name", SQLITE_TESTS)
def test_sqlite_suite_on_postgres(name: str, new_store: Callable[[], AuditStore], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert sqlite_suite.make_store(tmp_path).dialect == "sqlite"  # the suite's own store, before the swap
    monkeypatch.setattr(sqlite_suite, "make_store", lambda _tmp: new_store())
    test = getattr(sqlite_suite, name)
    assert list(inspect.signature(test).parameters) == ["tmp_path"]
    test(tmp_path)


def test_schema_is_the_same_on_both_databases(new_store: Callable[[], AuditStore], tmp_path: Path) -> None:
    pg = new_store()
    lite = sqlite_suite.make_store(tmp_path)
    assert pg.dialect == "postgresql" and pg.schema_version() == lite.schema_version() == SCHEMA_VERSION

    def shape(store: AuditStore) -> dict[str, list[str]]:
        insp = sa.inspect(store.engine)
        return {t: [c["name"] for c in insp.get_columns(t)] for t in sorted(insp.get_table_names())}

    assert shape(pg) == shape(lite)
    lite.dispose()


def _migrate(url: str) -> tuple[int, str]:
    store = AuditStore(url, KEYS)
    try:
        version = store.migrate()
        with store.reader.connect() as conn:
            head = conn.execute(sa.text("SELECT value FROM oasis_meta WHERE key = 'chain_head'")).scalar_one()
        return version, head
    finally:
        store.dispose()


def test_instances_starting_together_migrate_once(pg_url: str) -> None:
    with ProcessPoolExecutor(4, mp_context=FORK) as pool:
        results = list(pool.map(_migrate, [pg_url] * 4))
    assert {version for version, _ in results} == {SCHEMA_VERSION}
    assert {head for _, head in results} == {GENESIS_HASH}  # one chain, no upgrade record on a new log


def _add_many(url: str, worker: int) -> list[bool]:
    store = AuditStore(url, KEYS)
    ledger = store.person_ledger()
    try:
        return [ledger.add("u", "s", [f"w{worker}-{i}-{k}" for k in range(3)], 100, commit=True).recorded
                for i in range(10)]
    finally:
        store.dispose()


def test_ledger_adds_from_many_processes_never_pass_the_limit(new_store: Callable[[], AuditStore],
                                                              pg_url: str) -> None:
    store = new_store()
    with ProcessPoolExecutor(4, mp_context=FORK) as pool:
        recorded = [r for batch in pool.map(_add_many, [pg_url] * 4, range(4)) for r in batch]
    assert sum(recorded) == 33  # 33 x 3 = 99 < 100; the 34th would reach 102
    ledger = store.person_ledger()
    assert ledger.add("u", "s", [], 100, commit=False).before == 99
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ledger_people")).scalar_one() == 99


def test_two_instances_append_to_one_chain(new_store: Callable[[], AuditStore]) -> None:
    stores = [new_store(), new_store()]  # two engines and pools, as on two servers

    def write(n: int) -> None:
        for i in range(10):
            stores[n % 2].record(AuditRecord(request_id=f"t{n}-{i}", user_id="u", operation="summarize",
                                             profile="oasis", outcome="allowed", request_text="本文"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = list(stores[0].iter_records())
    assert len(rows) == 60
    prev = GENESIS_HASH
    for row in rows:
        assert row["prev_hash"] == prev and record_hash(prev, row, KEYS.current) == row["record_hash"]
        prev = row["record_hash"]


def test_a_dry_run_does_not_wait_for_a_locked_series(new_store: Callable[[], AuditStore]) -> None:
    store = new_store()
    ledger = store.person_ledger()
    ledger.add("u", "s", ["a"], 10, commit=True)
    results = []
    with store.engine.connect() as holder:
        holder.execute(sa.select(ledger_series).with_for_update())  # another instance mid-add
        reader = threading.Thread(target=lambda: results.append(ledger.add("u", "s", ["a", "b"], 10,
                                                                            commit=False)))
        reader.start()
        reader.join(20)
        finished_while_locked = not reader.is_alive()
        holder.rollback()
    reader.join()
    assert finished_while_locked
    assert (results[0].before, results[0].new, results[0].recorded) == (1, 1, False)


def test_the_store_reconnects_after_the_database_dropped_its_connections(
        new_store: Callable[[], AuditStore], pg_url: str) -> None:
    store = new_store()
    store.record(AuditRecord(request_id="before", user_id="u", operation="summarize", profile="oasis",
                             outcome="allowed"))
    store.person_ledger().add("u", "s", ["a"], 10, commit=True)
    with psycopg.connect(pg_url, autocommit=True) as admin:  # as a restart or failover would
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    store.record(AuditRecord(request_id="after", user_id="u", operation="summarize", profile="oasis",
                             outcome="allowed"))
    assert store.person_ledger().add("u", "s", ["b"], 10, commit=True).before == 1
    assert [r["request_id"] for r in store.iter_records()] == ["before", "after"]
    assert store.ping()


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_text_either_database_refuses_is_stored_replaced_not_lost(dialect: str, new_store: Callable[[], AuditStore],
                                                                  tmp_path: Path) -> None:
    # A model's answer may hold a NUL (PostgreSQL refuses it) or a lone surrogate (no UTF-8
    # database takes it): the record is still written, with U+FFFD in their place.
    store = new_store() if dialect == "postgresql" else sqlite_suite.make_store(tmp_path)
    store.record(AuditRecord(request_id="odd", user_id="u", operation="summarize", profile="oasis",
                             outcome="allowed", response_text="要約\x00です\ud800。", series_id="系列\x00"))
    row = store.get("odd")
    assert row is not None and row["response_text"] == "要約\ufffdです\ufffd。" and row["series_id"] == "系列\ufffd"
    assert record_hash(GENESIS_HASH, row, KEYS.current) == row["record_hash"]
    assert store.person_ledger().add("u", "系列\x00", ["a"], 10, commit=True).recorded
    assert store.person_ledger().add("u", "系列\x00", ["a", "b"], 10, commit=False).before == 1


def test_sessions_wait_for_a_lock_at_most_the_lock_timeout(new_store: Callable[[], AuditStore]) -> None:
    store = new_store()
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SHOW lock_timeout")).scalar_one() == "30s"
        assert conn.execute(sa.text("SHOW idle_in_transaction_session_timeout")).scalar_one() == "15s"
        params = conn.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        assert params["keepalives"] == "1" and params["keepalives_idle"] == "10"
        assert params["connect_timeout"] == "5" and params["tcp_user_timeout"] == "15000"


def test_a_request_budget_bounds_every_lock_wait_together(new_store: Callable[[], AuditStore]) -> None:
    """A stuck session holds the chain head: a write inside a 1 s budget fails while it is still
    held (instead of waiting 30 s per wait), and a second write in the same spent budget does
    not wait at all."""
    store = new_store()
    outcome: list[str] = []

    def write_twice() -> None:
        with store.budget(1.0) as budget:
            for attempt in ("first", "second"):
                try:
                    store.record(AuditRecord(request_id=attempt, user_id="u", operation="summarize",
                                             profile="oasis", outcome="allowed"))
                    outcome.append(f"{attempt}:written")
                except AuditUnavailable as exc:
                    outcome.append(f"{attempt}:{type(exc.__cause__).__name__}")
            outcome.append("spent" if budget.remaining <= 0 else "left")

    with store.engine.connect() as holder:
        store.lock_chain_head(holder)  # a frozen instance mid-append
        ready_while_locked = store.can_lock(0.5)
        writer = threading.Thread(target=write_twice)
        writer.start()
        writer.join(25)
        finished_while_locked = not writer.is_alive()
        holder.rollback()
    writer.join()
    assert finished_while_locked and not ready_while_locked
    assert outcome[0] == "first:OperationalError"  # lock_timeout from the budget
    assert outcome[1] == "second:DeadlineExceeded" and outcome[2] == "spent"
    assert store.can_lock(0.5)  # ready again once the lock is gone
    assert store.count() == 0


def test_a_session_left_idle_in_a_transaction_is_ended(pg_url: str) -> None:
    store = AuditStore(pg_url, KEYS, idle_tx_timeout=1.0)
    store.migrate()
    try:
        conn = store.engine.connect()
        store.lock_chain_head(conn)  # then nothing: a frozen instance
        other = AuditStore(pg_url, KEYS)
        try:
            # Waits for the idle session to be ended by the server (after 1 s), then writes.
            other.record(AuditRecord(request_id="after", user_id="u", operation="summarize", profile="oasis",
                                     outcome="allowed"))
            assert other.count() == 1
        finally:
            other.dispose()
        with pytest.raises(sa.exc.DBAPIError, match="idle-in-transaction"):
            conn.execute(sa.text("SELECT 1"))
    finally:
        store.dispose()
