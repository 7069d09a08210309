"""Word tracked changes: read a range's text as accepted/rejected, list pending revisions,
insert text as ``w:ins``, replace a character range as ``w:del`` + ``w:ins`` keeping the run
formatting, and wrap content in a content control."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from docx_tools import oxml
from docx_tools.oxml import qn

Mode = Literal["accepted", "rejected", "current"]

_HIDDEN_IN = {
    "accepted": {qn("w:del"), qn("w:moveFrom")},
    "rejected": {qn("w:ins"), qn("w:moveTo")},
    "current": set(),
}
_SKIP = oxml.SKIP_SUBTREES | {
    qn("w:txbxContent"),  # text boxes are paragraphs of their own
    f"{{{oxml.NSMAP['mc']}}}Fallback",  # the Choice branch already holds the same content
    qn("w:footnoteReference"),
    qn("w:endnoteReference"),
    qn("w:commentReference"),
}
_R = qn("w:r")
_P = qn("w:p")
_T = qn("w:t")
_DELTEXT = qn("w:delText")
_SIMPLE = {qn("w:tab"): "\t", qn("w:noBreakHyphen"): "-", qn("w:cr"): "\n"}


@dataclass
class Piece:
    """One text-bearing element of a run and where it sits in its paragraph's text."""

    text: str
    el: etree._Element
    run: etree._Element | None
    start: int = 0

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _walk(el: etree._Element, mode: Mode, run: etree._Element | None) -> Iterator[Piece]:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP or tag in _HIDDEN_IN[mode]:
            continue
        if tag == _P:
            continue  # nested paragraphs (in a control) are walked by the caller
        if tag == _T:
            if child.text:
                yield Piece(child.text, child, run)
        elif tag == _DELTEXT:
            if mode != "accepted" and child.text:
                yield Piece(child.text, child, run)
        elif tag in _SIMPLE:
            yield Piece(_SIMPLE[tag], child, run)
        elif tag == qn("w:br"):
            if child.get(qn("w:type")) in (None, "textWrapping"):
                yield Piece("\n", child, run)
        else:
            yield from _walk(child, mode, child if tag == _R else run)


def paragraph_pieces(p: etree._Element, mode: Mode = "accepted") -> list[Piece]:
    pieces = list(_walk(p, mode, None))
    pos = 0
    for piece in pieces:
        piece.start = pos
        pos += len(piece.text)
    return pieces


def _hidden(el: etree._Element, mode: Mode, stop: etree._Element | None = None) -> bool:
    hidden = _HIDDEN_IN[mode]
    for anc in oxml.ancestors(el):
        if anc is stop:
            return False
        if anc.tag in hidden:
            return True
    return False


def paragraphs_in(container: etree._Element) -> list[etree._Element]:
    """Paragraphs of a block container in order, leaving out those inside text boxes."""
    out = []
    for p in container.iter(_P):
        if any(a.tag in _SKIP for a in oxml.ancestors(p) if a is not container):
            continue
        out.append(p)
    return out


def mark_revision(p: etree._Element) -> str | None:
    rpr = p.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
    if rpr is None:
        return None
    if rpr.find(qn("w:del")) is not None or rpr.find(qn("w:moveFrom")) is not None:
        return "del"
    if rpr.find(qn("w:ins")) is not None or rpr.find(qn("w:moveTo")) is not None:
        return "ins"
    return None


def block_text(container: etree._Element, mode: Mode = "accepted") -> str:
    """Text of a block range, paragraphs joined by ``\\n`` (merging over removed paragraph marks)."""
    paras = [p for p in paragraphs_in(container) if not _hidden(p, mode, container)]
    if not paras:
        return "".join(pc.text for pc in _walk(container, mode, None))
    chunks: list[str] = []
    for i, p in enumerate(paras):
        chunks.append("".join(pc.text for pc in paragraph_pieces(p, mode)))
        if i < len(paras) - 1:
            mark = mark_revision(p)
            merged = (mode == "accepted" and mark == "del") or (mode == "rejected" and mark == "ins")
            chunks.append("" if merged else "\n")
    return "".join(chunks)


def range_text(el: etree._Element, mode: Mode = "accepted") -> str:
    """Text of a content control (block- or run-level) or any container, in the given view."""
    content = oxml.sdt_content(el) if el.tag == qn("w:sdt") else el
    if content is None:
        return ""
    if el.tag == qn("w:sdt") and not oxml.is_block_sdt(el):
        if _hidden(el, mode):
            return ""
        return "".join(pc.text for pc in _walk(content, mode, None))
    return block_text(content, mode)


