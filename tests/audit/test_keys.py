"""Keys outside the database (issue 10): a keyed chain nobody can forge with database access
alone, logs from before the key still verifying, and the read-only tools refusing clearly."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from addin_server.audit import chain
from addin_server.audit.store import (
    GENESIS_HASH,
    AuditKeys,
    AuditRecord,
    AuditStore,
    audit_records,
    key_id,
    record_hash,
    schema_meta,
)
from addin_server.cli import main
from addin_server.config import DEFAULTS, ConfigError
from addin_server.config import validate as _validate
from tests.audit.keys import AUDIT_KEY_HEX, KEYS, LEDGER_KEY_HEX, OTHER_AUDIT_KEY_HEX

OLD = "2020-01-0{}T00:00:00.000000+00:00"


@pytest.fixture
def store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AuditStore]:
    monkeypatch.setenv("OASIS_AUDIT_KEY", AUDIT_KEY_HEX)
    s = AuditStore(db_url, KEYS)
    s.migrate()
    yield s
    s.dispose()


def fill(store: AuditStore, n: int, *, old: int = 0) -> None:
    for i in range(n):
        extra = {"created_at": OLD.format(i + 1)} if i < old else {}
        store.record(AuditRecord(request_id=f"req-{i + 1}", user_id="dev:tanaka", operation="summarize",
                                 profile="oasis", outcome="allowed", request_text=f"文書{i + 1}", **extra))


def verify(db_url: str, *args: str) -> int:
    return main(["audit", "--database-url", db_url, "verify", *args])


def forge(store: AuditStore, rec: AuditRecord, key: bytes | None) -> None:
    """Append a record as someone with write access to the database would (no AUDIT_KEY)."""
    with store.engine.begin() as conn:
        head = conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "chain_head")).scalar_one()
        values = {**rec.__dict__, "prev_hash": head, "hash_version": 2 if key else 1,
                  "key_id": key_id(key) if key else None}
        values["record_hash"] = record_hash(head, values, key)
        conn.execute(audit_records.insert().values(**values))
        conn.execute(schema_meta.update().where(schema_meta.c.key == "chain_head").values(value=values["record_hash"]))


@pytest.mark.parametrize("key", [bytes.fromhex(OTHER_AUDIT_KEY_HEX), None], ids=["wrong-key", "unkeyed"])
def test_a_forged_purge_fails_verify_even_with_the_old_anchor(store: AuditStore, db_url: str, key: bytes | None,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 10 point 11: delete the oldest records, append a made-up purge statement."""
    fill(store, 5)
    rows = list(store.iter_records())
    anchor = rows[-1]["record_hash"]
    with store.engine.begin() as conn:
        conn.execute(audit_records.delete().where(audit_records.c.seq <= rows[1]["seq"]))
    forge(store, AuditRecord(
        request_id="made-up", user_id="cli:attacker", operation=chain.PURGE_OPERATION, profile="oasis",
        outcome=chain.PURGE_OUTCOME, request_text=json.dumps(
            {"purged_before": "2021-01-01", "removed": 2, "chain_start": rows[2]["prev_hash"]}, sort_keys=True)),
        key)
    assert verify(db_url) == 1
    assert "[altered]" in capsys.readouterr().out
    assert verify(db_url, "--anchor", anchor) == 1


def test_a_genuine_purge_still_verifies_and_a_wrong_key_does_not(store: AuditStore, db_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fill(store, 4, old=2)
    assert main(["audit", "--database-url", db_url, "purge", "--before", "2021-01-01"]) == 0
    assert verify(db_url) == 0
    monkeypatch.setenv("OASIS_AUDIT_KEY", OTHER_AUDIT_KEY_HEX)
    capsys.readouterr()
    assert verify(db_url) == 1
    assert "AUDIT_KEY にありません" in capsys.readouterr().out


def test_a_rebuilt_chain_without_the_key_fails(store: AuditStore, db_url: str) -> None:
    """Rewrite every record and hash as version 1 (plain SHA-256, computable by anyone)."""
    fill(store, 3)
    with store.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(audit_records.select().order_by(audit_records.c.seq))]
        prev = GENESIS_HASH
        for row in rows:
            row.update(response_text="書き換え", prev_hash=prev, hash_version=1, key_id=None)
            row["record_hash"] = record_hash(prev, row)
            conn.execute(audit_records.update().where(audit_records.c.seq == row["seq"]).values(
                response_text=row["response_text"], prev_hash=prev, hash_version=1, key_id=None,
                record_hash=row["record_hash"]))
            prev = row["record_hash"]
        conn.execute(schema_meta.update().where(schema_meta.c.key == "chain_head").values(value=prev))
    assert verify(db_url) == 1


