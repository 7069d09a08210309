"""Personal information and the people it belongs to (rules oasis-2 and rag-2).

Text: people are distinct names (MeCab/unidic-lite 人名 tags; a proper noun or unknown word followed by
an honorific such as 様/さん/氏/殿) and identifiers (Individual Number, e-mail, phone, address,
birth date) not tied to a name. An identifier in the same sentence or line as a name is taken to belong to that
person and does not count again.

Tables: when the first row has personal-information headers (氏名, 名前, 住所, 電話, 生年月日,
メール, …), every later row with a value in one of those columns is one person, keyed by its
name (and birth date) or else its first identifier. Without such headers, each row is read like
a line of text.

A person is identified by a normalized key ("name:山田太郎", "email:…"); the ledger stores only
keyed hashes of these. Counting stops at `cap` distinct people (the request blocks anyway), which
keeps memory bounded for very large tables.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from addin_server.policy.detectors import individual_number, japanese
from addin_server.policy.textnorm import compare_key, fold

KIND_LABELS = {
    "name": "氏名",
    "email": "メールアドレス",
    "phone": "電話番号",
    "address": "住所",
    "birth_date": "生年月日",
    "identifier": "個人を識別する番号",
    "row": "個人情報を含む表の行",
}

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
PHONE = re.compile(
    r"(?=[+(0])(?<![A-Za-z0-9+.\-])(?:\+81[ -]?\(?0?|\(?0)\d{1,4}\)?[ -]?\(?\d{1,4}\)?[ -]?\d{3,4}(?![A-Za-z0-9\-])"
)
_KNUM = "[0-9一二三四五六七八九十〇]"
ADDRESS = re.compile(
    rf"(?:[一-龥]{{2,3}}[都道府県])?[一-龥々ヶ]{{1,6}}[市区町村郡][一-龥ぁ-んァ-ヶ々ー]{{0,12}}?"
    rf"{_KNUM}{{1,4}}(?:丁目|番地の?|番|号|-){_KNUM}{{1,4}}(?:(?:丁目|番地の?|番|号|-){_KNUM}{{0,4}}){{0,3}}"
)
_DATE = (
    r"(?:(?:明治|大正|昭和|平成|令和|[MTSHR])\s*(?:\d{1,2}|元)|\d{4})\s*[年/.\-]\s*\d{1,2}\s*[月/.\-]"
    r"\s*\d{1,2}\s*日?"
)
BIRTH_DATE = re.compile(
    rf"(?:生年月日|誕生日|出生日|生まれ)\s*[:は]?\s*(?P<a>{_DATE})|(?P<b>{_DATE})\s*(?:生まれ|生)"
)
HONORIFICS = japanese.HONORIFICS
_BIRTH_ANCHOR = re.compile(r"生|誕")
_ADDRESS_ANCHOR = re.compile(rf"[市区町村郡](?=[一-龥ぁ-んァ-ヶ々ー]{{0,12}}{_KNUM})")
_SEGMENT_END = re.compile(r"[。！？!?\n]")

# Header names, matched after NFKC + lower case + removing spaces and punctuation.
_HEADER_EXACT = {
    "name": {"氏名", "名前", "お名前", "姓", "名", "氏", "姓名", "フリガナ", "ふりがな", "カナ", "かな",
             "カナ氏名", "氏名カナ", "氏名(カナ)", "宛名", "name", "fullname", "firstname", "lastname",
             "申請者", "相談者", "対象者", "利用者名", "保護者名", "児童名", "担当者名"},
    "email": {"メール", "email", "mail", "eメール", "メールアドレス", "e-mail"},
    "phone": {"電話", "電話番号", "tel", "携帯", "携帯電話", "携帯番号", "連絡先", "phone", "fax"},
    "address": {"住所", "現住所", "自宅住所", "居所", "address", "郵便番号", "所在地"},
    "birth_date": {"生年月日", "誕生日", "birthday", "birthdate", "dateofbirth", "dob"},
    "identifier": {"個人番号", "マイナンバー", "被保険者番号", "住民票コード", "宛名番号", "受給者番号",
                   "学籍番号", "児童番号"},
}
_HEADER_CONTAINS = {
    "name": ("氏名", "名前", "ふりがな", "フリガナ"),
    "email": ("メール", "mail"),
    "phone": ("電話", "tel", "携帯"),
    "address": ("住所",),
    "birth_date": ("生年月日", "誕生日"),
    "identifier": ("個人番号", "マイナンバー", "被保険者番号"),
}
_KEY_PRIORITY = ("identifier", "email", "phone", "address")
MAX_ITEMS = 200  # spans kept for findings; counting goes on without them


@dataclass(frozen=True)
class PersonalItem:
    kind: str
    key: str
    start: int | None = None
    end: int | None = None
    row: int | None = None
    col: int | None = None


@dataclass
class PersonScan:
    """Distinct people (normalized keys) and where their personal information sits."""

    cap: int
    keys: set[str] = field(default_factory=set)
    items: list[PersonalItem] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    truncated: bool = False

    @property
    def count(self) -> int:
        return len(self.keys)

    @property
    def full(self) -> bool:
        return len(self.keys) >= self.cap

    def add(self, key: str) -> None:
        if len(self.keys) >= self.cap:
            if key not in self.keys:
                self.truncated = True
            return
        self.keys.add(key)

    def note(self, item: PersonalItem) -> None:
        self.kinds[item.kind] += 1
        if len(self.items) < MAX_ITEMS:
            self.items.append(item)


def classify_header(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    h = compare_key(value)
    if not h:
        return None
    for kind, names in _HEADER_EXACT.items():
        if h in names:
            return kind
    for kind, parts in _HEADER_CONTAINS.items():
        if any(p in h for p in parts):
            return kind
    return None


def _phone_key(s: str) -> str | None:
    digits = re.sub(r"\D", "", s)
    if s.lstrip("( ").startswith("+81"):
        digits = "0" + digits[2:].lstrip("0")
    if digits.startswith("0") and 10 <= len(digits) <= 11:
        return "phone:" + digits
    return None


def _identifier_items(folded: str) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, key) for e-mail, phone, address and birth date in folded text."""
    out: list[tuple[str, int, int, str]] = []
    for n in individual_number.find_cached(folded):
        out.append(("identifier", n.start, n.end, "in:" + n.digits))
    for m in EMAIL.finditer(folded):
        out.append(("email", m.start(), m.end(), "email:" + m.group().lower()))
    for m in PHONE.finditer(folded):
        key = _phone_key(m.group())
        if key:
            out.append(("phone", m.start(), m.end(), key))
    # Addresses: only around a 市/区/町/村/郡 followed by a block number (much faster than
    # trying the full pattern at every kanji).
    last_end = -1
    for k in _ADDRESS_ANCHOR.finditer(folded):
        if k.start() < last_end:
            continue
        m = ADDRESS.search(folded, max(0, k.start() - 10), k.end() + 40)
        if m and m.start() <= k.start() < m.end() and m.start() >= last_end:
            last_end = m.end()
            out.append(("address", m.start(), m.end(), "address:" + compare_key(m.group())))
    # Birth dates sit next to 生/誕; searching windows around those is much faster than the
    # whole text.
    seen: set[int] = set()
    for k in _BIRTH_ANCHOR.finditer(folded):
        lo = max(0, k.start() - 30)
        for m in BIRTH_DATE.finditer(folded, lo, k.end() + 40):
            g = "a" if m.group("a") else "b"
            if m.start(g) in seen:
                continue
            seen.add(m.start(g))
            out.append(("birth_date", m.start(g), m.end(g), "birth:" + compare_key(m.group(g))))
    return out


