"""Excel side of the tagger.

The provenance sheet ``_oasis_provenance`` is read with openpyxl in read-only mode. Cell
comments are written at package level (comments part, VML drawing, sheet relationships,
``legacyDrawing``, content types) because an openpyxl load+save loses content of real
workbooks; every other part is kept byte for byte.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from docx_tools import oxml
from docx_tools.disclosure import (
    AUTHOR,
    MISSING,
    MODIFIED,
    UNMODIFIED,
    InsertionResult,
    disclosure_text,
    has_id_line,
)
from docx_tools.package import Package, PackageError
from docx_tools.provenance import Insertion

PROVENANCE_SHEET = "_oasis_provenance"
HEADER = ("cell", "id", "operation", "model", "created", "sha256", "text")
X = oxml.NSMAP["x"]
R = oxml.NSMAP["r"]
_VML_NS = (
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel"'
)
_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
# Elements that must follow legacyDrawing in a worksheet (CT_Worksheet sequence).
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst")


def x(tag: str) -> str:
    return f"{{{X}}}{tag}"


@dataclass
class CellInsertion:
    ins: Insertion
    sheet: str
    coord: str  # "C2"
    row: int
    col: int


def parse_rows(rows: Iterable[Sequence[object]]) -> list[CellInsertion]:
    """Provenance sheet rows after the header (cell, id, operation, model, created, sha256,
    text) as insertions; rows without a cell or id, or with a cell reference that is not one,
    are skipped. Pure: the pane's 公開前チェック sends these rows as data."""
    from openpyxl.utils.cell import get_column_letter, range_to_tuple

    out: list[CellInsertion] = []
    for row in rows:
        values = ["" if v is None else str(v) for v in (list(row) + [None] * 7)[:7]]
        cell, ins_id, operation, model, created, sha, text = values
        if not cell or not ins_id:
            continue
        try:
            sheet, (c1, r1, _c2, _r2) = range_to_tuple(cell)
        except (ValueError, TypeError):
            continue
        if c1 is None or r1 is None:  # a whole row or column is not one cell
            continue
        if cell.startswith("'"):
            sheet = sheet.replace("''", "'")  # openpyxl leaves the quote escaping in place
        ins = Insertion(ins_id, operation, model, created, sha, text, cell=cell)
        out.append(CellInsertion(ins, sheet, f"{get_column_letter(c1)}{r1}", r1, c1))
    return out


def read_provenance(data: bytes) -> tuple[list[CellInsertion], dict[tuple[str, str], object]]:
    """Insertions from the provenance sheet and the current values of their cells."""
    import openpyxl
    from openpyxl.utils.cell import get_column_letter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        except Exception as exc:
            raise PackageError("bad_xlsx", f"ブックを読めません（{type(exc).__name__}）。ファイルが壊れている可能性があります。") from exc
    try:
        if PROVENANCE_SHEET not in wb.sheetnames:
            return [], {}
        rows = list(wb[PROVENANCE_SHEET].iter_rows(values_only=True))
        out = parse_rows(rows[1:])
        values_by_cell: dict[tuple[str, str], object] = {}
        by_sheet: dict[str, list[CellInsertion]] = {}
        for ci in out:
            by_sheet.setdefault(ci.sheet, []).append(ci)
        for sheet, cis in by_sheet.items():
            if sheet not in wb.sheetnames:
                continue
            ws = wb[sheet]
            lo, hi = min(c.row for c in cis), max(c.row for c in cis)
            wanted = {(c.row, c.col) for c in cis}
            for r_idx, row in enumerate(ws.iter_rows(min_row=lo, max_row=hi, values_only=True), start=lo):
                for c_idx, value in enumerate(row, start=1):
                    if (r_idx, c_idx) in wanted:
                        values_by_cell[(sheet, f"{get_column_letter(c_idx)}{r_idx}")] = value
        return out, values_by_cell
    finally:
        wb.close()


def classify_value(ci: CellInsertion, value: object) -> str:
    """The status of one AI cell from its current value (None: the cell or sheet is gone)."""
    if value is None or value == "":
        return MISSING
    same = unicodedata.normalize("NFC", str(value)) == unicodedata.normalize("NFC", ci.ins.text)
    return UNMODIFIED if same else MODIFIED


def classify(ci: CellInsertion, values: dict[tuple[str, str], object]) -> str:
    return classify_value(ci, values.get((ci.sheet, ci.coord)))


def is_disclosed(comment: str | None, ins_id: str) -> bool:
    """Whether the cell's comment already holds the disclosure (any author: Excel keeps one
    comment per cell and the disclosure is appended to it)."""
    return comment is not None and has_id_line(comment, ins_id)


