"""Individual Numbers (個人番号, マイナンバー): 12 digits whose last digit is the check digit.

The check digit is verified with python-stdnum (`stdnum.jp.in_`). About one random 12-digit
number in ten passes it, so boundaries are strict. Text is read through ONE normalization,
`textnorm.number_fold`, which `redact` shares with `find`: every separator in `SEPARATORS`
(spaces of every width, hyphens, dashes, minus, ー/ｰ typed for a hyphen, ・, ／, line breaks,
zero-width characters) is accepted between digit groups, and full-width digits are digits.

A *run* is digit groups joined by separators. Soft separators (spaces, line breaks) split a run
into *chunks*; hyphen-like marks join groups inside a chunk. A candidate is:
- one chunk of exactly 12 digits written as 12 or 4-4-4 (any grouping when labelled);
- consecutive one-group chunks making 12 digits as 4 4 4, one digit at a time (7 8 8 0 …), or
  split only by line breaks (a soft wrap anywhere); any grouping when labelled;
- and its neighbours in the run are separate numbers (a 12-digit window inside a 13–19 digit
  card, account or JAN code never matches: 4111 1234 5678 9018 does not).
Invisible characters join digits. 漢数字 digits (一二〇六 四七六一 …) count only when an
Individual Number label is near. Excel strings (`8.35390206113E+11`, `835390206113.0`) count.

A match is `certain` (blocks) unless its context says it is plainly something else: a valid
date-time under a date/time label or in a file name, a receipt number yyyy-mmdd-nnnn under a
受付番号 label, an amount (円, ¥, money column), a number glued to Latin letters (a code), or a
label naming another kind of number (口座, カード, 会員番号, …). Those warn instead, unless an
Individual Number label (個人番号, マイナンバー) is nearer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from stdnum.jp import in_ as stdnum_in

from addin_server.policy.textnorm import (
    KANJI_DIGITS,
    NUMBER_BREAKS,
    NUMBER_DASHES,
    NUMBER_INVISIBLE,
    NUMBER_MARKS,
    NUMBER_SPACES,
    compare_key,
    number_fold,
)

# Every separator string the detector accepts between digit groups (COMMON contract 4): each
# character on its own, and the usual combinations (space-hyphen-space, CR LF, hyphen at a wrap).
SEPARATORS: tuple[str, ...] = (
    *NUMBER_SPACES,
    *NUMBER_DASHES,
    *NUMBER_MARKS,
    *NUMBER_BREAKS,
    *NUMBER_INVISIBLE,
    "\r\n",
    " - ",
    " ー ",
    "　－　",
    "-\n",
    " \n",
    "  ",
)

_IN_LABEL = re.compile(r"個人番号カード|マイナンバーカード|個人番号|マイナンバー|ﾏｲﾅﾝﾊﾞｰ|マイナ番号|まいなんばー|my\s?number|個人No", re.IGNORECASE)
# Labels that say a number is something else (nearest label wins over an earlier IN label).
_DATE_LABEL = r"日時|日付|年月日|時刻|更新|作成|登録日|タイムスタンプ|timestamp|date|time|バックアップ|backup|ログ|log"
_RECEIPT_LABEL = r"受付番号|受付No|整理番号|申請番号|受理番号|問合せ番号|問い合わせ番号|お問合せ番号|管理番号|文書番号"
_OTHER_LABEL = (
    r"法人番号|登録番号|インボイス|口座|ゆうちょ|記号|銀行|支店|カード|クレジット|会員番号|顧客番号|お客様番号|注文番号"
    r"|伝票|製造番号|シリアル|serial|S/N|型番|品番|JAN|商品コード|バーコード|電話|TEL|FAX|携帯|郵便|証券番号|契約番号"
    r"|保険証|被保険者|請求番号|金額|料金|円|¥|残高|支給額|合計"
)
_LABEL = re.compile(rf"(?P<in>{_IN_LABEL.pattern})|(?P<date>{_DATE_LABEL})|(?P<receipt>{_RECEIPT_LABEL})"
                    rf"|(?P<other>{_OTHER_LABEL})", re.IGNORECASE)
_KEYWORD_WINDOW = 30
_AFTER_WINDOW = 12
_LABEL_GAP = 6  # characters between another kind's label and the number (番号：, No.)

_RUN = re.compile(r"[0-9](?:(?:[ \n\u200b-]{1,4}|[.,])?[0-9])*")
_SOFT = frozenset(" \n\u200b")
_SCI = re.compile(r"(?<![0-9.])([0-9])\.([0-9]{1,14})[eE]\+?([0-9]{1,2})(?![0-9])")
_SCI_HINT = re.compile(r"[0-9][eE]\+?[0-9]")
_WHOLE_FLOAT = re.compile(r"(?<![0-9.,])([0-9]{11,12})\.0+(?![0-9])")
_KANJI_RUN = re.compile(r"[0-9](?:[ \n\u200b\-]{0,4}[0-9])*")
_FILE_NAME = re.compile(r"[\w\-.]*\.(?:zip|bak|log|csv|xlsx?|docx?|pdf|txt|json|tar|gz|7z|dat|sql)\b", re.IGNORECASE)
_FILE_PREFIX = re.compile(r"[_\-]$")
# A serial or code: letters joined to the digits by a hyphen or underscore (ABC-123…, …_X).
_CODE_BEFORE = re.compile(r"[A-Za-z][\-_‐－]$")
_CODE_AFTER = re.compile(r"[\-_‐－][A-Za-z]")


@dataclass(frozen=True)
class IndividualNumberMatch:
    start: int
    end: int
    digits: str  # never logged or shown; use `masked`
    near_keyword: bool
    certain: bool = True  # False: plainly something else by its context (warn, not block)
    reason: str = ""  # why it is uncertain (Japanese, shown in the warning)

    @property
    def masked(self) -> str:
        return mask(self.digits)


def mask(digits: str) -> str:
    """`**** **** 0257`: only the last four digits stay visible."""
    return "**** **** " + digits[-4:]


def is_valid(digits: str) -> bool:
    return len(digits) == 12 and digits.isdigit() and stdnum_in.is_valid(digits)


def _is_datetime(digits: str) -> bool:
    """yyyymmddhhmm or yymmddhhmmss that is a real date-time."""
    for fmt in ("%Y%m%d%H%M", "%y%m%d%H%M%S"):
        try:
            d = datetime.strptime(digits, fmt)
        except ValueError:
            continue
        if 1900 <= d.year <= 2100:
            return True
    return False


def _is_receipt(digits: str) -> bool:
    """yyyy-mmdd-nnnn: a year and a real month-day first."""
    try:
        datetime.strptime(digits[:8], "%Y%m%d")
    except ValueError:
        return False
    return 1900 <= int(digits[:4]) <= 2100


def _label(text: str, start: int, end: int) -> tuple[str | None, bool]:
    """(kind of the label that governs the number, whether it is labelled as an Individual
    Number). The last label before the number wins: an Individual Number label within 30
    characters, or another kind's label right before the number (会員番号：…); an Individual
    Number label just after the number (…（マイナンバー）) labels it too."""
    lo = max(0, start - _KEYWORD_WINDOW)
    last: str | None = None
    for m in _LABEL.finditer(text, lo, start):
        # Another kind of number only when its label sits right before it (会員番号：…), not
        # anywhere in the sentence (電話で聞き取った番号 …).
        if m.lastgroup == "in" or start - m.end() <= _LABEL_GAP:
            last = m.lastgroup
    after = text[end : end + _AFTER_WINDOW].split("\n", 1)[0]
    return last, last == "in" or bool(_IN_LABEL.search(after))


def _context(text: str, start: int, end: int, digits: str, grouping: str,
             labelled_hint: bool = False) -> tuple[bool, bool, str] | None:
    """(certain, near_keyword, reason) for a valid number at text[start:end], or None when it is
    no candidate at all."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    kind, labelled = _label(text, start, end)
    labelled = labelled or labelled_hint
    if labelled or kind == "in":
        return True, True, ""
    glued = (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()) \
        or bool(_CODE_BEFORE.search(text, max(0, start - 2), start)) or bool(_CODE_AFTER.match(text, end))
    if glued:
        # Glued to letters it is a code (型番) unless it sits in a file name or a URL.
        line_start = text.rfind("\n", 0, start) + 1
        word = re.split(r"[\s　「」『』（）()、。]", text[line_start:start])[-1] + \
            re.split(r"[\s　「」『』（）()、。]", text[end : end + 40])[0]
        if not (_FILE_NAME.search(word) or "/" in word) or _is_datetime(digits):
            return False, False, "英字と続いた番号（型番・コードなど）"
    if before and before in "+＋":
        return False, False, "国際電話番号の形式"
    if (before and before in "¥￥$＄") or after == "円":
        return False, False, "金額"
    if kind == "date" and _is_datetime(digits):
        return False, False, "日時"
    if _is_datetime(digits):
        line_start = text.rfind("\n", 0, start) + 1
        word = re.split(r"[\s　「」『』（）()]", text[line_start:start])[-1] + text[start : end + 12]
        if _FILE_NAME.search(word) or _FILE_PREFIX.search(text[max(0, start - 1) : start]):
            return False, False, "ファイル名の日時"
    if kind == "receipt" and grouping == "4-4-4" and _is_receipt(digits):
        return False, False, "受付番号"
    if kind == "other":
        return False, False, "他の種類の番号"
    return True, False, ""


