"""The audit log and the person ledger, in SQLite (embedded default) or PostgreSQL (shared).

One code path for both through SQLAlchemy Core. Every audit record is hash-chained to the one
before it so that an altered, inserted or deleted record can be found (`oasis-addin audit
verify`). Writes are serialized: SQLite takes its write lock at BEGIN (IMMEDIATE), PostgreSQL
locks the chain head row, so two server instances never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from addin_server.errors import AuditUnavailable
from addin_server.policy.types import LedgerResult

log = logging.getLogger(__name__)

metadata = sa.MetaData()

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
PG_LOCK_TIMEOUT_MS = 30000
T = TypeVar("T")
SCHEMA_VERSION = 1
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
    outcome: str  # allowed | blocked | failed | rejected | purge
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


def record_hash(prev_hash: str, row: dict[str, Any]) -> str:
    payload = json.dumps([prev_hash, *[row.get(k) for k in HASHED_FIELDS]], ensure_ascii=False,
                         separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def make_engine(url: str) -> Engine:
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
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Writers take the write lock at BEGIN so two never interleave; readers (WAL) do
            # not queue behind them.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_recycle=1800)
    if engine.dialect.name != "postgresql":
        return engine

    @event.listens_for(engine, "connect")
    def _pg_connect(dbapi_conn: Any, _record: Any) -> None:
        # A request waiting on a row lock (chain head, series) behind a stuck transaction fails
        # with 503 instead of holding its worker thread forever. Set per session rather than as a
        # startup option so it also passes through PgBouncer.
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET lock_timeout = {PG_LOCK_TIMEOUT_MS}")
        dbapi_conn.commit()

    return engine


def _retry_once(action: Callable[[], T]) -> T:
    """Run a write transaction; once more if the connection was lost (database restart, failover).

    A transaction cut off with its connection was rolled back, so running it again is safe. In
    the rare case the commit itself got through before the loss, a ledger add finds its people
    already counted (no double count) and an audit record is appended twice (nothing is lost).
    """
    try:
        return action()
    except sa.exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        log.warning("database connection lost; retrying the transaction once")
        return action()


class AuditStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        # Same pool; transactions begun through it are plain reads (see make_engine).
        self.reader = self.engine.execution_options(**{READ_ONLY: True})
        self._ledger_key: bytes | None = None

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
            for target, step in MIGRATIONS:
                if current < target:
                    step(conn)
                    _upsert_meta(conn, "schema_version", str(target))
                    current = target
            if conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "ledger_key")).scalar() \
                    is None:
                conn.execute(schema_meta.insert().values(key="ledger_key", value=secrets.token_hex(32)))
            if conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "chain_head")).scalar() \
                    is None:
                conn.execute(schema_meta.insert().values(key="chain_head", value=GENESIS_HASH))
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

    def ledger_key(self) -> bytes:
        """The shared secret for the ledger's keyed hashes, the same on every instance."""
        if self._ledger_key is None:
            with self.reader.connect() as conn:
                value = conn.execute(
                    sa.select(schema_meta.c.value).where(schema_meta.c.key == "ledger_key")).scalar_one()
            self._ledger_key = bytes.fromhex(value)
        return self._ledger_key

    # -- audit records ----------------------------------------------------------------------
    def record(self, rec: AuditRecord) -> str:
        """Append one record to the chain, durably; raises AuditUnavailable if it cannot."""

        def write() -> str:
            with self.engine.begin() as conn:
                return self.append(conn, rec)

        try:
            return _retry_once(write)
        except Exception as exc:
            log.exception("audit record %s could not be written", rec.request_id)
            raise AuditUnavailable() from exc

    def append(self, conn: Connection, rec: AuditRecord) -> str:
        """Append one record inside the caller's write transaction; returns its hash.

        The chain head is locked first and held to commit: whichever instance gets it appends
        next, so seq order, prev_hash order and commit order are one order.
        """
        row = {k: storable(v) for k, v in asdict(rec).items()}  # hashed as stored
        head = self.lock_chain_head(conn)
        row["prev_hash"] = head
        row["record_hash"] = record_hash(head, row)
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

    def iter_records(self, batch: int = 1000, after_seq: int = 0, **filters: Any) -> Iterator[dict[str, Any]]:
        """Records in chain order after `after_seq` (optionally filtered), streamed in batches."""
        last = after_seq
        while True:
            query = audit_records.select().where(audit_records.c.seq > last)
            query = _apply_filters(query, **filters).order_by(audit_records.c.seq).limit(batch)
            with self.reader.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(query)]
            if not rows:
                return
            yield from rows
            last = rows[-1]["seq"]

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


def _apply_filters(query: Any, *, user_id: str | None = None, outcome: str | None = None,
                   since: str | None = None, until: str | None = None, rule: str | None = None,
                   operation: str | None = None, series: str | None = None) -> Any:
    c = audit_records.c
    if user_id:
        query = query.where(c.user_id == user_id)
    if outcome:
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


def _migration_1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[audit_records, ledger_series, ledger_people])


MIGRATIONS = [(1, _migration_1)]
assert MIGRATIONS[-1][0] == SCHEMA_VERSION


class SqlPersonLedger:
    """The PersonLedger protocol on the audit database; `add` is atomic across instances."""

    CHUNK = 500

    def __init__(self, store: AuditStore) -> None:
        self.store = store

    def add(self, user: str, series: str, keys: Collection[str], limit: int, *, commit: bool) -> LedgerResult:
        """Count `keys` into (user, series) unless that would bring it to `limit` or more.

        With commit, the series row is locked (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
        database write lock taken at BEGIN IMMEDIATE) before the total is read, so concurrent
        adds to one series on any number of instances run one after another and can never
        together pass the limit. Without commit it is a plain read: no lock, no row created.
        """
        keys = sorted(set(keys))
        user, series = storable(user), storable(series)
        if not commit or not keys:
            # Nothing to write (a dry run, or a request naming nobody): no lock is needed, which
            # keeps the day's series of a busy user free of lock waits.
            with self.store.reader.connect() as conn:
                before = int(conn.execute(self._total_query(user, series)).scalar() or 0)
                new = self._new_keys(conn, user, series, keys)
            return LedgerResult(before=before, new=len(new), recorded=commit and before + len(new) < limit)
        return _retry_once(lambda: self._add_locked(user, series, keys, limit))

    def _add_locked(self, user: str, series: str, keys: list[str], limit: int) -> LedgerResult:
        now = datetime.now(UTC).isoformat()
        with self.store.engine.begin() as conn:
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
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
