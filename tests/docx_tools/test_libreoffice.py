"""LibreOffice as an independent reader: it must see our tracked changes and comments."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from docx_tools import disclosure, revisions, tagger
from docx_tools.package import Package
from tests.docx_tools import helpers as h
from tests.support import require

pytestmark = pytest.mark.libreoffice

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
DC = "http://purl.org/dc/elements/1.1/"


def _convert(src: Path, fmt: str, tmp_path: Path) -> etree._Element:
    require("LIBREOFFICE", shutil.which("soffice") is not None, "LibreOffice not installed")
    profile = tmp_path / "lo-profile"
    out = tmp_path / "lo-out"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", fmt, "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=180,
    )
    result = out / (src.stem + "." + fmt)
    assert result.is_file(), proc.stdout + proc.stderr
    return etree.parse(str(result), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)).getroot()


def _annotations(root: etree._Element) -> list[tuple[str, str]]:
    out = []
    for ann in root.iter(f"{{{OFFICE}}}annotation"):
        creator = ann.find(f"{{{DC}}}creator")
        text = "\n".join("".join(p.itertext()) for p in ann.iter(f"{{{TEXT}}}p"))
        out.append(((creator.text or "") if creator is not None else "", text))
    return out


def test_libreoffice_sees_tracked_changes_and_disclosure_comment(tmp_path: Path) -> None:
    pkg = Package.from_bytes(h.docx_bytes(["前文。", "AIの要約です。", "本文。"]))
    w = revisions.RevisionWriter(pkg.xml("word/document.xml"), "oasis-addin")
    # A pending AI insertion (tracked) and a proofreading replacement (w:del + w:ins).
    w.insert_paragraphs_after(h.body_paragraphs(pkg)[2], ["承諾待ちの要約。"], "oasis:P1", disclosure.CONTROL_TITLE)
    w.replace_range(h.body_paragraphs(pkg)[0], 0, 2, "はじめの文")
    h.wrap(pkg, [1], "U1")
    pkg.mark_changed("word/document.xml")
    data = h.finish(pkg, [h.ins("U1", "AIの要約です。"), h.ins("P1", "承諾待ちの要約。")])
    new, results = tagger.process_bytes(data, ".docx")
    assert new is not None and {r.id: r.status for r in results} == {"U1": "unmodified", "P1": "pending"}
    src = tmp_path / "tagged.docx"
    src.write_bytes(new)
    root = _convert(src, "fodt", tmp_path)
    changes = root.find(f".//{{{TEXT}}}tracked-changes")
    assert changes is not None
    kinds = [child[0].tag.split("}")[1] for child in changes.iter(f"{{{TEXT}}}changed-region")]
    assert "insertion" in kinds and "deletion" in kinds
    anns = _annotations(root)
    assert any(author == "oasis-addin" and "依頼ID: U1" in text and "生成AI" in text for author, text in anns)


def test_libreoffice_sees_xlsx_cell_comments(tmp_path: Path) -> None:
    data = h.xlsx_bytes({"A1": "見出し", "B2": "AIの文"}, comments={"A1": "人のコメント"},
                        rows=[("'集計 表'!B2", "X1", "AIの文")])
    new, _ = tagger.process_bytes(data, ".xlsx")
    assert new is not None
    src = tmp_path / "tagged.xlsx"
    src.write_bytes(new)
    root = _convert(src, "fods", tmp_path)
    anns = _annotations(root)
    assert any("依頼ID: X1" in text and "生成AI" in text for _a, text in anns), anns
    assert any(text == "人のコメント" for _a, text in anns)


def test_libreoffice_reads_comments_added_to_a_real_workbook(tmp_path: Path, shared_dir: Path) -> None:
    """An Excel-made workbook with a table, drawings and existing comments (Excel's own VML)."""
    import io
    import warnings

    import openpyxl

    from docx_tools import provenance, xlsx
    from docx_tools.provenance import Insertion

    src_path = shared_dir / "corpus" / "open-xml-powertools" / "TestFiles_Spreadsheet.xlsx"
    require("SHARED", src_path.is_file(), f"{src_path} not found")
    data = src_path.read_bytes()
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        cell = next((c for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str) and c.value.strip() and c.comment is None), None)
        if cell is not None:
            rows.append(Insertion(f"LO-{ws.title}", "summarize", h.MODEL, "2026-11-20T00:00:00Z",
                                  provenance.text_sha256(cell.value), cell.value,
                                  cell=f"'{ws.title}'!{cell.coordinate}"))
    assert len(rows) == 2
    pkg = Package.from_bytes(data)
    xlsx.add_provenance_sheet(pkg, rows)
    prepared = pkg.to_bytes()
    before = tmp_path / "before.xlsx"
    before.write_bytes(prepared)
    new, results = tagger.process_bytes(prepared, ".xlsx")
    assert new is not None and all(r.tagged for r in results)
    after = tmp_path / "after.xlsx"
    after.write_bytes(new)
    anns_before = _annotations(_convert(before, "fods", tmp_path))
    anns_after = _annotations(_convert(after, "fods", tmp_path))
    assert anns_before and len(anns_after) == len(anns_before) + 2
    assert sum("依頼ID: LO-" in text for _a, text in anns_after) == 2
    for _a, text in anns_before:
        assert text in [t for _b, t in anns_after]


