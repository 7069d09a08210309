"""Feeding documents built with docx_tools to the fake Office host for the 公開前チェック tests."""

from __future__ import annotations

import io
from typing import Any

import docx
from docx.text.run import Run

from docx_tools import disclosure, oxml, revisions
from docx_tools.oxml import qn
from docx_tools.package import Package
from tests.docx_tools import helpers as h


def fake_word(data: bytes, comments: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The fake host's view of a .docx: its body text as paragraphs (changes accepted), every
    `oasis:` control as a range over that text, the body's OOXML and the provenance part."""
    root = Package.from_bytes(data).xml("word/document.xml")
    body = root.find(qn("w:body"))
    paragraphs: list[str] = []
    spans: dict[str, list[int]] = {}
    pos = 0
    for p in revisions.paragraphs_in(body):
        text = ""
        for pc in revisions.paragraph_pieces(p):
            for a in oxml.ancestors(pc.el):
                tag = oxml.sdt_tag(a) if a.tag == qn("w:sdt") else None
                if tag and tag.startswith(disclosure.TAG_PREFIX):
                    lo, hi = pos + len(text), pos + len(text) + len(pc.text)
                    span = spans.setdefault(tag, [lo, hi])
                    span[0], span[1] = min(span[0], lo), max(span[1], hi)
            text += pc.text
        paragraphs.append(text)
        pos += len(text) + 1
    assert all(ord(ch) < 0x10000 for t in paragraphs for ch in t)  # offsets are UTF-16 in the fake
    controls = [{"tag": tag, "title": disclosure.CONTROL_TITLE, "start": a, "end": b} for tag, (a, b) in spans.items()]
    return {"host": "word", "url": "https://example.test/kouhyou.docx",
            "word": {"paragraphs": paragraphs, "selection": [0, 0], "ooxml": h.flat_opc(data),
                     "parts": h.provenance_xml(data), "controls": controls, "comments": comments or []}}


def with_pane_comments(data: bytes, added: list[dict[str, str]], author: str) -> bytes:
    """The document after the pane's comments, written by python-docx (an independent writer)
    under the person's name, anchored on the control or the text each comment was put on."""
    d = docx.Document(io.BytesIO(data))
    body = d.element.body
    for c in added:
        key = next(line.split(": ", 1)[1] for line in c["text"].splitlines() if line.startswith("依頼ID: "))
        runs = []
        for sdt in body.iter(qn("w:sdt")):
            if oxml.sdt_tag(sdt) == disclosure.TAG_PREFIX + key:
                runs = list(sdt.iter(qn("w:r")))
        if not runs:  # no control: the paragraph holding the text
            for p in d.paragraphs:
                if c["anchor"].split("\n")[0] in p.text:
                    runs = list(p._p.iter(qn("w:r")))
                    break
        assert runs, key
        para = d.paragraphs[0]
        d.add_comment([Run(runs[0], para), Run(runs[-1], para)], text=c["text"], author=author, initials="職")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def units_of_report(results: list[disclosure.InsertionResult]) -> dict[str, str]:
    """key (id, or id#n per edit) -> status, as the pane lists them."""
    out = {}
    for r in results:
        if r.edits is None:
            out[r.id] = r.status
        for e in r.edits or []:
            out[disclosure.disclosure_key(r.id, e.n)] = e.status
    return out