def _name_items(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of person names: 人名 runs, and proper nouns / unknown words before an
    honorific."""
    toks = list(japanese.tokens(text))
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.pos[2] == "人名":
            j = i + 1
            # 姓 and 名 directly adjacent, or separated by one space.
            while j < len(toks) and toks[j].pos[2] == "人名" and (
                toks[j].start == toks[j - 1].end
                or (toks[j].start - toks[j - 1].end == 1 and text[toks[j - 1].end] in " \u3000\t")
            ):
                j += 1
            start, end = t.start, toks[j - 1].end
            honorific = j < len(toks) and toks[j].surface in HONORIFICS and toks[j].start == end
            if j - i > 1 or honorific or end - start >= 2:
                out.append((start, end, text[start:end]))
            i = j
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if (
            nxt is not None
            and nxt.surface in HONORIFICS
            and nxt.start == t.end
            and t.surface not in HONORIFICS
            and t.pos[2] not in ("地名", "組織名")
        ):
            out.append((t.start, t.end, t.surface))
        i += 1
    return out


def scan_text(text: str, scan: PersonScan, *, row: int | None = None,
              cell_starts: Sequence[int] | None = None) -> None:
    """Add the people of `text` to `scan`.

    For a table row, `text` is the row's cells joined by tabs, `row` its index and `cell_starts`
    the offset of each cell in `text`; the row is one segment and spans name the cell."""
    if not text or scan.full:
        return
    folded = fold(text)
    idents = _identifier_items(folded)
    names = _name_items(text)
    if not idents and not names:
        return
    # Segment (sentence/line) of each offset, to tie identifiers to names.
    ends = [] if row is not None else [m.start() for m in _SEGMENT_END.finditer(text)]

    def seg(pos: int) -> int:
        return bisect.bisect_left(ends, pos)

    def item(kind: str, key: str, start: int, end: int) -> PersonalItem:
        if row is None or cell_starts is None:
            return PersonalItem(kind, key, start, end)
        col = bisect.bisect_right(cell_starts, start) - 1
        base = cell_starts[col]
        return PersonalItem(kind, key, start - base, end - base, row, col)

    # A surname alone ("山田様") is the same person as a full name starting with it. Names repeat,
    # so each distinct one is normalized once.
    keys = {n: compare_key(n) for _, _, n in names}
    longer: dict[str, str] = {}
    for k in keys.values():
        for i in range(1, len(k)):
            longer.setdefault(k[:i], k)
    named_segments: set[int] = set()
    items, kinds = scan.items, scan.kinds
    for start, end, name in names:
        key = keys[name]
        key = longer.get(key, key)
        scan.add("name:" + key)
        kinds["name"] += 1
        if len(items) < MAX_ITEMS:  # only the first spans are kept (PersonScan.note)
            items.append(item("name", key, start, end))
        named_segments.add(seg(start))
    unnamed: dict[int, dict[str, list[str]]] = {}
    for kind, start, end, key in idents:
        kinds[kind] += 1
        if len(items) < MAX_ITEMS:
            items.append(item(kind, key, start, end))
        s = seg(start)
        if s not in named_segments:
            keys = unnamed.setdefault(s, {}).setdefault(kind, [])
            if key not in keys:
                keys.append(key)
    # In a sentence (or table row) without a name, identifiers of different kinds belong to one
    # person; the kind with the most distinct values gives the number of people.
    for by_kind in unnamed.values():
        for key in max(by_kind.values(), key=len):
            scan.add(key)


def scan_cells(cells: Iterable[Sequence[object]], scan: PersonScan) -> None:
    """Add the people of a table to `scan`, one row at a time (bounded memory)."""
    it = iter(cells)
    first = next(it, None)
    if first is None:
        return
    header = [classify_header(v) for v in first]
    if any(header):
        cols = [(c, k) for c, k in enumerate(header) if k]
        for r, row in enumerate(it, start=1):
            if scan.full:
                scan.truncated = True
                return
            _scan_header_row(row, r, cols, scan)
        return
    _scan_plain_row(first, 0, scan)
    for r, row in enumerate(it, start=1):
        if scan.full:
            scan.truncated = True
            return
        _scan_plain_row(row, r, scan)


def _cell_text(v: object) -> str:
    if v is None or isinstance(v, bool):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _scan_header_row(row: Sequence[object], r: int, cols: list[tuple[int, str]], scan: PersonScan) -> None:
    values: dict[str, list[str]] = {}
    for c, kind in cols:
        if c >= len(row):
            continue
        s = _cell_text(row[c])
        if not s:
            continue
        values.setdefault(kind, []).append(s)
        scan.note(PersonalItem(kind, "", row=r, col=c))
    if not values:
        return
    if "name" in values:
        key = "name:" + compare_key("".join(values["name"]))
        if "birth_date" in values:
            key += "|birth:" + compare_key(values["birth_date"][0])
    else:
        kind = next((k for k in _KEY_PRIORITY if k in values), next(iter(values)))
        key = f"{kind}:" + compare_key(values[kind][0])
    scan.add(key)


def _scan_plain_row(row: Sequence[object], r: int, scan: PersonScan) -> None:
    """A row without personal headers, read as one line: its cells joined by tabs."""
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for v in row:
        s = v.replace("\n", " ") if isinstance(v, str) else ""
        starts.append(pos)
        parts.append(s)
        pos += len(s) + 1
    if any(parts):
        scan_text("\t".join(parts), scan, row=r, cell_starts=starts)
