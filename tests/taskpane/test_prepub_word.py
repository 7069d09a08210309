"""公開前チェック in Word: the pane lists what the batch tagger reports, selects entries, and adds
the tagger's own disclosures so that tagging afterwards changes nothing."""

from __future__ import annotations

from pathlib import Path

from docx_tools import disclosure, tagger
from tests.docx_tools import helpers as h
from tests.docx_tools.test_tagger_docx import _all_cases
from tests.docx_tools.test_tagger_per_edit import PL_TEXT, per_edit_document
from tests.taskpane.prepub_support import fake_word, units_of_report, with_pane_comments
from tests.taskpane.test_screenshots import screenshot

AUTHOR = "職員 太郎"  # the fake host's user: Office.js writes comments under the person's name


def open_prepub(open_pane, fake, **kw):
    pane = open_pane(fake, **kw)
    pane.page.wait_for_selector("#view-tabs:not([hidden])")
    pane.page.click("#tab-prepub")
    assert pane.page.is_hidden("#view-generate") and pane.page.is_visible("#view-prepub")
    return pane


def run_check(pane) -> dict[str, str]:
    pane.page.click("#prepub-run")
    pane.page.wait_for_selector("#prepub-result:not([hidden])", timeout=20000)
    pane.page.wait_for_selector("#prepub-status:not([hidden])")
    return {li.get_attribute("data-key"): li.get_attribute("data-status")
            for li in pane.page.query_selector_all(".prepub-list li")}


def _flow(open_pane, data: bytes) -> None:
    _same, before = tagger.process_bytes(data, ".docx", dry_run=True)
    pane = open_prepub(open_pane, fake_word(data))
    listed = run_check(pane)
    assert listed == units_of_report(before)  # the pane's statuses are the tagger's
    pending = [li.get_attribute("data-key") for li in pane.page.query_selector_all("#prepub-list-pending li")]
    assert pending and pane.page.is_visible("#prepub-group-pending")
    assert "公開できません" in pane.page.inner_text("#prepub-status")
    # The disclosures the tagger would add, word for word.
    tagged_by_tool, _ = tagger.process_bytes(data, ".docx")
    tool_texts = sorted(t for _a, t in h.comments_of(tagged_by_tool))
    assert len(tool_texts) >= 2
    pane.page.click("#prepub-tag")
    pane.page.wait_for_selector("#prepub-status.ok:not([hidden])", timeout=20000)
    added = pane.snapshot()["word"]["comments"]
    assert sorted(c["text"] for c in added) == tool_texts
    assert all(c["author"] == AUTHOR for c in added)
    assert pane.page.is_disabled("#prepub-tag")
    # Checking again reads the new comments back (body.getComments): nothing is left to add.
    pane.page.click("#prepub-run")
    pane.page.wait_for_selector("#prepub-status.ok:not([hidden]), #prepub-status.error:not([hidden])")
    pane.page.wait_for_selector("#prepub-result:not([hidden])")
    assert pane.page.is_disabled("#prepub-tag")
    assert "注記なし" not in pane.page.inner_text("#prepub-list-unmodified")
    # Tagging the document as it stands now (the pane's comments in it) changes nothing.
    after = with_pane_comments(data, added, AUTHOR)
    new, results = tagger.process_bytes(after, ".docx")
    assert new is None
    assert units_of_report(results) == units_of_report(before)
    assert all(r.tagged for r in results if r.status == disclosure.UNMODIFIED)


def test_summaries_in_every_status(open_pane) -> None:
    _flow(open_pane, _all_cases())


def test_per_edit_proofreads_and_an_old_proofread(open_pane) -> None:
    _flow(open_pane, per_edit_document())


def test_clicking_an_entry_selects_it_in_the_document(open_pane) -> None:
    pane = open_prepub(open_pane, fake_word(per_edit_document()))
    run_check(pane)
    pane.page.click("button.prepub-item[data-key='PU#1']")
    pane.page.wait_for_function("window.__fake.snapshot().word.selectionText === 'ください'")
    # An edit whose control was removed is found by its text.
    pane.page.focus("button.prepub-item[data-key='PL#1']")
    pane.page.keyboard.press("Enter")
    pane.page.wait_for_function(f"window.__fake.snapshot().word.selectionText === {PL_TEXT!r}")
    # A missing entry cannot be selected.
    assert pane.page.is_disabled("button.prepub-item[data-key='PM#2']")


def test_already_tagged_document_needs_nothing(open_pane) -> None:
    tagged, _ = tagger.process_bytes(_all_cases(), ".docx")
    data = tagged
    pane = open_prepub(open_pane, fake_word(data))
    run_check(pane)
    assert pane.page.is_disabled("#prepub-tag")
    assert "注記済み" in pane.page.inner_text("#prepub-list-unmodified")


def test_empty_state_and_accessible_structure(open_pane) -> None:
    data = h.docx_bytes(["生成AIを使っていない文書です。"])
    pane = open_prepub(open_pane, fake_word(data))
    assert run_check(pane) == {}
    assert pane.page.is_visible("#prepub-empty")
    assert pane.page.get_attribute("#prepub-status", "role") == "status"
    assert "記録はありません" in pane.page.inner_text("#prepub-status")
    # Tabs: keyboard operable (arrow keys), selected state exposed, panels labelled by their tab.
    assert pane.page.get_attribute("#view-generate", "role") == "tabpanel"
    assert pane.page.get_attribute("#view-generate", "aria-labelledby") == "tab-generate"
    assert pane.page.get_attribute("#view-prepub", "aria-labelledby") == "tab-prepub"
    headings = [h.inner_text() for h in pane.page.query_selector_all("#view-prepub h2, #view-prepub h3")]
    assert headings[:2] == ["公開前チェック", "確認結果"] and "確認待ち（このままでは公開できません）" in headings
    pane.page.focus("#tab-prepub")
    pane.page.keyboard.press("ArrowLeft")
    assert pane.page.get_attribute("#tab-generate", "aria-selected") == "true"
    assert pane.page.is_visible("#view-generate") and pane.page.is_hidden("#view-prepub")
    pane.page.keyboard.press("ArrowRight")
    assert pane.page.evaluate("document.activeElement.id") == "tab-prepub"
    assert pane.page.is_visible("#view-prepub")


def test_without_wordapi_14_says_so_before_reading(open_pane) -> None:
    fake = fake_word(_all_cases())
    fake["sets"] = {"WordApi": "1.3"}
    pane = open_prepub(open_pane, fake)
    assert pane.page.is_disabled("#prepub-run")
    assert "oasis-addin tag" in pane.page.inner_text("#prepub-status")
    assert pane.calls("body.getOoxml") == []


def test_screenshot(open_pane, default_server, tmp_path: Path) -> None:
    pane = open_prepub(open_pane, fake_word(per_edit_document()), server=default_server)
    run_check(pane)
    screenshot(pane, "prepub-word.png", tmp_path)
