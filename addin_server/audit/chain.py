"""The audit log's hash chain: verify it, export it, and purge old records without breaking it.

Each record's `record_hash` covers its content and the `prev_hash` it was written after; the
chain head (`oasis_meta.chain_head`) names the last record. `verify` walks the records in order
and reports the first place where that fails:

- `altered`: a record's content no longer matches its own hash (or its hash was recomputed, so the
  next record no longer follows it while no record is missing between them);
- `inserted`: a record that the next record's `prev_hash` skips over, or one after the chain head;
- `deleted`: a record is missing before this one (the `prev_hash` points to nothing present), or
  the last records were removed (the chain head names a record that is gone).

A purge deletes the oldest records and, in the same transaction, appends a record (outcome
`purge`) stating where the kept chain now starts. Verification starts from the newest such
statement, so a purged log still verifies while a deletion without one does not.

The hash is not keyed: someone with write access to the whole database could rebuild the chain.
Writing the head printed by `verify` somewhere else (e.g. the monthly report) and passing it back
with `--anchor` proves that the history up to that point is unchanged.
"""

from __future__ import annotations

import csv
import itertools
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import sqlalchemy as sa

from addin_server.audit.store import (
    GENESIS_HASH,
    HASHED_FIELDS,
    AuditRecord,
    AuditStore,
    audit_records,
    record_hash,
    schema_meta,
)

PURGE_OPERATION = "audit:purge"
PURGE_OUTCOME = "purge"
EXPORT_FIELDS = ("seq", *HASHED_FIELDS, "prev_hash", "record_hash")


@dataclass
class Problem:
    kind: str  # altered | inserted | deleted
    seq: int | None
    request_id: str | None
    detail: str

    def describe(self) -> str:
        where = f"seq {self.seq}（request_id {self.request_id}）" if self.seq is not None else "末尾"
        return f"{where}: {self.detail} [{self.kind}]"


@dataclass
class VerifyReport:
    records: int
    head: str
    start: str  # the prev_hash the kept chain starts from (genesis, or a purge's cut)
    problem: Problem | None = None
    anchor_found: bool | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.anchor_found is not False


def _chain_head(conn: sa.Connection) -> str:
    return conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "chain_head")).scalar_one()


def _declared_start(store: AuditStore) -> str:
    """Where the kept chain starts: the newest purge record's cut, else the genesis hash."""
    query = (audit_records.select().where(audit_records.c.outcome == PURGE_OUTCOME,
                                          audit_records.c.operation == PURGE_OPERATION)
             .order_by(audit_records.c.seq.desc()).limit(1))
    with store.reader.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return GENESIS_HASH
    try:
        return str(json.loads(row._mapping["request_text"])["chain_start"])
    except (ValueError, KeyError, TypeError):
        return GENESIS_HASH  # a broken purge statement: verification then fails at the first record


def verify(store: AuditStore, anchor: str | None = None) -> VerifyReport:
    """Walk the whole chain once, streaming; stop at the first problem.

    Works on a live log: records appended while it reads are followed up to the head read at the
    end, so concurrent writes are never mistaken for tampering.
    """
    start = _declared_start(store)
    report = VerifyReport(records=0, head=start, start=start)
    seen: dict[str, int] = {start: 0}  # record hash -> position, to tell insertions from deletions
    state: dict[str, Any] = {"expected": start, "previous": None, "last_seq": 0,
                             "anchor": None if anchor is None else anchor == start}

    def walk(rows: Iterator[dict[str, Any]]) -> Problem | None:
        row = next(rows, None)
        while row is not None:
            following = next(rows, None)  # one record of look-ahead tells an insertion from a deletion
            report.records += 1
            if record_hash(row["prev_hash"], row) != row["record_hash"]:
                return Problem("altered", row["seq"], row["request_id"],
                               "記録の内容が書き換えられています（ハッシュが一致しません）")
            if row["prev_hash"] != state["expected"]:
                return _break_kind(row, state["previous"], following, state["expected"], seen)
            seen[row["record_hash"]] = report.records
            if anchor is not None and row["record_hash"] == anchor:
                state["anchor"] = True
            state["expected"], state["previous"], state["last_seq"] = row["record_hash"], row, row["seq"]
            row = following
        return None

    problem = walk(store.iter_records())
    while problem is None:
        with store.reader.connect() as conn:
            head = _chain_head(conn)
        report.head = head
        if head == state["expected"]:
            break
        if head in seen:
            problem = Problem("inserted", None, None,
                              f"チェーンの先頭（{seen[head]} 件目）より後に記録が追加されています")
            break
        more = store.iter_records(after_seq=state["last_seq"])
        first = next(more, None)
        if first is None:
            problem = Problem("deleted", None, None, "最後の記録が削除されています（チェーンの先頭が見つかりません）")
            break
        problem = walk(itertools.chain([first], more))  # written while we were reading
    report.problem = problem
    report.anchor_found = state["anchor"]
    return report


