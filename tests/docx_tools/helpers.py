"""Builders for the docx_tools tests: small real documents made in code, and provenance
added to real-world corpus files at package level."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import docx
import openpyxl
from lxml import etree
from openpyxl.comments import Comment

from docx_tools import disclosure, provenance, revisions, xlsx
from docx_tools.oxml import qn
from docx_tools.package import Package, PackageError
from docx_tools.provenance import Insertion, make_insertion

MODEL = "test-model-1"


def docx_bytes(paragraphs: Sequence[str]) -> bytes:
    d = docx.Document()
    for text in paragraphs:
        d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def body_paragraphs(pkg: Package) -> list[etree._Element]:
    return pkg.xml("word/document.xml").find(qn("w:body")).findall(qn("w:p"))


def wrap(pkg: Package, indexes: Sequence[int], ins_id: str) -> etree._Element:
    paras = body_paragraphs(pkg)
    sdt = revisions.wrap_in_sdt([paras[i] for i in indexes], disclosure.TAG_PREFIX + ins_id,
                                disclosure.CONTROL_TITLE, str(900 + len(ins_id)))
    pkg.mark_changed("word/document.xml")
    return sdt


def finish(pkg: Package, insertions: Sequence[Insertion]) -> bytes:
    if insertions:
        provenance.add_provenance(pkg, list(insertions))
    return pkg.to_bytes()


def ins(ins_id: str, text: str, operation: str = "summarize") -> Insertion:
    return make_insertion(ins_id, operation, MODEL, text, created="2026-11-20T01:02:03Z")


def comments_of(data: bytes) -> list[tuple[str, str]]:
    d = docx.Document(io.BytesIO(data))
    return [(c.author, c.text) for c in d.comments]


def xlsx_bytes(cells: dict[str, str], comments: dict[str, str] | None = None,
               rows: Sequence[tuple[str, str, str]] = ()) -> bytes:
    """Workbook with sheet '集計 表' and the provenance sheet (rows: cell, id, text)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "集計 表"
    for coord, value in cells.items():
        ws[coord] = value
    for coord, text in (comments or {}).items():
        ws[coord].comment = Comment(text, "someone")
    buf = io.BytesIO()
    wb.save(buf)
    pkg = Package.from_bytes(buf.getvalue())
    if rows:
        xlsx.add_provenance_sheet(pkg, [
            Insertion(i, "summarize", MODEL, "2026-11-20T01:02:03Z", provenance.text_sha256(t), t, cell=c)
            for c, i, t in rows
        ])
    return pkg.to_bytes()


# ---- corpus ----------------------------------------------------------------------------------


def add_corpus_provenance(path: Path) -> tuple[bytes, bytes, set[str]]:
    """Original bytes, bytes with provenance added (so the tagger really tags), expected ids.

    Word: one insertion whose text is the first non-empty body paragraph (the "unwrapped"
    case), one that cannot be found. Excel: the first text cell of the first sheet.
    """
    original = path.read_bytes()
    pkg = Package.from_bytes(original)
    if path.suffix.lower() == ".xlsx":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(original), read_only=True)
            try:
                ws = wb.worksheets[0] if wb.worksheets else None
                found = None
                if ws is not None and hasattr(ws, "iter_rows"):
                    for row in ws.iter_rows(max_row=50):
                        for c in row:
                            if isinstance(c.value, str) and c.value.strip() and hasattr(c, "coordinate"):
                                found = (ws.title, c.coordinate, c.value)
                                break
                        if found:
                            break
            finally:
                wb.close()
        rows = [Insertion("corpus-missing", "summarize", MODEL, "2026-11-20T00:00:00Z", "", "x",
                          cell="'Nowhere'!A1")]
        expected = set()
        if found:
            sheet, coord, value = found
            quoted = "'" + sheet.replace("'", "''") + "'"
            rows.append(Insertion("corpus-cell", "summarize", MODEL, "2026-11-20T00:00:00Z",
                                  provenance.text_sha256(value), value, cell=f"{quoted}!{coord}"))
            expected.add("corpus-cell")
        xlsx.add_provenance_sheet(pkg, rows)
        return original, pkg.to_bytes(), expected
    main = pkg.main_part_name()
    assert main is not None
    body = pkg.xml(main).find(qn("w:body"))
    text = None
    if body is not None:
        for p in revisions.paragraphs_in(body):
            t = "".join(pc.text for pc in revisions.paragraph_pieces(p))
            if len(t.strip()) >= 2:
                text = t
                break
    insertions = [ins("corpus-missing", "この文はどこにもない文章です。")]
    expected = set()
    if text is not None:
        insertions.append(ins("corpus-text", text))
        expected.add("corpus-text")
    # A block-level control around the last top-level paragraph with text (another paragraph).
    if body is not None:
        tops = [p for p in body.findall(qn("w:p"))
                if len("".join(pc.text for pc in revisions.paragraph_pieces(p)).strip()) >= 2]
        if len(tops) >= 2:
            target = tops[-1]
            revisions.wrap_in_sdt([target], disclosure.TAG_PREFIX + "corpus-block", disclosure.CONTROL_TITLE, "424242")
            pkg.mark_changed(main)
            insertions.append(ins("corpus-block", revisions.block_text(target)))
            expected.add("corpus-block")
    provenance.add_provenance(pkg, insertions)
    return original, pkg.to_bytes(), expected


def check_lossless(before: bytes, after: bytes, changed_allowed: set[str]) -> list[str]:
    a, b = Package.from_bytes(before), Package.from_bytes(after)
    problems = [f"lost:{n}" for n in a.parts if n not in b.parts]
    problems += [f"changed:{n}" for n in a.parts if n in b.parts and n not in changed_allowed
                 and a.parts[n] != b.parts[n]]
    return problems


__all__ = ["PackageError"]
