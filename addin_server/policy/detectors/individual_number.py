"""Individual Numbers (個人番号, マイナンバー): 12 digits whose last digit is the check digit.

The check digit is verified with python-stdnum (`stdnum.jp.in_`). About one random 12-digit
number in ten passes it, so boundaries are strict: a number is a *run* of digit groups joined by
separators, and only a run that is exactly 12 digits (as one group or as 4-4-4) is a candidate,
or a lone 12-digit group set off by spaces. A 12-digit window inside a longer run (13-digit
corporate numbers, 16-digit card numbers, digits joined by hyphens, dots or commas) never
matches. Amounts (円, ¥) and numbers glued to Latin letters (codes) or a leading + (phones) are
not candidates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from stdnum.jp import in_ as stdnum_in

from addin_server.policy.textnorm import fold

_D = "[0-9０-９]"
_WS = "[ \u3000\u00a0\t]"
_DASH = "[-－‐‑‒–—―−ｰ]"
# Separators that can join digit groups into one run. Hyphens (with optional spaces around),
# one or two spaces, and the number punctuation . , (which make it a decimal or an amount).
_SEP = rf"(?:{_WS}{{0,2}}{_DASH}{_WS}{{0,2}}|{_WS}{{1,2}}|[.,，．])"
_RUN = re.compile(rf"{_D}+(?:{_SEP}{_D}+)*")
_GROUP = re.compile(_D + "+")
# Every separator the detector accepts between the 4-4-4 groups of an Individual Number (after
# `fold`, which maps full-width, thin/en/em/no-break spaces and the dash family to ASCII), so a
# test can run each one through every stored field. `redact` masks exactly what `find` accepts.
_SPACE_CHARS = (" ", "\u3000", "\u00a0", "\t", "\u2002", "\u2003", "\u2009")
_DASH_CHARS = ("-", "－", "‐", "‑", "‒", "–", "—", "―", "−", "ｰ", "﹣")
SEPARATORS: tuple[str, ...] = (
    *_SPACE_CHARS, *_DASH_CHARS, "  ", " - ", "\u3000－\u3000", " \u2009",
)
_KEYWORDS = re.compile(r"個人番号|マイナンバー|ﾏｲﾅﾝﾊﾞｰ|マイナ|my\s?number|番号", re.IGNORECASE)
_KEYWORD_WINDOW = 30


@dataclass(frozen=True)
class IndividualNumberMatch:
    start: int
    end: int
    digits: str  # never logged or shown; use `masked`
    near_keyword: bool

    @property
    def masked(self) -> str:
        return mask(self.digits)


def mask(digits: str) -> str:
    """`**** **** 0257`: only the last four digits stay visible."""
    return "**** **** " + digits[-4:]


def is_valid(digits: str) -> bool:
    return len(digits) == 12 and digits.isdigit() and stdnum_in.is_valid(digits)


def _blocked_context(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
        return True  # part of an alphanumeric code
    if before and before in "+＋¥￥$＄":
        return True  # international phone number or amount
    return after == "円"


@lru_cache(maxsize=8)
def find_cached(text: str) -> tuple[IndividualNumberMatch, ...]:
    """`find` for a whole request text, remembered briefly: the rules and the people counter
    both scan the same text."""
    return tuple(find(text))


def find(text: str) -> list[IndividualNumberMatch]:
    """Every Individual Number in `text`, with offsets into `text`."""
    out: list[IndividualNumberMatch] = []
    if len(text) < 12:
        return out
    # One normalization for detection and masking: the folded text has the same length, so its
    # offsets are the original's, and separators such as U+2009 or U+FE63 join groups here too.
    text = fold(text)
    for run in _RUN.finditer(text):
        if run.end() - run.start() < 12 or len(_GROUP_ONLY.sub("", run.group())) < 12:
            continue  # fewer than 12 digits (phone numbers, dates)
        for start, end in _candidates(run.group(), run.start()):
            digits = fold(_GROUP_ONLY.sub("", text[start:end]))
            if not is_valid(digits) or _blocked_context(text, start, end):
                continue
            window = text[max(0, start - _KEYWORD_WINDOW) : start]
            out.append(IndividualNumberMatch(start, end, digits, bool(_KEYWORDS.search(window))))
    return out


_GROUP_ONLY = re.compile(r"[^0-9０-９]")


def _candidates(run: str, offset: int) -> Iterator[tuple[int, int]]:
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    lengths = [e - s for s, e in groups]
    seps = [run[groups[i][1] : groups[i + 1][0]] for i in range(len(groups) - 1)]
    if lengths == [12]:
        yield offset + groups[0][0], offset + groups[0][1]
        return
    if lengths == [4, 4, 4] and not any(c in ".,，．" for s in seps for c in s):
        yield offset, offset + len(run)
        return
    # A lone 12-digit group set off only by spaces (e.g. "No. 1 123456789018") still counts;
    # one joined by a hyphen or number punctuation is part of a longer number.
    for i, n in enumerate(lengths):
        if n != 12:
            continue
        left = seps[i - 1] if i > 0 else " "
        right = seps[i] if i < len(seps) else " "
        if left.strip(" \u3000\u00a0\t") == "" and right.strip(" \u3000\u00a0\t") == "":
            yield offset + groups[i][0], offset + groups[i][1]


def cell_digits(value: object) -> str | None:
    """The 12 digits of a numeric cell that could hold an Individual Number, else None.

    Spreadsheets store numbers without leading zeros, so 11-digit integers are padded to 12.
    Floats count only when they are whole numbers (1.23456789018e11 is 123456789018)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int):
        if 10**10 <= value < 10**12:
            return f"{value:012d}"
        return None
    return None


def find_in_cell(value: object) -> list[IndividualNumberMatch]:
    """Individual Numbers in one table cell (string or number)."""
    if isinstance(value, str):
        return find(value)
    digits = cell_digits(value)
    if digits is not None and is_valid(digits):
        text = str(value)
        return [IndividualNumberMatch(0, len(text), digits, False)]
    return []


def redact(text: str) -> str:
    """`text` with every Individual Number replaced by its masked form."""
    matches = find(text)
    if not matches:
        return text
    parts: list[str] = []
    pos = 0
    for m in matches:
        parts.append(text[pos : m.start])
        parts.append(m.masked)
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts)


def redact_cell(value: object) -> object:
    """A cell with any Individual Number masked (numbers become the masked string)."""
    if isinstance(value, str):
        return redact(value)
    matches = find_in_cell(value)
    return matches[0].masked if matches else value