def _break_kind(row: dict[str, Any], previous: dict[str, Any] | None, following: dict[str, Any] | None,
                expected: str, seen: dict[str, int]) -> Problem:
    """`row` does not follow the record before it: say what most likely happened."""
    if row["prev_hash"] in seen and previous is not None:
        # `row` continues an earlier record, so the previous one was slipped in between.
        return Problem("inserted", previous["seq"], previous["request_id"],
                       "この記録はチェーンに属しません（後から挿入されています）")
    if following is not None and following["prev_hash"] == expected:
        return Problem("inserted", row["seq"], row["request_id"],
                       "この記録はチェーンに属しません（後から挿入されています）")
    if previous is not None and row["seq"] == previous["seq"] + 1:
        # Nothing can be missing between consecutive numbers: the previous record was rewritten
        # together with its hash.
        return Problem("altered", previous["seq"], previous["request_id"],
                       "記録の内容とハッシュが書き換えられています（次の記録とつながりません）")
    return Problem("deleted", row["seq"], row["request_id"], "この記録の直前の記録が削除されています")


# -- purge --------------------------------------------------------------------------------
@dataclass
class PurgeResult:
    removed: int
    before: str
    chain_start: str
    purge_request_id: str | None


def purge(store: AuditStore, before: str, *, actor: str, profile: str, dry_run: bool = False) -> PurgeResult:
    """Delete records older than `before` (the log's UTC text form) and record the purge.

    The cut is made by position, not by time alone: everything before the first record written
    at or after `before` goes, so the kept records stay one unbroken run of the chain.
    """
    c = audit_records.c
    with store.engine.begin() as conn:
        head = store.lock_chain_head(conn)  # writers wait until the purge commits
        first_kept = conn.execute(sa.select(sa.func.min(c.seq)).where(c.created_at >= before)).scalar()
        cut = sa.true() if first_kept is None else c.seq < first_kept
        removed = int(conn.execute(sa.select(sa.func.count()).select_from(audit_records).where(cut)).scalar_one())
        if first_kept is None:
            chain_start = head
        else:
            chain_start = conn.execute(sa.select(c.prev_hash).where(c.seq == first_kept)).scalar_one()
        if dry_run or removed == 0:
            return PurgeResult(removed=removed if dry_run else 0, before=before, chain_start=chain_start,
                               purge_request_id=None)
        conn.execute(audit_records.delete().where(cut))
        rec = AuditRecord(
            request_id=str(uuid.uuid4()), user_id=actor, operation=PURGE_OPERATION, profile=profile,
            outcome=PURGE_OUTCOME,
            request_text=json.dumps({"purged_before": before, "removed": removed, "chain_start": chain_start},
                                    ensure_ascii=False, sort_keys=True),
        )
        store.append(conn, rec)
    return PurgeResult(removed=removed, before=before, chain_start=chain_start, purge_request_id=rec.request_id)


# -- export -------------------------------------------------------------------------------
def _csv_safe(value: Any) -> Any:
    """Keep a spreadsheet from running staff text as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(rows: Iterable[dict[str, Any]], out: IO[str], fmt: str) -> int:
    """Write records as JSON Lines (exact) or CSV (formula-safe); return how many."""
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps({k: row.get(k) for k in EXPORT_FIELDS}, ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            writer.writerow([_csv_safe(row.get(k)) for k in EXPORT_FIELDS])
            count += 1
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return count


def utc_now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def iter_filtered(store: AuditStore, **filters: Any) -> Iterator[dict[str, Any]]:
    yield from store.iter_records(**{k: v for k, v in filters.items() if v})
