"""`oasis-addin audit verify|export|purge`: tampering found and named, exports, purges that verify."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from addin_server.audit import chain
from addin_server.audit.store import AuditRecord, AuditStore, audit_records, record_hash
from addin_server.cli import main
from tests.audit.keys import AUDIT_KEY_HEX, KEYS

OLD = "2020-01-0{}T00:00:00.000000+00:00"


@pytest.fixture(autouse=True)
def _audit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads the same key as the server (here from the environment)."""
    monkeypatch.setenv("OASIS_AUDIT_KEY", AUDIT_KEY_HEX)


@pytest.fixture
def store(db_url: str) -> Iterator[AuditStore]:
    s = AuditStore(db_url, KEYS)
    s.migrate()
    yield s
    s.dispose()


def fill(store: AuditStore, n: int = 5, *, old: int = 0) -> list[str]:
    """n records; the first `old` of them dated January 2020."""
    ids = []
    for i in range(n):
        extra = {"created_at": OLD.format(i + 1)} if i < old else {}
        rec = AuditRecord(request_id=f"req-{i + 1}", user_id="dev:tanaka" if i % 2 else "dev:suzuki",
                          operation="summarize", profile="oasis", outcome="allowed",
                          request_text=f"=HYPERLINK(\"http://x\") 文書{i + 1}", **extra)
        store.record(rec)
        ids.append(rec.request_id)
    return ids


def run(db_url: str, *args: str) -> int:
    return main(["audit", "--database-url", db_url, *args])


