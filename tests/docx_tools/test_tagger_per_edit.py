"""The tagger on per-edit proofreads (contract 3): each edit classified and disclosed on its own,
old whole-selection proofreads still read as before."""

from __future__ import annotations

import csv
import io
import json

from docx_tools import disclosure, oxml, report, revisions, tagger
from docx_tools.oxml import qn
from docx_tools.package import Package
from tests.docx_tools import helpers as h

PARAS = [
    "前書きです。",                                          # 0
    "申請書を提出して下さい。期限わ来週の月曜日です。",      # 1 PU: both edits accepted
    "資料を確認して下さい。担当者わ田中です。",              # 2 PP: edit 1 pending, edit 2 accepted
    "会議の資料を添付いたしますのでご確認ください。旧い書式です。",  # 3 PM: edited, removed
    "予算の執行状況について報告いたします。",                # 4 PL: control removed, long text stands
    "不要な不要な言葉。",                                    # 5 PD: deletion only
    "古い形式の校正結果です。",                              # 6 OLD: whole-paragraph control
]
PL_TEXT = "執行状況について以下のとおり報告します"


def per_edit_document() -> bytes:
    pkg = Package.from_bytes(h.docx_bytes(PARAS))
    paras = h.body_paragraphs(pkg)
    pu = h.proofread_edits(pkg, 1, "PU", [("下さい", "ください"), ("わ", "は")])
    h.accept_in(paras[1])
    pp = h.proofread_edits(pkg, 2, "PP", [("下さい", "ください"), ("わ", "は")])
    h.accept_edit(pp[2])
    pm = h.proofread_edits(pkg, 3, "PM", [("添付いたしますので", "添付しますので、"), ("旧い書式", "古い書式")])
    h.accept_in(paras[3])
    h.set_control_text(pm[1], "添付しますので、どうぞ")
    h.unwrap(pm[2])
    pl = h.proofread_edits(pkg, 4, "PL", [("執行状況について報告いたします", PL_TEXT)])
    h.accept_in(paras[4])
    h.unwrap(pl[1])
    assert h.proofread_edits(pkg, 5, "PD", [("不要な", "")]) == {}
    h.accept_in(paras[5])
    h.wrap(pkg, [6], "OLD")
    assert pu and pp
    return h.finish(pkg, [
        h.proofread_ins("PU", ["ください", "は"]),
        h.proofread_ins("PP", ["ください", "は"]),
        h.proofread_ins("PM", ["添付しますので、", "古い書式"]),
        h.proofread_ins("PL", [PL_TEXT]),
        h.proofread_ins("PD", [""]),
        h.ins("OLD", PARAS[6], operation="proofread"),
    ])


def _edits(r: disclosure.InsertionResult) -> list[tuple[int, str, bool]] | None:
    return None if r.edits is None else [(e.n, e.status, e.tagged) for e in r.edits]


def test_each_edit_is_classified_and_the_insertion_gets_an_overall_status() -> None:
    data = per_edit_document()
    body = Package.from_bytes(data).xml("word/document.xml").find(qn("w:body"))
    assert "古い書式" in revisions.block_text(body)  # the removed short edit's text still stands
    new, results = tagger.process_bytes(data, ".docx")
    got = {r.id: (r.status, r.tagged, _edits(r)) for r in results}
    assert got == {
        "PU": (disclosure.UNMODIFIED, True, [(1, disclosure.UNMODIFIED, True), (2, disclosure.UNMODIFIED, True)]),
        "PP": (disclosure.PENDING, True, [(1, disclosure.PENDING, False), (2, disclosure.UNMODIFIED, True)]),
        # The short edit whose control was removed is not looked for by its text: missing.
        "PM": (disclosure.MODIFIED, False, [(1, disclosure.MODIFIED, False), (2, disclosure.MISSING, False)]),
        "PL": (disclosure.UNMODIFIED, True, [(1, disclosure.UNMODIFIED, True)]),
        "PD": (disclosure.MISSING, False, []),  # a deletion leaves no AI text: nothing to disclose
        "OLD": (disclosure.UNMODIFIED, True, None),
    }
    assert new is not None
    comments = h.comments_of(new)  # python-docx as the independent reader
    keys = sorted(line.split(": ", 1)[1] for _a, text in comments for line in text.splitlines()
                  if line.startswith("依頼ID: "))
    assert keys == ["OLD", "PL#1", "PP#2", "PU#1", "PU#2"]
    assert all(author == disclosure.AUTHOR for author, _t in comments)


