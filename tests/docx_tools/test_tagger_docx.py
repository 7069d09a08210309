from __future__ import annotations

import io

import docx
from lxml import etree

from docx_tools import disclosure, oxml, provenance, revisions, tagger
from docx_tools.oxml import qn
from docx_tools.package import Package
from tests.docx_tools import helpers as h


def _statuses(results: list[disclosure.InsertionResult]) -> dict[str, tuple[str, bool]]:
    return {r.id: (r.status, r.tagged) for r in results}


def _tag(data: bytes) -> tuple[bytes, list[disclosure.InsertionResult]]:
    new, results = tagger.process_bytes(data, ".docx")
    return (new if new is not None else data), results


def _all_cases() -> bytes:
    """One document holding every case the tagger distinguishes."""
    pkg = Package.from_bytes(h.docx_bytes([
        "前書きです。",           # 0
        "要約の一行目。",         # 1  unmodified (block control, two paragraphs)
        "要約の二行目。",         # 2
        "手直しされた要約。",     # 3  modified (control holds different text)
        "本文の途中です。",       # 4  anchor for a pending insertion
        "コントロールを外したが文はそのまま残っている。",  # 5 unwrapped
        "結び。",                 # 6
    ]))
    root = pkg.xml("word/document.xml")
    w = revisions.RevisionWriter(root, "oasis-addin")
    w.insert_paragraphs_after(h.body_paragraphs(pkg)[4], ["まだ承諾されていない要約。"], "oasis:P1", disclosure.CONTROL_TITLE)
    h.wrap(pkg, [3], "MOD1")  # wrapping changes the body's direct children: last index first
    h.wrap(pkg, [1, 2], "U1")
    pkg.mark_changed("word/document.xml")
    return h.finish(pkg, [
        h.ins("U1", "要約の一行目。\n要約の二行目。"),
        h.ins("MOD1", "元の要約。"),
        h.ins("P1", "まだ承諾されていない要約。"),
        h.ins("UW1", "コントロールを外したが文はそのまま残っている。"),
        h.ins("GONE", "削除されて見当たらない文。"),
    ])


def test_classifies_every_case_and_tags_only_unmodified() -> None:
    new, results = _tag(_all_cases())
    assert _statuses(results) == {
        "U1": (disclosure.UNMODIFIED, True),
        "MOD1": (disclosure.MODIFIED, False),
        "P1": (disclosure.PENDING, False),
        "UW1": (disclosure.UNMODIFIED, True),
        "GONE": (disclosure.MISSING, False),
    }
    comments = h.comments_of(new)  # python-docx as an independent reader
    assert len(comments) == 2
    for author, text in comments:
        assert author == "oasis-addin"
        assert "生成AI" in text and "編集せず" in text and "common-8" in text
        assert h.MODEL in text and "2026-11-20" in text
    assert {t.split("依頼ID: ")[1].split("\n")[0] for _a, t in comments} == {"U1", "UW1"}


def test_comment_anchors_cover_the_insertion() -> None:
    new, _ = _tag(_all_cases())
    pkg = Package.from_bytes(new)
    root = pkg.xml("word/document.xml")
    ids = {el.get(qn("w:id")) for el in root.iter(qn("w:commentRangeStart"))}
    assert ids == {el.get(qn("w:id")) for el in root.iter(qn("w:commentRangeEnd"))}
    assert ids == {el.get(qn("w:id")) for el in root.iter(qn("w:commentReference"))}
    body = root.find(qn("w:body"))
    # The text between range start and end of each comment is the insertion's text.
    for cid in ids:
        text = _commented_text(body, cid)
        assert text in ("要約の一行目。\n要約の二行目。", "コントロールを外したが文はそのまま残っている。")


def _commented_text(body: etree._Element, cid: str) -> str:
    inside = False
    out: list[str] = []
    for p in revisions.paragraphs_in(body):
        line: list[str] = []
        for el in p.iter():
            if el.tag == qn("w:commentRangeStart") and el.get(qn("w:id")) == cid:
                inside = True
            elif el.tag == qn("w:commentRangeEnd") and el.get(qn("w:id")) == cid:
                if line or not out:  # a range ending at a paragraph's start ends before its mark
                    out.append("".join(line))
                return "\n".join(out)
            elif el.tag == qn("w:t") and inside:
                line.append(el.text or "")
        if inside:
            out.append("".join(line))
    raise AssertionError("range not closed")


