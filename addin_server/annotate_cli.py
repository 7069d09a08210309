"""`oasis-addin annotate` — the command's front end: arguments, settings, the service call.

The document work is docx_tools.annotate's; this module hands it a call that runs each request
through the same service as the add-in (policy checks, model gateway, audit record) and turns the
service's answers into docx_tools' plain data.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from addin_server.config import ConfigError, load_settings
from addin_server.errors import ApiError
from addin_server.policy.types import Finding
from addin_server.service import AssistantService
from docx_tools.annotate import Answer, TextEdit, annotate_package, body_paragraph_count, parse_selection
from docx_tools.package import Package, PackageError, write_atomic

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_BLOCKED = 3


class PolicyBlocked(Exception):
    """The rules refused a request; nothing was written."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__("blocked")
        self.findings = list(findings)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "annotate",
        help="生成AIの要約・校正を変更履歴として .docx に書き込む",
        description="文書の段落を要約または校正し、結果を変更履歴（要確認）として書き込みます。",
    )
    p.add_argument("input", type=Path, metavar="IN.docx")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.docx")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--summarize", action="store_true", help="選んだ段落を要約し、その後ろに挿入する")
    what.add_argument("--proofread", action="store_true", help="選んだ段落を校正し、修正を変更履歴にする")
    p.add_argument("--paragraphs", metavar="LIST",
                   help="対象段落の番号（1 から、例: 1-3,5）。省略時は文字のある全段落")
    p.add_argument("--instruction", help="追加の指示（任意）")
    p.add_argument("--series-id", help="一連の処理の識別子（個人情報の人数の合算に使う）")
    p.add_argument("--user", help="利用者 ID（既定: 環境変数 OASIS_USER またはログイン名）")
    p.set_defaults(func=run_annotate)


def service_call(service: AssistantService, user: str, instruction: str | None, series_id: str | None) -> Any:
    """A docx_tools `Call` that runs each request through the service."""

    def call(operation: str, text: str) -> Answer:
        res = service.run(user, operation, text=text, host="word", instruction=instruction, series_id=series_id)
        if not res.allowed:
            raise PolicyBlocked(res.findings)
        edits = [TextEdit(e.start, e.end, e.original, e.replacement) for e in res.edits]
        return Answer(request_id=res.request_id, model=res.model or "", text=res.text or "", edits=edits,
                      findings=list(res.findings))

    return call


def _print_findings(findings: Sequence[object]) -> None:
    labels = {"block": "禁止", "warn": "注意", "info": "情報"}
    for f in findings:
        if isinstance(f, Finding):
            print(f"  [{labels.get(f.severity, f.severity)}] {f.rule}: {f.message}")


def run_annotate(args: argparse.Namespace) -> int:
    operation = "summarize" if args.summarize else "proofread"
    user = args.user or os.environ.get("OASIS_USER") or getpass.getuser()
    try:
        pkg = Package.open(args.input)
        chosen = parse_selection(args.paragraphs, body_paragraph_count(pkg))
        service = AssistantService.from_settings(load_settings())
        outcomes = annotate_package(pkg, service_call(service, user, args.instruction, args.series_id),
                                    operation, chosen)
        data = pkg.to_bytes()
        check = Package.from_bytes(data)  # re-read what will be written
        check.xml(check.main_part_name() or "")
        write_atomic(args.output, data)
    except PolicyBlocked as blocked:
        print("ガイドラインのルールにより送信できませんでした。文書は変更していません。", file=sys.stderr)
        _print_findings(blocked.findings)
        return EXIT_BLOCKED
    except PackageError as exc:
        print(f"{args.input}: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except ConfigError as exc:
        print(f"設定エラー: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ApiError as exc:
        print(f"生成AIの呼び出しに失敗しました: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except (ValueError, OSError) as exc:
        print(f"{args.input}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for o in outcomes:
        kind = "要約" if o.operation == "summarize" else "校正"
        what = f"{o.changes} 段落を挿入" if o.operation == "summarize" else f"{o.changes} 件の修正を変更履歴に"
        print(f"{kind}: 依頼ID {o.request_id}（モデル {o.model}）— {what}しました。")
        _print_findings(o.findings)
    print(f"{args.output} に書き出しました。Word の「変更履歴」で内容を確認し、承諾または修正してください。")
    return EXIT_OK
