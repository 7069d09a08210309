"""The audit log and the person ledger, in SQLite (embedded default) or PostgreSQL (shared).

One code path for both through SQLAlchemy Core. Every audit record is chained to the one before
it by an HMAC-SHA-256 over its content and the previous record's hash, keyed with AUDIT_KEY
(kept outside the database), so an altered, inserted or deleted record can be found
(`oasis-addin audit verify`) and nobody with database access alone can write one that verifies.
Records written before the key existed (hash version 1, plain SHA-256) stay valid as the start
of the chain. Writes are serialized: SQLite takes its write lock at BEGIN (IMMEDIATE),
PostgreSQL locks the chain head row, so two server instances never fork the chain.

Every write transaction of one request draws on one database-time budget (DB_DEADLINE): a
request waiting behind a stuck lock fails within that bound, whatever the number of waits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from addin_server.errors import AuditUnavailable
from addin_server.policy.detectors import individual_number
from addin_server.policy.types import LedgerResult

log = logging.getLogger(__name__)

metadata = sa.MetaData()
HASH_VERSION_LEGACY = 1
HASH_VERSION_KEYED = 2

schema_meta = sa.Table(
    "oasis_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

audit_records = sa.Table(
    "audit_records",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.String(40), nullable=False, index=True),
    sa.Column("user_id", sa.String(256), nullable=False, index=True),
    sa.Column("user_display", sa.String(256)),
    sa.Column("client_addr", sa.String(64)),
    sa.Column("host", sa.String(16)),
    sa.Column("operation", sa.String(32), nullable=False),
    sa.Column("profile", sa.String(16), nullable=False),
    sa.Column("series_id", sa.String(256)),
    sa.Column("request_text", sa.Text),
    sa.Column("request_cells", sa.Text),
    sa.Column("instruction", sa.Text),
    sa.Column("response_text", sa.Text),
    sa.Column("findings", sa.Text, nullable=False),
    sa.Column("rules", sa.String(512), nullable=False, default=""),
    sa.Column("model", sa.String(128)),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("completion_tokens", sa.Integer),
    sa.Column("latency_ms", sa.Integer),
    sa.Column("outcome", sa.String(16), nullable=False, index=True),
    sa.Column("error_code", sa.String(64)),
    sa.Column("masked", sa.Boolean, nullable=False, default=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
    # 1: plain SHA-256 (before schema 2); 2: HMAC-SHA-256 with the key named by key_id.
    sa.Column("hash_version", sa.Integer, nullable=False, default=HASH_VERSION_KEYED),
    sa.Column("key_id", sa.String(16)),
)

ledger_series = sa.Table(
    "ledger_series",
    metadata,
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("series", sa.String(256), primary_key=True),
    sa.Column("total", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

ledger_people = sa.Table(
    "ledger_people",
    metadata,
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("series", sa.String(256), primary_key=True),
    sa.Column("person_key", sa.String(64), primary_key=True),
)

GENESIS_HASH = "0" * 64
READ_ONLY = "oasis_read_only"  # execution option: a transaction that only reads
PG_LOCK_TIMEOUT_MS = 30000  # outside a request budget (tools, admin reads)
T = TypeVar("T")
SCHEMA_VERSION = 2
UPGRADE_OPERATION = "audit:upgrade"
PENDING = "pending"  # the prompt is recorded, the answer not yet (issue 10: record first)
INTERRUPTED = "interrupted"  # a pending record whose answer never got recorded (computed)
# The fields the chain hash covers, in a fixed order (everything but seq and the hashes).
HASHED_FIELDS = (
    "request_id", "created_at", "user_id", "user_display", "client_addr", "host", "operation",
    "profile", "series_id", "request_text", "request_cells", "instruction", "response_text",
    "findings", "rules", "model", "prompt_tokens", "completion_tokens", "latency_ms", "outcome",
    "error_code", "masked",
)


@dataclass
class AuditRecord:
    """One request as the administrators will read it (oasis-log, cloud-4)."""

    request_id: str
    user_id: str
    operation: str
    profile: str
    outcome: str  # pending | allowed | blocked | failed | checked | read | purge | upgrade
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="microseconds"))
    user_display: str | None = None
    client_addr: str | None = None
    host: str | None = None
    series_id: str | None = None
    request_text: str | None = None
    request_cells: str | None = None  # JSON
    instruction: str | None = None
    response_text: str | None = None
    findings: str = "[]"  # JSON list of findings
    rules: str = ""  # comma-separated rule IDs of the findings, for filtering
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: int | None = None
    error_code: str | None = None
    masked: bool = False


def storable(value: Any) -> Any:
    """Text both databases can store: NUL (which PostgreSQL refuses) and lone surrogates (which
    no UTF-8 database takes) become U+FFFD. The API refuses them in requests; a model's answer or
    another caller may still bring one, and its record must not fail for it."""
    if not isinstance(value, str) or (value.isascii() and "\x00" not in value):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)
    return value


def _payload(prev_hash: str, row: dict[str, Any], prefix: list[str]) -> bytes:
    return json.dumps([*prefix, prev_hash, *[row.get(k) for k in HASHED_FIELDS]], ensure_ascii=False,
                      separators=(",", ":"), default=str).encode("utf-8")


def record_hash(prev_hash: str, row: dict[str, Any], key: bytes | None = None) -> str:
    """A record's hash: HMAC-SHA-256 under `key` (version 2), or the legacy plain SHA-256 of
    version 1 when no key is given (only to check records written before schema 2).

    The payload is the JSON array [tag, prev_hash, *HASHED_FIELDS]; version 1 has no tag.
    Changing it breaks every stored log: tests/audit/test_hash_vectors.py pins both forms."""
    if key is None:
        return hashlib.sha256(_payload(prev_hash, row, [])).hexdigest()
    return hmac.new(key, _payload(prev_hash, row, ["oasis-audit-v2"]), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short public name for a key (not the key): which one signed a record."""
    return hmac.new(key, b"oasis-audit-key-id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class AuditKeys:
    """The chain's keys: the first signs new records, all verify (rotation keeps old ones)."""

    keys: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("AuditKeys needs at least one key")

    @property
    def current(self) -> bytes:
        return self.keys[0]

    @property
    def current_id(self) -> str:
        return key_id(self.keys[0])

    def by_id(self, ident: str | None) -> bytes | None:
        return next((k for k in self.keys if key_id(k) == ident), None)


def hash_matches(row: dict[str, Any], keys: AuditKeys | None) -> bool:
    """Whether a stored row's record_hash is right for its content and prev_hash."""
    if int(row.get("hash_version") or HASH_VERSION_LEGACY) == HASH_VERSION_LEGACY:
        return record_hash(row["prev_hash"], row) == row["record_hash"]
    key = keys.by_id(row.get("key_id")) if keys else None
    return key is not None and hmac.compare_digest(record_hash(row["prev_hash"], row, key), row["record_hash"])


# -- the database-time budget of one request --------------------------------------------------
class DeadlineExceeded(Exception):
    """The request's database budget is spent: do not wait for another lock."""


@dataclass
class Budget:
    """Seconds of database time left to one request, spent by each of its transactions."""

    remaining: float

    def ms(self) -> int:
        if self.remaining <= 0:
            raise DeadlineExceeded()
        return max(1, int(self.remaining * 1000))


_budget: ContextVar[Budget | None] = ContextVar("oasis_db_budget", default=None)


def make_engine(url: str, *, connect_timeout: float = 5.0, idle_tx_timeout: float = 15.0) -> Engine:
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below take over
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # a record is on disk before the answer leaves
            cur.execute(f"PRAGMA busy_timeout={PG_LOCK_TIMEOUT_MS}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Writers take the write lock at BEGIN so two never interleave; readers (WAL) do
            # not queue behind them. Inside a request, the wait for it is bounded by what is
            # left of the request's budget.
            _start_clock(conn)
            budget = _budget.get()
            wait = budget.ms() if budget is not None else PG_LOCK_TIMEOUT_MS
            conn.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        _charge_budget_on_end(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        # A dead server or a cut network is noticed in seconds, not after the kernel's hours:
        # connect timeout, TCP keepalives and a bound on unacknowledged sends.
        connect_args = {"connect_timeout": max(1, int(connect_timeout)), "keepalives": 1,
                        "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
                        "tcp_user_timeout": 15000}
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_recycle=1800,
                              connect_args=connect_args)
    if engine.dialect.name != "postgresql":
        return engine
    idle_ms = max(1000, int(idle_tx_timeout * 1000))

    @event.listens_for(engine, "connect")
    def _pg_connect(dbapi_conn: Any, _record: Any) -> None:
        # A request waiting on a row lock (chain head, series) behind a stuck transaction fails
        # with 503 instead of holding its worker thread forever; a session of ours left idle
        # inside a transaction (a frozen instance) is ended by the server so its locks go.
        # Set per session rather than as a startup option so it also passes through PgBouncer.
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET lock_timeout = {PG_LOCK_TIMEOUT_MS}")
            cur.execute(f"SET idle_in_transaction_session_timeout = {idle_ms}")
        dbapi_conn.commit()

    @event.listens_for(engine, "begin")
    def _pg_begin(conn: Connection) -> None:
        _start_clock(conn)
        budget = _budget.get()
        if budget is not None:
            wait = budget.ms()
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {wait}")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {wait}")

    _charge_budget_on_end(engine)
    return engine


def _start_clock(conn: Connection) -> None:
    conn.info["oasis_began"] = time.monotonic()


def _charge_budget_on_end(engine: Engine) -> None:
    """Each transaction's time, lock waits included, is taken from the request's budget."""

    def charge(conn: Connection) -> None:
        began = conn.info.pop("oasis_began", None)
        budget = _budget.get()
        if began is not None and budget is not None:
            budget.remaining -= time.monotonic() - began

    event.listen(engine, "commit", charge)
    event.listen(engine, "rollback", charge)


def retry_once(action: Callable[[], T]) -> T:
    """Run a write transaction; once more if the connection was lost (database restart, failover).

    A transaction cut off with its connection was rolled back, so running it again is safe. In
    the rare case the commit itself got through before the loss, a ledger add finds its people
    already counted (no double count) and an audit record is appended twice (nothing is lost).
    """
    try:
        return action()
    except (sa.exc.DBAPIError, sa.exc.PendingRollbackError) as exc:
        # psycopg reports a session ended under us (terminated backend, idle timeout) as an
        # OperationalError that SQLAlchemy does not always mark as a disconnect, and a session
        # lost inside the BEGIN hook surfaces as PendingRollbackError. A lock wait that ran out is
        # an OperationalError too: its retry gets only what is left of the request's budget.
        lost = isinstance(exc, sa.exc.PendingRollbackError) or exc.connection_invalidated \
            or isinstance(exc, sa.exc.OperationalError)
        if not lost:
            raise
        budget = _budget.get()
        if budget is not None and budget.remaining <= 0:
            raise
        log.warning("database session lost or lock wait ended (%s); retrying the transaction once",
                    type(getattr(exc, "orig", exc)).__name__)
        return action()


class StoreMissing(Exception):
    """A read-only tool was pointed at a database that does not exist (or has no audit log)."""


class AuditStore:
    def __init__(self, url: str, keys: AuditKeys | tuple[bytes, ...] | None = None, *,
                 connect_timeout: float = 5.0, idle_tx_timeout: float = 15.0) -> None:
        self.url = url
        self.engine = make_engine(url, connect_timeout=connect_timeout, idle_tx_timeout=idle_tx_timeout)
        self.dialect = self.engine.dialect.name
        # Same pool; transactions begun through it are plain reads (see make_engine).
        self.reader = self.engine.execution_options(**{READ_ONLY: True})
        if isinstance(keys, tuple):
            keys = AuditKeys(keys) if keys else None
        self.keys: AuditKeys | None = keys
        # How long a pending record may wait for its answer before it counts as interrupted.
        self.pending_grace = 300.0

    @classmethod
    def open_existing(cls, url: str, keys: AuditKeys | tuple[bytes, ...] | None = None) -> AuditStore:
        """For read-only tools: never create a file or a table, never migrate."""
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1] if "///" in url else ""
            if not path or path == ":memory:" or not Path(path).is_file():
                raise StoreMissing(f"監査ログのデータベースファイルが見つかりません: {path or url}")
        store = cls(url, keys)
        try:
            with store.reader.connect() as conn:
                present = sa.inspect(conn).has_table("audit_records")
        except sa.exc.DBAPIError as exc:
            store.dispose()
            raise StoreMissing(f"監査ログのデータベースに接続できません（{type(exc.orig).__name__}）") from None
        if not present:
            store.dispose()
            raise StoreMissing("このデータベースには監査ログ（audit_records）がありません")
        return store

    # -- request budget -----------------------------------------------------------------------
    @contextmanager
    def budget(self, seconds: float | Budget) -> Iterator[Budget]:
        """Run the block's transactions on one database-time budget (see module docstring)."""
        budget = seconds if isinstance(seconds, Budget) else Budget(float(seconds))
        token = _budget.set(budget)
        try:
            yield budget
        finally:
            _budget.reset(token)

    # -- schema -----------------------------------------------------------------------------
    def migrate(self) -> int:
        """Create or upgrade the schema; safe to run from several instances at once."""
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(424242)"))
            metadata.create_all(conn, tables=[schema_meta])
            version = conn.execute(
                sa.select(schema_meta.c.value).where(schema_meta.c.key == "schema_version")
            ).scalar()
            current = int(version or 0)
            if conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "chain_head")).scalar() \
                    is None:
                conn.execute(schema_meta.insert().values(key="chain_head", value=GENESIS_HASH))
            for target, step in MIGRATIONS:
                if current < target:
                    step(self, conn)
                    _upsert_meta(conn, "schema_version", str(target))
                    current = target
        return current

    def schema_version(self) -> int:
        with self.reader.connect() as conn:
            return int(conn.execute(
                sa.select(schema_meta.c.value).where(schema_meta.c.key == "schema_version")).scalar() or 0)

    def ping(self) -> bool:
        try:
            with self.reader.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except Exception:
            log.exception("audit store unreachable")
            return False

    def can_lock(self, timeout: float) -> bool:
        """Whether a write could take the chain head's lock within `timeout` seconds (readiness).

        A frozen instance or a cut session holding the lock makes every write wait: a load
        balancer should drain this instance until it clears."""
        try:
            with self.budget(timeout), self.engine.connect() as conn, conn.begin() as tx:
                self.lock_chain_head(conn)
                tx.rollback()
            return True
        except Exception as exc:
            log.warning("audit store cannot take its write lock within %.1fs: %s", timeout, type(exc).__name__)
            return False

    # -- audit records ----------------------------------------------------------------------
    def record(self, rec: AuditRecord) -> str:
        """Append one record to the chain, durably; raises AuditUnavailable if it cannot."""

        def write() -> str:
            with self.engine.begin() as conn:
                return self.append(conn, rec)

        try:
            return retry_once(write)
        except Exception as exc:
            log.error("audit record %s could not be written: %s", rec.request_id, type(exc).__name__)
            raise AuditUnavailable() from exc

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """One write transaction for several steps (ledger and record together); the write lock
        is taken lazily at its first statement, so work before that holds no lock."""
        with self.engine.connect() as conn:  # autobegin: BEGIN runs with the first statement
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def append(self, conn: Connection, rec: AuditRecord) -> str:
        """Append one record inside the caller's write transaction; returns its hash.

        The chain head is locked first and held to commit: whichever instance gets it appends
        next, so seq order, prev_hash order and commit order are one order.
        """
        if self.keys is None:
            raise AuditUnavailable("監査ログの鍵（AUDIT_KEY）が設定されていないため、記録を書けません。管理者に連絡してください。")
        row = {k: storable(v) for k, v in asdict(rec).items()}  # hashed as stored
        head = self.lock_chain_head(conn)
        row["prev_hash"] = head
        row["hash_version"] = HASH_VERSION_KEYED
        row["key_id"] = self.keys.current_id
        row["record_hash"] = record_hash(head, row, self.keys.current)
        conn.execute(audit_records.insert().values(**row))
        conn.execute(schema_meta.update().where(schema_meta.c.key == "chain_head")
                     .values(value=row["record_hash"]))
        return row["record_hash"]

    def lock_chain_head(self, conn: Connection) -> str:
        """The chain head's hash, locked until the transaction ends (SQLite: BEGIN IMMEDIATE)."""
        query = sa.select(schema_meta.c.value).where(schema_meta.c.key == "chain_head")
        if self.dialect == "postgresql":
            query = query.with_for_update()
        return conn.execute(query).scalar_one()

    def iter_records(self, batch: int = 1000, after_seq: int = 0, *, with_status: bool = False,
                     **filters: Any) -> Iterator[dict[str, Any]]:
        """Records in chain order after `after_seq` (optionally filtered), streamed in batches.

        With `with_status`, each row also carries `status`: its outcome, except that a pending
        record says `completed` (its answer or failure was recorded later), `pending` (still
        within its grace time) or `interrupted` (never completed)."""
        last = after_seq
        while True:
            query = audit_records.select().where(audit_records.c.seq > last)
            query = _apply_filters(query, **filters).order_by(audit_records.c.seq).limit(batch)
            with self.reader.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(query)]
                if with_status:
                    self._add_status(conn, rows)
            if not rows:
                return
            yield from rows
            last = rows[-1]["seq"]

    def page(self, *, limit: int = 50, cursor: int | None = None, **filters: Any) -> dict[str, Any]:
        """One page of requests, newest first, on the read-only connection: `rows` (a pending
        record past its grace time reads `interrupted`), `total` matching, `next_cursor` (the
        `seq` below which the next page starts, or None)."""
        stale = self.stale_before()
        query = _apply_filters(audit_records.select(), stale_before=stale, **filters)
        if cursor:
            query = query.where(audit_records.c.seq < int(cursor))
        query = query.order_by(audit_records.c.seq.desc()).limit(limit + 1)
        count = _apply_filters(sa.select(sa.func.count()).select_from(audit_records), stale_before=stale, **filters)
        with self.reader.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            total = int(conn.execute(count).scalar_one())
        more = len(rows) > limit
        rows = [shown_outcome(r, stale) for r in rows[:limit]]
        return {"rows": rows, "total": total, "next_cursor": str(rows[-1]["seq"]) if more and rows else None}

    def outcome_counts(self, **filters: Any) -> dict[str, int]:
        """How many requests of each outcome match (as `page` shows them; `outcome` ignored)."""
        filters.pop("outcome", None)
        stale = self.stale_before()
        c = audit_records.c
        shown = sa.case((sa.and_(c.outcome == PENDING, c.created_at < stale), sa.literal(INTERRUPTED)),
                        else_=c.outcome).label("shown")
        query = _apply_filters(sa.select(shown, sa.func.count()).select_from(audit_records),
                               stale_before=stale, **filters)
        with self.reader.connect() as conn:
            return {str(o): int(n) for o, n in conn.execute(query.group_by(shown))}

    def request(self, request_id: str) -> dict[str, Any] | None:
        """A request's latest record, with its outcome as the log reads it."""
        row = self.get(request_id)
        return None if row is None else shown_outcome(row, self.stale_before())

    def stale_before(self) -> str:
        """Pending records written before this time that have no answer count as interrupted."""
        return (datetime.now(UTC) - timedelta(seconds=self.pending_grace)).isoformat(timespec="microseconds")

    def _add_status(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        pending = [r for r in rows if r["outcome"] == PENDING]
        done: set[tuple[str, int]] = set()
        c = audit_records.c
        for i in range(0, len(pending), 500):
            chunk = pending[i:i + 500]
            later = sa.select(c.request_id, sa.func.max(c.seq)).where(
                c.request_id.in_([r["request_id"] for r in chunk])).group_by(c.request_id)
            newest = dict(conn.execute(later).all())
            done.update((r["request_id"], r["seq"]) for r in chunk if newest.get(r["request_id"], 0) > r["seq"])
        stale = self.stale_before()
        for r in rows:
            if r["outcome"] != PENDING:
                r["status"] = r["outcome"]
            elif (r["request_id"], r["seq"]) in done:
                r["status"] = "completed"
            else:
                r["status"] = INTERRUPTED if r["created_at"] < stale else PENDING

    def get(self, request_id: str) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            row = conn.execute(audit_records.select().where(audit_records.c.request_id == request_id)
                               .order_by(audit_records.c.seq.desc())).first()
        return dict(row._mapping) if row else None

    def count(self, **filters: Any) -> int:
        query = _apply_filters(sa.select(sa.func.count()).select_from(audit_records), **filters)
        with self.reader.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # -- person ledger (oasis-2) --------------------------------------------------------------
    def person_ledger(self) -> SqlPersonLedger:
        return SqlPersonLedger(self)

    def dispose(self) -> None:
        self.engine.dispose()


def shown_outcome(row: dict[str, Any], stale_before: str) -> dict[str, Any]:
    """A record as the log reads it: a pending one past its grace time is `interrupted` (the
    prompt reached the model; no answer was recorded)."""
    if row.get("outcome") == PENDING and str(row.get("created_at")) < stale_before:
        row["outcome"] = INTERRUPTED
    return row


def completed_clause() -> Any:
    """SQL: this row is a pending record whose request has a later record (its completion)."""
    later = audit_records.alias("later")
    c = audit_records.c
    return sa.and_(c.outcome == PENDING, sa.exists().where(
        later.c.request_id == c.request_id, later.c.seq > c.seq))


def _apply_filters(query: Any, *, user_id: str | None = None, outcome: str | None = None,
                   since: str | None = None, until: str | None = None, rule: str | None = None,
                   operation: str | None = None, series: str | None = None,
                   stale_before: str | None = None) -> Any:
    """The one audit filter (the admin and `me` APIs, the console, export, verify's readers).

    With `stale_before` the query reads *requests* rather than records: a pending record whose
    request was completed later is left out (the completion stands for it), and the outcomes
    `interrupted` / `pending` select pending records past / within their grace time."""
    c = audit_records.c
    if stale_before is not None:
        query = query.where(sa.not_(completed_clause()))
    if user_id:
        query = query.where(c.user_id == user_id)
    if outcome and stale_before is not None and outcome == INTERRUPTED:
        query = query.where(c.outcome == PENDING, c.created_at < stale_before)
    elif outcome and stale_before is not None and outcome == PENDING:
        query = query.where(c.outcome == PENDING, c.created_at >= stale_before)
    elif outcome:
        query = query.where(c.outcome == outcome)
    if since:
        query = query.where(c.created_at >= since)
    if until:
        query = query.where(c.created_at < until)
    if rule:
        query = query.where((sa.literal(",") + c.rules + sa.literal(",")).contains(f",{rule},"))
    if operation:
        query = query.where(c.operation == operation)
    if series:
        query = query.where(c.series_id == series)
    return query


def _upsert_meta(conn: Connection, key: str, value: str) -> None:
    if conn.execute(sa.select(schema_meta.c.key).where(schema_meta.c.key == key)).first():
        conn.execute(schema_meta.update().where(schema_meta.c.key == key).values(value=value))
    else:
        conn.execute(schema_meta.insert().values(key=key, value=value))


def _migration_1(store: AuditStore, conn: Connection) -> None:
    metadata.create_all(conn, tables=[audit_records, ledger_series, ledger_people])


def _migration_2(store: AuditStore, conn: Connection) -> None:
    """Keyed chain (issue 10). Existing records keep their plain hashes (version 1); one keyed
    record closes them, so from here on nothing verifies without the key. The ledger's hash key
    leaves the database (it now comes from LEDGER_KEY)."""
    columns = {col["name"] for col in sa.inspect(conn).get_columns("audit_records")}
    if "hash_version" not in columns:
        conn.execute(sa.text(
            f"ALTER TABLE audit_records ADD COLUMN hash_version INTEGER NOT NULL DEFAULT {HASH_VERSION_LEGACY}"))
    if "key_id" not in columns:
        conn.execute(sa.text("ALTER TABLE audit_records ADD COLUMN key_id VARCHAR(16)"))
    conn.execute(schema_meta.delete().where(schema_meta.c.key == "ledger_key"))
    legacy = int(conn.execute(sa.select(sa.func.count()).select_from(audit_records)).scalar_one())
    if legacy:
        head = store.lock_chain_head(conn)
        store.append(conn, AuditRecord(
            request_id=str(uuid.uuid4()), user_id="system", operation=UPGRADE_OPERATION, profile="-",
            outcome="upgrade",
            request_text=json.dumps({"from_hash_version": HASH_VERSION_LEGACY, "to_hash_version": HASH_VERSION_KEYED,
                                     "legacy_records": legacy, "legacy_head": head}, sort_keys=True)))


MIGRATIONS: list[tuple[int, Callable[[AuditStore, Connection], None]]] = [(1, _migration_1), (2, _migration_2)]
if MIGRATIONS[-1][0] != SCHEMA_VERSION:  # a new schema version needs its migration (not `assert`: -O strips it)
    raise RuntimeError(f"SCHEMA_VERSION {SCHEMA_VERSION} has no migration (last is {MIGRATIONS[-1][0]})")


class SqlPersonLedger:
    """The PersonLedger protocol on the audit database; `add` is atomic across instances."""

    CHUNK = 500

    def __init__(self, store: AuditStore) -> None:
        self.store = store
        # Set by `bound`: counts go into the caller's transaction (with the request's record).
        self._conn: ContextVar[Connection | None] = ContextVar(f"oasis_ledger_conn_{id(self)}", default=None)
        self._error: ContextVar[BaseException | None] = ContextVar(f"oasis_ledger_err_{id(self)}", default=None)

    @contextmanager
    def bound(self, conn: Connection) -> Iterator[None]:
        """Count people inside `conn`'s transaction, so they are counted exactly when the request's
        record commits with them (issue 10). A database error is kept for `raise_error`: the
        policy engine would otherwise turn it into an ordinary blocking finding."""
        token, err = self._conn.set(conn), self._error.set(None)
        try:
            yield
        finally:
            self._conn.reset(token)
            self._error.reset(err)

    def raise_error(self) -> None:
        """Inside `bound`: re-raise a database error met there (the transaction is not usable)."""
        error = self._error.get()
        if error is not None:
            raise error

    def add(self, user: str, series: str, keys: Collection[str], limit: int, *, commit: bool) -> LedgerResult:
        """Count `keys` into (user, series) unless that would bring it to `limit` or more.

        With commit, the series row is locked (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
        database write lock taken at BEGIN IMMEDIATE) before the total is read, so concurrent
        adds to one series on any number of instances run one after another and can never
        together pass the limit. Without commit it is a plain read: no lock, no row created.
        """
        keys = sorted(set(keys))
        # The series name is stored: mask an Individual Number in it like every stored field.
        user, series = storable(user), storable(individual_number.redact(series))
        if not commit or not keys:
            # Nothing to write (a dry run, or a request naming nobody): no lock is needed, which
            # keeps the day's series of a busy user free of lock waits.
            with self.store.reader.connect() as conn:
                before = int(conn.execute(self._total_query(user, series)).scalar() or 0)
                new = self._new_keys(conn, user, series, keys)
            return LedgerResult(before=before, new=len(new), recorded=commit and before + len(new) < limit)
        bound = self._conn.get()
        if bound is not None:
            try:
                return self._add_in(bound, user, series, keys, limit)
            except Exception as exc:
                self._error.set(exc)
                raise
        return retry_once(lambda: self._add_locked(user, series, keys, limit))

    def _add_locked(self, user: str, series: str, keys: list[str], limit: int) -> LedgerResult:
        with self.store.engine.begin() as conn:
            return self._add_in(conn, user, series, keys, limit)

    def _add_in(self, conn: Connection, user: str, series: str, keys: list[str], limit: int) -> LedgerResult:
        now = datetime.now(UTC).isoformat()
        query = self._total_query(user, series)
        if self.store.dialect == "postgresql":
            query = query.with_for_update()
        before = conn.execute(query).scalar()
        if before is None:
            # First request of the series: create the row (a concurrent creator wins and
            # we wait for it), then lock it like everyone else.
            conn.execute(_dialect_insert(self.store.dialect)(ledger_series).values(
                user_id=user, series=series, total=0, updated_at=now).on_conflict_do_nothing())
            before = conn.execute(query).scalar_one()
        before = int(before)
        new = self._new_keys(conn, user, series, keys)
        recorded = before + len(new) < limit
        if recorded and new:
            conn.execute(ledger_people.insert(), [
                {"user_id": user, "series": series, "person_key": k} for k in new])
            conn.execute(ledger_series.update().where(
                ledger_series.c.user_id == user, ledger_series.c.series == series)
                .values(total=before + len(new), updated_at=now))
        return LedgerResult(before=before, new=len(new), recorded=recorded)

    @staticmethod
    def _total_query(user: str, series: str) -> Any:
        return sa.select(ledger_series.c.total).where(
            ledger_series.c.user_id == user, ledger_series.c.series == series)

    def _new_keys(self, conn: Connection, user: str, series: str, keys: list[str]) -> list[str]:
        existing: set[str] = set()
        for i in range(0, len(keys), self.CHUNK):
            chunk = keys[i:i + self.CHUNK]
            existing.update(conn.execute(sa.select(ledger_people.c.person_key).where(
                ledger_people.c.user_id == user, ledger_people.c.series == series,
                ledger_people.c.person_key.in_(chunk))).scalars())
        return [k for k in keys if k not in existing]

    def series_totals(self, user: str | None = None) -> list[dict[str, Any]]:
        query = ledger_series.select().order_by(ledger_series.c.updated_at.desc())
        if user:
            query = query.where(ledger_series.c.user_id == user)
        with self.store.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def _dialect_insert(dialect: str) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if dialect == "postgresql" else sqlite.insert
