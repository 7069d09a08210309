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
from functools import lru_cache
from importlib import resources

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
             "申請者", "相談者", "対象者", "利用者名", "保護者名", "児童名", "担当者名", "担当", "当番",
             "講師", "名義", "名義人", "世帯主", "受給者名", "患者名", "職員名", "会員名", "生徒名", "園児名",
             "メンバー", "参加者", "出席者", "欠席者", "対応者", "受付者"},
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
    # 申請者, 受給者名, 利用者氏名 …: a person noun (…者) names people; 事業者 and counts do not.
    if re.search(r"者(?:名|氏名)?$", h) and not re.search(r"事業者|業者|者数$", h) and len(h) <= 8:
        return "name"
    return None


_LIST_HEADER = re.compile(r"担当|当番|参加者|出席者|欠席者|メンバー|講師|委員")
_KANA_HEADER = re.compile(r"フリガナ|ふりがな|カナ|かな|よみ")
_NAMES_IN_CELL = re.compile(r"[、，,・／/]|^[^ 　]{1,2}(?:[ 　]+[^ 　]{1,2})+$")
_HONORIFIC_CHARS = re.compile(r"様|さん|氏|殿|課長|係長|先生")


def _phone_key(s: str) -> str | None:
    digits = re.sub(r"\D", "", s)
    if s.lstrip("( ").startswith("+81"):
        digits = "0" + digits[2:].lstrip("0")
    if digits.startswith("0") and 10 <= len(digits) <= 11:
        return "phone:" + digits
    return None


_BLOCK_WORDS = re.compile(r"丁目|番地の?|番|号")


def _address_key(address: str) -> str:
    """1丁目3番20号 and 1-3-20 give the same key."""
    return "address:" + compare_key(_BLOCK_WORDS.sub("-", address)).rstrip("-")