def test_an_edit_disclosure_covers_exactly_its_control() -> None:
    new, _ = tagger.process_bytes(per_edit_document(), ".docx")
    assert new is not None
    root = Package.from_bytes(new).xml("word/document.xml")
    for key, text in (("PU#1", "ください"), ("PU#2", "は"), ("PP#2", "は")):
        (sdt,) = oxml.find_sdts_by_tag(root, "oasis:" + key)
        start, end = sdt.getprevious(), sdt.getnext()
        assert start.tag == qn("w:commentRangeStart") and end.tag == qn("w:commentRangeEnd")
        assert start.get(qn("w:id")) == end.get(qn("w:id"))
        assert "".join(t.text for t in sdt.iter(qn("w:t"))) == text
    # The person's own text around the edits is in no comment range.
    p1 = root.find(qn("w:body")).findall(qn("w:p"))[1]
    inside = False
    outside_text = []
    for el in p1.iter():
        if el.tag == qn("w:commentRangeStart"):
            inside = True
        elif el.tag == qn("w:commentRangeEnd"):
            inside = False
        elif el.tag == qn("w:t") and not inside:
            outside_text.append(el.text)
    assert "".join(outside_text) == "申請書を提出して。期限来週の月曜日です。"


def test_second_run_changes_nothing_and_dry_run_writes_nothing() -> None:
    data = per_edit_document()
    assert tagger.process_bytes(data, ".docx", dry_run=True)[0] is None
    new, _ = tagger.process_bytes(data, ".docx")
    assert new is not None
    again, results = tagger.process_bytes(new, ".docx")
    assert again is None
    assert {r.id: r.tagged for r in results}["PU"] is True


def test_the_disclosure_line_names_the_edit() -> None:
    ins = h.proofread_ins("R1", ["ください"])
    text = disclosure.disclosure_text(ins, 1)
    assert "依頼ID: R1#1\n" in text and "モデル: test-model-1" in text and "作成日: 2026-11-20" in text
    assert disclosure.has_id_line(text, "R1#1") and not disclosure.has_id_line(text, "R1")
    assert not disclosure.has_id_line(disclosure.disclosure_text(ins), "R1#1")


def test_a_disclosure_by_another_author_counts_only_with_the_full_text() -> None:
    ins = h.proofread_ins("R2", ["ください"])
    full = disclosure.disclosure_text(ins, 1)
    # The pane writes the exact text under the person's name (Office.js cannot set an author);
    # Word may split it into paragraphs differently.
    assert disclosure.is_disclosed([("田中 花子", full.replace("\n", "\r\n"))], "R2#1", full)
    assert not disclosure.is_disclosed([("田中 花子", "依頼ID: R2#1")], "R2#1", full)
    assert disclosure.is_disclosed([(disclosure.AUTHOR, "依頼ID: R2#1")], "R2#1", full)
    assert not disclosure.is_disclosed([(disclosure.AUTHOR, disclosure.disclosure_text(ins))], "R2#1", full)


def test_report_lists_the_edits_in_json_and_csv(tmp_path) -> None:
    src = tmp_path / "p.docx"
    src.write_bytes(per_edit_document())
    result = tagger.process_file(src, None, dry_run=True)
    doc = json.loads(report.to_json([result]))
    rows = {i["id"]: i for i in doc["files"][0]["insertions"]}
    assert rows["PP"] == {"id": "PP", "operation": "proofread", "status": "pending", "tagged": False,
                          "edits": [{"n": 1, "status": "pending", "tagged": False},
                                    {"n": 2, "status": "unmodified", "tagged": False}]}
    assert "edits" not in rows["OLD"]
    table = list(csv.DictReader(io.StringIO(report.to_csv([result]))))
    pp = [(r["edit"], r["status"]) for r in table if r["id"] == "PP"]
    assert pp == [("", "pending"), ("1", "pending"), ("2", "unmodified")]
