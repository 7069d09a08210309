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


def proofread_edits(pkg: Package, para: int, ins_id: str,
                    edits: Sequence[tuple[str, str]]) -> dict[int, etree._Element]:
    """Apply per-edit proofread edits to body paragraph ``para`` the way the task pane does:
    each (original, replacement) as a tracked replacement of the first occurrence of
    ``original`` in the paragraph's current text, the replacement wrapped in its own control
    ``oasis:<id>#<n>`` (n in the given order); deletions get no control. Returns n -> control."""
    root = pkg.xml("word/document.xml")
    p = body_paragraphs(pkg)[para]
    writer = revisions.RevisionWriter(root, "oasis-addin")
    controls: dict[int, etree._Element] = {}
    for n, (original, replacement) in enumerate(edits, start=1):
        text = revisions.block_text(p)
        start = text.index(original)
        _del, ins_el = writer.replace_range(p, start, start + len(original), replacement)
        if ins_el is not None:
            controls[n] = revisions.wrap_in_sdt([ins_el], f"{disclosure.TAG_PREFIX}{ins_id}#{n}",
                                                disclosure.CONTROL_TITLE, writer.next_sdt_id())
    pkg.mark_changed("word/document.xml")
    return controls


def accept_in(p: etree._Element) -> None:
    """Accept every tracked insertion and deletion inside paragraph ``p`` (as Word's 承諾 does)."""
    for el in list(p.iter(qn("w:ins"), qn("w:del"))):
        parent = el.getparent()
        if el.tag == qn("w:del"):
            parent.remove(el)
            continue
        for child in list(el):
            el.addprevious(child)
        parent.remove(el)


def accept_edit(sdt: etree._Element) -> None:
    """Accept one edit: its deletion just before the control and the insertion inside it."""
    prev = sdt.getprevious()
    if prev is not None and prev.tag == qn("w:del"):
        prev.getparent().remove(prev)
    for el in list(sdt.iter(qn("w:ins"))):
        for child in list(el):
            el.addprevious(child)
        el.getparent().remove(el)


def set_control_text(sdt: etree._Element, text: str) -> None:
    """Replace what a (run-level) control shows, as a person typing over it with tracking off."""
    ts = list(sdt.iter(qn("w:t")))
    ts[0].text = text
    for t in ts[1:]:
        t.text = ""


def unwrap(sdt: etree._Element) -> None:
    """Remove a control but keep its content (Word's 「コンテンツ コントロールの削除」)."""
    content = sdt.find(qn("w:sdtContent"))
    for child in list(content):
        sdt.addprevious(child)
    sdt.getparent().remove(sdt)


def proofread_ins(ins_id: str, replacements: Sequence[str]) -> Insertion:
    return make_insertion(ins_id, "proofread", MODEL, "", created="2026-11-20T01:02:03Z", edits=list(replacements))


PKG_NS = "http://schemas.microsoft.com/office/2006/xmlPackage"


def flat_opc(data: bytes, with_comments: bool = True) -> str:
    """What Word's ``body.getOoxml()`` gives for a document: a flat OPC ``pkg:package`` holding
    the main document part (and its comments part, when asked)."""
    pkg = Package.from_bytes(data)
    root = etree.Element(f"{{{PKG_NS}}}package", nsmap={"pkg": PKG_NS})
    names = ["word/document.xml"] + (["word/comments.xml"] if with_comments and "word/comments.xml" in pkg.parts else [])
    for name in names:
        part = etree.SubElement(root, f"{{{PKG_NS}}}part")
        part.set(f"{{{PKG_NS}}}name", "/" + name)
        part.set(f"{{{PKG_NS}}}contentType", "application/xml")
        etree.SubElement(part, f"{{{PKG_NS}}}xmlData").append(pkg.xml(name))
    return etree.tostring(root, encoding="unicode")


def provenance_xml(data: bytes) -> list[str]:
    """The provenance custom XML part(s) of a document, as the pane reads them (getXml)."""
    pkg = Package.from_bytes(data)
    out = []
    for name in provenance.custom_xml_parts(pkg):
        if pkg.xml(name).tag == f"{{{provenance.oxml.PROVENANCE_NS}}}provenance":
            out.append(pkg.parts[name].decode("utf-8"))
    return out


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