@lru_cache(maxsize=8)
def find_cached(text: str) -> tuple[IndividualNumberMatch, ...]:
    """`find` for a whole request text, remembered briefly: the rules and the people counter
    both scan the same text."""
    return tuple(find(text))


def find(text: str) -> list[IndividualNumberMatch]:
    """Every Individual Number in `text`, with offsets into `text` (sorted, not overlapping)."""
    if len(text) < 12:
        return []
    folded = number_fold(text)
    out: list[IndividualNumberMatch] = []
    taken: list[tuple[int, int]] = []
    labelled_text = None
    for run in _RUN.finditer(folded):
        r = run.group()
        if len(r) < 12 or len(r) - r.count("-") - r.count(" ") - r.count("\n") - r.count(".") - r.count(",") \
                - r.count("\u200b") < 12:
            continue  # fewer than 12 digits (phone numbers, dates)
        if labelled_text is None:
            labelled_text = bool(_IN_LABEL.search(text))
        for start, end, digits, grouping, hint in _candidates(folded, run.start(), run.end(), labelled_text, text):
            ctx = _context(text, start, end, digits, grouping, hint)
            if ctx is not None:
                out.append(IndividualNumberMatch(start, end, digits, ctx[1], ctx[0], ctx[2]))
                taken.append((start, end))
    _excel_strings(text, folded, out, taken)
    if labelled_text is None:
        labelled_text = bool(_IN_LABEL.search(text))
    if labelled_text:
        _kanji_numbers(text, out, taken)
    out.sort(key=lambda m: m.start)
    return out


