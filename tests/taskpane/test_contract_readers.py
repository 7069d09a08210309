"""What the pane writes, read back by the batch tagger's readers (docx_tools): the provenance
contract is met end to end, not only as the pane's tests understand it."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl

from docx_tools import xlsx as xlsx_tools
from docx_tools.package import Package
from docx_tools.provenance import read_provenance, text_sha256
from tests.taskpane.test_pane_excel import PROOF, excel
from tests.taskpane.test_pane_word import SOURCE, word


def _docx_with_parts(parts: list[str]) -> bytes:
    buf = io.BytesIO()
    docx.Document().save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for i, xml in enumerate(parts, start=1):
            dst.writestr(f"customXml/item{100 + i}.xml", xml.encode("utf-8"))  # the template has item1
    return out.getvalue()


def _xlsx_from(snapshot: dict) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, sheet in snapshot["excel"]["sheets"].items():
        ws = wb.create_sheet(name)
        ws.sheet_state = {"VeryHidden": "veryHidden", "Hidden": "hidden"}.get(sheet["visibility"], "visible")
        for addr, value in sheet["cells"].items():
            ws[addr] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_word_provenance_reads_back(open_pane) -> None:
    first = "新しい窓口について、ご確認して下さい。ＡＢＣの件は確認出来ます。受付は来月から始まります。"
    pane = open_pane(word([first, *SOURCE], 1))
    ids = []
    for op in ("summarize", "proofread"):
        pane.select_operation(op)
        ids.append(pane.run_and_insert())
    snap = pane.snapshot()
    insertions = read_provenance(Package.from_bytes(_docx_with_parts(snap["word"]["parts"])))
    assert [i.id for i in insertions] == ids
    assert [i.operation for i in insertions] == ["summarize", "proofread"]
    by_tag = {c["tag"]: c["text"] for c in snap["word"]["controls"]}
    summary, proofread = insertions
    assert summary.sha256 == text_sha256(summary.text) and not summary.edits
    assert by_tag[f"oasis:{summary.id}"] == summary.text  # the control holds exactly the recorded text
    # Per-edit proofread (contract 3): each edit's control holds exactly its recorded text.
    assert proofread.edits and proofread.text == "\n".join(e.text for e in proofread.edits)
    assert proofread.sha256 == text_sha256(proofread.text)
    for e in proofread.edits:
        assert e.sha256 == text_sha256(e.text)
        assert by_tag[f"oasis:{proofread.id}#{e.n}"] == e.text
    assert f"oasis:{proofread.id}" not in by_tag


def test_excel_provenance_reads_back_as_unmodified(open_pane) -> None:
    pane = open_pane(excel(PROOF, "A1:A4", sheet="Sheet 1"))
    pane.select_operation("proofread")
    request_id = pane.run_and_insert()
    found, values = xlsx_tools.read_provenance(_xlsx_from(pane.snapshot()))
    assert found and {ci.ins.id for ci in found} == {request_id}
    assert {ci.sheet for ci in found} == {"Sheet 1"}
    assert {xlsx_tools.classify(ci, values) for ci in found} == {"unmodified"}
    assert all(ci.ins.sha256 == text_sha256(ci.ins.text) for ci in found)
