"""Property: replacing any range of a paragraph made of differently formatted runs reads back
right in both views, whatever the run boundaries."""

from __future__ import annotations

import io

import docx
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from docx_tools import disclosure, revisions
from docx_tools.oxml import qn
from docx_tools.package import Package

chunk = st.text(alphabet="あいうABC 。、xyz", min_size=1, max_size=6)


@st.composite
def case(draw: st.DrawFn) -> tuple[list[str], int, int, str]:
    runs = draw(st.lists(chunk, min_size=1, max_size=5))
    total = sum(map(len, runs))
    start = draw(st.integers(0, total))
    end = draw(st.integers(start, total))
    replacement = draw(st.text(alphabet="かきくDEF", max_size=5))
    return runs, start, end, replacement


@settings(max_examples=80, deadline=None)
@given(case())
def test_replace_range_views(c: tuple[list[str], int, int, str]) -> None:
    runs, start, end, replacement = c
    d = docx.Document()
    p = d.add_paragraph()
    for k, text in enumerate(runs):
        r = p.add_run(text)
        if k % 2 == 0:
            r.bold = True
    buf = io.BytesIO()
    d.save(buf)
    pkg = Package.from_bytes(buf.getvalue())
    root = pkg.xml("word/document.xml")
    para = root.find(qn("w:body")).find(qn("w:p"))
    original = "".join(runs)
    writer = revisions.RevisionWriter(root, "t")
    writer.replace_range(para, start, end, replacement)
    assert revisions.block_text(para, "accepted") == original[:start] + replacement + original[end:]
    assert revisions.block_text(para, "rejected") == original
    # Bold follows the characters: every original character keeps the formatting of its run.
    bold_chars = "".join(
        (t.text or "") for r in para.iter(qn("w:r")) if r.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None
        for t in r if t.tag in (qn("w:t"), qn("w:delText"))
    )
    expected_bold = "".join(text for k, text in enumerate(runs) if k % 2 == 0)
    if replacement and start < end and start < len(original):
        # the inserted text takes the formatting of the first replaced character's run
        k, pos = 0, 0
        while pos + len(runs[k]) <= start:
            pos += len(runs[k])
            k += 1
        inserted_bold = len(replacement) if k % 2 == 0 else 0
        assert len(bold_chars) == len(expected_bold) + inserted_bold


@st.composite
def body_case(draw: st.DrawFn) -> tuple[list[list[str]], list[tuple[int, int, int, str]], int, int]:
    paras = draw(st.lists(st.lists(chunk, min_size=1, max_size=3), min_size=1, max_size=3))
    edits = []
    for k, runs in enumerate(paras):
        total = sum(map(len, runs))
        if draw(st.booleans()):
            a = draw(st.integers(0, total))
            b = draw(st.integers(a, total))
            edits.append((k, a, b, draw(st.text(alphabet="かD", max_size=2))))
    return paras, edits, draw(st.integers(0, 10**6)), draw(st.integers(1, 12))


@settings(max_examples=80, deadline=None)
@given(body_case())
def test_any_text_of_the_accepted_body_is_never_missing(
    c: tuple[list[list[str]], list[tuple[int, int, int, str]], int, int],
) -> None:
    """Whatever revisions the body holds, a piece of its accepted text is found (not missing)."""
    from docx_tools import provenance, tagger

    paras, edits, seed, length = c
    d = docx.Document()
    for runs in paras:
        p = d.add_paragraph()
        for k, text in enumerate(runs):
            r = p.add_run(text)
            if k % 2:
                r.italic = True
    buf = io.BytesIO()
    d.save(buf)
    pkg = Package.from_bytes(buf.getvalue())
    root = pkg.xml("word/document.xml")
    body_paras = root.find(qn("w:body")).findall(qn("w:p"))
    writer = revisions.RevisionWriter(root, "t")
    for k, a, b, rep in edits:
        writer.replace_range(body_paras[k], a, b, rep)
    pkg.mark_changed("word/document.xml")
    accepted = "\n".join(revisions.block_text(p) for p in body_paras)
    assume(accepted.strip())  # an empty case proves nothing; hypothesis draws another
    start = seed % len(accepted)
    needle = accepted[start : start + length]
    assume(needle.strip())
    provenance.add_provenance(pkg, [provenance.make_insertion("N", "summarize", "m", needle)])
    found = tagger.classify_docx(Package.from_bytes(pkg.to_bytes()), [provenance.read_provenance(pkg)[0]])
    assert found[0].status in (disclosure.UNMODIFIED, disclosure.PENDING)