def _groups(folded: str, start: int, end: int) -> tuple[list[tuple[int, int]], list[str]]:
    """Digit groups (start, end) of a run and the separators between them; invisible
    characters join digits."""
    groups: list[tuple[int, int]] = []
    seps: list[str] = []
    i = start
    while i < end:
        j = i
        while j < end and (folded[j].isdigit() or (folded[j] == "\u200b" and j + 1 < end)):
            j += 1
        if groups and i == groups[-1][1]:
            groups[-1] = (groups[-1][0], j)
        else:
            groups.append((i, j))
        k = j
        while k < end and not folded[k].isdigit():
            k += 1
        if k < end:
            seps.append(folded[j:k])
        i = k
    return groups, seps


def _ndigits(folded: str, s: int, e: int) -> str:
    return "".join(c for c in folded[s:e] if c.isdigit())


def _candidates(folded: str, start: int, end: int, labelled_text: bool,
                text: str) -> Iterator[tuple[int, int, str, str, bool]]:
    """(start, end, digits, grouping, labelled) of the valid 12-digit windows of one run."""
    groups, seps = _groups(folded, start, end)
    # Chunks: groups joined by hard separators (hyphen-like, . ,); soft ones (spaces, breaks)
    # separate chunks.
    chunks: list[list[int]] = [[0]]
    chunk_seps: list[str] = []
    for i, sep in enumerate(seps):
        # Between two groups of 12+ digits any separator parts two numbers (123456789018,
        # 987654321098 or …/…): no amount, card or account has such groups.
        if set(sep) <= _SOFT or (groups[i][1] - groups[i][0] >= 12 and groups[i + 1][1] - groups[i + 1][0] >= 12):
            chunks.append([i + 1])
            chunk_seps.append(sep)
        else:
            chunks[-1].append(i + 1)
    lens = [sum(groups[g][1] - groups[g][0] - folded.count("\u200b", *groups[g]) for g in c) for c in chunks]
    total = sum(lens)
    if total < 12:
        return
    punct = [any(c in ".," for g in c[:-1] for c in seps[g]) for c in chunks]

    def glens(c: list[int]) -> list[int]:
        return [groups[g][1] - groups[g][0] - folded.count("\u200b", *groups[g]) for g in c]

    labelled_cache: dict[int, bool] = {}

    def labelled(ci: int) -> bool:
        if not labelled_text:
            return False
        if ci not in labelled_cache:
            s = groups[chunks[ci][0]][0]
            labelled_cache[ci] = _label(text, s, groups[chunks[ci][-1]][1])[1]
        return labelled_cache[ci]

    windows: list[tuple[int, int, str]] = []  # (first chunk, last chunk, grouping)
    for a in range(len(chunks)):
        n = 0
        for b in range(a, len(chunks)):
            n += lens[b]
            if n > 12:
                break
            if n < 12:
                continue
            if any(punct[a : b + 1]):
                break
            if a == b:
                gl = glens(chunks[a])
                if gl == [12]:
                    windows.append((a, b, "12"))
                elif gl == [4, 4, 4]:
                    windows.append((a, b, "4-4-4"))
                elif labelled(a):
                    windows.append((a, b, "other"))
                break
            if any(len(chunks[c]) > 1 for c in range(a, b + 1)):
                if labelled(a):
                    windows.append((a, b, "other"))
                break
            gl = lens[a : b + 1]
            inner = chunk_seps[a:b]
            if gl == [4, 4, 4]:
                windows.append((a, b, "4-4-4"))
            elif all(x == 1 for x in gl) or all("\n" in s for s in inner) or labelled(a):
                windows.append((a, b, "other"))
            break
    if not windows:
        return

    def independent(ci: int, a: int, b: int) -> bool:
        """A neighbour chunk that is a number of its own (or part of another whole number not
        overlapping window a..b), not the rest of a longer one."""
        if ci < 0 or ci >= len(chunks) or len(chunks[ci]) > 1 or lens[ci] <= 3 or lens[ci] >= 8:
            return True
        return any(x <= ci <= y and (y < a or x > b) for x, y, _ in windows)

    last_end = -1
    for a, b, grouping in windows:
        if a <= last_end:
            continue
        if not (independent(a - 1, a, b) and independent(b + 1, a, b)) and not labelled(a):
            continue
        s = groups[chunks[a][0]][0]
        e = groups[chunks[b][-1]][1]
        digits = _ndigits(folded, s, e)
        if is_valid(digits):
            last_end = b
            yield s, e, digits, grouping, labelled(a)


