"""All OOXML knowledge in one place: namespaces, ``qn()``, a hardened parser and small helpers.

Everything else in :mod:`docx_tools` builds on these helpers instead of spelling out
namespace URIs or parser options itself.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import cast

from lxml import etree

NSMAP: dict[str, str] = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "prov": "urn:oasis-addin:provenance:v1",
}

PROVENANCE_NS = NSMAP["prov"]

RT_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
RT_OFFICE_DOCUMENT_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
RT_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
RT_CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
RT_CUSTOM_XML_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
RT_VML_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
RT_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"

CT_COMMENTS_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
CT_COMMENTS_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_CUSTOM_XML_PROPS = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
CT_XML = "application/xml"


def qn(tag: str) -> str:
    """``"w:p"`` -> ``"{http://...main}p"`` (Clark notation), like python-docx's ``qn``."""
    prefix, local = tag.split(":", 1)
    return f"{{{NSMAP[prefix]}}}{local}"


class UnsafeXmlError(ValueError):
    """XML that carries a DTD or entity declarations; never processed."""


def _make_parser(lookup: etree.ElementClassLookup | None = None) -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network, no huge trees: the classic XML bombs
    # and external-entity reads are impossible, and documents with a DOCTYPE are refused below.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )
    if lookup is not None:
        parser.set_element_class_lookup(lookup)
    return parser


_PARSER = _make_parser()


def parse_xml(data: bytes, parser: etree.XMLParser | None = None) -> etree._Element:
    """Parse one package part with the hardened parser; a DOCTYPE makes it an error."""
    if has_doctype(data):
        raise UnsafeXmlError("DOCTYPE")
    root = etree.fromstring(data, parser=parser or _PARSER)
    tree = root.getroottree()
    # lxml-stubs omit DocInfo.doctype (lxml has it).
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # type: ignore[union-attr]
        raise UnsafeXmlError("DOCTYPE")
    return root


def default_nsmap(uri: str) -> dict[str, str]:
    """An nsmap whose default namespace is ``uri`` (lxml-stubs do not allow the ``None`` key)."""
    return cast(dict[str, str], {None: uri})


def parent(el: etree._Element) -> etree._Element:
    """The parent of an element known to have one (a missing parent is a broken part)."""
    up = el.getparent()
    if up is None:
        raise ValueError(f"{el.tag} has no parent")
    return up


def child(el: etree._Element, tag: str) -> etree._Element:
    """The ``tag`` child (prefixed name) of an element that we built with it."""
    found = el.find(qn(tag))
    if found is None:
        raise ValueError(f"{el.tag} has no {tag}")
    return found


def has_doctype(data: bytes) -> bool:
    """Cheap byte scan for DTD/entity declarations, in UTF-8 and UTF-16 encodings."""
    head = data[:65536]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    if b"<!" not in head:  # fast path: most parts have no markup declaration at all
        return False
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def docx_parser() -> etree.XMLParser:
    """Hardened parser that builds python-docx's custom element classes (CT_Comments, ...)."""
    from docx.oxml.parser import element_class_lookup

    return _make_parser(element_class_lookup)


# ---- Word element helpers -------------------------------------------------------------------

W_TEXT_TAGS = {qn("w:t"), qn("w:delText")}
# Elements whose content is not part of the running text of the body.
SKIP_SUBTREES = {
    qn("w:pPr"),
    qn("w:rPr"),
    qn("w:sdtPr"),
    qn("w:sdtEndPr"),
    qn("w:fldData"),
    qn("w:instrText"),
    qn("w:delInstrText"),
}
REVISION_TAGS = {
    qn("w:ins"),
    qn("w:del"),
    qn("w:moveFrom"),
    qn("w:moveTo"),
    qn("w:rPrChange"),
    qn("w:pPrChange"),
    qn("w:sectPrChange"),
    qn("w:tblPrChange"),
    qn("w:trPrChange"),
    qn("w:tcPrChange"),
    qn("w:tblGridChange"),
    qn("w:numberingChange"),
    qn("w:cellIns"),
    qn("w:cellDel"),
    qn("w:cellMerge"),
}


def w_el(tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> etree._Element:
    el = etree.Element(qn(tag), nsmap={"w": NSMAP["w"]})
    for key, value in (attrs or {}).items():
        el.set(qn(key) if ":" in key else key, value)
    if text is not None:
        el.text = text
    return el


def sub_el(parent: etree._Element, tag: str, attrs: dict[str, str] | None = None) -> etree._Element:
    el = etree.SubElement(parent, qn(tag))
    for key, value in (attrs or {}).items():
        el.set(qn(key) if ":" in key else key, value)
    return el


def text_el(tag: str, text: str) -> etree._Element:
    """``w:t``/``w:delText`` with ``xml:space="preserve"`` when the text has edge spaces."""
    el = w_el(tag, text=text)
    if text != text.strip() or "  " in text:
        el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return el


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def sdt_tag(sdt: etree._Element) -> str | None:
    tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
    return None if tag is None else tag.get(qn("w:val"))


def sdt_content(sdt: etree._Element) -> etree._Element | None:
    return sdt.find(qn("w:sdtContent"))


def find_sdts_by_tag(root: etree._Element, value: str) -> list[etree._Element]:
    return [sdt for sdt in root.iter(qn("w:sdt")) if sdt_tag(sdt) == value]


def is_block_sdt(sdt: etree._Element) -> bool:
    """Block-level controls hold paragraphs or tables, run-level ones sit inside a paragraph."""
    parent = sdt.getparent()
    while parent is not None and parent.tag in (qn("w:ins"), qn("w:del"), qn("w:customXml"), qn("w:smartTag")):
        parent = parent.getparent()
    return parent is None or parent.tag not in (qn("w:p"), qn("w:hyperlink"), qn("w:fldSimple"))


def run_props(r: etree._Element) -> etree._Element | None:
    rpr = r.find(qn("w:rPr"))
    return None if rpr is None else copy.deepcopy(rpr)


def max_w_id(roots: Iterable[etree._Element]) -> int:
    """Highest numeric ``w:id`` in the given trees (revision and annotation ids)."""
    best = 0
    key = qn("w:id")
    for root in roots:
        for el in root.iter():
            value = el.get(key) if isinstance(el.tag, str) else None
            if value is not None and value.lstrip("-").isdigit():
                best = max(best, int(value))
    return best


def ancestors(el: etree._Element) -> Iterator[etree._Element]:
    parent = el.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()