class _SheetComments:
    """Comments and VML of one worksheet, edited at package level."""

    def __init__(self, pkg: Package, sheet_part: str) -> None:
        self.pkg = pkg
        self.sheet_part = sheet_part
        self.comments: str | None = None
        self.vml: str | None = None
        for _rid, rtype, target, _mode in pkg.relationships(sheet_part):
            if rtype == oxml.RT_COMMENTS and target in pkg.parts:
                self.comments = target
            elif rtype == oxml.RT_VML_DRAWING and target in pkg.parts:
                self.vml = target

    def comment_text(self, coord: str) -> str | None:
        el = self._find(coord)
        if el is None:
            return None
        return "".join(t.text or "" for t in el.iter(x("t")))

    def _find(self, coord: str) -> etree._Element | None:
        if self.comments is None:
            return None
        for c in self.pkg.xml(self.comments).iter(x("comment")):
            if c.get("ref", "").upper() == coord.upper():
                return c
        return None

    def add(self, coord: str, row: int, col: int, text: str, author: str) -> None:
        existing = self._find(coord)
        if existing is not None:
            # Excel allows one comment per cell: the disclosure is appended to it.
            body = existing.find(x("text"))
            if body is None:
                body = etree.SubElement(existing, x("text"))
            r = etree.Element(x("r"))
            t = etree.SubElement(r, x("t"))
            t.text = "\n\n" + text
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            kids = [k for k in body if k.tag in (x("t"), x("r"))]
            if kids:
                kids[-1].addnext(r)
            else:
                body.insert(0, r)
            self._mark_changed()
            return
        root = self._comments_root()
        authors = root.find(x("authors"))
        if authors is None:
            authors = etree.Element(x("authors"))
            root.insert(0, authors)
        names = [a.text or "" for a in authors.findall(x("author"))]
        if author in names:
            author_id = names.index(author)
        else:
            etree.SubElement(authors, x("author")).text = author
            author_id = len(names)
        clist = root.find(x("commentList"))
        if clist is None:
            clist = etree.Element(x("commentList"))
            authors.addnext(clist)
        comment = etree.SubElement(clist, x("comment"))
        comment.set("ref", coord)
        comment.set("authorId", str(author_id))
        body = etree.SubElement(comment, x("text"))
        r = etree.SubElement(body, x("r"))
        t = etree.SubElement(r, x("t"))
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        self._mark_changed()
        self._add_shape(row, col)

    def _mark_changed(self) -> None:
        if self.comments is None:  # unreachable: a comment was just found in it or it was created
            raise PackageError("internal", "コメントの部品を特定できませんでした。")
        self.pkg.mark_changed(self.comments)

    def _comments_root(self) -> etree._Element:
        if self.comments is None:
            root = etree.Element(x("comments"), nsmap=oxml.default_nsmap(X))
            etree.SubElement(root, x("authors"))
            etree.SubElement(root, x("commentList"))
            self.comments = self.pkg.unique_part_name("xl/comments{}.xml")
            self.pkg.set_xml(self.comments, root)
            self.pkg.add_relationship(self.sheet_part, oxml.RT_COMMENTS, self.comments)
            self.pkg.ensure_content_type(self.comments, oxml.CT_COMMENTS_XLSX)
        return self.pkg.xml(self.comments)

    def _add_shape(self, row: int, col: int) -> None:
        if self.vml is None:
            block = self._free_idmap()
            self.vml = self.pkg.unique_part_name("xl/drawings/vmlDrawing{}.vml")
            head = (
                f'<xml {_VML_NS}><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/>'
                f"</o:shapelayout>{_SHAPETYPE}</xml>"
            ).encode()
            self.pkg.set_part(self.vml, head)
            rid = self.pkg.add_relationship(self.sheet_part, oxml.RT_VML_DRAWING, self.vml)
            self.pkg.ensure_content_type(self.vml, oxml.CT_VML)
            self._add_legacy_drawing(rid)
        data = self.pkg.parts[self.vml]
        ids = [int(n) for n in re.findall(rb"_x0000_s(\d+)", data)]
        blocks = [int(n) for n in re.findall(rb'data="(\d+)', data)]
        shape_id = max(ids) + 1 if ids else (blocks[0] if blocks else 1) * 1024 + 1
        shapetype = b"" if b"_x0000_t202" in data else _SHAPETYPE.replace("<v:shapetype ", f"<v:shapetype {_VML_NS} ").encode()
        r0, c0 = row - 1, col - 1
        shape = (
            f'<v:shape {_VML_NS} id="_x0000_s{shape_id}" type="#_x0000_t202" '
            'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:216pt;height:90pt;'
            'z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{c0 + 1}, 15, {r0}, 10, {c0 + 4}, 15, {r0 + 6}, 4</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{r0}</x:Row><x:Column>{c0}</x:Column>"
            "</x:ClientData></v:shape>"
        ).encode()
        # Inserted as text before the closing tag: Excel's VML is often not well-formed XML,
        # and this keeps every existing byte of it.
        end = data.rfind(b"</xml>")
        if end < 0:
            raise PackageError("bad_vml", f"コメント図形の部品を解釈できません: {self.vml}")
        self.pkg.set_part(self.vml, data[:end] + shapetype + shape + data[end:])

    def _free_idmap(self) -> int:
        used: set[int] = set()
        for name, data in self.pkg.parts.items():
            if name.lower().endswith(".vml"):
                for m in re.findall(rb'<o:idmap[^>]*data="([\d,\s]+)"', data):
                    used.update(int(v) for v in re.findall(rb"\d+", m))
        n = 1
        while n in used:
            n += 1
        return n

    def _add_legacy_drawing(self, rid: str) -> None:
        root = self.pkg.xml(self.sheet_part)
        old = root.find(x("legacyDrawing"))
        if old is not None:
            old.set(f"{{{R}}}id", rid)
        else:
            el = etree.Element(x("legacyDrawing"))
            el.set(f"{{{R}}}id", rid)
            follower = next((c for c in root if c.tag in {x(t) for t in _AFTER_LEGACY}), None)
            if follower is not None:
                follower.addprevious(el)
            else:
                root.append(el)
        self.pkg.mark_changed(self.sheet_part)