def _free(taken: list[tuple[int, int]], s: int, e: int) -> bool:
    return all(e <= ts or s >= te for ts, te in taken)


def _excel_strings(text: str, folded: str, out: list[IndividualNumberMatch],
                   taken: list[tuple[int, int]]) -> None:
    """Numbers Excel wrote as floats: 8.35390206113E+11, 835390206113.0."""
    if "." not in folded:
        return
    for m in _SCI.finditer(folded) if _SCI_HINT.search(folded) else ():
        mantissa, exp = m.group(1) + m.group(2), int(m.group(3))
        if len(m.group(2)) > exp or exp not in (10, 11):
            continue  # not a whole number of 11-12 digits
        digits = (mantissa + "0" * (exp - len(m.group(2)))).zfill(12)
        _add(text, m.start(), m.end(), digits, out, taken)
    for m in _WHOLE_FLOAT.finditer(folded) if ".0" in folded else ():
        _add(text, m.start(), m.end(), m.group(1).zfill(12), out, taken)


def _add(text: str, s: int, e: int, digits: str, out: list[IndividualNumberMatch],
         taken: list[tuple[int, int]], *, labelled: bool = False) -> None:
    if not is_valid(digits) or not _free(taken, s, e):
        return
    ctx = _context(text, s, e, digits, "12", labelled)
    if ctx is not None:
        out.append(IndividualNumberMatch(s, e, digits, ctx[1], ctx[0], ctx[2]))
        taken.append((s, e))