def _identifier_items(folded: str, text: str | None = None) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, key) for e-mail, phone, address and birth date in folded text (and
    Individual Numbers in `text`, the original: the oasis-1 rule has scanned it already)."""
    out: list[tuple[str, int, int, str]] = []
    for n in individual_number.find_cached(text if text is not None else folded):
        if not n.certain:
            continue  # a date-time, amount or code by its context: not a person's number
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
        am = ADDRESS.search(folded, max(0, k.start() - 10), k.end() + 40)
        if am and am.start() <= k.start() < am.end() and am.start() >= last_end:
            last_end = am.end()
            out.append(("address", am.start(), am.end(), _address_key(am.group())))
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


@lru_cache(maxsize=4)
def _word_list(name: str) -> frozenset[str]:
    """A one-word-a-line list from policy/data (comment lines start with #)."""
    text = resources.files("addin_server.policy").joinpath(f"data/{name}").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def historical_persons() -> frozenset[str]:
    return _word_list("historical_persons.txt")


def role_nouns() -> frozenset[str]:
    return _word_list("role_nouns.txt")


@lru_cache(maxsize=1)
def _kana_roles() -> tuple[str, ...]:
    """Hiragana role words and forms of address (みな, おかあ, ごくろう) that start no name."""
    return tuple(w for w in role_nouns() if len(w) >= 2 and re.fullmatch("[ぁ-ゖ]+", w))


@lru_cache(maxsize=1)
def public_contacts() -> frozenset[str]:
    """Keys (as `_identifier_items` makes them) of the organization's own published contacts."""
    out = set()
    for line in _word_list("public_contacts.txt"):
        if "@" in line:
            out.add("email:" + line.lower())
        elif re.fullmatch(r"[0-9\-() ]+", line):
            key = _phone_key(line)
            if key:
                out.add(key)
        else:
            out.add(_address_key(line))
    return frozenset(out)


# Words after a name that make it the name of a clinic, company, building or place
# (田中内科クリニック, 梅田ハイツ, 山田工務店), not a person.
_ORG_AFTER = re.compile(
    r"[一-龥ァ-ヶー]{0,3}?(?:内科|外科|歯科|眼科|耳鼻(?:咽喉)?科|皮膚科|小児科|婦人科|精神科|泌尿器科|クリニック|医院|病院"
    r"|診療所|薬局|整骨院|接骨院|鍼灸院|商店|商会|商事|工務店|建設|産業|興業|工業|製作所|電機|運輸|不動産|酒店|書店"
    r"|酒造|食堂|株式会社|有限会社|[（(]株[）)]|法律事務所|会計事務所|事務所|ハイツ|マンション|コーポ|荘|ビル|ハウス"
    r"|レジデンス|住宅|団地|寮|会館|記念館|美術館|博物館|公園|橋|通り|駅|筋|市(?!議|長|民)|区(?!長|議)|町(?!長|議)"
    r"|村(?!長)|保育園|保育所|幼稚園|こども園|学園|学院|塾|ホーム|センター|財団|小学校|中学校|高校|大学|神社|寺|城"
    r"|銀行|信用金庫|ホテル|旅館|グループ|ホールディングス|記念)"
)
# Titles after a surname: a place-like proper noun before one is a person (市川課長, 宮崎係長).
_TITLE = (r"課長|係長|部長|局長|次長|主任|主査|主事|主幹|参事|係員|委員長|委員|副会長|会長|理事長|理事|議員|先生"
          r"|教諭|教頭|医師|弁護士|税理士|司法書士|社会福祉士|保健師|看護師|相談員|支援員|指導員|社長|専務|常務"
          r"|室長|班長|隊長|代表|担当")
_TITLE_AFTER = re.compile(rf"(?:{_TITLE})")
# Offices that follow a place name (大阪市長, 北区長): the office, not a person named after it.
_OFFICE_AFTER = re.compile(r"[市区町村]?(?:長|知事)")
_PARTICLES = "のはがをにとへもでや"
# One-kanji surnames that are also common nouns (林 forest, 森, 堀): a person only right before
# an honorific and not inside a longer word (奥様, 神様 are not in the list). Our own selection of
# frequent one-kanji surnames, including Korean and Chinese ones.
_ONE_KANJI_SURNAME = re.compile(r"[林森堀金李朴崔原関辻岡谷泉岩島畑沢竹杉松滝浜星館橘榊柳堤陳張劉黄呉周徐郭楊宮菅萩稲荒]")
_KANJI_CHAR = re.compile(r"[一-龥々ヶ]")
_HONORIFIC_AT = re.compile(r"様(?![々子式相態])|さま(?!ざ)|さん|くん|君|ちゃん|氏|殿")  # not 様々, 様子, さまざま
_KANA_BEFORE = re.compile(r"([ぁ-ゖ]{2,8}(?:[ 　][ぁ-ゖ]{1,6})?)$")
_SINGLE_LABEL = re.compile(
    r"(?:氏名|お名前|名前|ふりがな|フリガナ|よみがな|申請者|相談者|申立人|申出人|届出人|請求人|陳情者|担当者?|記入者"
    r"|作成者|報告者|受付者|対応者|世帯主|代表者|保護者|利用者|受給者|回答者|差出人|宛先|Name)(?:名|氏名)?[ 　]*[:：][ 　]*"
    r"|(?:氏名|名前|ふりがな|フリガナ)[ 　]+",
    re.IGNORECASE,
)
_LIST_LABEL = re.compile(
    r"(?:出席者|参加者|欠席者|出席|欠席|参加|委員|当番|メンバー|構成員|同席者|同行者|立会人|面談者|来庁者)[ 　]*[:：][ 　]*"
)
_ROTA_LINE = re.compile(
    r"(?m)^[ 　\t]*(?:[月火水木金土日](?:曜日?)?|\d{1,2}[/／月]\d{1,2}日?(?:[（(][月火水木金土日][）)])?)[ 　\t:：]+"
    r"(?P<v>[^\n]+)$"
)
_LABEL_END = re.compile(r"[:：][ 　]*|(?<=氏名|名前|がな|ガナ)[ 　]+")
_ROTA_CONTEXT = re.compile(r"当番|シフト|担当表|勤務表|ローテーション|輪番|割当|割り当て")
_ITEM_SPLIT = re.compile(r"[、，,・／/]+|[ 　\t]+")
_BRACKETS = re.compile(r"（[^）\n]{0,20}）|\([^)\n]{0,20}\)")
_HONORIFIC_TAIL = re.compile(rf"(?:様|さま|さん|氏|殿|くん|君|ちゃん|{_TITLE})$")
_KANJI_ITEM = re.compile(r"[一-龥々ヶ]{1,4}")
_KANA_ITEM = re.compile(r"[ぁ-ゖ]{2,8}|[ァ-ヺー]{2,10}")
_LATIN_ITEM = re.compile(r"[A-Z][a-z]+|[A-Z]{2,}")
_ORG_END = re.compile(r"[課係局部室所署院校園館庁会社店省府県市区町村]$|センター$|不明$|未定$|なし$|全員$|同上$|以下$|以上$")
_LATIN_LINE = re.compile(r"(?m)^[ 　]*([A-Z][a-z]+(?: [A-Z]\.)? [A-Z][a-zA-Z]+|[A-Z]{2,} [A-Z][a-z]+)[ 　]*$")
_SIGN_OFF = re.compile(r"以上|敬具|草々|よろしくお願い|regards|sincerely", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _is_name_word(word: str) -> bool:
    """Whether a kanji word is read as a name (人名, or a place-like proper noun a surname can
    be) when written with さん."""
    if word in role_nouns():
        return False
    for t in japanese.tokens(word + "さん"):
        if t.pos[1] == "固有名詞" and t.pos[2] in ("人名", "地名", "一般") and t.end == len(word):
            return True
        if t.oov and t.end == len(word):
            return True
    return False


def _item_name(item: str, *, kanji_check: bool) -> str | None:
    """The name in one list item (a title or honorific after it removed), or None."""
    item = _HONORIFIC_TAIL.sub("", item.strip(" 　\t"))
    if not item or item in role_nouns():
        return None
    if _KANJI_ITEM.fullmatch(item):
        if _ORG_END.search(item):
            return None
        if len(item) <= 2 or not kanji_check or _is_name_word(item):
            return item if not kanji_check or _is_name_word(item) or len(item) == 1 else None
        return None
    if _KANA_ITEM.fullmatch(item) or _LATIN_ITEM.fullmatch(item):
        return item
    return None


def _list_names(text: str, start: int, end: int, out: list[tuple[int, int, str]], *, kanji_check: bool) -> None:
    """Names in a list of items (出席者：金、堀、西田) from text[start:end]."""
    value = _BRACKETS.sub(lambda m: " " * len(m.group()), text[start:end])
    pos = 0
    for sep in [*_ITEM_SPLIT.finditer(value), None]:
        s, e = (sep.start(), sep.end()) if sep is not None else (len(value), len(value))
        item = value[pos:s]
        name = _item_name(item, kanji_check=kanji_check) if item.strip() else None
        if name is not None:
            a = start + pos + item.find(name)
            out.append((a, a + len(name), name))
        pos = e


def _single_name(text: str, start: int, out: list[tuple[int, int, str]]) -> None:
    """The name right after a label (氏名：山田 太郎, 申請者：やまだ はなこ, Name: Taro Yamada)."""
    line_end = text.find("\n", start)
    value = text[start : line_end if line_end >= 0 else len(text)]
    m = re.match(r"[一-龥々ヶ]{1,4}(?:[ 　][一-龥々ヶ]{1,4})?|[ぁ-ゖ]{2,8}(?:[ 　][ぁ-ゖ]{1,8})?"
                 r"|[ァ-ヺー]{2,10}(?:[ 　・][ァ-ヺー]{1,10})?|[A-Z][a-zA-Z]+(?: [A-Z][a-zA-Z]+){0,2}", value)
    if m is None:
        return
    name = m.group()
    rest = value[m.end() :]
    if rest and rest[0] not in " 　\t、。，,（(）)「」様さ氏殿君く":
        return  # part of a longer phrase (氏名の記入, 担当課)
    if _KANJI_ITEM.fullmatch(name.replace(" ", "").replace("　", "")[:4]) and _ORG_END.search(name):
        return
    if name in role_nouns() or name.replace(" ", "") in role_nouns():
        return
    out.append((start + m.start(), start + m.end(), name))


def _context_names(text: str) -> list[tuple[int, int, str]]:
    """Names found by their place rather than by the dictionary: after a label, in an attendee
    list or a rota, hiragana names before an honorific, a romaji name signing off a letter."""
    out: list[tuple[int, int, str]] = []
    # Labels end in a colon (or, for 氏名 / ふりがな, a space): find those first and look back,
    # much cheaper than trying the label patterns at every character.
    for at in _LABEL_END.finditer(text):
        lo = max(0, at.start() - 14)
        for m in _SINGLE_LABEL.finditer(text, lo, at.end()):
            if m.end() >= at.end():
                _single_name(text, m.end(), out)
                break
        else:
            for m in _LIST_LABEL.finditer(text, lo, at.end()):
                if m.end() >= at.end():
                    end = text.find("\n", m.end())
                    end = end if end >= 0 else len(text)
                    stop = text.find("。", m.end(), end)
                    _list_names(text, m.end(), stop if stop >= 0 else end, out, kanji_check=False)
                    break
    if _ROTA_CONTEXT.search(text):
        for m in _ROTA_LINE.finditer(text):
            _list_names(text, m.start("v"), m.end("v"), out, kanji_check=False)
    # Names before an honorific that the dictionary does not tag: found from the honorific
    # back (honorifics are few, hiragana is everywhere).
    for h in _HONORIFIC_AT.finditer(text):
        hpos = h.start()
        if hpos and _ONE_KANJI_SURNAME.fullmatch(text[hpos - 1]) and (
                hpos < 2 or not _KANJI_CHAR.match(text[hpos - 2])):
            out.append((hpos - 1, hpos, text[hpos - 1]))
            continue
        km = _KANA_BEFORE.search(text, max(0, hpos - 16), hpos)
        if km is None or (km.start(1) and "ぁ" <= text[km.start(1) - 1] <= "ゖ"):
            continue
        name, start = km.group(1), km.start(1)
        before = text[start - 1] if start else ""
        if before and not before.isspace() and before not in "、。「」『』（）()：:・,，" and name[0] in _PARTICLES:
            name, start = name[1:], start + 1  # 担当のやまださん: drop the particle
        key = name.replace(" ", "").replace("　", "")
        if len(key) < 2 or any(key.startswith(w) for w in _kana_roles()):
            continue
        out.append((start, start + len(name), name))
    if _SIGN_OFF.search(text):
        for m in _LATIN_LINE.finditer(text):
            if _SIGN_OFF.search(text, max(0, m.start() - 80), m.start()):
                out.append((m.start(1), m.end(1), m.group(1)))
    return out


def _name_items(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of person names: 人名 runs, proper nouns / unknown words before an
    honorific or a title, and names found by their place (`_context_names`). Historical
    persons, role nouns (ヘルパーさん) and names of clinics, companies and buildings are left out."""
    toks = list(japanese.tokens(text))
    out: list[tuple[int, int, str]] = []
    historical = historical_persons()
    roles = role_nouns()
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.pos[2] == "人名":
            j = i + 1
            # 姓 and 名 directly adjacent, or separated by one space (but 金　堀 is two people).
            while j < len(toks) and toks[j].pos[2] == "人名" and (
                toks[j].start == toks[j - 1].end
                or (toks[j].start - toks[j - 1].end == 1 and text[toks[j - 1].end] in " \u3000\t"
                    and (toks[j].end - toks[j].start > 1 or toks[j - 1].end - toks[j - 1].start > 1))
            ):
                j += 1
            start, end = t.start, toks[j - 1].end
            honorific = j < len(toks) and toks[j].surface in HONORIFICS and toks[j].start == end
            titled = _TITLE_AFTER.match(text, end) is not None
            name = text[start:end]
            if (j - i > 1 or honorific or titled or end - start >= 2) and _is_person(text, start, end, name,
                                                                                    honorific, historical):
                out.append((start, end, name))
            i = j
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if (
            nxt is not None
            and nxt.surface in HONORIFICS
            and nxt.start == t.end
            and t.surface not in HONORIFICS
            and t.pos[2] != "組織名"  # 小川様, 宮崎さん: a surname that is also a place
            and t.surface not in roles
            and (t.pos[1] == "固有名詞" or t.oov)
        ):
            if _is_person(text, t.start, t.end, t.surface, True, historical):
                out.append((t.start, t.end, t.surface))
        elif (
            t.pos[1] == "固有名詞"
            and t.pos[2] in ("地名", "一般")
            and (nxt is None or nxt.start != t.end)
            and _TITLE_AFTER.match(text, t.end)
            and not _OFFICE_AFTER.match(text, t.end)
        ):
            out.append((t.start, t.end, t.surface))  # 市川課長, 宮崎係長
        i += 1
    extra = _context_names(text)
    if extra:
        # `out` is in text order: a name found by its place is dropped when it overlaps a
        # dictionary name already kept (only the kept names around it need checking).
        starts = [s for s, _, _ in out]
        ends = [e for _, e, _ in out]
        seen: set[tuple[int, int]] = set()
        added = []
        for s, e, n in extra:
            i = bisect.bisect_right(starts, s)
            if (i > 0 and ends[i - 1] > s) or (i < len(starts) and starts[i] < e):
                continue
            if (s, e) in seen or n in historical:
                continue
            seen.add((s, e))
            added.append((s, e, n))
        out.extend(added)
        out.sort()
    return _drop_readings(text, out)


def _is_person(text: str, start: int, end: int, name: str, honorific: bool, historical: frozenset[str]) -> bool:
    if _ORG_AFTER.match(text, end):
        return False
    return honorific or (name not in historical and name.replace(" ", "").replace("　", "") not in historical)


_KANA_ONLY = re.compile(r"[ぁ-ゖァ-ヺー・ 　]+|[A-Za-z .]+")


def _drop_readings(text: str, names: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A name's reading (furigana in brackets after it, or on the line just above or below) is
    the same person: drop the kana or romaji form next to a kanji name."""
    if len(names) < 2:
        return names
    kana = [_KANA_ONLY.fullmatch(n) is not None for _, _, n in names]
    if not any(kana) or all(kana):
        return names
    # Names are sorted by offset: only the nearest kanji names before and after can be the
    # written form a reading belongs to.
    kanji_at = [(s, e) for (s, e, _), k in zip(names, kana, strict=True) if not k]
    starts = [s for s, _ in kanji_at]
    out = []
    for (s, e, n), k in zip(names, kana, strict=True):
        if k:
            i = bisect.bisect_left(starts, s)
            near = kanji_at[max(0, i - 1) : i + 1]
            if any(_reading_of(text, s, e, ks, ke) for ks, ke in near):
                continue
        out.append((s, e, n))
    return out


def _reading_of(text: str, s: int, e: int, ks: int, ke: int) -> bool:
    if ke <= s:
        gap = text[ke:s]
    elif e <= ks:
        gap = text[e:ks]
    else:
        return False
    if len(gap) > 30 or "。" in gap or gap.count("\n") > 1:
        return False
    if ke <= s and re.fullmatch(r"[ 　]*(?:様|さん|氏|殿)?[ 　]*[（(][ 　]*", gap):
        return True  # 伊藤さん（いとう）
    if "\n" in gap:
        # Reading on the line above or below, with at most a label between (ふりがな / 氏名).
        return re.fullmatch(r"[^\n]{0,12}\n[^\n]{0,12}", gap) is not None and \
            bool(re.search(r"ふりがな|フリガナ|よみがな|カナ|氏名|名前|[（(]", text[max(0, min(s, ks) - 12) : max(e, ke)])
                 or re.fullmatch(r"[ 　]*\n[ 　]*", gap))
    return False


def scan_text(text: str, scan: PersonScan, *, row: int | None = None,
              cell_starts: Sequence[int] | None = None) -> None:
    """Add the people of `text` to `scan`.

    For a table row, `text` is the row's cells joined by tabs, `row` its index and `cell_starts`
    the offset of each cell in `text`; the row is one segment and spans name the cell."""
    if not text or scan.full:
        return
    folded = fold(text)
    idents = _identifier_items(folded, text)
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
    # A given name alone (花子さん after 鈴木花子さん) is the full name ending with it, when only
    # one full name does.
    ends_with: dict[str, set[str]] = {}
    for k in keys.values():
        for i in range(1, len(k) - 1):
            ends_with.setdefault(k[i:], set()).add(k)
    for tail, full in ends_with.items():
        if len(full) == 1 and tail not in keys.values():
            continue
        if len(full) == 1:
            longer.setdefault(tail, next(iter(full)))
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
    unnamed_items: dict[int, list[tuple[str, int, int, str]]] = {}
    for kind, start, end, key in idents:
        s = seg(start)
        if s not in named_segments:
            values = unnamed.setdefault(s, {}).setdefault(kind, [])
            if key not in values:
                values.append(key)
            unnamed_items.setdefault(s, []).append((kind, start, end, key))
            continue
        kinds[kind] += 1
        if len(items) < MAX_ITEMS:
            items.append(item(kind, key, start, end))
    # In a sentence (or table row) without a name, identifiers of different kinds belong to one
    # person; the kind with the most distinct values gives the number of people. In prose, a
    # sentence or line holding only one value of each kind right after a named one in the same
    # paragraph (a résumé's lines under the name, 「電話は…です。」) belongs to that name; one
    # that names the organization or a facility (区役所 市民課 06-…) is public, not personal.
    # Public identifiers are neither counted nor reported (rag-2 blocks on any reported item).
    public = set(public_contacts())
    for s, by_kind in unnamed.items():
        attached = False
        if row is None:
            seg_text = text[(ends[s - 1] + 1) if s > 0 else 0 : ends[s] if s < len(ends) else len(text)]
            if _is_public(seg_text):
                public.update(v for k, vs in by_kind.items() for v in vs if _public_kind(k, v))
            # 「…在住」「自宅」: whoever lives there, it is someone's personal address.
            drop = public if not _PERSONAL_CUE.search(seg_text) else set()
            by_kind = {k: [v for v in vs if v not in drop] for k, vs in by_kind.items()}
            by_kind = {k: vs for k, vs in by_kind.items() if vs}
            attached = bool(by_kind) and all(len(vs) == 1 for vs in by_kind.values()) and \
                _named_before(s, named_segments, ends, text)
        else:
            by_kind = {k: [v for v in vs if v not in public] for k, vs in by_kind.items()}
            by_kind = {k: vs for k, vs in by_kind.items() if vs}
        for kind, start, end, key in unnamed_items[s]:
            if row is None and key in public and key not in {v for vs in by_kind.values() for v in vs}:
                continue
            kinds[kind] += 1
            if len(items) < MAX_ITEMS:
                items.append(item(kind, key, start, end))
        if by_kind and not attached:
            for key in max(by_kind.values(), key=len):
                scan.add(key)


_PUBLIC_CUE = re.compile(
    r"役所|役場|庁舎|本庁|[^\s]{1,8}[課係局]|センター|事務所|窓口|図書館|公民館|会館|体育館|病院|クリニック|医院|診療所"
    r"|薬局|保健所|保育所|保育園|幼稚園|学校|大学|株式会社|[（(]株[）)]|有限会社|協会|財団|法人|組合|警察署|消防署"
    r"|郵便局|銀行|施設|問い?合わ?せ|問合せ|代表|相談窓口|ホール|営業時間|受付時間|開館"
)
_PERSONAL_CUE = re.compile(r"自宅|相談者|申請者|申立人|本人|利用者|世帯|宅|住民|私|ご家族|個人|携帯|在住|住所[:：]?$|氏名")
_MOBILE = re.compile(r"phone:0[789]0")


def _is_public(segment: str) -> bool:
    return bool(_PUBLIC_CUE.search(segment)) and not _PERSONAL_CUE.search(segment)


def _public_kind(kind: str, key: str) -> bool:
    """Identifiers an organization publishes: landline phones, addresses, e-mail addresses."""
    if kind == "phone":
        return not _MOBILE.match(key)
    return kind in ("address", "email")


def _named_before(s: int, named: set[int], ends: list[int], text: str) -> bool:
    """Whether a named segment comes before segment `s` in the same paragraph (no blank line),
    at most four segments back."""
    for p in range(s - 1, max(-1, s - 5), -1):
        lo = ends[p] if p < len(ends) else len(text)
        hi = ends[s - 1] + 1 if s - 1 < len(ends) else len(text)
        if "\n\n" in text[lo:hi] or re.search(r"\n[ 　\t]*\n", text[lo:hi]):
            return False
        if p in named:
            return True
    return False


_HEADER_ROWS = 5


def _header_row(row: Sequence[object]) -> list[str | None] | None:
    kinds = [classify_header(v) for v in row]
    return kinds if any(kinds) else None


def scan_cells(cells: Iterable[Sequence[object]], scan: PersonScan) -> None:
    """Add the people of a table to `scan`, one row at a time (bounded memory).

    The header is the first of the first five rows with a personal header (a title row may come
    first; a row with two or more filled cells is preferred to a lone title cell); rows before
    it are read like text. Without such a row every row is read like a line of text."""
    it = iter(cells)
    head: list[Sequence[object]] = []
    for row in it:
        head.append(row)
        if len(head) >= _HEADER_ROWS:
            break
    if not head:
        return
    at = None
    for i, row in enumerate(head):
        if _header_row(row) and sum(1 for v in row if v not in (None, "")) >= 2:
            at = i
            break
    if at is None:
        at = next((i for i, row in enumerate(head) if _header_row(row)), None)
    if at is None:
        for r, row in enumerate(head):
            _scan_plain_row(row, r, scan)
        for r, row in enumerate(it, start=len(head)):
            if scan.full:
                scan.truncated = True
                return
            _scan_plain_row(row, r, scan)
        return
    for r in range(at):
        _scan_plain_row(head[r], r, scan)
    header = head[at]
    kinds = _header_row(header) or []
    cols = [(c, k) for c, k in enumerate(kinds) if k]
    lists = {c for c, k in cols if k == "name" and _LIST_HEADER.search(compare_key(str(header[c])))}
    kana = {c for c, k in cols if k == "name" and _KANA_HEADER.search(compare_key(str(header[c])))}
    others = [c for c, k in enumerate(kinds) if not k]
    rows = iter(head[at + 1 :])
    for r, row in enumerate(_chain(rows, it), start=at + 1):
        if scan.full:
            scan.truncated = True
            return
        _scan_header_row(row, r, cols, scan, lists, kana)
        # Names in other columns (備考: 「山田様より電話」) when they carry an honorific or title.
        for c in others:
            v = row[c] if c < len(row) else None
            if isinstance(v, str) and _HONORIFIC_CHARS.search(v):
                _scan_plain_row([None] * c + [v], r, scan)


def _chain(a: Iterable[Sequence[object]], b: Iterable[Sequence[object]]) -> Iterable[Sequence[object]]:
    yield from a
    yield from b


def _cell_text(v: object) -> str:
    if v is None or isinstance(v, bool):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _scan_header_row(row: Sequence[object], r: int, cols: list[tuple[int, str]], scan: PersonScan,
                     lists: set[int] | frozenset[int] = frozenset(),
                     kana: set[int] | frozenset[int] = frozenset()) -> None:
    values: dict[str, list[str]] = {}
    names: list[str] = []
    readings: list[str] = []
    for c, kind in cols:
        if c >= len(row):
            continue
        s = _cell_text(row[c])
        if not s:
            continue
        scan.note(PersonalItem(kind, "", row=r, col=c))
        if c in lists and _NAMES_IN_CELL.search(s):
            # A rota or attendee cell: 「金　堀」「山田、佐藤」 are several people.
            for part in re.split(r"[、，,・／/ 　]+", s):
                if part:
                    scan.add("name:" + compare_key(part))
            continue
        values.setdefault(kind, []).append(s)
        if kind == "name":
            (readings if c in kana else names).append(s)
    if not values:
        return
    if "name" in values:
        # Furigana beside the name is the same person: the written name is the key.
        key = "name:" + compare_key("".join(names or readings))
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