def sheet_parts(pkg: Package) -> dict[str, str]:
    """Sheet name -> worksheet part name, from workbook.xml and its relationships."""
    main = pkg.main_part()
    rels = {rid: target for rid, _t, target, _m in pkg.relationships(main)}
    out = {}
    for sheet in pkg.xml(main).iter(x("sheet")):
        target = rels.get(sheet.get(f"{{{R}}}id", ""))
        if target and target in pkg.parts:
            out[sheet.get("name", "")] = target
    return out


def tag_xlsx(pkg: Package, data: bytes, dry_run: bool = False) -> list[InsertionResult]:
    parts = sheet_parts(pkg)
    if PROVENANCE_SHEET not in parts:
        return []  # no openpyxl load at all for the many workbooks without AI cells
    cells, values = read_provenance(data)
    if not cells:
        return []
    editors: dict[str, _SheetComments] = {}
    results = []
    for ci in cells:
        status = classify(ci, values)
        part = parts.get(ci.sheet)
        editor = None
        if part is not None:
            editor = editors.setdefault(part, _SheetComments(pkg, part))
        current = editor.comment_text(ci.coord) if editor is not None else None
        already = is_disclosed(current, ci.ins.id)
        res = InsertionResult(ci.ins.id, ci.ins.operation, status, tagged=already)
        if status == UNMODIFIED and not already and not dry_run and editor is not None:
            editor.add(ci.coord, ci.row, ci.col, disclosure_text(ci.ins), AUTHOR)
            res.tagged = res.added = True
        results.append(res)
    return results


CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def add_provenance_sheet(pkg: Package, rows: list[Insertion]) -> str:
    """Add the very hidden ``_oasis_provenance`` sheet at package level (no openpyxl save).

    Used by the tests and by tools that mark AI cells; every existing part stays as it was,
    apart from workbook.xml, its relationships and the content types.
    """
    main = pkg.main_part()
    wb = pkg.xml(main)
    sheets = wb.find(x("sheets"))
    if sheets is None:
        raise PackageError("missing_part", "ブックにシートの一覧がありません。")
    if any(s.get("name") == PROVENANCE_SHEET for s in sheets):
        raise ValueError("provenance sheet exists")
    root = etree.Element(x("worksheet"), nsmap=oxml.default_nsmap(X))
    data = etree.SubElement(root, x("sheetData"))
    table = [list(HEADER)] + [[r.cell or "", r.id, r.operation, r.model, r.created, r.sha256, r.text] for r in rows]
    from openpyxl.utils.cell import get_column_letter

    for i, values in enumerate(table, start=1):
        row = etree.SubElement(data, x("row"))
        row.set("r", str(i))
        for j, value in enumerate(values, start=1):
            c = etree.SubElement(row, x("c"))
            c.set("r", f"{get_column_letter(j)}{i}")
            c.set("t", "inlineStr")
            t = etree.SubElement(etree.SubElement(c, x("is")), x("t"))
            t.text = value
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    folder = main.rsplit("/", 1)[0]
    name = pkg.unique_part_name(folder + "/worksheets/oasisProvenance{}.xml")
    pkg.set_xml(name, root)
    rid = pkg.add_relationship(main, oxml.RT_WORKSHEET, name)
    pkg.ensure_content_type(name, CT_WORKSHEET)
    ids = [int(s.get("sheetId", "0")) for s in sheets if s.get("sheetId", "").isdigit()]
    sheet = etree.SubElement(sheets, x("sheet"))
    sheet.set("name", PROVENANCE_SHEET)
    sheet.set("sheetId", str(max(ids, default=0) + 1))
    sheet.set("state", "veryHidden")
    sheet.set(f"{{{R}}}id", rid)
    pkg.mark_changed(main)
    return name