def _kanji_numbers(text: str, out: list[IndividualNumberMatch], taken: list[tuple[int, int]]) -> None:
    """漢数字 numbers (一二〇六 四七六一 …) right after an Individual Number label (only the
    window after each label is read: 漢数字 are everywhere in prose)."""
    for label in _IN_LABEL.finditer(text):
        lo, hi = label.end(), min(len(text), label.end() + 60)
        window = text[lo:hi]
        if not any(c in window for c in KANJI_DIGITS):
            continue
        folded = number_fold(window, kanji=True)
        for m in _KANJI_RUN.finditer(folded):
            digits = "".join(c for c in m.group() if c.isdigit())
            if len(digits) != 12 or not any(c in KANJI_DIGITS for c in window[m.start() : m.end()]):
                continue
            _add(text, lo + m.start(), lo + m.end(), digits, out, taken, labelled=True)


# --- Cells ------------------------------------------------------------------------------------

_IN_HEADER = ("個人番号", "マイナンバー", "mynumber", "マイナ")
_DATE_HEADER = ("日時", "日付", "更新", "作成", "時刻", "タイムスタンプ", "timestamp", "date", "time")
_MONEY_HEADER = ("金額", "円", "額", "料金", "費", "税", "残高", "合計", "単価", "価格", "amount", "price")
_RECEIPT_HEADER = ("受付番号", "整理番号", "申請番号", "管理番号", "受付no")


def header_kind(value: object) -> str | None:
    """What a header cell says its column holds: "in", "date", "money", "receipt" or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    h = compare_key(value)
    for kind, words in (("in", _IN_HEADER), ("receipt", _RECEIPT_HEADER), ("date", _DATE_HEADER),
                        ("money", _MONEY_HEADER)):
        if any(w in h for w in words):
            return kind
    return None


def cell_digits(value: object, *, labelled: bool = False) -> str | None:
    """The 12 digits of a numeric cell that could hold an Individual Number, else None.

    Spreadsheets store numbers without leading zeros, so 11-digit integers are padded to 12 (in
    a column labelled 個人番号/マイナンバー, any integer of 9 or more digits). Floats count only
    when they are whole numbers (1.23456789018e11 is 123456789018)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int):
        if (10**10 if not labelled else 10**8) <= value < 10**12:
            return f"{value:012d}"
        return None
    return None


