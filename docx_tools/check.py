"""The pre-publication check (公開前チェック) as a pure function over document parts given as data.

The task pane cannot hand over a .docx file, only what Office.js gives it: the body's OOXML
(``body.getOoxml()``: a flat OPC ``pkg:package`` or a bare ``w:document``), the provenance custom
XML part(s) and the comments it can read; for Excel the provenance sheet's rows, the current
values of the AI cells and their comments. These functions run exactly the batch tagger's
classifier (:func:`docx_tools.tagger.classify_document`, :func:`docx_tools.xlsx.classify_value`)
on those parts, so the pane and ``oasis-addin tag`` cannot disagree, and say per unit which
disclosure text the tagger would write. Nothing here touches a file or the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from docx_tools import disclosure, oxml, provenance, tagger, xlsx
from docx_tools.oxml import etree, qn  # lxml through oxml, the one module that knows OOXML
from docx_tools.package import PackageError

_PKG = "http://schemas.microsoft.com/office/2006/xmlPackage"


class CheckInputError(PackageError, ValueError):
    """Parts that cannot be read; ``code`` and a Japanese ``message``, as `PackageError`'s."""


@dataclass
class Item:
    """One listed unit: a whole insertion, or one edit of a per-edit proofread."""

    id: str
    edit: int | None
    operation: str
    status: str
    tagged: bool
    text: str
    tag: str | None = None  # the content control that holds it (Word), when there is one
    cell: str | None = None  # Excel
    disclosure: str | None = None  # the tagger's comment text, for unmodified units

    def to_dict(self) -> dict[str, object]:
        return {
            "key": disclosure.disclosure_key(self.id, self.edit),
            "id": self.id,
            "edit": self.edit,
            "operation": self.operation,
            "status": self.status,
            "tagged": self.tagged,
            "text": self.text,
            "tag": self.tag,
            "cell": self.cell,
            "disclosure": self.disclosure,
            "author": disclosure.AUTHOR if self.disclosure is not None else None,
        }


@dataclass
class CheckResult:
    insertions: list[disclosure.InsertionResult] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for i in self.items if i.status == s) for s in disclosure.STATUSES}

    def to_dict(self) -> dict[str, object]:
        return {
            "insertions": [i.to_dict() for i in self.insertions],
            "items": [i.to_dict() for i in self.items],
            "counts": self.counts(),
            "blocking": any(i.status == disclosure.PENDING for i in self.items),
        }


# ---- Word ------------------------------------------------------------------------------------


def _parse(data: str | bytes, what: str) -> etree._Element:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, str) and raw.lstrip().startswith(b"<?xml") and b"?>" in raw:
        raw = raw.split(b"?>", 1)[1]  # the text is Unicode now; a declared encoding would lie
    try:
        return oxml.parse_xml(raw)
    except oxml.UnsafeXmlError as exc:
        raise CheckInputError("unsafe_xml", f"{what}に安全でない XML（DTD またはエンティティ宣言）が含まれています。") from exc
    except etree.XMLSyntaxError as exc:
        raise CheckInputError("invalid_xml", f"{what}を XML として読めません。") from exc


def _flat_parts(root: etree._Element) -> dict[str, etree._Element]:
    """Parts of a flat OPC package (what Word's ``getOoxml()`` returns) by name, without the
    leading slash; a bare ``w:document`` is the one part ``word/document.xml``."""
    if root.tag != f"{{{_PKG}}}package":
        return {"word/document.xml": root}
    out = {}
    for part in root.iter(f"{{{_PKG}}}part"):
        name = (part.get(f"{{{_PKG}}}name") or "").lstrip("/")
        data = part.find(f"{{{_PKG}}}xmlData")
        if name and data is not None and len(data):
            out[name] = data[0]
    return out


def _comment_texts(root: etree._Element) -> list[tuple[str, str]]:
    out = []
    for c in root.iter(qn("w:comment")):
        text = "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in c.iter(qn("w:p")))
        out.append((c.get(qn("w:author"), ""), text))
    return out


def check_word(ooxml: str | bytes, provenance_parts: Sequence[str | bytes],
               comments: Sequence[tuple[str, str]] = ()) -> CheckResult:
    """Classify every AI insertion of a Word body as the batch tagger would.

    ``comments`` are (author, text) of the document's comments as the pane reads them; comments
    parts inside the OOXML count too.
    """
    parts = _flat_parts(_parse(ooxml, "本文の OOXML "))
    roots = []
    for k, data in enumerate(provenance_parts):
        root = _parse(data, f"来歴の部品 {k + 1} ")
        if root.tag == f"{{{oxml.PROVENANCE_NS}}}provenance":
            roots.append(root)
    document = next((el for name, el in parts.items() if el.tag in (qn("w:document"), qn("w:body"))
                     and not name.startswith("word/glossary")), None)
    if document is None:
        raise CheckInputError("missing_body", "本文の OOXML に本文（w:document）がありません。")
    insertions = provenance.insertions_from(roots)
    known = list(comments)
    for el in parts.values():
        if el.tag == qn("w:comments"):
            known += _comment_texts(el)
    try:
        found = tagger.classify_document(document, insertions)
    except PackageError as exc:
        raise CheckInputError(exc.code, exc.message) from exc
    result = CheckResult()
    status_of: dict[tuple[str, int | None], str] = {}
    per_unit: dict[tuple[str, int | None], tuple[bool, bool]] = {}
    for f in found:
        unit = f.unit
        text = disclosure.disclosure_text(unit.ins, unit.n)
        tagged = disclosure.is_disclosed(known, unit.key, text)
        status_of[(unit.ins.id, unit.n)] = f.status
        per_unit[(unit.ins.id, unit.n)] = (tagged, False)
        tag = oxml.sdt_tag(f.sdt) if f.sdt is not None else None
        result.items.append(Item(unit.ins.id, unit.n, unit.ins.operation, f.status, tagged, unit.text, tag=tag,
                                 disclosure=text if f.status == disclosure.UNMODIFIED else None))
    result.insertions = [tagger.result_for(ins, status_of, per_unit) for ins in insertions]
    return result


# ---- Excel -----------------------------------------------------------------------------------


def check_excel(rows: Sequence[Sequence[object]], values: Mapping[str, object],
                comments: Mapping[str, str]) -> CheckResult:
    """Classify the AI cells of a workbook as the batch tagger would.

    ``rows`` are the provenance sheet's rows after the header; ``values`` and ``comments`` are
    keyed by each row's ``cell`` exactly as written there (``'Sheet'!C2``); a cell absent from
    ``values`` (its sheet deleted, say) is missing.
    """
    result = CheckResult()
    for ci in xlsx.parse_rows(rows):
        status = xlsx.classify_value(ci, values.get(ci.ins.cell or ""))
        tagged = xlsx.is_disclosed(comments.get(ci.ins.cell or ""), ci.ins.id)
        text = disclosure.disclosure_text(ci.ins)
        result.insertions.append(disclosure.InsertionResult(ci.ins.id, ci.ins.operation, status, tagged))
        result.items.append(Item(ci.ins.id, None, ci.ins.operation, status, tagged, ci.ins.text, cell=ci.ins.cell,
                                 disclosure=text if status == disclosure.UNMODIFIED else None))
    return result
