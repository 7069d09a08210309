from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from addin_server.cli import main
from docx_tools import disclosure, revisions
from docx_tools.package import Package
from tests.docx_tools import helpers as h

REPO = Path(__file__).resolve().parents[2]


def _unmodified() -> bytes:
    pkg = Package.from_bytes(h.docx_bytes(["前文。", "AIの要約。"]))
    h.wrap(pkg, [1], "A1")
    return h.finish(pkg, [h.ins("A1", "AIの要約。")])


def _pending() -> bytes:
    pkg = Package.from_bytes(h.docx_bytes(["前文。"]))
    w = revisions.RevisionWriter(pkg.xml("word/document.xml"), "oasis-addin")
    w.insert_paragraphs_after(h.body_paragraphs(pkg)[0], ["未確認の要約。"], "oasis:P1", disclosure.CONTROL_TITLE)
    pkg.mark_changed("word/document.xml")
    return h.finish(pkg, [h.ins("P1", "未確認の要約。")])


def _tree(tmp_path: Path, pending: bool = False) -> Path:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "a.docx").write_bytes(_unmodified())
    (root / "sub" / "b.xlsx").write_bytes(h.xlsx_bytes({"B2": "AIの文"}, rows=[("'集計 表'!B2", "X1", "AIの文")]))
    (root / "notes.txt").write_text("ignored", encoding="utf-8")
    if pending:
        (root / "sub" / "c.docx").write_bytes(_pending())
    return root


def test_out_writes_copies_and_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    report = tmp_path / "r.json"
    rc = main(["tag", str(root), "--out", str(out), "--report", str(report)])
    assert rc == 0
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before  # originals untouched
    assert (out / "a.docx").is_file() and (out / "sub" / "b.xlsx").is_file()
    data = json.loads(report.read_text("utf-8"))
    rows = {(Path(f["path"]).name, i["id"]): i for f in data["files"] for i in f["insertions"]}
    assert rows[("a.docx", "A1")] == {"id": "A1", "operation": "summarize", "status": "unmodified", "tagged": True}
    assert rows[("b.xlsx", "X1")]["tagged"] is True
    printed = capsys.readouterr().out
    assert "合計" in printed and "無編集" in printed
    # Second run over the output: nothing added, same statuses.
    rc2 = main(["tag", str(out), "--in-place", "--report", str(tmp_path / "r2.json"), "--quiet"])
    assert rc2 == 0
    again = json.loads((tmp_path / "r2.json").read_text("utf-8"))
    assert all(i["tagged"] for f in again["files"] for i in f["insertions"])


def test_second_in_place_run_leaves_files_byte_identical(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    assert main(["tag", str(root), "--in-place", "--quiet"]) == 0
    first = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert main(["tag", str(root), "--in-place", "--quiet"]) == 0
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == first


def test_pending_exit_code_and_csv(tmp_path: Path) -> None:
    root = _tree(tmp_path, pending=True)
    report = tmp_path / "r.csv"
    assert main(["tag", str(root), "--dry-run", "--report", str(report), "--quiet"]) == 1
    rows = list(csv.DictReader(io.StringIO(report.read_text("utf-8-sig"))))
    by_id = {r["id"]: r for r in rows}
    assert by_id["P1"]["status"] == "pending" and by_id["P1"]["tagged"] == "false"
    assert by_id["A1"]["status"] == "unmodified" and by_id["A1"]["tagged"] == "false"  # dry run
    assert set(rows[0]) == {"path", "id", "operation", "status", "tagged", "error", "edit"}
    assert main(["tag", str(root), "--dry-run", "--pending-exit-code", "0", "--quiet"]) == 0


def test_jobs_two_gives_the_same_report(tmp_path: Path) -> None:
    root = _tree(tmp_path, pending=True)
    for k in range(6):
        (root / f"extra{k}.docx").write_bytes(_unmodified())
    r1, r2 = tmp_path / "one.json", tmp_path / "two.json"
    assert main(["tag", str(root), "--out", str(tmp_path / "o1"), "--report", str(r1), "--quiet"]) == 1
    assert main(["tag", str(root), "--out", str(tmp_path / "o2"), "--jobs", "2", "--report", str(r2),
                 "--quiet"]) == 1
    strip = lambda d: [(Path(f["path"]).name, f["insertions"]) for f in d["files"]]  # noqa: E731
    assert strip(json.loads(r1.read_text("utf-8"))) == strip(json.loads(r2.read_text("utf-8")))


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    assert main(["tag", str(tmp_path / "nope.docx"), "--quiet"]) == 2


def test_real_subprocess(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    exe = Path(sys.executable).with_name("oasis-addin")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "addin_server.cli"]
    proc = subprocess.run([*cmd, "tag", str(root), "--in-place", "--report", str(tmp_path / "r.json")],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "合計" in proc.stdout
    assert json.loads((tmp_path / "r.json").read_text("utf-8"))["files"][0]["insertions"][0]["tagged"] is True
    assert h.comments_of((root / "a.docx").read_bytes())[0][0] == "oasis-addin"