def test_rotation_old_records_verify_with_the_old_key_listed_second(store: AuditStore, db_url: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fill(store, 2)
    rotated = AuditStore(db_url, AuditKeys((bytes.fromhex(OTHER_AUDIT_KEY_HEX), KEYS.current)))
    rotated.record(AuditRecord(request_id="after-rotation", user_id="u", operation="summarize", profile="oasis",
                               outcome="allowed"))
    rotated.dispose()
    monkeypatch.setenv("OASIS_AUDIT_KEY", f"{OTHER_AUDIT_KEY_HEX},{AUDIT_KEY_HEX}")
    assert verify(db_url) == 0
    monkeypatch.setenv("OASIS_AUDIT_KEY", OTHER_AUDIT_KEY_HEX)  # the old key dropped too early
    assert verify(db_url) == 1


def _make_legacy(store: AuditStore, n: int) -> str:
    """Turn a fresh store into a schema-1 log: no key columns, ledger key in the database,
    records hashed with plain SHA-256."""
    with store.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE audit_records DROP COLUMN hash_version"))
        conn.execute(sa.text("ALTER TABLE audit_records DROP COLUMN key_id"))
        conn.execute(schema_meta.update().where(schema_meta.c.key == "schema_version").values(value="1"))
        conn.execute(schema_meta.insert().values(key="ledger_key", value="ab" * 32))
        cols = [c for c in audit_records.c if c.name not in ("hash_version", "key_id", "seq")]
        prev = GENESIS_HASH
        for i in range(n):
            row = AuditRecord(request_id=f"old-{i}", user_id="dev:suzuki", operation="summarize", profile="oasis",
                              outcome="allowed", request_text=f"旧記録{i}").__dict__
            row = {**row, "prev_hash": prev}
            row["record_hash"] = record_hash(prev, row)
            conn.execute(sa.insert(sa.table("audit_records", *[sa.column(c.name) for c in cols])).values(
                **{c.name: row[c.name] for c in cols}))
            prev = row["record_hash"]
        conn.execute(schema_meta.update().where(schema_meta.c.key == "chain_head").values(value=prev))
    return prev


def test_a_log_from_before_the_key_migrates_and_still_verifies(store: AuditStore, db_url: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    legacy_head = _make_legacy(store, 3)
    fresh = AuditStore(db_url, KEYS)
    assert fresh.migrate() == 2
    fresh.record(AuditRecord(request_id="new", user_id="u", operation="summarize", profile="oasis",
                             outcome="allowed"))
    rows = list(fresh.iter_records())
    assert [r["hash_version"] for r in rows] == [1, 1, 1, 2, 2]
    upgrade = rows[3]
    assert upgrade["operation"] == "audit:upgrade" and json.loads(upgrade["request_text"])["legacy_head"] == legacy_head
    with fresh.reader.connect() as conn:
        assert conn.execute(sa.select(schema_meta.c.value).where(schema_meta.c.key == "ledger_key")).first() is None
    assert verify(db_url, "--anchor", legacy_head) == 0  # an anchor noted before the upgrade still holds
    assert "鍵の導入前" in capsys.readouterr().out
    # A plain-hash record slipped in after the keyed ones is a forgery.
    forge(fresh, AuditRecord(request_id="late-legacy", user_id="u", operation="summarize", profile="oasis",
                             outcome="allowed"), None)
    assert verify(db_url) == 1
    fresh.dispose()


def test_read_only_tools_refuse_a_missing_sqlite_file_without_creating_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OASIS_AUDIT_KEY", AUDIT_KEY_HEX)
    missing = tmp_path / "nothing.db"
    for action in (["verify"], ["export"]):
        assert main(["audit", "--database-url", f"sqlite:///{missing}", *action]) == 2
        assert "見つかりません" in capsys.readouterr().err
    assert not missing.exists()


def test_verify_needs_the_key(store: AuditStore, db_url: str, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fill(store, 1)
    monkeypatch.delenv("OASIS_AUDIT_KEY")
    monkeypatch.setenv("OASIS_INSTANCE_PATH", str(tmp_path / "instance"))
    assert verify(db_url) == 2
    assert "AUDIT_KEY" in capsys.readouterr().err
    assert not (tmp_path / "instance" / "audit.key").exists()  # a read-only tool makes no key
    assert main(["audit", "--database-url", db_url, "export"]) == 0  # reading needs none


# -- configuration --------------------------------------------------------------------------
def validate(config: dict[str, str], folder: Path):  # type: ignore[no-untyped-def]
    return _validate({**DEFAULTS, **config}, folder)


ENTRA = {"AUTH_MODE": "entra", "ENTRA_TENANT_ID": "t", "ENTRA_AUDIENCE": "a", "ENTRA_JWKS_URL": "https://x/keys",
         "BIND_HOST": "0.0.0.0"}


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AUDIT_KEY or AUDIT_KEY_FILE and LEDGER_KEY"):
        validate(ENTRA, tmp_path)
    with pytest.raises(ConfigError, match="LEDGER_KEY"):
        validate({**ENTRA, "AUDIT_KEY": AUDIT_KEY_HEX}, tmp_path)
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        validate({**ENTRA, "AUDIT_KEY": "ab" * 16, "LEDGER_KEY": LEDGER_KEY_HEX}, tmp_path)
    assert not list(tmp_path.iterdir())  # nothing generated for production
    key_file = tmp_path / "audit.keys"
    key_file.write_text(f"# current\n{OTHER_AUDIT_KEY_HEX}\n# before rotation\n{AUDIT_KEY_HEX}\n")
    settings = validate({**ENTRA, "AUDIT_KEY_FILE": str(key_file), "LEDGER_KEY": LEDGER_KEY_HEX}, tmp_path)
    assert settings.audit_keys == (bytes.fromhex(OTHER_AUDIT_KEY_HEX), bytes.fromhex(AUDIT_KEY_HEX))
    assert settings.ledger_key == bytes.fromhex(LEDGER_KEY_HEX)


def test_the_embedded_default_generates_owner_only_key_files_once(tmp_path: Path) -> None:
    first = validate({"AUTH_MODE": "dev"}, tmp_path)
    for name in ("audit.key", "ledger.key"):
        mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
        assert mode == 0o600, oct(mode)
    again = validate({"AUTH_MODE": "dev"}, tmp_path)
    assert again.audit_keys == first.audit_keys and again.ledger_key == first.ledger_key
    assert first.audit_keys[0] != first.ledger_key  # two independent keys
