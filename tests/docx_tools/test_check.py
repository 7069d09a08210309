"""The pre-publication check's pure functions agree with the batch tagger on the same document."""

from __future__ import annotations

import pytest

from docx_tools import check, disclosure, tagger
from tests.docx_tools import helpers as h
from tests.docx_tools.test_tagger_docx import _all_cases
from tests.docx_tools.test_tagger_per_edit import per_edit_document


def _report(data: bytes, suffix: str = ".docx") -> dict[str, tuple[str, bool, list | None]]:
    _new, results = tagger.process_bytes(data, suffix, dry_run=True)
    return {r.id: (r.status, r.tagged, None if r.edits is None else [(e.n, e.status, e.tagged) for e in r.edits])
            for r in results}


def _checked(res: check.CheckResult) -> dict[str, tuple[str, bool, list | None]]:
    return {r.id: (r.status, r.tagged, None if r.edits is None else [(e.n, e.status, e.tagged) for e in r.edits])
            for r in res.insertions}


@pytest.mark.parametrize("build", [_all_cases, per_edit_document])
def test_word_check_equals_the_tagger_before_and_after_tagging(build) -> None:
    data = build()
    before = check.check_word(h.flat_opc(data), h.provenance_xml(data))
    assert _checked(before) == _report(data)
    assert {disclosure.PENDING, disclosure.UNMODIFIED, disclosure.MISSING} <= {i.status for i in before.items}
    tagged, _ = tagger.process_bytes(data, ".docx")
    assert tagged is not None
    after = check.check_word(h.flat_opc(tagged), h.provenance_xml(tagged))
    assert _checked(after) == _report(tagged)
    assert all(i.tagged for i in after.items if i.status == disclosure.UNMODIFIED)


def test_word_items_carry_the_tagger_text_and_where_to_find_them() -> None:
    data = per_edit_document()
    res = check.check_word(h.flat_opc(data), h.provenance_xml(data))
    items = {disclosure.disclosure_key(i.id, i.edit): i for i in res.items}
    assert sorted(items) == ["OLD", "PL#1", "PM#1", "PM#2", "PP#1", "PP#2", "PU#1", "PU#2"]
    pu1 = items["PU#1"].to_dict()
    assert pu1["status"] == "unmodified" and pu1["tag"] == "oasis:PU#1" and pu1["author"] == "oasis-addin"
    assert pu1["disclosure"] == disclosure.disclosure_text(h.proofread_ins("PU", ["ください", "は"]), 1)
    assert items["PL#1"].tag is None and items["PL#1"].text == "執行状況について以下のとおり報告します"
    assert items["PM#1"].disclosure is None and items["PP#1"].disclosure is None
    assert res.to_dict()["blocking"] is True
    assert res.counts() == {"pending": 1, "modified": 1, "unmodified": 5, "missing": 1}


def test_comments_the_pane_read_count_like_a_comments_part() -> None:
    data = per_edit_document()
    ins = h.proofread_ins("PU", ["ください", "は"])
    person = [("田中 花子", disclosure.disclosure_text(ins, 1)), ("田中 花子", disclosure.disclosure_text(ins, 2))]
    res = check.check_word(h.flat_opc(data), h.provenance_xml(data), person)
    assert [i.tagged for i in res.items if i.id == "PU"] == [True, True]
    assert [r.tagged for r in res.insertions if r.id == "PP"] == [False]


def test_a_bare_document_part_works_and_bad_xml_is_a_japanese_error() -> None:
    data = _all_cases()
    from docx_tools.package import Package

    bare = Package.from_bytes(data).parts["word/document.xml"]
    assert _checked(check.check_word(bare, h.provenance_xml(data))) == _report(data)
    with pytest.raises(check.CheckInputError) as bad:
        check.check_word("<w:document", [])
    assert bad.value.code == "invalid_xml" and "XML" in bad.value.message
    with pytest.raises(check.CheckInputError) as unsafe:
        check.check_word('<!DOCTYPE x [<!ENTITY a "b">]><x/>', [])
    assert unsafe.value.code == "unsafe_xml"
    with pytest.raises(check.CheckInputError) as nobody:
        check.check_word("<x/>", [])
    assert nobody.value.code == "missing_body"


def test_excel_check_equals_the_tagger() -> None:
    cells = {"B2": "要約そのまま", "C3": "手を入れた要約", "D4": "注記済みの要約"}
    rows = [("'集計 表'!B2", "X1", "要約そのまま"), ("'集計 表'!C3", "X2", "元の要約"),
            ("'集計 表'!E9", "X3", "消えた要約"), ("'集計 表'!D4", "X4", "注記済みの要約")]
    ins4 = tagger.Insertion("X4", "summarize", h.MODEL, "2026-11-20T01:02:03Z", "", "注記済みの要約")
    comment = "生成AI出力（要確認） X4\n\n" + disclosure.disclosure_text(ins4)
    data = h.xlsx_bytes(cells, comments={"D4": comment}, rows=rows)
    prov = [(c, i, "summarize", h.MODEL, "2026-11-20T01:02:03Z", "", t) for c, i, t in rows]
    values = {"'集計 表'!B2": "要約そのまま", "'集計 表'!C3": "手を入れた要約", "'集計 表'!D4": "注記済みの要約"}
    res = check.check_excel(prov, values, {"'集計 表'!D4": comment})
    assert _checked(res) == _report(data, ".xlsx")
    assert [(i.id, i.status, i.tagged) for i in res.items] == [
        ("X1", "unmodified", False), ("X2", "modified", False), ("X3", "missing", False), ("X4", "unmodified", True)]
    x1 = res.items[0].to_dict()
    assert x1["cell"] == "'集計 表'!B2" and x1["disclosure"] == disclosure.disclosure_text(
        tagger.Insertion("X1", "summarize", h.MODEL, "2026-11-20T01:02:03Z", "", "要約そのまま"))