def sql(store: AuditStore, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def row(store: AuditStore, seq: int) -> dict:
    with store.engine.connect() as conn:
        return dict(conn.execute(audit_records.select().where(audit_records.c.seq == seq)).one()._mapping)


def test_intact_log_verifies(store: AuditStore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    assert run(db_url, "verify") == 0
    out = capsys.readouterr().out
    assert "正常" in out and "5 件" in out and row(store, 5)["record_hash"] in out


def test_empty_log_verifies(store: AuditStore, db_url: str) -> None:
    assert run(db_url, "verify") == 0


def test_altered_content(store: AuditStore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    sql(store, "UPDATE audit_records SET response_text = 'edited' WHERE seq = 3")
    assert run(db_url, "verify") == 1
    out = capsys.readouterr().out
    assert "seq 3" in out and "req-3" in out and "[altered]" in out


def test_altered_content_with_recomputed_hash(store: AuditStore, db_url: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    r = row(store, 2)
    r["outcome"] = "blocked"
    # Even someone holding the key who recomputes the hash is caught: the next record no longer follows.
    sql(store, "UPDATE audit_records SET outcome = 'blocked', record_hash = :h WHERE seq = 2",
        h=record_hash(r["prev_hash"], r, KEYS.current))
    assert run(db_url, "verify") == 1
    out = capsys.readouterr().out
    assert "seq 2" in out and "[altered]" in out


def test_deleted_record(store: AuditStore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    sql(store, "DELETE FROM audit_records WHERE seq = 3")
    assert run(db_url, "verify") == 1
    out = capsys.readouterr().out
    assert "seq 4" in out and "[deleted]" in out


def test_deleted_first_and_last_records(store: AuditStore, db_url: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    sql(store, "DELETE FROM audit_records WHERE seq = 5")
    assert run(db_url, "verify") == 1
    assert "[deleted]" in capsys.readouterr().out
    sql(store, "DELETE FROM audit_records WHERE seq = 1")
    assert run(db_url, "verify") == 1
    out = capsys.readouterr().out
    assert "seq 2" in out and "[deleted]" in out


def _forged(store: AuditStore, prev_hash: str, seq: int) -> None:
    rec = AuditRecord(request_id="forged", user_id="dev:tanaka", operation="summarize", profile="oasis",
                      outcome="allowed", request_text="後から足した記録")
    # Made with the key (an insider): the chain's shape still gives the insertion away.
    values = {**rec.__dict__, "seq": seq, "prev_hash": prev_hash, "hash_version": 2, "key_id": KEYS.current_id}
    values["record_hash"] = record_hash(prev_hash, values, KEYS.current)
    with store.engine.begin() as conn:
        conn.execute(audit_records.insert().values(**values))


def test_inserted_record_in_the_middle(store: AuditStore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    sql(store, "UPDATE audit_records SET seq = seq + 10 WHERE seq >= 3")  # a gap, as rollbacks leave
    _forged(store, row(store, 2)["record_hash"], 5)
    assert run(db_url, "verify") == 1
    out = capsys.readouterr().out
    assert "seq 5" in out and "forged" in out and "[inserted]" in out


def test_inserted_record_with_a_made_up_link(store: AuditStore, db_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    sql(store, "UPDATE audit_records SET seq = seq + 10 WHERE seq >= 3")
    _forged(store, "f" * 64, 5)
    assert run(db_url, "verify") == 1
    out = capsys.readouterr().out
    assert "seq 5" in out and "[inserted]" in out


def test_appended_record_without_the_chain_head(store: AuditStore, db_url: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    _forged(store, row(store, 5)["record_hash"], 6)
    assert run(db_url, "verify") == 1
    assert "[inserted]" in capsys.readouterr().out


def test_anchor(store: AuditStore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill(store)
    anchor = row(store, 3)["record_hash"]
    assert run(db_url, "verify", "--anchor", anchor) == 0
    assert "アンカー" in capsys.readouterr().out
    assert run(db_url, "verify", "--anchor", "0" * 63 + "1") == 1


def test_export_jsonl_and_since(store: AuditStore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill(store, 5, old=2)
    assert run(db_url, "export", "--format", "jsonl") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["request_id"] for r in lines] == ["req-1", "req-2", "req-3", "req-4", "req-5"]
    assert lines[0]["request_text"].startswith("=HYPERLINK")  # JSON Lines are exact
    assert all(record_hash(r["prev_hash"], r, KEYS.current) == r["record_hash"] for r in lines)  # checkable offline
    assert run(db_url, "export", "--since", "2021-01-01") == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert run(db_url, "export", "--since", "2021-01-01", "--user", "dev:tanaka") == 0
    assert [json.loads(line)["request_id"] for line in capsys.readouterr().out.splitlines()] == ["req-4"]


def test_export_csv_is_formula_safe(store: AuditStore, db_url: str, tmp_path: Path) -> None:
    fill(store, 3)
    out = tmp_path / "audit.csv"
    assert run(db_url, "export", "--format", "csv", "-o", str(out)) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 3 and list(rows[0]) == list(chain.EXPORT_FIELDS)
    assert rows[0]["request_text"].startswith("'=HYPERLINK")


def test_export_bad_date_is_usage_error(store: AuditStore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db_url, "export", "--since", "last week") == 2
    assert "エラー" in capsys.readouterr().err


def test_purge_keeps_the_chain_verifiable(store: AuditStore, db_url: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    fill(store, 6, old=3)
    assert run(db_url, "purge", "--before", "2021-01-01", "--dry-run") == 0
    assert "3 件" in capsys.readouterr().out and store.count() == 6
    assert run(db_url, "purge", "--before", "2021-01-01") == 0
    assert "3 件" in capsys.readouterr().out
    ids = [r["request_id"] for r in store.iter_records()]
    assert ids[:3] == ["req-4", "req-5", "req-6"] and len(ids) == 4
    purge = list(store.iter_records(outcome="purge"))
    assert len(purge) == 1 and purge[0]["operation"] == "audit:purge" and purge[0]["user_id"].startswith("cli:")
    assert json.loads(purge[0]["request_text"])["removed"] == 3
    assert run(db_url, "verify") == 0
    assert "purge" in capsys.readouterr().out
    # new records after the purge, then a second purge of everything older than now
    fill(store, 2)
    assert run(db_url, "verify") == 0
    assert run(db_url, "purge", "--retention-days", "1") == 0
    assert run(db_url, "verify") == 0
    # and deleting without a purge statement is still caught
    fill(store, 3)
    first = min(r["seq"] for r in store.iter_records(outcome="allowed"))
    sql(store, "DELETE FROM audit_records WHERE seq = :s", s=first)
    assert run(db_url, "verify") == 1


def test_purge_of_everything_still_verifies(store: AuditStore, db_url: str) -> None:
    fill(store, 3, old=3)
    assert run(db_url, "purge", "--before", "2021-01-01") == 0
    assert [r["outcome"] for r in store.iter_records()] == ["purge"]
    assert run(db_url, "verify") == 0
    fill(store, 1)
    assert run(db_url, "verify") == 0


def test_purge_nothing_old(store: AuditStore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    fill(store, 2)
    assert run(db_url, "purge", "--before", "2021-01-01") == 0
    assert "何も削除していません" in capsys.readouterr().out
    assert store.count() == 2  # no purge statement for an empty purge


@pytest.mark.parametrize("args", [[], ["--before", "2999-01-01"], ["--retention-days", "0"], ["--before", "x"]])
def test_purge_usage_errors(store: AuditStore, db_url: str, args: list[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OASIS_AUDIT_RETENTION_DAYS", raising=False)
    fill(store, 2, old=2)
    assert run(db_url, "purge", *args) == 2
    assert store.count() == 2


def test_purge_retention_from_configuration(store: AuditStore, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(store, 3, old=2)
    monkeypatch.setenv("OASIS_AUDIT_RETENTION_DAYS", "365")
    assert run(db_url, "purge") == 0
    assert [r["request_id"] for r in store.iter_records(outcome="allowed")] == ["req-3"]
    assert run(db_url, "verify") == 0


def test_verify_on_a_live_log_is_not_fooled_by_concurrent_writes(store: AuditStore) -> None:
    import threading

    fill(store, 20)
    done = threading.Event()

    def writer() -> None:
        try:
            fill(store, 60)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reports = []
    while not done.is_set() or not reports:
        reports.append(chain.verify(store))
    thread.join()
    reports.append(chain.verify(store))
    assert all(r.ok for r in reports), [r.problem for r in reports if not r.ok]
    assert reports[-1].records == 80