def find_in_cell(value: object, *, column: str | None = None) -> list[IndividualNumberMatch]:
    """Individual Numbers in one table cell (string or number). `column` is the column's
    `header_kind` when known: an "in" column pads lost leading zeros and makes every match
    certain; a date, money or receipt column makes a plain match a warning."""
    if isinstance(value, str):
        found = find(value)
        if column == "in":
            if not found and len(value) < 40:
                d = "".join(c for c in number_fold(value) if c.isdigit())
                if 9 <= len(d) <= 12 and len(d) == len(value.strip()) and is_valid(d.zfill(12)):
                    s = len(value) - len(value.lstrip())
                    found = [IndividualNumberMatch(s, s + len(value.strip()), d.zfill(12), True)]
            return [_certain(m) for m in found]
        return [_column_context(m, column) for m in found]
    digits = cell_digits(value, labelled=column == "in")
    if digits is not None and is_valid(digits):
        text = str(value)
        m = IndividualNumberMatch(0, len(text), digits, column == "in")
        return [m if column == "in" else _column_context(m, column)]
    return []


def _certain(m: IndividualNumberMatch) -> IndividualNumberMatch:
    return IndividualNumberMatch(m.start, m.end, m.digits, True, True, "")


def _column_context(m: IndividualNumberMatch, column: str | None) -> IndividualNumberMatch:
    if not m.certain or m.near_keyword or column is None:
        return m
    reason = ""
    if column == "date" and _is_datetime(m.digits):
        reason = "日時の列"
    elif column == "money":
        reason = "金額の列"
    elif column == "receipt" and _is_receipt(m.digits):
        reason = "受付番号の列"
    if not reason:
        return m
    return IndividualNumberMatch(m.start, m.end, m.digits, False, False, reason)


@dataclass(frozen=True)
class CellMatch:
    """A number in a table: in one cell (`col_end == col`) or spread over cells `col`..`col_end`
    of one row (12 boxed digits, 4+4+4); `match` offsets are into cell `col`."""

    row: int
    col: int
    col_end: int
    match: IndividualNumberMatch


_HEADER_ROWS = 5