def pending_revisions(el: etree._Element) -> list[etree._Element]:
    """Unaccepted revision marks inside ``el`` or around it (a control inside a ``w:ins``)."""
    found = [d for d in el.iter() if isinstance(d.tag, str) and d.tag in oxml.REVISION_TAGS]
    found.extend(a for a in oxml.ancestors(el) if a.tag in oxml.REVISION_TAGS)
    return found


# ---- writing ---------------------------------------------------------------------------------


class RevisionWriter:
    """Creates revision elements with unique ids, one author and one date."""

    def __init__(self, root: etree._Element, author: str, date: str | None = None,
                 extra_roots: Iterable[etree._Element] = ()) -> None:
        self.author = author
        self.date = date or oxml.iso_now()
        self._next = oxml.max_w_id([root, *extra_roots]) + 1

    def next_id(self) -> str:
        value = self._next
        self._next += 1
        return str(value)

    def mark(self, tag: str) -> etree._Element:
        return oxml.w_el(tag, {"w:id": self.next_id(), "w:author": self.author, "w:date": self.date})

    # -- runs --

    def new_run(self, text: str, rpr: etree._Element | None, deleted: bool = False) -> etree._Element:
        r = oxml.w_el("w:r")
        if rpr is not None:
            r.append(copy.deepcopy(rpr))
        tag = "w:delText" if deleted else "w:t"
        lines = text.split("\n")
        for i, line in enumerate(lines):
            parts = line.split("\t")
            for j, part in enumerate(parts):
                if part:
                    r.append(oxml.text_el(tag, part))
                if j < len(parts) - 1:
                    r.append(oxml.w_el("w:tab"))
            if i < len(lines) - 1:
                r.append(oxml.w_el("w:br"))
        return r

    def ins_run(self, text: str, rpr: etree._Element | None) -> etree._Element:
        ins = self.mark("w:ins")
        ins.append(self.new_run(text, rpr))
        return ins

    # -- paragraphs --

    def inserted_paragraphs(self, texts: list[str], template: etree._Element | None = None) -> list[etree._Element]:
        """New paragraphs whose runs and paragraph marks are all tracked insertions."""
        out = []
        for text in texts:
            p = oxml.w_el("w:p")
            ppr = oxml.sub_el(p, "w:pPr")
            if template is not None:
                style = template.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
                if style is not None:
                    ppr.append(copy.deepcopy(style))
            rpr = oxml.sub_el(ppr, "w:rPr")
            rpr.append(self.mark("w:ins"))
            if text:
                p.append(self.ins_run(text, None))
            out.append(p)
        return out

    def insert_paragraphs_after(self, anchor: etree._Element, texts: list[str], sdt_tag: str | None = None,
                                title: str | None = None) -> etree._Element:
        """Insert paragraphs after ``anchor`` as tracked insertions, optionally inside a control."""
        paras = self.inserted_paragraphs(texts, anchor)
        if sdt_tag is None:
            for p in reversed(paras):
                anchor.addnext(p)
            return paras[0]
        sdt = make_sdt(sdt_tag, title, self.next_sdt_id())
        content = oxml.child(sdt, "w:sdtContent")
        for p in paras:
            content.append(p)
        anchor.addnext(sdt)
        return sdt

    def next_sdt_id(self) -> str:
        return str(100000000 + int(self.next_id()))

    def insert_text(self, p: etree._Element, offset: int, text: str) -> etree._Element:
        """Insert ``text`` at a character offset of the paragraph as a ``w:ins`` run."""
        split_at(p, offset)
        pieces = paragraph_pieces(p, "accepted")
        before = [pc.run for pc in pieces if pc.end <= offset and pc.run is not None]
        after = [pc.run for pc in pieces if pc.start >= offset and pc.run is not None]
        ref = before[-1] if before else (after[0] if after else None)
        ins = self.ins_run(text, oxml.run_props(ref) if ref is not None else None)
        if before:
            _top_in_p(before[-1], p).addnext(ins)
        elif after:
            _top_in_p(after[0], p).addprevious(ins)
        else:
            p.append(ins)
        return ins

    def replace_range(self, p: etree._Element, start: int, end: int, replacement: str) -> tuple[
            etree._Element | None, etree._Element | None]:
        """Replace ``[start, end)`` of the paragraph's text as ``w:del`` + ``w:ins``.

        The deleted runs keep their own formatting; the inserted run takes the formatting of
        the first replaced run (or of the run before the range for a pure insertion).
        """
        if start == end:
            return None, (self.insert_text(p, start, replacement) if replacement else None)
        split_at(p, start)
        split_at(p, end)
        runs = runs_in_range(p, start, end)
        if not runs:
            raise ValueError("range holds no runs")
        for r in runs:
            if any(a.tag in oxml.REVISION_TAGS for a in oxml.ancestors(r)):
                raise ValueError("range overlaps an existing revision")
        rpr = oxml.run_props(runs[0])
        dels: list[etree._Element] = []
        current: etree._Element | None = None
        for r in runs:
            # Adjacent runs share one w:del; a run elsewhere (e.g. in a hyperlink) opens another.
            if current is None or r.getprevious() is not current:
                current = self.mark("w:del")
                r.addprevious(current)
                dels.append(current)
            current.append(r)  # moves the run
            for t in r.iter(_T):
                t.tag = _DELTEXT
        ins = self.ins_run(replacement, rpr) if replacement else None
        if ins is not None:
            dels[-1].addnext(ins)
        return dels[0], ins


