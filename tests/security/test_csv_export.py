"""CSV export (audit export --format csv): no row split by a bare CR, no live formula on any line.

Read back three ways: the raw bytes (quoting), Python's csv module, and LibreOffice Calc with
formula evaluation switched on (the reader an administrator actually opens the file with).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from addin_server.audit import chain, csvsafe
from tests.support import require

# (stored value, what the CSV cell must hold): known answers, not the function's own output.
CASES: list[tuple[object, object]] = [
    ("件名\r=1+1", "件名\r'=1+1"),
    ("件名\n@SUM(A1:A9)", "件名\n'@SUM(A1:A9)"),
    ("前文\r\n+cmd|' /C calc'!A0", "前文\r\n'+cmd|' /C calc'!A0"),
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("一行目\n二行目\r-2+3", "一行目\n二行目\r'-2+3"),
    ("  =1+1", "'  =1+1"),
    ("\t=1+1", "'\t=1+1"),
    ("件名\u2028＝1+1", "件名\u2028'＝1+1"),
    ("x,y", "x,y"),
    ('say "hi"', 'say "hi"'),
    ("普通の文です。", "普通の文です。"),
    ("a=b", "a=b"),  # a formula sign not at a line start is text already
    (-5, "-5"),  # a number is a number
    (None, ""),
]
COLUMN = "request_text"


def _rows() -> list[dict[str, object]]:
    return [{"seq": i + 1, "request_id": f"req-{i + 1}", COLUMN: value} for i, (value, _) in enumerate(CASES)]


def _export() -> str:
    buf = io.StringIO(newline="")
    assert chain.export(_rows(), buf, "csv") == len(CASES)
    return buf.getvalue()


def test_cells_are_neutralized_line_by_line() -> None:
    for value, expected in CASES:
        if isinstance(value, str):
            assert csvsafe.cell(value) == expected, value
    assert csvsafe.cell(-5) == -5 and csvsafe.cell(None) is None


def test_raw_csv_quotes_every_break_quote_and_separator() -> None:
    raw = _export()
    assert raw.count("\r\n") >= len(CASES) + 1  # RFC 4180 rows
    assert '"件名\r\'=1+1"' in raw  # the bare CR is inside quotes, not a row end
    assert '"件名\n\'@SUM(A1:A9)"' in raw
    assert '"x,y"' in raw and '"say ""hi"""' in raw
    # Outside quoted fields there is no CR or LF but the row terminators.
    outside, quoted = [], False
    for ch in raw:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(ch)
    assert "".join(outside).replace("\r\n", "").count("\r") == 0
    assert "".join(outside).replace("\r\n", "").count("\n") == 0


def test_python_csv_reads_one_row_per_record() -> None:
    rows = list(csv.DictReader(io.StringIO(_export(), newline="")))
    assert len(rows) == len(CASES) and list(rows[0]) == list(chain.EXPORT_FIELDS)
    assert [r[COLUMN] for r in rows] == [expected for _, expected in CASES]
    assert [r["request_id"] for r in rows] == [f"req-{i + 1}" for i in range(len(CASES))]


TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
# UTF-8, comma, double quote; token 13 = evaluate formulas ON, so a formula would be live.
CALC_FILTER = "CSV:44,34,76,1,,1041,false,true,false,false,false,-1,true"


def _calc(csv_text: str, tmp_path: Path, name: str) -> tuple[list[list[str]], int]:
    """The sheet LibreOffice Calc makes of `csv_text`: cell texts per row, and formula cells."""
    require("LIBREOFFICE", shutil.which("soffice") is not None, "LibreOffice not installed")
    src = tmp_path / f"{name}.csv"
    src.write_text(csv_text, encoding="utf-8", newline="")
    out = tmp_path / "lo-out"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--norestore",
         f"--infilter={CALC_FILTER}", "--convert-to", "fods", "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=180)
    result = out / f"{name}.fods"
    assert result.is_file(), proc.stdout + proc.stderr
    root = etree.parse(str(result), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    rows, formulas = [], 0
    for row in root.iter(f"{{{TABLE}}}table-row"):
        cells: list[str] = []
        for cell in row.iter(f"{{{TABLE}}}table-cell"):
            formulas += cell.get(f"{{{TABLE}}}formula") is not None
            repeat = min(int(cell.get(f"{{{TABLE}}}number-columns-repeated", "1")), len(chain.EXPORT_FIELDS))
            cells += ["\n".join("".join(p.itertext()) for p in cell.iter(f"{{{TEXT}}}p"))] * repeat
        rows.append(cells)
    return rows, formulas


@pytest.mark.libreoffice
def test_libreoffice_calc_sees_no_live_formula(tmp_path: Path) -> None:
    # Control: the old writer (LF rows, first character only) gives Calc a live formula, so
    # this reader and filter really do evaluate what they are given.
    old = io.StringIO(newline="")
    w = csv.writer(old, lineterminator="\n")
    w.writerow(["seq", COLUMN])
    w.writerow([1, "件名\r=1+1"])
    _, live = _calc(old.getvalue(), tmp_path, "old")
    assert live == 1

    rows, formulas = _calc(_export(), tmp_path, "audit")
    assert formulas == 0
    col = list(chain.EXPORT_FIELDS).index(COLUMN)
    data = [r for r in rows[1:] if any(r)]
    assert len(data) == len(CASES)  # no record split into two rows
    # Calc shows each line break as a new paragraph in the cell.
    shown = [r[col] for r in data]
    assert shown[0] == "件名\n'=1+1" and shown[1] == "件名\n'@SUM(A1:A9)"
    assert all(not line.startswith(("=", "+", "@")) for text in shown for line in text.split("\n"))