def test_libreoffice_reads_per_edit_disclosures(tmp_path: Path) -> None:
    """Run-level edit controls with their own comments (contract 3): every disclosure is read,
    each anchored on exactly its edit's text."""
    from tests.docx_tools.test_tagger_per_edit import per_edit_document

    new, results = tagger.process_bytes(per_edit_document(), ".docx")
    assert new is not None and sum(1 for r in results for e in (r.edits or []) if e.added) == 4
    src = tmp_path / "per-edit.docx"
    src.write_bytes(new)
    root = _convert(src, "fodt", tmp_path)
    texts = [t for _c, t in _annotations(root)]
    keys = sorted(line.split(": ", 1)[1] for t in texts for line in t.splitlines() if line.startswith("依頼ID: "))
    assert keys == ["OLD", "PL#1", "PP#2", "PU#1", "PU#2"]
    # The range of each edit's comment covers only that edit's replacement.
    covered: dict[str, str] = {}
    open_: dict[str, str] = {}
    body = root.find(f"{{{OFFICE}}}body")
    for kind, value in _walk(body):
        if kind == "start":
            open_[value[0]] = ""
            covered[value[0]] = value[1]
        elif kind == "end":
            covered[value] = (covered[value], open_.pop(value))
        else:
            for name in open_:
                open_[name] += value
    assert not open_
    by_key = {next(ln.split(": ", 1)[1] for ln in body_text.splitlines() if ln.startswith("依頼ID: ")): span
              for body_text, span in covered.values()}
    assert by_key["PU#1"] == "ください" and by_key["PU#2"] == "は" and by_key["PP#2"] == "は"


def _walk(el: etree._Element):
    """("text", s), ("start", (name, comment text)), ("end", name) in document order; the
    comment's own paragraphs and tracked-change records are not part of the running text."""
    if el.text and el.tag != f"{{{TEXT}}}tracked-changes":
        yield "text", el.text
    for child in el:
        if child.tag == f"{{{OFFICE}}}annotation":
            text = "\n".join("".join(p.itertext()) for p in child.iter(f"{{{TEXT}}}p"))
            yield "start", (child.get(f"{{{OFFICE}}}name") or "", text)
        elif child.tag == f"{{{OFFICE}}}annotation-end":
            yield "end", child.get(f"{{{OFFICE}}}name") or ""
        elif child.tag != f"{{{TEXT}}}tracked-changes":
            yield from _walk(child)
        if child.tail:
            yield "text", child.tail
