"""CSV that a spreadsheet reads as data, never as formulas (CSV injection, issue 10).

Two things go wrong in a naive export:

- A value holding a bare CR (`"件名\\r=1+1"`) written unquoted: Python's csv module quotes only
  the characters of its own line terminator, so with `\\n` a CR passes through bare and a reader
  (LibreOffice, Excel) ends the row there; the next "row" starts with `=1+1`, a live formula.
  The writer here ends rows with CRLF (RFC 4180), so CR, LF, the quote and the separator are all
  quoted (tests/security/test_csv_export.py checks the raw bytes and reads them back).
- A formula at the start of any line inside a value: a reader that splits on line breaks (or a
  person pasting one line) sees it at the start of a cell. Every line that starts with
  `= + - @`, a tab or CR (or their full-width forms, which some spreadsheets also accept), after
  any leading spaces, gets a leading `'` — the spreadsheet convention for "this is text".

JSON Lines exports stay exact; only CSV is neutralized (the `'` is visible to the reader).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

# A line whose first non-space character is one of these is a formula to Excel or LibreOffice.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
# Every line boundary str.splitlines() knows, so no reader's idea of a "line" is missed.
_LINE_BREAK = re.compile(r"(\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])")
_LEADING_SPACE = " \u3000"


def cell(value: Any) -> Any:
    """`value` with every line that would start a formula prefixed by `'`; non-text unchanged."""
    if not isinstance(value, str):
        return value
    parts = _LINE_BREAK.split(value)
    for i in range(0, len(parts), 2):  # even indexes are lines, odd ones the breaks between them
        if parts[i].lstrip(_LEADING_SPACE)[:1] in FORMULA_STARTS:
            parts[i] = "'" + parts[i]
    return "".join(parts)


def writer(out: IO[str]) -> Any:
    """A csv writer ending rows with CRLF, so CR, LF, quote and separator are always quoted."""
    return csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def write_rows(out: IO[str], header: Iterable[str], rows: Iterable[Iterable[Any]]) -> int:
    """The header, then each row with every cell neutralized; return how many rows."""
    w = writer(out)
    w.writerow(list(header))
    count = 0
    for row in rows:
        w.writerow([cell(v) for v in row])
        count += 1
    return count
