"""The disclosure tagger (rule common-8).

For each AI insertion recorded in a document's provenance it decides whether the insertion is
``pending`` (its control still holds unaccepted revisions), ``modified``, ``unmodified`` or
``missing``, and anchors a disclosure comment on every unmodified insertion that has none yet.
A proofread recorded edit by edit (contract 3) is classified and disclosed per edit, and gets an
overall status from its edits. Only the parts it has to change are rewritten; everything else is
copied byte for byte. :func:`classify_document` is also what the task pane's 公開前チェック runs
(through :mod:`docx_tools.check`).
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from docx_tools import oxml, provenance, revisions
from docx_tools.disclosure import (
    AUTHOR,
    ID_LABEL,
    INITIALS,
    MISSING,
    MODIFIED,
    PENDING,
    TAG_PREFIX,
    UNMODIFIED,
    EditResult,
    FileResult,
    InsertionResult,
    disclosure_key,
    disclosure_text,
    is_disclosed,
)
from docx_tools.oxml import qn
from docx_tools.package import Package, PackageError, write_atomic
from docx_tools.provenance import Insertion

# An insertion's status from its edits: what the publisher still has to act on comes first.
# Any pending edit blocks publication; else any unmodified edit needs its disclosure; else an
# edited one makes it `modified`; `missing` only when no edit's text is left (or every edit was a
# deletion, which leaves no AI text behind).
_PRECEDENCE = (PENDING, UNMODIFIED, MODIFIED)


def overall_status(statuses: list[str]) -> str:
    for status in _PRECEDENCE:
        if status in statuses:
            return status
    return MISSING


def aggregate(ins: Insertion, edits: list[EditResult]) -> InsertionResult:
    """The insertion's row for a per-edit proofread: overall status, tagged when every
    unmodified edit carries its disclosure (and at least one edit does)."""
    unmodified = [e for e in edits if e.status == UNMODIFIED]
    tagged = any(e.tagged for e in edits) and all(e.tagged for e in unmodified)
    return InsertionResult(ins.id, ins.operation, overall_status([e.status for e in edits]), tagged,
                           added=any(e.added for e in edits), edits=edits)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# ---- Word ------------------------------------------------------------------------------------


# A removed edit control is looked for by its exact text only when that text is long enough to
# say where it came from: a two-character fix such as 「ください」 stands everywhere.
MIN_UNWRAPPED_EDIT = 8


@dataclass(frozen=True)
class Unit:
    """What is classified on its own: a whole insertion, or one edit of a per-edit proofread."""

    ins: Insertion
    n: int | None
    text: str

    @property
    def key(self) -> str:
        return disclosure_key(self.ins.id, self.n)


def units_of(ins: Insertion) -> list[Unit]:
    """One unit per insertion; per edit for the per-edit proofread format. A deletion-only
    edit leaves no AI text behind (nothing to find, review or disclose), so it is no unit."""
    if not ins.edits:
        return [Unit(ins, None, ins.text)]
    return [Unit(ins, e.n, e.text) for e in ins.edits if e.text]


@dataclass
class _Found:
    unit: Unit
    status: str
    sdt: etree._Element | None = None
    span: tuple[etree._Element, int, etree._Element, int] | None = None  # p1, start, p2, end

    @property
    def ins(self) -> Insertion:
        return self.unit.ins


class _BodyIndex:
    """Accepted text of the body with a map back to paragraphs, for finding unwrapped text."""

    def __init__(self, body: etree._Element) -> None:
        self.paras = revisions.paragraphs_in(body)
        texts = ["".join(pc.text for pc in revisions.paragraph_pieces(p)) for p in self.paras]
        self.starts: list[int] = []
        pos = 0
        for t in texts:
            self.starts.append(pos)
            pos += len(t) + 1
        self.text = "\n".join(texts)

    def locate(self, needle: str) -> tuple[etree._Element, int, etree._Element, int] | None:
        if not needle:
            return None
        at = self.text.find(needle)
        if at < 0:
            return None
        end = at + len(needle)
        i = self._para_at(at)
        j = self._para_at(end - 1)
        return self.paras[i], at - self.starts[i], self.paras[j], end - self.starts[j]

    def _para_at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1


def classify_docx(pkg: Package, insertions: list[Insertion]) -> list[_Found]:
    return classify_document(pkg.xml(pkg.main_part()), insertions)


def classify_document(root: etree._Element, insertions: list[Insertion]) -> list[_Found]:
    """The one classifier (the batch tagger and the pane's 公開前チェック both use it): one
    result per unit (see :func:`units_of`), in provenance order. ``root`` is ``w:document``
    (or ``w:body``); nothing is changed."""
    body = root if root.tag == qn("w:body") else root.find(qn("w:body"))
    if body is None and root.tag.startswith("{http://purl.oclc.org/ooxml/"):
        raise PackageError(
            "strict_format",
            "Strict Open XML 形式の文書には対応していません。Word で「Word 文書 (*.docx)」として保存し直してください。",
        )
    if body is None:
        raise PackageError("missing_part", "本文（w:body）がありません。ファイルが壊れています。")
    by_tag: dict[str, list[etree._Element]] = {}
    for sdt in root.iter(qn("w:sdt")):
        tag = oxml.sdt_tag(sdt)
        if tag and tag.startswith(TAG_PREFIX):
            by_tag.setdefault(tag[len(TAG_PREFIX) :], []).append(sdt)
    index: _BodyIndex | None = None
    raw: str | None = None
    out: list[_Found] = []
    for unit in (u for ins in insertions for u in units_of(ins)):
        expected = _nfc(unit.text)
        sdts = by_tag.get(unit.key, [])
        if sdts:
            # Copy and paste in Word can duplicate a control: pending wins, then an exact copy.
            pending = [s for s in sdts if revisions.pending_revisions(s)]
            if pending:
                out.append(_Found(unit, PENDING, sdt=pending[0]))
                continue
            exact = [s for s in sdts if _nfc(revisions.range_text(s, "accepted")) == expected]
            if exact:
                out.append(_Found(unit, UNMODIFIED, sdt=exact[0]))
            else:
                out.append(_Found(unit, MODIFIED, sdt=sdts[0]))
            continue
        if unit.n is not None and len(expected) < MIN_UNWRAPPED_EDIT:
            out.append(_Found(unit, MISSING))
            continue
        if raw is None:
            raw = "".join(str(t) for t in body.itertext(qn("w:t"), qn("w:delText"), with_tail=False))
        if not _may_contain(raw, unit.text, expected):
            out.append(_Found(unit, MISSING))
            continue
        if index is None:
            index = _BodyIndex(body)
        span = index.locate(unit.text) or (index.locate(expected) if expected != unit.text else None)
        if span is None:
            out.append(_Found(unit, MISSING))
            continue
        status = UNMODIFIED
        if _span_has_revisions(span):
            status = PENDING
        out.append(_Found(unit, status, span=span))
    return out


def _may_contain(raw: str, text: str, nfc: str) -> bool:
    """Fast negative test before the exact search.

    The body's accepted text is, in document order, a subsequence of the raw character data
    of its ``w:t``/``w:delText`` elements plus separators (paragraph breaks, tabs, breaks,
    non-breaking hyphens). So the text without those separators must be a subsequence of the
    raw data, or it cannot be in the body. ``str.find`` per character keeps this in C.
    """
    for candidate in {text, nfc}:
        pos = 0
        for ch in candidate:
            if ch in "\n\t-":
                continue
            pos = raw.find(ch, pos) + 1
            if pos == 0:
                break
        else:
            return bool(candidate)
    return False


def _span_has_revisions(span: tuple[etree._Element, int, etree._Element, int]) -> bool:
    """Whether unaccepted revisions touch the found text: around its runs, between its first
    and last character (a deletion inside it), or on the paragraph marks it crosses."""
    p1, start, p2, end = span
    paras = _paras_between(p1, p2)
    for k, p in enumerate(paras):
        lo = start if k == 0 else 0
        hi = end if k == len(paras) - 1 else None
        inside = [pc for pc in revisions.paragraph_pieces(p)
                  if pc.end > lo and (hi is None or pc.start < hi)]
        if not inside:
            continue
        for pc in inside:
            el = pc.run if pc.run is not None else pc.el
            if any(a.tag in oxml.REVISION_TAGS for a in oxml.ancestors(el)):
                return True
        first, last = inside[0].el, inside[-1].el
        between = False
        for el in p.iter():
            if el is first:
                between = True
            if between and el.tag in oxml.REVISION_TAGS:
                return True
            if el is last:
                break
        if k < len(paras) - 1 and revisions.mark_revision(p) is not None:
            return True
    return False


def _paras_between(p1: etree._Element, p2: etree._Element) -> list[etree._Element]:
    if p1 is p2:
        return [p1]
    body = p1.getroottree().getroot()
    paras = revisions.paragraphs_in(body)
    i, j = paras.index(p1), paras.index(p2)
    return paras[i : j + 1]


class _DocxComments:
    """The comments part, through python-docx's comments API (``docx.comments.Comments``)."""

    def __init__(self, pkg: Package, main: str) -> None:
        from docx.comments import Comments

        self.pkg = pkg
        self.name: str | None = None
        for _rid, rtype, target, _mode in pkg.relationships(main):
            if rtype == oxml.RT_COMMENTS and target in pkg.parts:
                self.name = target
        self.main = main
        self._root: etree._Element | None = None
        if self.name is not None:
            self._root = pkg.xml(self.name, oxml.docx_parser())
        self._api = Comments
        self.texts = self._existing_texts()

    def _existing_texts(self) -> list[tuple[str, str]]:
        if self._root is None:
            return []
        out = []
        for c in self._root.iter(qn("w:comment")):
            text = "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in c.iter(qn("w:p")))
            out.append((c.get(qn("w:author"), ""), text))
        return out

    def has_disclosure(self, key: str, full_text: str) -> bool:
        return is_disclosed(self.texts, key, full_text)

    def add(self, text: str) -> int:
        if self._root is None or self.name is None:
            self._root, self.name = self._create()
        comment = self._api(self._root, None).add_comment(text=text, author=AUTHOR, initials=INITIALS)  # type: ignore[arg-type]
        self.pkg.mark_changed(self.name)
        self.texts.append((AUTHOR, text))
        return comment.comment_id

    def _create(self) -> tuple[etree._Element, str]:
        import importlib.resources

        data = importlib.resources.files("docx").joinpath("templates/default-comments.xml").read_bytes()
        folder = self.main.rsplit("/", 1)[0] if "/" in self.main else ""
        self.name = self.pkg.unique_part_name((folder + "/" if folder else "") + "comments{}.xml")
        if self.name.endswith("comments1.xml") and (folder + "/comments.xml").lstrip("/") not in self.pkg.parts:
            self.name = (folder + "/" if folder else "") + "comments.xml"
        name = self.name
        self.pkg.set_part(name, data)
        root = self.pkg.xml(name, oxml.docx_parser())
        self.pkg.mark_changed(name)
        self.pkg.add_relationship(self.main, oxml.RT_COMMENTS, name)
        self.pkg.ensure_content_type(name, oxml.CT_COMMENTS_DOCX)
        return root, name


def _reference_run(cid: int) -> etree._Element:
    r = oxml.w_el("w:r")
    rpr = oxml.sub_el(r, "w:rPr")
    oxml.sub_el(rpr, "w:rStyle", {"w:val": "CommentReference"})
    oxml.sub_el(r, "w:commentReference", {"w:id": str(cid)})
    return r


def _after_ppr(p: etree._Element) -> int:
    return 1 if len(p) and p[0].tag == qn("w:pPr") else 0


def _anchor_sdt(sdt: etree._Element, cid: int) -> bool:
    start = oxml.w_el("w:commentRangeStart", {"w:id": str(cid)})
    end = oxml.w_el("w:commentRangeEnd", {"w:id": str(cid)})
    if not oxml.is_block_sdt(sdt):
        sdt.addprevious(start)
        sdt.addnext(end)
        end.addnext(_reference_run(cid))
        return True
    content = oxml.sdt_content(sdt)
    paras = revisions.paragraphs_in(content) if content is not None else []
    if not paras:
        return False
    first, last = paras[0], paras[-1]
    first.insert(_after_ppr(first), start)
    follower = sdt.getnext()
    if follower is not None and follower.tag == qn("w:p"):
        # End the range at the start of the next paragraph, with the reference outside the
        # control: LibreOffice drops the comment's first paragraph when the reference sits
        # inside a block-level content control. Word shows the same range either way.
        at = _after_ppr(follower)
        follower.insert(at, _reference_run(cid))
        follower.insert(at, end)
    else:
        last.append(end)
        last.append(_reference_run(cid))
    return True


def _anchor_span(span: tuple[etree._Element, int, etree._Element, int], cid: int) -> bool:
    p1, start, p2, end = span
    revisions.split_at(p1, start)
    revisions.split_at(p2, end)
    first_runs = revisions.runs_in_range(p1, start, 10**12)
    last_runs = revisions.runs_in_range(p2, 0, end)
    if not first_runs or not last_runs:
        return False
    first = _top(first_runs[0], p1)
    last = _top(last_runs[-1], p2)
    first.addprevious(oxml.w_el("w:commentRangeStart", {"w:id": str(cid)}))
    end_el = oxml.w_el("w:commentRangeEnd", {"w:id": str(cid)})
    last.addnext(end_el)
    end_el.addnext(_reference_run(cid))
    return True


def _top(el: etree._Element, p: etree._Element) -> etree._Element:
    node = el
    while (up := node.getparent()) is not None and up is not p:
        node = up
    return node


def tag_docx(pkg: Package, dry_run: bool = False) -> list[InsertionResult]:
    insertions = provenance.read_provenance(pkg)
    if not insertions:
        return []
    found = classify_docx(pkg, insertions)
    main = pkg.main_part()
    comments = _DocxComments(pkg, main)
    per_unit: dict[tuple[str, int | None], tuple[bool, bool]] = {}
    for f in found:
        text = disclosure_text(f.ins, f.unit.n)
        already = comments.has_disclosure(f.unit.key, text)
        added = False
        if f.status == UNMODIFIED and not already and not dry_run:
            # One comment per unit: for a per-edit proofread it covers exactly that edit's
            # control (run-level, so the range hugs the replaced text), never the person's text.
            cid = comments.add(text)
            ok = _anchor_sdt(f.sdt, cid) if f.sdt is not None else (
                _anchor_span(f.span, cid) if f.span is not None else False)
            if ok:
                pkg.mark_changed(main)
                already = added = True
        per_unit[(f.ins.id, f.unit.n)] = (already, added)
    status_of = {(f.ins.id, f.unit.n): f.status for f in found}
    return [result_for(ins, status_of, per_unit) for ins in insertions]


def result_for(ins: Insertion, status_of: dict[tuple[str, int | None], str],
            per_unit: dict[tuple[str, int | None], tuple[bool, bool]]) -> InsertionResult:
    if not ins.edits:
        tagged, added = per_unit[(ins.id, None)]
        return InsertionResult(ins.id, ins.operation, status_of[(ins.id, None)], tagged=tagged, added=added)
    edits = [EditResult(u.n, status_of[(ins.id, u.n)], *per_unit[(ins.id, u.n)])
             for u in units_of(ins) if u.n is not None]
    return aggregate(ins, edits)


# ---- files -----------------------------------------------------------------------------------


def process_bytes(data: bytes, suffix: str, dry_run: bool = False) -> tuple[bytes | None, list[InsertionResult]]:
    """Tag one document given as bytes; returns the new bytes (None if unchanged) and results."""
    pkg = Package.from_bytes(data)
    if suffix == ".xlsx":
        from docx_tools import xlsx

        results = xlsx.tag_xlsx(pkg, data, dry_run=dry_run)
    else:
        results = tag_docx(pkg, dry_run=dry_run)
    if dry_run or not any(r.added for r in results):
        return None, results
    new = pkg.to_bytes()
    _verify(pkg, new, suffix, results)
    return new, results


def _verify(pkg: Package, new: bytes, suffix: str, results: list[InsertionResult]) -> None:
    """Re-read the written package: every part kept, untouched ones identical, changed XML
    well-formed, and each new disclosure present in the comments."""
    after = Package.from_bytes(new)
    problems = [f"lost:{n}" for n in pkg.original if n not in after.parts]
    problems += [f"changed:{n}" for n, data in pkg.original.items()
                 if n not in pkg.changed and after.parts.get(n, data) != data]
    if problems:
        raise PackageError("verify_failed", "書き出したファイルの検査に失敗しました（部品の欠落・変化）: "
                           + ", ".join(problems[:5]))
    for name in pkg.changed:
        if name.lower().endswith((".xml", ".rels")):
            after.xml(name)  # well-formed, and safe
    added = [disclosure_key(r.id, e.n) for r in results if r.added for e in (r.edits or []) if e.added]
    added += [r.id for r in results if r.added and r.edits is None]
    if suffix == ".xlsx":
        texts = b"".join(after.parts[n] for n in pkg.changed if "comments" in n.lower())
    else:
        texts = b"".join(after.parts[n] for n in pkg.changed if n.lower().endswith("comments.xml"))
    missing = [i for i in added if f"{ID_LABEL}{i}\n".encode() not in texts and f"{ID_LABEL}{i}<".encode() not in texts]
    if missing:
        raise PackageError("verify_failed", "書き出したファイルの検査に失敗しました（注記コメントが読み取れません）。")


def process_file(src: Path, dest: Path | None, dry_run: bool = False, display: str | None = None) -> FileResult:
    """Tag ``src`` and write to ``dest`` (``dest == src`` for in place). Errors stay per file."""
    result = FileResult(path=display or str(src))
    try:
        data = src.read_bytes()
        new, result.insertions = process_bytes(data, src.suffix.lower(), dry_run=dry_run)
        if dry_run or dest is None:
            return result
        in_place = dest.resolve() == src.resolve()
        if new is not None:
            write_atomic(dest, new, durable=in_place)
            result.written = str(dest)
        elif dest.resolve() != src.resolve():
            write_atomic(dest, data, durable=False)
            result.written = str(dest)
    except PackageError as exc:
        result.error, result.error_code = exc.message, exc.code
        result.insertions = []
    except OSError as exc:
        result.error, result.error_code = f"ファイルを読み書きできません: {exc.strerror or exc}", "io"
        result.insertions = []
    except Exception as exc:  # one odd file must never stop the batch
        result.error = f"処理中に予期しないエラーが発生しました（{type(exc).__name__}）。"
        result.error_code = "internal"
        result.insertions = []
    return result


class DisclosureTagger:
    """Facade used by the CLI and by other code: tag files or folders."""

    def __init__(self, dry_run: bool = False) -> None:
        self.dry_run = dry_run

    def tag_file(self, src: Path, dest: Path | None) -> FileResult:
        return process_file(src, dest, dry_run=self.dry_run)
