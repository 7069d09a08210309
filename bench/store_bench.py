"""Audit store benchmark (issue 7): appends and ledger adds per second, on PostgreSQL and SQLite.

Every audit record goes through one lock (the chain head) and is committed durably; every ledger
add for one series goes through that series' row lock. This shows what that costs against the
floor of the same database: a plain one-row INSERT + COMMIT (the same fsync, no lock, no hash),
measured in the same run, with 1 and 8 threads.

    .venv/bin/python bench/store_bench.py [--records 400] [--threads 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the throwaway-database helper is in tests/

from addin_server.audit import AuditRecord, AuditStore
from tests.scale.pgdb import fresh_database, reachable

TEXT = "市民課では住民票の写しの交付について案内しました。" * 20


def rate(total: int, threads: int, one: Callable[[int], None]) -> float:
    """Calls per second of `one(i)` for i < total, spread over `threads` threads."""
    per = total // threads

    def run(t: int) -> None:
        for i in range(per):
            one(t * per + i)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return per * threads / (time.perf_counter() - start)


def bench(url: str, records: int, threads: int) -> None:
    import secrets

    store = AuditStore(url, (secrets.token_bytes(32),))  # a throwaway key: the chain is keyed
    store.migrate()
    floor = sa.Table("bench_floor", sa.MetaData(), sa.Column("n", sa.Integer), sa.Column("t", sa.Text))
    floor.create(store.engine)
    ledger = store.person_ledger()

    def plain(i: int) -> None:
        with store.engine.begin() as conn:
            conn.execute(floor.insert().values(n=i, t=TEXT))

    def append(i: int) -> None:
        store.record(AuditRecord(request_id=f"b{i}", user_id=f"u{i % 50}", operation="summarize", profile="oasis",
                                 outcome="allowed", request_text=TEXT, response_text=TEXT[:60]))

    def add(i: int) -> None:
        ledger.add("bench", f"series-{threading.get_ident()}-{i // 1000}", [f"p{i}-{k}" for k in range(3)],
                   10**6, commit=True)

    def add_one_series(i: int) -> None:
        ledger.add("bench", "one", [f"q{i}-{k}" for k in range(3)], 10**6, commit=True)

    print(f"\n{store.dialect}: {records} operations each")
    print(f"{'operation':<44} {'threads':>7} {'ops/s':>9} {'÷ floor':>8}")
    for n in (1, threads):
        base = rate(records, n, plain)
        print(f"{'floor: one-row INSERT + COMMIT':<44} {n:>7} {base:>9.0f} {1:>8.2f}")
        for name, op in (("audit record (chain head lock, hash)", append),
                         ("ledger add, 3 people, own series", add),
                         ("ledger add, 3 people, one shared series", add_one_series)):
            r = rate(records, n, op)
            print(f"{name:<44} {n:>7} {r:>9.0f} {r / base:>8.2f}")
    store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=400)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    if reachable():
        with fresh_database("oasis_bench") as url:
            bench(url, args.records, args.threads)
    else:
        print("PostgreSQL not reachable: SQLite only")
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{folder}/bench.db", args.records, args.threads)


if __name__ == "__main__":
    main()
