"""``oasis-addin tag`` (registered by addin_server.cli; docx_tools never imports the server)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

EXIT_OK = 0
EXIT_PENDING = 1
EXIT_ERROR = 2
SUFFIXES = (".docx", ".xlsx")


def register(sub: argparse._SubParsersAction) -> None:
    tag = sub.add_parser(
        "tag",
        help="無編集のまま使われた生成AI出力に開示コメントを付ける（共通ルール8）",
        description="フォルダ内の .docx/.xlsx を調べ、編集されずに使われた生成AI出力に開示コメントを付けます。",
    )
    tag.add_argument("paths", nargs="+", metavar="PATH", help=".docx/.xlsx ファイルまたはフォルダ")
    where = tag.add_mutually_exclusive_group()
    where.add_argument("--out", metavar="DIR", type=Path, help="結果をこのフォルダに書き出す（元ファイルは変更しない）")
    where.add_argument("--in-place", action="store_true", help="元ファイルを置き換える（検査後に一括で差し替え）")
    tag.add_argument("--report", metavar="FILE", type=Path, help="報告書の出力先（.json または .csv）")
    tag.add_argument("--dry-run", action="store_true", help="判定だけ行い、ファイルは書き出さない")
    tag.add_argument("--jobs", type=int, default=1, metavar="N", help="並列処理数（既定 1）")
    tag.add_argument("--pending-exit-code", type=int, default=EXIT_PENDING, metavar="N",
                     help="確認待ちが残るときの終了コード（既定 1、0 にすると無視）")
    tag.add_argument("--quiet", action="store_true", help="集計表を表示しない")
    tag.set_defaults(func=run_tag)


def collect(paths: Iterable[str]) -> list[tuple[Path, Path | None, str]]:
    """(file, root folder it was found under or None, display path) in a stable order."""
    out: list[tuple[Path, Path | None, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith(("~$", ".oasis-")):
                    out.append((f, p, str(f)))
        else:
            out.append((p, None, str(p)))
    return out


def _dest(src: Path, root: Path | None, args: argparse.Namespace) -> Path | None:
    if args.in_place:
        return src
    if args.out is not None:
        rel = src.relative_to(root) if root is not None else Path(src.name)
        return args.out / rel
    return None


def _work(item: tuple[str, str | None, bool, str]):  # runs in worker processes too
    from docx_tools.tagger import process_file

    src, dest, dry_run, display = item
    return process_file(Path(src), Path(dest) if dest else None, dry_run=dry_run, display=display)


def _preload() -> None:
    import docx.comments  # noqa: F401
    import openpyxl  # noqa: F401

    import docx_tools.tagger
    import docx_tools.xlsx  # noqa: F401


def run_tag(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from docx_tools import report
    from docx_tools.disclosure import FileResult

    dry_run = bool(args.dry_run) or (args.out is None and not args.in_place)
    items: list[tuple[str, str | None, bool, str]] = []
    results: list[FileResult] = []
    for src, root, display in collect(args.paths):
        if not src.is_file():
            results.append(FileResult(path=display, error="ファイルが見つかりません。", error_code="not_found"))
            continue
        if src.suffix.lower() not in SUFFIXES:
            results.append(FileResult(path=display, error="対象外の形式です（.docx/.xlsx のみ）。", error_code="format"))
            continue
        dest = _dest(src, root, args)
        items.append((str(src), str(dest) if dest else None, dry_run, display))
    jobs = max(1, min(args.jobs, os.cpu_count() or 1, len(items) or 1))
    bar = tqdm(total=len(items), desc="タグ付け", unit="件", file=sys.stderr, disable=len(items) < 20 or None)
    try:
        if jobs > 1:
            _preload()  # forked workers inherit the heavy imports instead of each paying for them
            # Small chunks keep both workers busy until the end; large ones save IPC round trips.
            chunk = max(1, min(8, len(items) // (jobs * 8)))
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for res in pool.map(_work, items, chunksize=chunk):
                    results.append(res)
                    bar.update()
        else:
            for item in items:
                results.append(_work(item))
                bar.update()
    finally:
        bar.close()
    order = {display: k for k, (_s, _d, _r, display) in enumerate(items)}
    results.sort(key=lambda r: order.get(r.path, -1))
    if args.report is not None:
        try:
            report.write_report(results, args.report)
        except OSError as exc:
            print(f"報告書を書き出せません: {exc}", file=sys.stderr)
            return EXIT_ERROR
    if not args.quiet:
        if args.out is None and not args.in_place and not args.dry_run:
            print("（--out も --in-place も指定がないため、判定のみ行いました）")
        report.print_summary(results, sys.stdout, dry_run=dry_run)
    if any(r.error is not None for r in results):
        return EXIT_ERROR
    if any(i.status == "pending" for r in results for i in r.insertions):
        return int(args.pending_exit_code)
    return EXIT_OK
