"""Result highlighting (common-5/6 spans) in both hosts, and the documentation screenshots.

The screenshots go to docs/ when OASIS_UPDATE_SCREENSHOTS=1 (or when missing there), else to the
test's temporary folder, so an ordinary test run leaves the working tree clean.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.taskpane.conftest import Pane
from tests.taskpane.test_pane_excel import TABLE, excel
from tests.taskpane.test_pane_word import SOURCE, word

DOCS = Path(__file__).resolve().parents[2] / "docs"


def screenshot(pane: Pane, name: str, tmp_path: Path) -> None:
    target = DOCS / name
    if os.environ.get("OASIS_UPDATE_SCREENSHOTS") != "1" and target.exists():
        target = tmp_path / name
    pane.page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000  # a real rendering, not an empty page


def assert_highlights(pane: Pane) -> None:
    marks = pane.page.query_selector_all("#result-text mark")
    assert marks
    messages = [li.inner_text() for li in pane.page.query_selector_all("#result-findings li.warn")]
    for mark in marks:
        assert mark.get_attribute("data-rule") in ("common-5", "common-6")
        assert any(mark.inner_text() in m for m in messages)  # each highlight is explained


def test_word_result_highlights_and_screenshot(open_pane, default_server, tmp_path: Path) -> None:
    paragraphs = [SOURCE[0], "窓口には看護婦と社会福祉士を配置し、健康の相談にも応じます。", *SOURCE[1:]]
    pane = open_pane(word(paragraphs, 3), server=default_server)
    pane.page.fill("#series", "相談窓口の案内文")
    pane.page.fill("#instruction", "120字程度で")
    pane.run()
    pane.wait_result()
    assert_highlights(pane)
    assert "看護婦" in [m.inner_text() for m in pane.page.query_selector_all("#result-text mark")]
    pane.page.check(".review[value=accuracy]")
    screenshot(pane, "taskpane-word.png", tmp_path)
    assert not pane.console_errors


def test_excel_result_highlights_and_screenshot(open_pane, default_server, tmp_path: Path) -> None:
    pane = open_pane(excel(TABLE, "A1:C4"), server=default_server)
    pane.page.fill("#series", "区別相談件数の集計")
    pane.run()
    pane.wait_result()
    assert_highlights(pane)  # the summary's totals are not in the table: flagged for checking
    pane.page.check(".review[value=accuracy]")
    screenshot(pane, "taskpane-excel.png", tmp_path)
    assert not pane.console_errors