def _small_digits(v: object) -> str | None:
    """The digits of a cell that can be a box or a group of a number split over cells."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and 0 <= v <= 9999:
        return str(v)
    if isinstance(v, float) and v.is_integer() and 0 <= v <= 9999:
        return str(int(v))
    if isinstance(v, str) and len(v) <= 8:
        s = number_fold(v.strip())
        if 1 <= len(s) <= 4 and s.isdigit():
            return s
    return None


def _row_spans(row: Sequence[object], labels: dict[int, str], labelled_row: bool) -> Iterator[CellMatch]:
    """Numbers spread over consecutive cells of one row: 12 one-digit boxes, or 4+4+4."""
    run: list[tuple[int, str]] = []
    last = -2  # column of the run's last cell, separator cells (「-」) included
    for c in [*range(len(row)), -1]:
        v = row[c] if c >= 0 else None
        d = _small_digits(v) if c >= 0 else None
        if d is not None and (not run or last == c - 1):
            run.append((c, d))
            last = c
            continue
        if run and last == c - 1 and isinstance(v, str) and v.strip() and v.strip() in SEPARATORS:
            last = c  # a cell holding only a hyphen between groups
            continue
        if len(run) >= 3:
            yield from _split_cells(row, run, labels, labelled_row)
        run = [(c, d)] if d is not None else []
        last = c


def _split_cells(row: Sequence[object], run: list[tuple[int, str]], labels: dict[int, str],
                 labelled_row: bool) -> Iterator[CellMatch]:
    lens = [len(d) for _, d in run]
    labelled = labelled_row or any(labels.get(c) == "in" for c, _ in run)
    texts = all(isinstance(row[c], str) for c, _ in run)
    if lens == [1] * 12:
        pass
    elif lens == [4, 4, 4]:
        # Years in a header row (2022 2023 2024) are not a number.
        if not labelled and not texts and all(1900 <= int(d) <= 2100 for _, d in run):
            return
    else:
        return
    digits = "".join(d for _, d in run)
    if is_valid(digits):
        first = run[0][0]
        # 12 boxes of one digit each are a form's number box whatever their type; three numeric
        # 4-digit cells may be a table's own figures: warn.
        certain = labelled or texts or lens == [1] * 12
        reason = "" if certain else "数値のセルの並び"
        yield CellMatch(-1, first, run[-1][0],
                        IndividualNumberMatch(0, len(str(row[first])), digits, labelled, certain, reason))


def find_in_cells(cells: Iterable[Sequence[object]]) -> Iterator[CellMatch]:
    """Every Individual Number in a table, one row at a time (bounded memory).

    Header rows (the first ones, a title row may come first) label columns: 個人番号 /
    マイナンバー columns pad lost leading zeros and block; date, money and receipt columns turn
    plain matches into warnings. A label cell (個人番号) to the left labels the rest of its row."""
    labels: dict[int, str] = {}
    for r, row in enumerate(cells):
        if r < _HEADER_ROWS:
            kinds = {c: k for c, v in enumerate(row) if (k := header_kind(v))}
            if kinds and all(isinstance(v, str) or v is None for v in row):
                labels = kinds
                # A header row holds no numbers of its own worth reporting beyond text ones.
        labelled_row = False
        small = 0
        for c, v in enumerate(row):
            if v is None:
                continue
            col = labels.get(c) or ("in" if labelled_row else None)
            # Fast paths (a million cells): short text and small numbers hold no number of
            # their own unless the column is labelled; they may be one box or group of one.
            if isinstance(v, str):
                n = len(v)
                if n <= 20 and _IN_LABEL.search(v) and not any(ch.isdigit() for ch in v):
                    labelled_row = True  # a label cell (個人番号) labels the rest of its row
                    continue
                if n <= 8 and _small_digits(v) is not None:
                    small += 1
                if n < 9 or (n < 12 and col != "in"):
                    continue
            elif isinstance(v, bool):
                continue
            elif isinstance(v, int):
                if 0 <= v <= 9999:
                    small += 1
                if v < 10**8:
                    continue
            elif _small_digits(v) is not None:
                small += 1
            for m in find_in_cell(v, column=col):
                yield CellMatch(r, c, c, m)
        if small >= 3:
            for cm in _row_spans(row, labels, labelled_row):
                yield CellMatch(r, cm.col, cm.col_end, cm.match)


def redact(text: str) -> str:
    """`text` with every Individual Number `find` accepts replaced by its masked form."""
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


def redact_rows(cells: Iterable[Sequence[object]]) -> list[list[object]]:
    """The table with every Individual Number `find_in_cells` accepts masked: a cell holding one
    has it replaced by the masked form (a numeric cell becomes that text); a number spread over
    cells is masked in its first cell and the other cells become "*"."""
    out = [list(row) for row in cells]
    in_cell: dict[tuple[int, int], list[IndividualNumberMatch]] = {}
    spread: list[CellMatch] = []
    for cm in find_in_cells(out):
        if cm.col_end > cm.col:
            spread.append(cm)
        else:
            in_cell.setdefault((cm.row, cm.col), []).append(cm.match)
    for (r, c), matches in in_cell.items():
        v = out[r][c]
        if not isinstance(v, str):
            out[r][c] = matches[0].masked
            continue
        for m in sorted(matches, key=lambda m: m.start, reverse=True):
            v = v[: m.start] + m.masked + v[m.end :]
        out[r][c] = v
    for cm in spread:
        out[cm.row][cm.col] = cm.match.masked
        for c in range(cm.col + 1, cm.col_end + 1):
            out[cm.row][c] = "*"
    return out
