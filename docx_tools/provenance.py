"""The provenance record of AI insertions (CONTRACTS.md, "Provenance in documents").

Word keeps it in a custom XML part ``<provenance xmlns="urn:oasis-addin:provenance:v1">``;
readers look at every custom XML part because a document may hold several.

A proofread written by the task pane since the per-edit format lists its applied edits
(``<edit n="1" sha256="…"><text>…</text></edit>``): each edit's replacement is its own
content control ``oasis:<id>#<n>``, so only AI text is marked as AI. Older records have no
``<edit>`` and one control ``oasis:<id>`` around the whole text; both are read.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import asdict, dataclass

from lxml import etree

from docx_tools import oxml
from docx_tools.package import Package, PackageError

_P = f"{{{oxml.PROVENANCE_NS}}}"
_ITEM_RE = re.compile(r"^customxml/item[^/]*\.xml$", re.IGNORECASE)
_DS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"


@dataclass(frozen=True)
class Edit:
    """One applied proofread edit: ``n`` is 1-based among the applied edits; ``text`` is its
    replacement (empty for a deletion, which has no control)."""

    n: int
    sha256: str
    text: str


@dataclass(frozen=True)
class Insertion:
    id: str
    operation: str
    model: str
    created: str
    sha256: str
    text: str
    cell: str | None = None  # Excel only: "'Sheet'!C2"
    edits: tuple[Edit, ...] = ()  # Word proofreads in the per-edit format

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 of the NFC form, as the contract fixes it."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


def custom_xml_parts(pkg: Package) -> list[str]:
    return sorted(
        name for name in pkg.parts if _ITEM_RE.match(name) and not name.lower().split("/")[-1].startswith("itemprops")
    )


def provenance_part(pkg: Package) -> str | None:
    for name in custom_xml_parts(pkg):
        root = _try_parse(pkg, name)
        if root is not None and root.tag == f"{_P}provenance":
            return name
    return None


def _try_parse(pkg: Package, name: str) -> etree._Element | None:
    try:
        return pkg.xml(name)
    except PackageError as exc:
        if exc.code == "unsafe_xml":
            raise
        return None  # a foreign custom XML part we cannot read does not concern us


def read_provenance(pkg: Package) -> list[Insertion]:
    """Every insertion recorded in any custom XML part; the first record of an id wins."""
    roots = []
    for name in custom_xml_parts(pkg):
        root = _try_parse(pkg, name)
        if root is not None and root.tag == f"{_P}provenance":
            roots.append(root)
    return insertions_from(roots)


def parse_provenance_xml(data: bytes | str) -> etree._Element | None:
    """A provenance part given as data (the task pane sends it); None for another custom part.

    Parsed with the hardened parser; a DOCTYPE raises ``oxml.UnsafeXmlError``, malformed XML
    ``etree.XMLSyntaxError``.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, str) and raw.lstrip().startswith(b"<?xml"):
        # An XML declaration naming another encoding would contradict the UTF-8 we just made.
        raw = raw.split(b"?>", 1)[1] if b"?>" in raw else raw
    root = oxml.parse_xml(raw)
    return root if root.tag == f"{_P}provenance" else None


def insertions_from(roots: list[etree._Element]) -> list[Insertion]:
    """The insertions of the given provenance roots, in order; the first record of an id wins."""
    seen: dict[str, Insertion] = {}
    for root in roots:
        for el in root.iter(f"{_P}insertion"):
            ins_id = el.get("id")
            if not ins_id or ins_id in seen:
                continue
            text_el = el.find(f"{_P}text")
            seen[ins_id] = Insertion(
                id=ins_id,
                operation=el.get("operation", ""),
                model=el.get("model", ""),
                created=el.get("created", ""),
                sha256=el.get("sha256", ""),
                text=(text_el.text or "") if text_el is not None else "",
                edits=_edits_of(el),
            )
    return list(seen.values())


