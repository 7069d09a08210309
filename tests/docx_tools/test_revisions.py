from __future__ import annotations

import io

import docx
from docx.shared import Pt

from docx_tools import oxml, revisions
from docx_tools.oxml import qn
from docx_tools.package import Package


def _doc_with_runs() -> Package:
    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("大阪市の")
    bold = p.add_run("生成AI")
    bold.bold = True
    big = p.add_run("利用指針です。")
    big.font.size = Pt(14)
    d.add_paragraph("二段落目。")
    buf = io.BytesIO()
    d.save(buf)
    return Package.from_bytes(buf.getvalue())


def _first_p(pkg: Package):
    return pkg.xml("word/document.xml").find(qn("w:body")).find(qn("w:p"))


def test_replace_range_is_del_plus_ins_and_keeps_formatting() -> None:
    pkg = _doc_with_runs()
    p = _first_p(pkg)
    w = revisions.RevisionWriter(pkg.xml("word/document.xml"), "tester", "2026-01-02T03:04:05Z")
    # "大阪市の生成AI利用指針です。": replace "AI利用" (spans the bold and the 14pt run)
    text = revisions.block_text(p)
    start = text.index("AI利用")
    d, i = w.replace_range(p, start, start + 4, "人工知能の活用")
    assert d is not None and i is not None
    assert revisions.block_text(p, "accepted") == "大阪市の生成人工知能の活用指針です。"
    assert revisions.block_text(p, "rejected") == "大阪市の生成AI利用指針です。"
    assert d.get(qn("w:author")) == "tester" and d.get(qn("w:date")) == "2026-01-02T03:04:05Z"
    # Deleted text keeps its own run formatting: "AI" bold, "利用" 14pt.
    deleted = [(r.find(qn("w:delText")).text, r.find(qn("w:rPr"))) for r in p.iter(qn("w:r"))
               if r.find(qn("w:delText")) is not None]
    assert [t for t, _ in deleted] == ["AI", "利用"]
    assert deleted[0][1].find(qn("w:b")) is not None
    assert deleted[1][1].find(qn("w:sz")).get(qn("w:val")) == "28"
    # The untouched neighbours keep theirs: "生成" is still bold.
    bold_texts = [r.find(qn("w:t")).text for r in p.iter(qn("w:r"))
                  if r.find(qn("w:t")) is not None and r.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None]
    assert "生成" in bold_texts and "人工知能の活用" in bold_texts
    # adjacent deleted runs share one w:del, followed by one w:ins; ids unique
    marks = [el for el in p if el.tag in (qn("w:ins"), qn("w:del"))]
    assert [m.tag for m in marks] == [qn("w:del"), qn("w:ins")]
    assert len(marks[0].findall(qn("w:r"))) == 2
    assert marks[0].get(qn("w:id")) != marks[1].get(qn("w:id"))
    assert revisions.pending_revisions(p)


def test_tracked_insert_and_views() -> None:
    pkg = _doc_with_runs()
    p = _first_p(pkg)
    w = revisions.RevisionWriter(pkg.xml("word/document.xml"), "tester")
    ins = w.insert_text(p, 4, "新しい")
    assert ins.tag == qn("w:ins")
    assert revisions.block_text(p, "accepted") == "大阪市の新しい生成AI利用指針です。"
    assert revisions.block_text(p, "rejected") == "大阪市の生成AI利用指針です。"
    assert revisions.block_text(p, "current") == "大阪市の新しい生成AI利用指針です。"


def test_inserted_paragraphs_in_control_are_pending_and_text_reads_back() -> None:
    pkg = _doc_with_runs()
    root = pkg.xml("word/document.xml")
    p = _first_p(pkg)
    w = revisions.RevisionWriter(root, "oasis-addin")
    sdt = w.insert_paragraphs_after(p, ["一行目", "二行目"], sdt_tag="oasis:abc", title="生成AI出力（要確認）")
    assert oxml.sdt_tag(sdt) == "oasis:abc"
    assert oxml.is_block_sdt(sdt)
    assert revisions.range_text(sdt, "accepted") == "一行目\n二行目"
    assert revisions.range_text(sdt, "rejected") == ""
    kinds = {el.tag for el in revisions.pending_revisions(sdt)}
    assert qn("w:ins") in kinds
    # all revision ids unique in the document
    ids = [el.get(qn("w:id")) for el in root.iter(qn("w:ins"))]
    assert len(ids) == len(set(ids))


def test_wrap_range_run_level_control() -> None:
    pkg = _doc_with_runs()
    p = _first_p(pkg)
    text = revisions.block_text(p)
    start = text.index("生成AI")
    sdt = revisions.wrap_range_in_sdt(p, start, start + 4, "oasis:r1", "生成AI出力（要確認）", "77")
    assert not oxml.is_block_sdt(sdt)
    assert revisions.range_text(sdt) == "生成AI"
    assert revisions.block_text(p) == text  # wrapping does not change the text
    assert revisions.pending_revisions(sdt) == []


def test_deleted_paragraph_mark_merges_paragraphs_in_accepted_view() -> None:
    pkg = _doc_with_runs()
    body = pkg.xml("word/document.xml").find(qn("w:body"))
    p1, p2 = body.findall(qn("w:p"))[:2]
    w = revisions.RevisionWriter(pkg.xml("word/document.xml"), "t")
    ppr = p1.find(qn("w:pPr"))
    if ppr is None:
        ppr = oxml.w_el("w:pPr")
        p1.insert(0, ppr)
    oxml.sub_el(ppr, "w:rPr").append(w.mark("w:del"))
    assert revisions.block_text(body, "accepted").startswith("大阪市の生成AI利用指針です。二段落目。")
    assert revisions.block_text(body, "rejected").startswith("大阪市の生成AI利用指針です。\n二段落目。")
    assert p2 is not None
