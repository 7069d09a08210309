"""``oasis-addin annotate``: put AI output into a .docx as tracked changes with provenance.

For staff who work on files rather than in Word. The request goes through the same service as
the add-in (policy checks, model gateway, audit record). A summary is inserted after the chosen
paragraphs as a tracked insertion inside a content control tagged ``oasis:<request id>``; each
proofreading edit becomes its own ``w:del`` + ``w:ins`` inside the paragraphs, which are wrapped
in such a control. The provenance part records what was inserted.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from docx_tools import provenance, revisions
from docx_tools.oxml import qn
from docx_tools.package import Package, PackageError, write_atomic
from docx_tools.tagger import AUTHOR, CONTROL_TITLE, TAG_PREFIX

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_BLOCKED = 3


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


def parse_selection(spec: str | None, count: int) -> list[int]:
    """"1-3,5" -> [0, 1, 2, 4] (0-based), validated against the paragraph count."""
    if not spec:
        return list(range(count))
    out: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise ValueError(f"段落の指定が読めません: {part!r}（例: 1-3,5）")
        a, b = int(lo), int(hi or lo)
        if a < 1 or b < a or b > count:
            raise ValueError(f"段落番号 {part} は範囲外です（この文書の段落は 1〜{count}）。")
        out.update(range(a - 1, b))
    return sorted(out)


@dataclass
class Outcome:
    request_id: str
    operation: str
    model: str
    changes: int
    findings: list[Any]


def _groups(paras: list[etree._Element], chosen: list[int]) -> list[list[etree._Element]]:
    """Chosen paragraphs split into runs of consecutive siblings (each becomes one control)."""
    groups: list[list[etree._Element]] = []
    for i in chosen:
        p = paras[i]
        if groups and groups[-1][-1].getnext() is p:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def _text_of(group: list[etree._Element]) -> str:
    return "\n".join(revisions.block_text(p) for p in group)


def annotate_package(pkg: Package, service: Any, user: str, operation: str, chosen: list[int] | None = None,
                     instruction: str | None = None, series_id: str | None = None) -> list[Outcome]:
    """Run the operation over the chosen paragraphs and write the results into ``pkg``.

    Raises ``PolicyBlocked`` when the service refuses the request (nothing is changed then).
    """
    main = pkg.main_part_name()
    if main is None:
        raise PackageError("missing_part", "本文の部品が見つかりません。")
    root = pkg.xml(main)
    body = root.find(qn("w:body"))
    if body is None:
        raise PackageError("missing_part", "本文（w:body）がありません。")
    paras = revisions.paragraphs_in(body)
    chosen = list(range(len(paras))) if chosen is None else chosen
    chosen = [i for i in chosen if revisions.block_text(paras[i]).strip()]
    if not chosen:
        raise ValueError("対象の段落に文字がありません。")
    writer = revisions.RevisionWriter(root, AUTHOR)
    outcomes: list[Outcome] = []
    records: list[provenance.Insertion] = []
    if operation == "summarize":
        selected = [paras[i] for i in chosen]
        text = "\n".join(revisions.block_text(p) for p in selected)
        res = _call(service, user, "summarize", text, instruction, series_id)
        lines = res.text.split("\n")
        sdt = writer.insert_paragraphs_after(_block_of(selected[-1]), lines, TAG_PREFIX + res.request_id,
                                             CONTROL_TITLE)
        inserted = revisions.range_text(sdt, "accepted")
        records.append(provenance.make_insertion(res.request_id, "summarize", res.model or "", inserted))
        outcomes.append(Outcome(res.request_id, "summarize", res.model or "", len(lines), list(res.findings)))
    else:
        for group in _groups(paras, chosen):
            text = _text_of(group)
            res = _call(service, user, "proofread", text, instruction, series_id)
            applied = _apply_edits(writer, group, res.edits)
            if applied:
                # Per-edit provenance (contract 3): each replacement is its own control
                # `oasis:<id>#<n>`, numbered in text order; the person's text stays unmarked.
                for n, (_start, _e, ins_el) in enumerate(sorted(applied, key=lambda a: a[0]), start=1):
                    if ins_el is not None:
                        revisions.wrap_in_sdt([ins_el], f"{TAG_PREFIX}{res.request_id}#{n}", CONTROL_TITLE,
                                              writer.next_sdt_id())
                records.append(provenance.make_insertion(
                    res.request_id, "proofread", res.model or "", "",
                    edits=[e.replacement for _s, e, _i in sorted(applied, key=lambda a: a[0])]))
            outcomes.append(Outcome(res.request_id, "proofread", res.model or "", len(applied), list(res.findings)))
    pkg.mark_changed(main)
    if records:
        provenance.add_provenance(pkg, records)
    return outcomes


def _block_of(p: etree._Element) -> etree._Element:
    """The paragraph itself, or the outermost control around it inside the same container."""
    node = p
    while node.getparent() is not None and node.getparent().tag == qn("w:sdtContent"):
        node = node.getparent().getparent()
    return node


def _apply_edits(writer: revisions.RevisionWriter, group: list[etree._Element],
                 edits: list[Any]) -> list[tuple[int, Any, etree._Element | None]]:
    """Apply edits (offsets into the group's text joined by \\n) as w:del + w:ins, last first;
    returns (start, edit, its w:ins or None for a deletion) per applied edit."""
    starts, pos = [], 0
    for p in group:
        starts.append(pos)
        pos += len(revisions.block_text(p)) + 1
    applied: list[tuple[int, Any, etree._Element | None]] = []
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        k = max(i for i, s in enumerate(starts) if s <= e.start)
        p = group[k]
        start, end = e.start - starts[k], e.end - starts[k]
        current = revisions.block_text(p)
        if end > len(current) or current[start:end] != e.original:
            continue  # an edit across paragraphs or one that no longer matches is not applied
        if "\n" in e.replacement:
            continue  # a replacement that would break the paragraph is left to the person
        try:
            _del, ins_el = writer.replace_range(p, start, end, e.replacement)
        except ValueError:
            continue
        applied.append((e.start, e, ins_el))
    return applied


class PolicyBlocked(Exception):
    def __init__(self, findings: list[Any]) -> None:
        super().__init__("blocked")
        self.findings = findings


def _call(service: Any, user: str, operation: str, text: str, instruction: str | None,
          series_id: str | None) -> Any:
    res = service.run(user, operation, text=text, host="word", instruction=instruction, series_id=series_id)
    if not res.allowed:
        raise PolicyBlocked(list(res.findings))
    return res


def _print_findings(findings: list[Any]) -> None:
    labels = {"block": "禁止", "warn": "注意", "info": "情報"}
    for f in findings:
        print(f"  [{labels.get(f.severity, f.severity)}] {f.rule}: {f.message}")


def run_annotate(args: argparse.Namespace) -> int:
    from addin_server.config import load_settings
    from addin_server.errors import ApiError
    from addin_server.service import AssistantService

    operation = "summarize" if args.summarize else "proofread"
    user = args.user or os.environ.get("OASIS_USER") or getpass.getuser()
    try:
        pkg = Package.open(args.input)
        main = pkg.main_part_name() or ""
        body = pkg.xml(main).find(qn("w:body"))
        if body is None:
            raise PackageError("missing_part", "本文（w:body）がありません。Word 文書（.docx）を指定してください。")
        chosen = parse_selection(args.paragraphs, len(revisions.paragraphs_in(body)))
        service = AssistantService.from_settings(load_settings())
        outcomes = annotate_package(pkg, service, user, operation, chosen, args.instruction, args.series_id)
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
