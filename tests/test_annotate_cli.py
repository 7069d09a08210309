from __future__ import annotations

import os
from pathlib import Path

import docx
import pytest

from addin_server import annotate_cli
from addin_server.cli import main
from docx_tools import annotate, disclosure, oxml, provenance, revisions, tagger
from docx_tools.oxml import qn
from docx_tools.package import Package
from tests.docx_tools import helpers as h

SOURCE = [
    "大阪市は生成AIの利用指針を定めた。職員は出力を必ず確認する。",
    "この文書は誤字を確認して下さい。",
    "結びの段落です。",
]


@pytest.fixture(autouse=True)
def offline_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The offline engine and a private SQLite audit database, whatever the caller's env holds."""
    for key in list(os.environ):
        if key.startswith("OASIS_") and not key.startswith("OASIS_REQUIRE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("OASIS_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    monkeypatch.chdir(tmp_path)


def _doc(tmp_path: Path) -> Path:
    path = tmp_path / "in.docx"
    path.write_bytes(h.docx_bytes(SOURCE))
    return path


def test_summarize_inserts_tracked_control_with_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = _doc(tmp_path), tmp_path / "out.docx"
    rc = main(["annotate", str(src), "-o", str(out), "--summarize", "--paragraphs", "1-2", "--user", "tester"])
    assert rc == 0, capsys.readouterr().err
    assert "依頼ID" in capsys.readouterr().out
    pkg = Package.from_bytes(out.read_bytes())
    records = provenance.read_provenance(pkg)
    assert len(records) == 1 and records[0].operation == "summarize" and records[0].model
    root = pkg.xml("word/document.xml")
    sdts = oxml.find_sdts_by_tag(root, "oasis:" + records[0].id)
    assert len(sdts) == 1
    sdt = sdts[0]
    assert sdt.find(f"{qn('w:sdtPr')}/{qn('w:alias')}").get(qn("w:val")) == "生成AI出力（要確認）"
    # A tracked insertion: rejected, the control is empty; accepted, it reads as the record.
    assert revisions.range_text(sdt, "rejected") == ""
    assert revisions.range_text(sdt, "accepted") == records[0].text
    assert records[0].sha256 == provenance.text_sha256(records[0].text)
    assert all(i.get(qn("w:author")) == "oasis-addin" for i in sdt.iter(qn("w:ins")))
    # It sits after paragraph 2 and the original text is untouched.
    body = root.find(qn("w:body"))
    assert sdt.getprevious() is body.findall(qn("w:p"))[1]
    assert [p.text for p in docx.Document(str(out)).paragraphs] == SOURCE  # body paragraphs outside controls
    # The tagger sees the insertion as pending until someone accepts it.
    _, results = tagger.process_bytes(out.read_bytes(), ".docx", dry_run=True)
    assert [(r.id, r.status) for r in results] == [(records[0].id, disclosure.PENDING)]


def test_proofread_edits_become_del_ins_pairs(tmp_path: Path) -> None:
    src, out = _doc(tmp_path), tmp_path / "out.docx"
    assert main(["annotate", str(src), "-o", str(out), "--proofread", "--paragraphs", "2", "--user", "t"]) == 0
    pkg = Package.from_bytes(out.read_bytes())
    records = provenance.read_provenance(pkg)
    assert len(records) == 1 and records[0].operation == "proofread"
    rec = records[0]
    root = pkg.xml("word/document.xml")
    # Per-edit format: no control around the person's paragraph, one control per replacement.
    assert oxml.find_sdts_by_tag(root, "oasis:" + rec.id) == []
    assert rec.edits and [e.n for e in rec.edits] == list(range(1, len(rec.edits) + 1))
    assert rec.text == "\n".join(e.text for e in rec.edits)
    assert rec.sha256 == provenance.text_sha256(rec.text)
    para = root.find(qn("w:body")).findall(qn("w:p"))[1]
    assert revisions.block_text(para, "rejected") == SOURCE[1]
    assert revisions.block_text(para, "accepted") != SOURCE[1]
    for e in rec.edits:
        assert e.sha256 == provenance.text_sha256(e.text)
        (sdt,) = oxml.find_sdts_by_tag(root, f"oasis:{rec.id}#{e.n}")
        assert revisions.range_text(sdt, "accepted") == e.text
        assert revisions.range_text(sdt, "rejected") == ""  # only AI text inside the control
        assert sdt.getparent() is para
    dels = list(para.iter(qn("w:del")))
    assert dels and len(dels) == len(list(para.iter(qn("w:ins"))))
    for d in dels:
        nxt = d.getnext()
        assert nxt is not None and (nxt.tag == qn("w:ins") or oxml.sdt_tag(nxt).startswith(f"oasis:{rec.id}#"))


def test_accepting_everything_makes_the_tagger_tag(tmp_path: Path) -> None:
    src, out = _doc(tmp_path), tmp_path / "out.docx"
    assert main(["annotate", str(src), "-o", str(out), "--summarize", "--user", "t"]) == 0
    pkg = Package.from_bytes(out.read_bytes())
    root = pkg.xml("word/document.xml")
    h.accept_in(root)  # as Word's 承諾 does
    pkg.mark_changed("word/document.xml")
    new, results = tagger.process_bytes(pkg.to_bytes(), ".docx")
    assert new is not None and [r.status for r in results] == [disclosure.UNMODIFIED] and results[0].tagged



def test_policy_block_leaves_no_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "in.docx", tmp_path / "out.docx"
    # A valid Individual Number (check digit correct) must be refused before any model call.
    src.write_bytes(h.docx_bytes(["申請者の個人番号は 1234 5678 9018 です。"]))
    rc = main(["annotate", str(src), "-o", str(out), "--summarize", "--user", "t"])
    assert rc == annotate_cli.EXIT_BLOCKED
    assert not out.exists()
    err = capsys.readouterr().err
    assert "ガイドライン" in err and "1234 5678 9018" not in err and "123456789018" not in err


def test_bad_paragraph_selection_and_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _doc(tmp_path)
    assert main(["annotate", str(src), "-o", str(tmp_path / "o.docx"), "--summarize", "--paragraphs", "9"]) == 2
    assert "範囲外" in capsys.readouterr().err
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    assert main(["annotate", str(bad), "-o", str(tmp_path / "o.docx"), "--proofread"]) == 2
    assert "zip" in capsys.readouterr().err


def test_parse_selection() -> None:
    assert annotate.parse_selection("1-3,5", 6) == [0, 1, 2, 4]
    assert annotate.parse_selection(None, 2) == [0, 1]
    with pytest.raises(ValueError):
        annotate.parse_selection("3-1", 6)
