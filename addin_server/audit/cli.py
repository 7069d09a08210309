"""`oasis-addin audit verify|export|purge` — the administrators' tools for the audit log.

The database is the server's (`OASIS_DATABASE_URL`, default the SQLite file in `instance/`) or
`--database-url`. Messages are Japanese; exit codes: 0 fine, 1 the chain is broken, 2 usage or
configuration error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from addin_server.admin.schemas import to_log_time
from addin_server.audit import chain
from addin_server.audit.store import AuditStore
from addin_server.config import ConfigError, load_settings


def register(sub: Any) -> None:
    parser = sub.add_parser("audit", help="the tamper-evident audit log: verify, export, purge",
                            description="監査ログ（改ざん検知付き）の検証・書き出し・削除")
    parser.add_argument("--database-url", help="sqlite:///path or postgresql://… (default: the server's)")
    actions = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    verify = actions.add_parser("verify", help="check the hash chain; report the first broken record")
    verify.add_argument("--anchor", help="a chain head noted earlier: fail unless it is still in the chain")
    verify.set_defaults(func=_verify)

    export = actions.add_parser("export", help="write records as JSON Lines or CSV")
    export.add_argument("--since", help="from this date/time (ISO 8601; a date means 00:00 UTC)")
    export.add_argument("--until", help="before this date/time")
    export.add_argument("--user", help="only this user id")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.set_defaults(func=_export)

    purge = actions.add_parser("purge", help="delete records older than a date, keeping the chain verifiable")
    when = purge.add_mutually_exclusive_group()
    when.add_argument("--before", help="delete records written before this date/time (ISO 8601)")
    when.add_argument("--retention-days", type=int,
                      help="keep this many days (default: AUDIT_RETENTION_DAYS from the configuration)")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.set_defaults(func=_purge)


def _open(args: argparse.Namespace) -> tuple[AuditStore, Any]:
    overrides = {"DATABASE_URL": args.database_url} if args.database_url else {}
    settings = load_settings(overrides)
    store = AuditStore(settings.database_url)
    store.migrate()
    return store, settings


def _fail(message: str) -> int:
    print(f"エラー: {message}", file=sys.stderr)
    return 2


def _time(value: str | None, name: str) -> str | None:
    return None if value is None else _parse_time(value, name)


def _parse_time(value: str, name: str) -> str:
    try:
        return to_log_time(value)
    except ValueError:
        raise ConfigError(f"{name} の日時 {value!r} を読めません（例: 2026-04-01 または 2026-04-01T09:00:00+09:00）") \
            from None


def _verify(args: argparse.Namespace) -> int:
    try:
        store, _ = _open(args)
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        report = chain.verify(store, anchor=args.anchor)
    finally:
        store.dispose()
    if report.problem is not None:
        print(f"改ざんを検出しました: {report.problem.describe()}")
        print(f"（それより前の {report.records - 1 if report.problem.seq is not None else report.records:,} 件は正常）")
        return 1
    if report.anchor_found is False:
        print(f"指定されたアンカー {args.anchor} がチェーンにありません。記録の作り直しか、アンカーより後の削除が疑われます。")
        return 1
    print(f"監査ログは正常です: {report.records:,} 件、チェーンの先頭 {report.head}")
    if report.start != chain.GENESIS_HASH:
        print(f"（過去の削除（purge）以降の記録を検証しました。起点 {report.start}）")
    if args.anchor:
        print(f"アンカー {args.anchor} はチェーン内にあります。")
    return 0


def _export(args: argparse.Namespace) -> int:
    try:
        since, until = _time(args.since, "--since"), _time(args.until, "--until")
        store, _ = _open(args)
    except ConfigError as exc:
        return _fail(str(exc))
    rows = chain.iter_filtered(store, since=since, until=until, user_id=args.user)
    try:
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                count = chain.export(rows, out, args.format)
            print(f"{count:,} 件を {args.output} に書き出しました（{args.format}）。", file=sys.stderr)
        else:
            chain.export(rows, sys.stdout, args.format)
    except BrokenPipeError:  # `… | head`: the reader has seen enough
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
    finally:
        store.dispose()
    return 0


def _purge(args: argparse.Namespace) -> int:
    store: AuditStore | None = None
    try:
        store, settings = _open(args)
        if args.before:
            before = _parse_time(args.before, "--before")
        else:
            days = args.retention_days if args.retention_days is not None else settings.get("AUDIT_RETENTION_DAYS")
            if days is None:
                raise ConfigError("--before、--retention-days、または設定 AUDIT_RETENTION_DAYS のどれかが必要です")
            if int(days) < 1:
                raise ConfigError("保存日数は 1 日以上にしてください")
            before = (datetime.now(UTC) - timedelta(days=int(days))).isoformat(timespec="microseconds")
        if before > chain.utc_now_text():
            raise ConfigError("未来の日時より前の記録をすべて削除することはできません")
    except (ConfigError, ValueError) as exc:
        if store is not None:
            store.dispose()  # a usage error must not leave a connection pool behind
        return _fail(str(exc))
    try:
        actor = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        actor = "cli:unknown"
    try:
        result = chain.purge(store, before, actor=actor, profile=settings.profile, dry_run=args.dry_run)
    finally:
        store.dispose()
    if args.dry_run:
        print(f"{before} より前の記録 {result.removed:,} 件が削除の対象です（--dry-run のため削除していません）。")
    elif result.removed == 0:
        print(f"{before} より前の記録はありません。何も削除していません。")
    else:
        print(f"{before} より前の記録 {result.removed:,} 件を削除し、削除の記録（request_id "
              f"{result.purge_request_id}）をチェーンに追加しました。")
    return 0