def _edits_of(el: etree._Element) -> tuple[Edit, ...]:
    out: dict[int, Edit] = {}
    for edit in el.findall(f"{_P}edit"):
        n = edit.get("n", "")
        if not n.isdigit() or int(n) < 1 or int(n) in out:
            continue  # an edit without a usable number cannot be matched to its control
        text_el = edit.find(f"{_P}text")
        out[int(n)] = Edit(int(n), edit.get("sha256", ""), (text_el.text or "") if text_el is not None else "")
    return tuple(out[k] for k in sorted(out))


def make_insertion(ins_id: str, operation: str, model: str, text: str, created: str | None = None,
                   edits: list[str] | None = None) -> Insertion:
    """One record; with ``edits`` (the applied replacements, in order) the per-edit proofread
    format, whose ``text`` is the replacements joined by a newline."""
    parts = tuple(Edit(n, text_sha256(t), t) for n, t in enumerate(edits or [], start=1))
    if edits is not None:
        text = "\n".join(edits)
    return Insertion(
        id=ins_id,
        operation=operation,
        model=model,
        created=created or oxml.iso_now(),
        sha256=text_sha256(text),
        text=text,
        edits=parts,
    )


def add_provenance(pkg: Package, insertions: list[Insertion]) -> str:
    """Append insertions to the document's provenance part, creating the part if needed."""
    name = provenance_part(pkg)
    if name is None:
        name = _create_part(pkg)
    root = pkg.xml(name)
    existing = {el.get("id") for el in root.iter(f"{_P}insertion")}
    for ins in insertions:
        if ins.id in existing:
            continue
        el = etree.SubElement(root, f"{_P}insertion")
        el.set("id", ins.id)
        el.set("operation", ins.operation)
        el.set("model", ins.model)
        el.set("created", ins.created)
        el.set("sha256", ins.sha256)
        etree.SubElement(el, f"{_P}text").text = ins.text
        for edit in ins.edits:
            e = etree.SubElement(el, f"{_P}edit")
            e.set("n", str(edit.n))
            e.set("sha256", edit.sha256)
            etree.SubElement(e, f"{_P}text").text = edit.text
    pkg.mark_changed(name)
    return name


def _create_part(pkg: Package) -> str:
    main = pkg.main_part_name()
    if main is None:
        raise PackageError("missing_part", "本文の部品が見つかりません。")
    name = pkg.unique_part_name("customXml/item{}.xml")
    number = name[len("customXml/item") : -len(".xml")]
    props = f"customXml/itemProps{number}.xml"
    root = etree.Element(f"{_P}provenance", nsmap=oxml.default_nsmap(oxml.PROVENANCE_NS))
    pkg.set_xml(name, root)
    ds = etree.Element(f"{{{_DS}}}datastoreItem", nsmap={"ds": _DS})
    ds.set(f"{{{_DS}}}itemID", "{" + str(uuid.uuid4()).upper() + "}")
    refs = etree.SubElement(ds, f"{{{_DS}}}schemaRefs")
    etree.SubElement(refs, f"{{{_DS}}}schemaRef").set(f"{{{_DS}}}uri", oxml.PROVENANCE_NS)
    pkg.set_xml(props, ds)
    pkg.add_relationship(name, oxml.RT_CUSTOM_XML_PROPS, props)
    pkg.add_relationship(main, oxml.RT_CUSTOM_XML, name)
    pkg.ensure_content_type(props, oxml.CT_CUSTOM_XML_PROPS)
    _ensure_xml_default(pkg, name)
    return name


def _ensure_xml_default(pkg: Package, name: str) -> None:
    ct = pkg.xml("[Content_Types].xml")
    ns = oxml.NSMAP["ct"]
    for el in ct.iter(f"{{{ns}}}Default"):
        if el.get("Extension", "").lower() == "xml":
            return
    pkg.ensure_content_type(name, oxml.CT_XML)
