"""Named things compared as whole names (rule common-5): organizations, laws and ordinances,
facilities, URLs, e-mail addresses and phone numbers.

Organizations, laws and facilities are compound nouns, not tagged proper nouns, so they are read
by their last element: a run of kanji, katakana or Latin letters ending in 局, 課, 部, センター,
協議会, 法, 条例, 規則, 要綱, 館, 公園, … (a law's name also reaches back over 「に関する」:
個人情報の保護に関する法律). Generic words (各局, 担当課, 方法, 図書館 alone) are not names.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from dataclasses import dataclass

_RUN = r"[一-鿿々〆ヶァ-ヺーA-Za-z0-9]"
_ORG = ("事業団", "協議会", "委員会", "審議会", "事務所", "事務局", "センター", "公社", "協会", "財団", "機構",
        "本部", "区役所", "市役所", "役所", "局", "課", "部", "庁", "省", "室", "組合")
_LAW = ("法律", "条例", "規則", "要綱", "要領", "規程", "施行令", "施行規則", "法")
_FACILITY = ("図書館", "美術館", "博物館", "体育館", "会館", "公民館", "記念館", "ホール", "公園", "病院",
             "小学校", "中学校", "高等学校", "高校", "大学", "保育所", "保育園", "幼稚園", "こども園", "駅",
             "庁舎", "プール", "スタジアム", "アリーナ", "ドーム", "館")
_GENERIC_PREFIX = ("各", "同", "当", "本", "貴", "関係", "所管", "担当", "全", "他", "上記", "下記", "前記", "該当",
                   "主管", "所属", "事業", "部", "一")
_BARE_LAW = ("法", "法律", "条例", "規則", "要綱", "要領", "規程", "施行令", "施行規則", "本法", "同法", "新法", "旧法",
             "本条例", "同条例", "本規則", "同規則", "本要綱", "同要綱", "関係法", "規則的", "不規則")
# Words ending like a law that are not one (方法, 原則).
_NOT_LAW_END = ("方法", "手法", "用法", "文法", "工法", "技法", "療法", "論法", "寸法", "作法", "話法", "製法",
                "違法", "合法", "適法", "不法", "司法", "立法", "無法", "便法", "算法", "魔法", "兵法", "説法",
                "原則", "細則", "罰則", "通則", "変則", "反則", "鉄則", "法則", "総則", "付則", "附則")
_NOT_ORG = ("結局", "当局", "難局", "時局", "政局", "終局", "局", "課", "室", "省", "庁", "教室", "会議室",
            "和室", "洋室", "個室", "控室", "待合室", "事務室", "居室", "浴室", "寝室", "病室", "研究室",
            "課題", "日課", "放課", "反省", "帰省", "内省", "自省", "センター", "協会", "組合", "事務局",
            "事務所", "委員会", "本部", "役所", "部")
_NOT_ORG_END = ("会議室", "教室", "課題", "相談室", "待合室", "研修室",
                # 部 ends many words that are parts or places, not departments
                "全部", "一部", "内部", "外部", "幹部", "細部", "上部", "下部", "大部", "頭部", "胸部", "腹部", "患部",
                "北部", "南部", "東部", "西部", "中部", "中心部", "周辺部", "都市部", "沿岸部", "山間部", "臨海部",
                "先端部", "開口部", "接合部", "局部", "深部", "表部", "暗部", "恥部", "入部", "退部")
_NOT_FACILITY = ("館", "本館", "別館", "新館", "旧館", "全館", "公園", "病院", "大学", "駅", "高校", "ホール", "プール",
                 "庁舎", "図書館", "会館", "体育館", "公民館", "保育所", "保育園", "幼稚園", "小学校", "中学校",
                 "美術館", "博物館", "各駅", "最寄駅", "最寄り駅", "人間")
_NOT_FACILITY_END = ("開館", "閉館", "休館", "入館", "来館", "在館", "退館", "帰館", "開園", "閉園", "入園", "休園",
                     "通園", "登園", "入院", "退院", "通院", "入学", "退学", "通学", "入校", "下校", "登校")
# Hiragana words that begin many official names (こども青少年局, いきいき教室): a name reaches back over them.
_KANA_NAME_WORDS = ("こども", "いきいき", "すこやか", "ふれあい", "くらし", "まち", "みどり", "いのち", "しごと",
                    "すまい", "あんしん", "はぐくみ", "ひと", "みんな", "ゆめ")
_PART_OF_EVENT = re.compile(r"第?[0-9一二三四五六七八九十]+部")  # 第1部 (of a programme)
_LAW_LINK = re.compile(rf"({_RUN}+)(に関する|における|に係る|のための|するための|を|の|等の)$")

_SUFFIXES = sorted({*_ORG, *_LAW, *_FACILITY}, key=len, reverse=True)
# A suffix at the end of a run; the run's start is found from there (far fewer places than runs).
_SUFFIX_AT_END = re.compile(rf"(?:{'|'.join(map(re.escape, _SUFFIXES))})(?!{_RUN})")
_RUN_TAIL = re.compile(rf"{_RUN}+$")
_ABOUT = re.compile(rf"({_RUN}+(?:の{_RUN}+)?(?:に関する|に係る|における|のための|等の|の))$")
URL = re.compile(r"https?://[A-Za-z0-9\-._~%/?#\[\]@!$&'()*+,;=:]+")
EMAIL = re.compile(r"(?<![A-Za-z0-9.+_-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# The lookahead names the characters a phone can start with, so the regex engine skips to them
# instead of trying the lookbehind at every character.
PHONE = re.compile(r"(?=[(0+])(?<![\d-])(?:\(0\d{1,4}\)\s*\d{1,4}-\d{3,4}|0\d{1,4}-\d{1,4}-\d{3,4}|0120-?\d{3}-?\d{3}"
                   r"|0\d{1,4}\(\d{1,4}\)\d{3,4}"  # 06(6208)8111
                   r"|\+81[-\s]?\d{1,4}-\d{1,4}-\d{3,4})(?![\d-])")
_URL_TAIL = ".,)。、」』）"


@dataclass(frozen=True)
class Name:
    start: int
    end: int
    text: str
    kind: str  # organization | law | facility | url | email | phone
    key: str  # what is compared with the source
    alternatives: tuple[str, ...] = ()  # shorter readings of a law name (after a leading 「…の」)


_KIND_OF_SUFFIX = {**dict.fromkeys(_FACILITY, "facility"), **dict.fromkeys(_ORG, "organization"),
                   **dict.fromkeys(_LAW, "law")}


def _kind(name: str, suffix: str) -> str | None:
    """The kind of name `name` is (ending in `suffix`), or None for a generic word."""
    kind = _KIND_OF_SUFFIX[suffix]
    if kind == "law":
        if name in _BARE_LAW or name.endswith(_NOT_LAW_END) or (suffix == "法" and len(name) < 3):
            return None
    elif kind == "organization":
        if name in _NOT_ORG or name.endswith(_NOT_ORG_END) or _PART_OF_EVENT.fullmatch(name):
            return None
    elif name in _NOT_FACILITY or name.endswith(_NOT_FACILITY_END):
        return None
    return kind


def phone_key(s: str) -> str:
    digits = re.sub(r"\D", "", s)
    return "0" + digits[2:] if digits.startswith("81") and s.lstrip().startswith("+") else digits


def url_key(s: str) -> str:
    s = s.rstrip(_URL_TAIL).rstrip("/")
    _scheme, _, rest = s.partition("://")
    host, slash, path = rest.partition("/")
    return host.lower().removeprefix("www.") + slash + path


def find(folded: str, *, contacts: bool = True, named: bool = True) -> list[Name]:
    """Named things in `folded` (text folded by `textnorm.fold`), in order, not overlapping:
    URLs, e-mail addresses and phones (`contacts`) and organizations, laws and facilities
    (`named`; a name overlapping a contact is left out only when both are read)."""
    out: list[Name] = []
    taken: list[tuple[int, int]] = []
    for m in URL.finditer(folded) if contacts else ():
        text = m.group().rstrip(_URL_TAIL)
        out.append(Name(m.start(), m.start() + len(text), text, "url", url_key(text)))
        insort(taken, (m.start(), m.start() + len(text)))
    for m in EMAIL.finditer(folded) if contacts and "@" in folded else ():
        if not _inside(taken, m.start()):
            out.append(Name(m.start(), m.end(), m.group(), "email", m.group().lower()))
            insort(taken, (m.start(), m.end()))
    for m in PHONE.finditer(folded) if contacts else ():
        if not _inside(taken, m.start()):
            out.append(Name(m.start(), m.end(), m.group(), "phone", phone_key(m.group())))
            insort(taken, (m.start(), m.end()))
    taken.sort()
    last_end = -1
    for sm in _SUFFIX_AT_END.finditer(folded) if named else ():
        if sm.end() == last_end:
            continue
        last_end = sm.end()
        head = _RUN_TAIL.search(folded, max(0, sm.start() - 40), sm.start())
        start = head.start() if head is not None else sm.start()
        if _inside(taken, start):
            continue
        text = folded[start : sm.end()]
        m = sm
        # Drop a leading digit run and generic prefixes (各区役所, 担当課: no particular name).
        lead = re.match(r"[0-9]+", text)
        if lead:
            text, start = text[lead.end() :], start + lead.end()
        alternatives: list[str] = []
        suffix = sm.group()
        if text in _BARE_LAW or _kind(text, suffix) == "law":
            if text not in _BARE_LAW:
                start = _kana_start(folded, start)
            # 個人情報の保護に関する法律: the name reaches back over its linking words.
            links = 0
            while links < 8:
                link = _LAW_LINK.search(folded, max(0, start - 40), start)
                if link is None:
                    break
                if link.group(2) == "の":
                    alternatives.append(folded[start : m.end()])  # 本市の|個人情報…: maybe not the name
                start = link.start()
                links += 1
            text = folded[start : m.end()]
            if links == 0 and text in _BARE_LAW:
                continue
            kind: str | None = "law"
        else:
            kind = _kind(text, suffix)
            if kind is None:
                continue
            start = _kana_start(folded, start)
            text = folded[start : m.end()]
            if any(text.startswith(p) and len(text) - len(p) <= 3 for p in _GENERIC_PREFIX):
                continue
            if len(text) < 3:
                continue
        if kind is not None:
            out.append(Name(start, m.end(), text, kind, text, tuple(alternatives)))
    out.sort(key=lambda n: n.start)
    return out


def _kana_start(folded: str, start: int) -> int:
    """Where a name starts when a hiragana word of official names comes before it (大阪市こども|…)."""
    for word in _KANA_NAME_WORDS:
        if folded.endswith(word, 0, start):
            start -= len(word)
            before = re.search(rf"{_RUN}+$", folded[max(0, start - 20) : start])
            return start - len(before.group()) if before is not None else start
    return start


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    i = bisect_right(spans, (at, 1 << 62))
    return i > 0 and spans[i - 1][0] <= at < spans[i - 1][1]