def test_second_run_adds_nothing() -> None:
    first, _ = _tag(_all_cases())
    second, results = tagger.process_bytes(first, ".docx")
    assert second is None
    assert _statuses(results)["U1"] == (disclosure.UNMODIFIED, True)
    assert len(h.comments_of(first)) == 2


def test_untouched_parts_stay_byte_identical() -> None:
    data = _all_cases()
    new, _ = _tag(data)
    before, after = Package.from_bytes(data), Package.from_bytes(new)
    changed = {n for n in after.parts if before.parts.get(n) != after.parts[n]}
    # Only the body, the comments part and the bookkeeping for a new part may differ.
    assert changed <= {"word/document.xml", "word/comments.xml", "word/_rels/document.xml.rels",
                       "[Content_Types].xml"}
    assert "word/document.xml" in changed and "word/comments.xml" in changed
    assert set(before.parts) <= set(after.parts)
    for name in set(before.parts) - changed:
        assert before.parts[name] == after.parts[name], name
    # Zip entry order is kept too.
    assert [i.filename for i in after.infos][: len(before.infos)] == [i.filename for i in before.infos]


def test_several_insertions_and_inline_control() -> None:
    pkg = Package.from_bytes(h.docx_bytes(["冒頭。AIが書いた一文。そして人の文。", "別の段落。"]))
    p = h.body_paragraphs(pkg)[0]
    text = revisions.block_text(p)
    start = text.index("AIが書いた一文。")
    revisions.wrap_range_in_sdt(p, start, start + len("AIが書いた一文。"), "oasis:IN1", disclosure.CONTROL_TITLE, "5")
    pkg.mark_changed("word/document.xml")
    data = h.finish(pkg, [h.ins("IN1", "AIが書いた一文。"), h.ins("IN2", "別の段落。")])
    new, results = _tag(data)
    assert _statuses(results) == {"IN1": (disclosure.UNMODIFIED, True), "IN2": (disclosure.UNMODIFIED, True)}
    root = Package.from_bytes(new).xml("word/document.xml")
    body = root.find(qn("w:body"))
    texts = sorted(_commented_text(body, el.get(qn("w:id"))) for el in root.iter(qn("w:commentRangeStart")))
    assert texts == ["AIが書いた一文。", "別の段落。"]
    # The paragraph's text is unchanged by the anchoring.
    assert revisions.block_text(h.body_paragraphs(Package.from_bytes(new))[0]) == "冒頭。AIが書いた一文。そして人の文。"


def test_inline_control_inside_pending_insertion_is_pending() -> None:
    pkg = Package.from_bytes(h.docx_bytes(["本文。"]))
    root = pkg.xml("word/document.xml")
    p = h.body_paragraphs(pkg)[0]
    w = revisions.RevisionWriter(root, "oasis-addin")
    ins = w.insert_text(p, 3, "追加の文。")
    sdt = revisions.make_sdt("oasis:IP", disclosure.CONTROL_TITLE, "9")
    ins.addprevious(sdt)
    sdt.find(qn("w:sdtContent")).append(ins)
    pkg.mark_changed("word/document.xml")
    data = h.finish(pkg, [h.ins("IP", "追加の文。")])
    _, results = _tag(data)
    assert _statuses(results) == {"IP": (disclosure.PENDING, False)}


def test_existing_comments_are_kept_and_ids_stay_unique() -> None:
    d = docx.Document()
    p = d.add_paragraph("人が書いた段落。")
    d.add_comment(p.runs, text="既存のコメントです", author="山田", initials="YM")
    d.add_comment(p.runs, text="もう一つ", author="佐藤", initials="ST")
    d.add_paragraph("AIの段落。")
    buf = io.BytesIO()
    d.save(buf)
    pkg = Package.from_bytes(buf.getvalue())
    h.wrap(pkg, [1], "C1")
    data = h.finish(pkg, [h.ins("C1", "AIの段落。")])
    new, results = _tag(data)
    assert _statuses(results) == {"C1": (disclosure.UNMODIFIED, True)}
    comments = h.comments_of(new)
    assert comments[:2] == [("山田", "既存のコメントです"), ("佐藤", "もう一つ")]
    assert comments[2][0] == "oasis-addin"
    ids = [c.comment_id for c in docx.Document(io.BytesIO(new)).comments]
    assert len(ids) == len(set(ids)) == 3