def _top_in_p(el: etree._Element, p: etree._Element) -> etree._Element:
    """The ancestor of ``el`` that is a direct child of ``p`` (or ``el`` itself)."""
    node = el
    while (up := node.getparent()) is not None and up is not p:
        node = up
    return node


def split_at(p: etree._Element, offset: int) -> None:
    """Split the run holding character ``offset`` so that a run boundary falls there."""
    for pc in paragraph_pieces(p, "accepted"):
        if pc.start < offset < pc.end and pc.run is not None:
            if pc.el.tag != _T:
                return
            _split_run(pc.run, pc.el, offset - pc.start)
            return


def _split_run(r: etree._Element, t: etree._Element, at: int) -> etree._Element:
    """Split run ``r`` inside text element ``t`` after ``at`` characters; returns the new run."""
    tail = copy.deepcopy(r)
    for child in list(tail):
        if child.tag != qn("w:rPr"):
            tail.remove(child)
    text = t.text or ""
    head_text, tail_text = text[:at], text[at:]
    moving = False
    for child in list(r):
        if child is t:
            moving = True
            t.text = head_text
            _preserve(t)
            new_t = oxml.text_el("w:t", tail_text)
            tail.append(new_t)
            continue
        if moving:
            tail.append(child)
    r.addnext(tail)
    return tail


def _preserve(t: etree._Element) -> None:
    if t.text and (t.text != t.text.strip()):
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def runs_in_range(p: etree._Element, start: int, end: int) -> list[etree._Element]:
    """Runs whose text lies inside ``[start, end)`` (after :func:`split_at` on both ends)."""
    runs: list[etree._Element] = []
    for pc in paragraph_pieces(p, "accepted"):
        if pc.run is None or pc.end <= start or pc.start >= end:
            continue
        if pc.run not in runs:
            runs.append(pc.run)
    return runs


def make_sdt(tag: str, title: str | None, sdt_id: str) -> etree._Element:
    sdt = oxml.w_el("w:sdt")
    pr = oxml.sub_el(sdt, "w:sdtPr")
    if title:
        oxml.sub_el(pr, "w:alias", {"w:val": title})
    oxml.sub_el(pr, "w:tag", {"w:val": tag})
    oxml.sub_el(pr, "w:id", {"w:val": sdt_id})
    oxml.sub_el(sdt, "w:sdtContent")
    return sdt


def wrap_in_sdt(elements: list[etree._Element], tag: str, title: str | None, sdt_id: str) -> etree._Element:
    """Wrap consecutive siblings (paragraphs, or runs inside one paragraph) in a content control."""
    if not elements:
        raise ValueError("nothing to wrap")
    sdt = make_sdt(tag, title, sdt_id)
    elements[0].addprevious(sdt)
    content = oxml.child(sdt, "w:sdtContent")
    for el in elements:
        content.append(el)
    return sdt


def wrap_range_in_sdt(p: etree._Element, start: int, end: int, tag: str, title: str | None,
                      sdt_id: str) -> etree._Element:
    """Wrap the runs of a character range of one paragraph in a run-level control."""
    split_at(p, start)
    split_at(p, end)
    tops: list[etree._Element] = []
    for r in runs_in_range(p, start, end):
        top = _top_in_p(r, p)
        if top not in tops:
            tops.append(top)
    return wrap_in_sdt(tops, tag, title, sdt_id)