def test_provenance_found_among_several_custom_xml_parts() -> None:
    pkg = Package.from_bytes(h.docx_bytes(["他社の部品があっても読む。"]))
    # A foreign custom XML part first, with its own item number.
    other = etree.Element("{urn:example:other}data", nsmap={None: "urn:example:other"})
    etree.SubElement(other, "{urn:example:other}value").text = "x"
    pkg.set_xml("customXml/item1.xml", other)
    pkg.add_relationship("word/document.xml", oxml.RT_CUSTOM_XML, "customXml/item1.xml")
    data = h.finish(pkg, [h.ins("X1", "他社の部品があっても読む。")])
    reread = Package.from_bytes(data)
    assert len(provenance.custom_xml_parts(reread)) == 2
    assert provenance.provenance_part(reread) == "customXml/item2.xml"
    new, results = _tag(data)
    assert _statuses(results) == {"X1": (disclosure.UNMODIFIED, True)}
    after = Package.from_bytes(new)
    assert after.parts["customXml/item1.xml"] == reread.parts["customXml/item1.xml"]


def test_provenance_round_trip_and_hash() -> None:
    pkg = Package.from_bytes(h.docx_bytes(["a"]))
    text = "ｶﾞ\u30ab\u3099と\n二行目"  # NFC changes "カ゛" into "ガ"
    provenance.add_provenance(pkg, [provenance.make_insertion("H1", "proofread", "m", text)])
    back = provenance.read_provenance(Package.from_bytes(pkg.to_bytes()))
    assert [(i.id, i.operation, i.text) for i in back] == [("H1", "proofread", text)]
    assert back[0].sha256 == provenance.text_sha256("ｶﾞガと\n二行目")
    assert back[0].sha256 != provenance.text_sha256(text.encode().decode("utf-8") + " ")


def test_dry_run_changes_nothing() -> None:
    data = _all_cases()
    new, results = tagger.process_bytes(data, ".docx", dry_run=True)
    assert new is None
    assert _statuses(results)["U1"] == (disclosure.UNMODIFIED, False)


def test_document_without_provenance_is_left_alone() -> None:
    data = h.docx_bytes(["普通の文書。"])
    new, results = tagger.process_bytes(data, ".docx")
    assert new is None and results == []


def test_block_control_followed_by_paragraph_keeps_reference_outside() -> None:
    pkg = Package.from_bytes(h.docx_bytes(["AIの一行目。", "AIの二行目。", "人の段落。"]))
    h.wrap(pkg, [0, 1], "B1")
    new, results = _tag(h.finish(pkg, [h.ins("B1", "AIの一行目。\nAIの二行目。")]))
    assert _statuses(results) == {"B1": (disclosure.UNMODIFIED, True)}
    root = Package.from_bytes(new).xml("word/document.xml")
    sdt = next(root.iter(qn("w:sdt")))
    assert next(sdt.iter(qn("w:commentRangeStart")), None) is not None
    assert next(sdt.iter(qn("w:commentReference")), None) is None
    cid = next(root.iter(qn("w:commentReference"))).get(qn("w:id"))
    assert _commented_text(root.find(qn("w:body")), cid) == "AIの一行目。\nAIの二行目。"
    assert revisions.block_text(root.find(qn("w:body"))) == "AIの一行目。\nAIの二行目。\n人の段落。"


def test_duplicated_control_uses_the_exact_copy() -> None:
    pkg = Package.from_bytes(h.docx_bytes(["書き換えたコピー。", "AIの文。", "結び。"]))
    h.wrap(pkg, [1], "D1")
    h.wrap(pkg, [0], "D1")  # Word's copy and paste duplicates the tag
    new, results = _tag(h.finish(pkg, [h.ins("D1", "AIの文。")]))
    assert _statuses(results) == {"D1": (disclosure.UNMODIFIED, True)}
    root = Package.from_bytes(new).xml("word/document.xml")
    cid = next(root.iter(qn("w:commentRangeStart"))).get(qn("w:id"))
    assert _commented_text(root.find(qn("w:body")), cid) == "AIの文。"


def test_unwrapped_text_around_a_deletion_is_found_and_pending() -> None:
    pkg = Package.from_bytes(h.docx_bytes(["これは 削除された 試験の文です。"]))
    p = h.body_paragraphs(pkg)[0]
    w = revisions.RevisionWriter(pkg.xml("word/document.xml"), "someone")
    text = revisions.block_text(p)
    start = text.index("削除された ")
    w.replace_range(p, start, start + len("削除された "), "")
    pkg.mark_changed("word/document.xml")
    data = h.finish(pkg, [h.ins("DL", "これは 試験の文です。"), h.ins("NO", "これは 存在しない文です。")])
    _, results = _tag(data)
    assert _statuses(results) == {"DL": (disclosure.PENDING, False), "NO": (disclosure.MISSING, False)}
