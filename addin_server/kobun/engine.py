"""The 公用文 checker: minimal, explained corrections and notes, each naming its rule and source.

The text is split into sentences (never across a line break, so a correction never spans two
cells of a table proofread as lines). Each sentence is analysed once with fugashi + unidic-lite
(`japanese.morphemes`); the rules then look at the surface text, the morpheme boundaries and the
parts of speech. Rules are applied in a fixed priority order; a correction that overlaps one
already kept is dropped (never merged), so the result is deterministic.

Precision comes first: a rule only proposes a replacement when official writing has one right
form for the span (a kanji reading outside the 常用漢字表, a 送り仮名 that differs from the 本則,
ら抜き …). Where the fix depends on meaning (二重否定, the same particle twice) it returns a
note: a span and a reason, no replacement.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from addin_server.kobun import lexicon
from addin_server.kobun.catalog import RULES
from addin_server.policy.detectors.japanese import Morpheme, lookup, sentence_morphemes

_SENTENCE = re.compile(r"[^\n。！？!?]*(?:[。！？!?]+[」』）)]*|(?=\n)|$)")
_JA = r"぀-ヿ一-鿿々〆ヶ"
_KANJI = re.compile(r"[一-鿿々]")


@dataclass(frozen=True)
class Correction:
    """A replacement for `original` at [start, end) (code points into the checked text)."""

    start: int
    end: int
    original: str
    replacement: str
    reason: str
    rule: str
    convention: str


@dataclass(frozen=True)
class Note:
    """A span worth a second look, with no single right fix (API: `result.notes`)."""

    start: int
    end: int
    original: str
    reason: str
    rule: str
    convention: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def shifted(self, delta: int) -> Note:
        return Note(self.start + delta, self.end + delta, self.original, self.reason, self.rule, self.convention)


@dataclass
class Report:
    corrections: list[Correction] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class Sentence:
    """One sentence; its morphemes are analysed on first use, so a sentence no rule needs to
    look into costs only the regular expressions that pass over it."""

    __slots__ = ("_bounds", "_index", "_morphs", "start", "text")

    def __init__(self, start: int, text: str) -> None:
        self.start = start
        self.text = text
        self._morphs: list[Morpheme] | None = None
        self._bounds: set[int] = set()
        self._index: dict[int, int] = {}

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def morphs(self) -> list[Morpheme]:
        if self._morphs is None:
            self._morphs = sentence_morphemes(self.text, self.start)
            self._bounds = {self.start, self.end}
            for i, m in enumerate(self._morphs):
                self._bounds.add(m.start)
                self._bounds.add(m.end)
                self._index[m.start] = i
        return self._morphs

    @property
    def bounds(self) -> set[int]:
        self.morphs  # noqa: B018 - analyse on first use
        return self._bounds

    def at(self, start: int) -> int | None:
        self.morphs  # noqa: B018 - analyse on first use
        return self._index.get(start)


class _Collector:
    def __init__(self, text: str) -> None:
        self.text = text
        self.edits: list[tuple[float, Correction]] = []
        self.notes: list[Note] = []
        self.priority: float = 0

    def edit(self, rule: str, start: int, end: int, replacement: str, reason: str) -> None:
        original = self.text[start:end]
        if original == replacement or start >= end:
            return
        self.edits.append((self.priority, Correction(start, end, original, replacement, reason, rule,
                                                     RULES[rule].convention)))

    def note(self, rule: str, start: int, end: int, reason: str) -> None:
        self.notes.append(Note(start, end, self.text[start:end], reason, rule, RULES[rule].convention))

    def report(self) -> Report:
        kept: list[Correction] = []
        taken: list[tuple[int, int]] = []
        for _, c in sorted(self.edits, key=lambda pc: (pc[0], pc[1].start)):
            if any(c.start < e and s < c.end for s, e in taken):
                continue  # overlaps a correction of a rule that comes first: drop it
            kept.append(c)
            taken.append((c.start, c.end))
        kept.sort(key=lambda c: c.start)
        notes = sorted({(n.start, n.end, n.rule): n for n in self.notes}.values(), key=lambda n: (n.start, n.end))
        return Report(kept, notes)


def split_sentences(text: str) -> Iterator[tuple[int, str]]:
    for m in _SENTENCE.finditer(text):
        if m.group().strip():
            yield m.start(), m.group()


def check(text: str) -> Report:
    """Corrections and notes for `text`; offsets are code points into it."""
    out = _Collector(text)
    sents = [Sentence(start, s) for start, s in split_sentences(text)]
    for n, rule in enumerate(_PIPELINE):
        out.priority = n
        rule(text, sents, out)
    return out.report()


# --- character rules ----------------------------------------------------------------------

_NFD_MARK = re.compile(r".[\u3099\u309a]")
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HALF_KANA = re.compile(r"[\uff61-\uff9f]+")
_FULL_ALNUM = re.compile(r"[Ａ-Ｚａ-ｚ０-９]+")
_DOUBLED_MARK = re.compile(r"(。|、)\1+")


def _characters(text: str, sents: list[Sentence], out: _Collector) -> None:
    """NFD, invisible characters, 半角カナ, 全角英数字, doubled 句読点."""
    for m in _NFD_MARK.finditer(text):
        composed = unicodedata.normalize("NFC", m.group())
        if len(composed) == 1:
            out.edit("kobun.nfd", m.start(), m.end(), composed,
                     "濁点・半濁点が分解された文字（NFD）です。合成済みの文字にします")
    for m in _INVISIBLE.finditer(text):
        out.edit("kobun.fukashi-moji", m.start(), m.end(), "", "見えない文字（ゼロ幅スペース等）が含まれています")
    for m in _HALF_KANA.finditer(text):
        out.edit("kobun.hankaku-kana", m.start(), m.end(), unicodedata.normalize("NFKC", m.group()),
                 "半角カタカナは全角で書きます")
    for m in _FULL_ALNUM.finditer(text):
        if len(m.group()) == 1 or (m.group().isalpha() and _in_quote(text, m.start())):
            continue  # 令和６年: one full-width digit is common official usage; 「…ＤＸ…」 is a title
        out.edit("kobun.zenkaku-eisu", m.start(), m.end(), unicodedata.normalize("NFKC", m.group()),
                 "算用数字・ローマ字は半角で書きます")
    for m in _DOUBLED_MARK.finditer(text):
        out.edit("kobun.kigou-juufuku", m.start(), m.end(), m.group(1), f"「{m.group(1)}」が重なっています")


def _in_quote(text: str, pos: int) -> bool:
    return text.rfind("「", 0, pos) > text.rfind("」", 0, pos)


_JA_CHAR = f"[{_JA}」』）]"
_FULL_PERIOD = re.compile(rf"(?<={_JA_CHAR})．(?![0-9０-９])")
_FULL_COMMA = re.compile(rf"(?<={_JA_CHAR})，")
_HALF_COMMA = re.compile(rf"(?<={_JA_CHAR}),(?=[{_JA}「『（])")
_HALF_PERIOD = re.compile(rf"(?<=[{_JA}」』）]),?\.(?=\s|$|[{_JA}「『（])")
_HALF_PAREN = re.compile(rf"\(([^()\n]{{0,60}}[{_JA}][^()\n]{{0,60}})\)")


def _punctuation(text: str, sents: list[Sentence], out: _Collector) -> None:
    """句読点 (「、」「。」, not mixed with 「，」「．」 or half-width) and full-width 括弧."""
    if "．" in text:
        for m in _FULL_PERIOD.finditer(text):
            out.edit("kobun.kutouten", m.start(), m.end(), "。", "句点は「。」を用います")
    if "、" in text and "，" in text:
        for m in _FULL_COMMA.finditer(text):
            out.edit("kobun.kutouten", m.start(), m.end(), "、", "読点「、」と「，」が混在しています。「、」に統一します")
    for m in _HALF_COMMA.finditer(text) if "," in text else ():
        out.edit("kobun.kutouten", m.start(), m.end(), "、", "和文の読点は「、」を用います")
    for m in _HALF_PERIOD.finditer(text) if "." in text else ():
        if m.group() == ".":
            out.edit("kobun.kutouten", m.start(), m.end(), "。", "和文の句点は「。」を用います")
    for m in _KA_COUNTER.finditer(text):
        out.edit("kobun.josuushi-ka", m.start(), m.end(), "か", "「か月」「か所」などの「か」は平仮名で書きます")
    for m in _HALF_MARK.finditer(text) if ("!" in text or "?" in text) else ():
        full = "！" if m.group() == "!" else "？"
        out.edit("kobun.kigou-zenkaku", m.start(), m.end(), full, f"和文の中では「{full}」と全角で書きます")
    for s in sents:
        body = s.text.rstrip()
        if body.endswith("。") and (" " in body or "　" in body):
            for m in _JA_SPACE.finditer(s.text):
                out.edit("kobun.kuuhaku", s.start + m.start(), s.start + m.end(), "", "和文の語と語の間に空白は入れません")
    _brackets(text, out)
    for m in _UNFINISHED.finditer(text) if "。" in text else ():
        last = m.start() + len(m.group().rstrip()) - 1
        out.note("kobun.kuten-nuke", last, last + 1, "文の終わりに句点「。」がありません（同じ行の他の文には付いています）")
    for m in _HALF_PAREN.finditer(text) if "(" in text else ():
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if re.match(_JA_CHAR, before or "x") or re.match(f"[{_JA}]", after or "x"):
            out.edit("kobun.kakko", m.start(), m.start() + 1, "（", "和文の括弧は全角「（）」を用います")
            out.edit("kobun.kakko", m.end() - 1, m.end(), "）", "和文の括弧は全角「（）」を用います")


_KA_COUNTER = re.compile(r"(?<=[0-9０-９一二三四五六七八九十何数])[ヶケヵカ](?=月|所|国|年|条)")
_HALF_MARK = re.compile(rf"(?<=[{_JA}])[!?](?=$|\s|[{_JA}」』）])")
_JA_SPACE = re.compile(r"(?<=[ぁ-ゖァ-ヺ一-鿿々、])[ 　]+(?=[ぁ-ゖァ-ヺ一-鿿々])")
# A line whose sentences end in 。 but whose last one does not, ending like a predicate.
_UNFINISHED = re.compile(r"(?<=。)[^\S\n]*[^\s。「」（）()][^。\n]{3,}?(?:[るたすいだ]|ます|です|ません)[^\S\n]*$", re.MULTILINE)
_OPEN = {"「": "」", "『": "』", "（": "）", "【": "】", "〔": "〕", "［": "］"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_BRACKET = re.compile("[" + "".join(_OPEN) + "".join(_CLOSE) + "]")


def _brackets(text: str, out: _Collector) -> None:
    """Japanese brackets that do not pair up: a note on the one left over (no single fix)."""
    stack: list[tuple[str, int]] = []
    for b in _BRACKET.finditer(text):
        i, ch = b.start(), b.group()
        if ch in _OPEN:
            stack.append((ch, i))
        elif ch in _CLOSE:
            if stack and stack[-1][0] == _CLOSE[ch]:
                stack.pop()
            elif any(o == _CLOSE[ch] for o, _ in stack):
                while stack and stack[-1][0] != _CLOSE[ch]:  # the openings in between never close
                    o, at = stack.pop()
                    out.note("kobun.kakko-taiou", at, at + 1, f"「{o}」に対応する「{_OPEN[o]}」がありません")
                stack.pop()
            else:
                out.note("kobun.kakko-taiou", i, i + 1, f"「{ch}」に対応する「{_CLOSE[ch]}」がありません")
    for o, at in stack:
        out.note("kobun.kakko-taiou", at, at + 1, f"「{o}」に対応する「{_OPEN[o]}」がありません")


_COUNTERS = ("円|人|件|個|枚|冊|台|世帯|名|本|回|箇所|か所|戸|社|団体|校|平方メートル|㎡|km|kg|キロ|トン|"
             "万|億|兆|千|時間|日間|年間|ページ|部|点|頭|匹|票|席|棟|食|店舗|事業所")
_BIG_NUMBER = re.compile(rf"([0-9]{{4,}})(?=(?:{_COUNTERS}))")
_NOT_BEFORE_NUMBER = frozenset("0123456789.,，ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-/:")
_KANSUUJI = re.compile(r"([二三四五六七八九])(?=件|回|個|枚|冊|台|か所|箇所|か月|世帯|円|週間|日間|年間|時間)")
_KANJI_BEFORE = re.compile(r"[一-鿿々〇]")
_KAN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}


def _numbers(text: str, sents: list[Sentence], out: _Collector) -> None:
    """算用数字 in horizontal writing; 位取り with「,」every three digits."""
    for m in _BIG_NUMBER.finditer(text):
        digits = m.group(1)
        if digits.startswith("0") or (m.start() and text[m.start() - 1] in _NOT_BEFORE_NUMBER):
            continue  # a code or a part of a longer number, not a quantity
        out.edit("kobun.kuraidori", m.start(), m.end(), f"{int(digits):,}", "4桁以上の数は3桁ごとに「,」で区切ります")
    for m in _KANSUUJI.finditer(text):
        if m.start() and _KANJI_BEFORE.match(text, m.start() - 1):
            continue  # 第三者, 十二回: part of a longer word or numeral
        out.edit("kobun.kansuuji", m.start(), m.end(), _KAN_DIGIT[m.group(1)], "横書きの数量は算用数字で書きます")


_CHOUON_DASH = re.compile(r"(?<=[ァ-ヺ])[－−―‐](?=[ァ-ヺ]|$|[^ァ-ヺA-Za-z0-9])")


def _gairaigo(text: str, sents: list[Sentence], out: _Collector) -> None:
    """外来語の長音: 「ー」 for the English -er/-or/-ar endings, never a dash in its place."""
    words = lexicon.gairaigo()
    if words:
        for m in lexicon.gairaigo_pattern().finditer(text):
            out.edit("kobun.gairaigo-chouon", m.start(), m.end(), words[m.group()],
                     f"外来語の長音は「ー」で書きます（「{words[m.group()]}」）")
    for m in _CHOUON_DASH.finditer(text):
        out.edit("kobun.gairaigo-chouon", m.start(), m.end(), "ー", "長音は長音符号「ー」で書きます")


# --- word lists ---------------------------------------------------------------------------

def _sentence_of(sents: list[Sentence], pos: int) -> Sentence | None:
    lo, hi = 0, len(sents)
    while lo < hi:
        mid = (lo + hi) // 2
        if sents[mid].end <= pos:
            lo = mid + 1
        else:
            hi = mid
    return sents[lo] if lo < len(sents) and sents[lo].start <= pos else None


def _prev(s: Sentence, start: int) -> Morpheme | None:
    i = s.at(start)
    return s.morphs[i - 1] if i else None


def _where_ok(where: str, s: Sentence, start: int, end: int, text: str) -> bool:
    if where == "any":
        return True
    if start not in s.bounds:
        return False
    if where == "start":
        return True
    if end not in s.bounds:
        return False
    if where == "word":
        return True
    if where == "head":
        head = text[s.start:start].strip(" 　\t・○●◆■□-－①②③④⑤⑥⑦⑧⑨⑩(（0123456789０１２３４５６７８９.．)）")
        return head == "" and text[end:end + 1] in ("、", "，")
    i = s.at(start)
    if i is None:
        return False
    m = s.morphs[i]
    prev = s.morphs[i - 1] if i else None
    if where == "jo":
        return m.feature[0] == "助詞"
    if where == "after-renyou":
        return prev is not None and prev.feature[0] == "動詞" and prev.feature[5].startswith("連用形")
    if where == "after-noun":
        return prev is not None and prev.feature[0] == "名詞" and prev.end == start
    return False


def _word_lists(text: str, sents: list[Sentence], out: _Collector) -> None:
    """Kanji/kana use, 表外字・表外訓, 書きかえ and 送り仮名 from the data files."""
    entries = lexicon.words()
    base = out.priority
    for m in lexicon.words_pattern().finditer(text):
        s = _sentence_of(sents, m.start())
        if s is None or m.end() > s.end:
            continue
        for e in entries[m.group()]:
            if _where_ok(e.where, s, m.start(), m.end(), text):
                out.priority = base + _PRIORITY_OF_LIST.get(e.rule, 0) / 100
                out.edit(e.rule, m.start(), m.end(), e.right, e.why)
                break
    out.priority = base


_PRIORITY_OF_LIST = {"kobun.okurigana": 10, "kobun.kakikae": 11, "kobun.hyougai": 12,
                     "kobun.joshi-jodoushi": 14, "kobun.setsuzokushi": 15, "kobun.fukushi": 16}


# --- kanji and kana by part of speech -------------------------------------------------------

_RENTAI = ("動詞", "形容詞", "助動詞")
_TOORI_BEFORE = frozenset({"次", "以下", "上記", "下記", "前記", "左記", "右記", "別記", "別紙", "従来", "例年",
                           "前述", "後述", "予定", "計画", "指示", "規定", "記載", "所定", "前項", "本文", "前条"})


def _is_rentai(m: Morpheme | None) -> bool:
    return m is not None and m.feature[0] in _RENTAI and m.feature[5].startswith("連体形")


def _keishiki_meishi(text: str, sents: list[Sentence], out: _Collector) -> None:
    """形式名詞 (こと, とき, ところ, もの, わけ, ため, よう, とおり) after a modifying word.

    Kanji stays where the noun keeps its own meaning (事故, 時の経過, 物を大切に): only the
    formal use, right after a verb, adjective or auxiliary in its attributive form, is changed."""
    why = "形式名詞は仮名で書きます（{}）"
    for s in sents:
        if not _KEISHIKI_HINT.search(s.text):
            continue
        ms = s.morphs
        for i, m in enumerate(ms):
            w = m.surface
            if w not in _KEISHIKI:
                continue
            prev = ms[i - 1] if i else None
            nxt = ms[i + 1].surface if i + 1 < len(ms) else ""
            ok = False
            if w in ("事", "時", "為", "訳"):
                ok = _is_rentai(prev) or (w == "為" and prev is not None and prev.surface == "の")
                if w == "訳":
                    ok = ok and nxt in ("で", "が", "に", "では", "だ", "です", "は", "も")
            elif w == "所":
                ok = _is_rentai(prev) and nxt in ("、", "で", "だ", "です", "である")
            elif w == "物":
                ok = _is_rentai(prev) and nxt in ("と",) and prev is not None and prev.surface not in ("た",)
            elif w == "様":
                ok = m.feature[:2] == ("形状詞", "助動詞語幹") and prev is not None and (
                    _is_rentai(prev) or prev.surface in ("の", "この", "その", "あの", "どの"))
            elif w == "通り":
                ok = prev is not None and (_is_rentai(prev) or (
                    prev.surface == "の" and i >= 2 and ms[i - 2].surface in _TOORI_BEFORE))
            if ok:
                out.edit("kobun.keishiki-meishi", m.start, m.end, _KEISHIKI[w], why.format(_KEISHIKI[w]))


_KEISHIKI_HINT = re.compile("[ぁ-ん](?:[事時所物為訳様](?![一-鿿])|通り)")
_HOJO_HINT = re.compile("[てで]も?(?:下さ|頂|戴|貰|仕舞|欲し|差し上げ|上げ|行[かきくけこっ]|見[るたてなまよれ]|置[かきくけこい]"
                        "|居[るたてなま]|良[いかくけ]|来[るたてなまいれ])|致[しすさせ]")
_GRAMMAR_HINT = re.compile(
    "[いきしちにひみりえけせてねへめれげぜでべぺ一-鿿]れ[るなまたずばろよ]"  # 見れる, 食べれる, 書けれる
    "|[かがたなばまらわ]させ"  # 書かさせる, 読まさせる
    "|[てで](?:る|た|な|ま|れ|よ|ちゃ)")  # 見てる, 読んでない
_KEISHIKI = {"事": "こと", "時": "とき", "所": "ところ", "物": "もの", "為": "ため", "訳": "わけ", "様": "よう",
             "通り": "とおり"}
# Kanji stem of an auxiliary verb -> its kana (the ending stays as written).
_HOJO = {"下さ": "くださ", "頂": "いただ", "戴": "いただ", "致": "いた", "行": "い", "見": "み", "置": "お",
         "居": "い", "貰": "もら", "上": "あ", "仕舞": "しま", "欲": "ほ", "良": "よ", "差し上": "さしあ"}
_KURU = {"連用形": "き", "未然形": "こ", "命令形": "こ", "終止形": "く", "連体形": "く", "仮定形": "く", "意志推量形": "こ"}


def _hojo_doushi(text: str, sents: list[Sentence], out: _Collector) -> None:
    """補助動詞・補助形容詞 after 〜て/〜で (〜ていく, 〜てみる, 〜ておく, 〜ていただく, 〜てください …),
    and いたす after a noun (お願い致します)."""
    for s in sents:
        if not _HOJO_HINT.search(s.text):
            continue
        ms = s.morphs
        for i, m in enumerate(ms[1:], start=1):
            if not _KANJI.match(m.surface) or m.feature[1] != "非自立可能" or m.feature[0] not in ("動詞", "形容詞"):
                continue
            prev = ms[i - 1]
            after_te = prev.surface in ("て", "で") and prev.feature[1] == "接続助詞" and prev.end == m.start
            if not after_te and prev.surface == "も" and i >= 2 and ms[i - 2].surface in ("て", "で"):
                after_te = m.surface.startswith("良")
            kana = None
            if m.surface.startswith("来") and after_te and m.feature[0] == "動詞":
                kana = _KURU.get(m.feature[5].split("-")[0], "") + m.surface[1:]
                if not kana or kana == m.surface[1:]:
                    kana = None
            elif after_te or (m.surface.startswith("致") and (prev.feature[0] == "名詞" or (
                    prev.feature[0] == "動詞" and i >= 2 and ms[i - 2].surface in ("お", "ご", "御")))):
                for stem, k in _HOJO.items():
                    if m.surface.startswith(stem):
                        kana = k + m.surface[len(stem):]
                        break
            if kana:
                out.edit("kobun.hojo-doushi", m.start, m.end, kana, f"補助的に用いる「{kana}」は仮名で書きます")


_KANA_GOKU = {"有る": ("有", "あ"), "無い": ("無", "な"), "居る": ("居", "い"), "成る": ("成", "な")}
_KANA_GOKU_HINT = re.compile("有[るりっれろ]|無[いくかけさ]|居[るたてなまれ]|成[るりっれろ]")


def _kana_goku(text: str, sents: list[Sentence], out: _Collector) -> None:
    """ある, いる, ない and なる (…になる) in kana (公用文における漢字使用等について 1(4)):
    問題が有る -> ある, 欠点が無い -> ない; 成る stays where it means "consist of" (…から成る)."""
    for s in sents:
        if not _KANA_GOKU_HINT.search(s.text):
            continue
        ms = s.morphs
        for i, m in enumerate(ms):
            f = m.feature
            pair = _KANA_GOKU.get(f[7])
            if pair is None or f[1] != "非自立可能" or not m.surface.startswith(pair[0]):
                continue
            if f[7] == "成る" and not (i and ms[i - 1].surface in ("に", "と")):
                continue
            kana = pair[1] + m.surface[1:]
            out.edit("kobun.kana-goku", m.start, m.end, kana, f"「{kana}」は仮名で書きます")


# --- grammar that official writing avoids ------------------------------------------------------

@lru_cache(maxsize=4096)
def _verb(word: str) -> tuple[str, str] | None:
    """(cType, lemma) when `word` is exactly one verb in the dictionary."""
    rows = lookup(word)
    if len(rows) == 1 and rows[0][1] == "動詞" and rows[0][0] == word:
        return rows[0][2], rows[0][3]
    return None


def _ichidan(ctype: str) -> bool:
    return ctype.startswith(("上一段", "下一段", "カ行変格"))


_RA_NUKI_SURFACE = re.compile(r"^(.*?[一-鿿][^れ]*)れ(.*)$")


def _ranuki(text: str, sents: list[Sentence], out: _Collector) -> None:
    """ら抜き (見れる, 食べれる), れ足す (書けれる), さ入れ (書かさせる), い抜き (見てる)."""
    for s in sents:
        if not _GRAMMAR_HINT.search(s.text):
            continue
        ms = s.morphs
        for i, m in enumerate(ms):
            f = m.feature
            nxt = ms[i + 1] if i + 1 < len(ms) else None
            if f[0] == "動詞" and f[4] == "下一段-ラ行" and m.surface != "くれる":
                # one morpheme: 見れる / 来れない / 出れる (the potential of a one-mora 一段 verb)
                g = _RA_NUKI_SURFACE.match(m.surface)
                if g:
                    base = _verb(g.group(1) + "る")
                    if base and _ichidan(base[0]) and base[1] in (g.group(1) + "る", "来る"):
                        out.edit("kobun.ranuki", m.start, m.end, g.group(1) + "られ" + g.group(2),
                                 "ら抜き言葉です。「〜られる」と書きます")
                        continue
            if (f[0] == "動詞" and _ichidan(f[4]) and not f[4].startswith("下一段-ラ行") and nxt is not None
                    and nxt.feature[0] == "助動詞" and nxt.feature[7] == "れる" and nxt.start == m.end
                    and _KANJI.search(m.surface)):
                stem = m.surface
                base = _verb(stem + "る") if not f[4].startswith("カ行") else ("カ行変格", "来る")
                if base is None:
                    continue
                if f[4].startswith("カ行") or base[1] == stem + "る":
                    out.edit("kobun.ranuki", nxt.start, nxt.end, "ら" + nxt.surface, "ら抜き言葉です。「〜られる」と書きます")
                elif _verb(base[1]) is not None and not _ichidan(_verb(base[1])[0]):  # type: ignore[index]
                    # 書け (potential of 書く) + れる: the れ is one too many
                    out.edit("kobun.retasu", m.start, nxt.end, stem + nxt.surface[1:],
                             f"れ足す言葉です。「{stem}{nxt.surface[1:] or 'る'}」で足ります")
                continue
            if (f[0] == "動詞" and f[4] == "五段-サ行" and f[5].startswith("未然形") and len(m.surface) >= 3
                    and m.surface.endswith("さ") and nxt is not None and nxt.feature[7] == "せる"
                    and _KANJI.search(m.surface)):
                stem = m.surface[:-1]  # 書か
                if stem + "す" in lexicon.sa_verbs():
                    continue  # 動かす, 散らす … : 動かさせる is right
                base = _verb(stem[:-1] + _U_ROW.get(stem[-1], ""))
                if base and base[0].startswith("五段") and not base[0].startswith("五段-サ行"):
                    out.edit("kobun.sa-ire", m.start, m.end, stem, "さ入れ言葉です。「さ」は要りません")
                continue
            if (f[0] == "動詞" and f[4].startswith("五段") and not f[4].startswith("五段-サ行")
                    and f[5].startswith("未然形") and nxt is not None and nxt.feature[0] == "助動詞"
                    and nxt.surface.startswith("させ") and nxt.start == m.end and _KANJI.search(m.surface)):
                out.edit("kobun.sa-ire", nxt.start, nxt.end, nxt.surface[1:], "さ入れ言葉です。「さ」は要りません")
                continue
            if (f[0] == "助動詞" and f[7] in ("てる", "でる") and m.surface[:1] in ("て", "で") and i > 0
                    and ms[i - 1].feature[0] == "動詞" and ms[i - 1].end == m.start
                    and not (i >= 2 and ms[i - 2].surface in ("お", "ご", "御"))):  # お持ちでない
                out.edit("kobun.inuki", m.start, m.end, m.surface[0] + "い" + m.surface[1:],
                         "い抜き言葉です。「〜ている」と書きます")


_U_ROW = dict(zip("かがさたなばまらわ", "くぐすつぬぶむるう", strict=True))

_NIJUU_HITEI = re.compile(
    r"(?:ない|なく)(?:わけ|訳)(?:では|じゃ|でも)(?:ない|なく|ありません)"
    r"|ない(?:こと|事)(?:は|も)(?:ない|ありません)"
    r"|なく(?:は|も)(?:ない|ありません)"
    r"|ない(?:とは|とも)(?:言え|いえ|限ら|かぎら)(?:ない|ません)"
    r"|ない(?:もの|物)でも(?:ない|ありません)"
    r"|ないでも(?:ない|ありません)"
    r"|ない(?:はず|筈)(?:は|が)(?:ない|ありません)"
    r"|ない(?:の)?ではない"
    r"|ざるを得(?:ない|ません)"
    r"|ないわけにはいか(?:ない|ず|ません)"
    r"|(?:不|無|非)[一-鿿]{1,3}(?:では|でも)(?:ない|ありません)")


def _phrases(text: str, sents: list[Sentence], out: _Collector) -> None:
    """二重否定 (note) and 冗長・重複表現 (edit when the short form is the one right fix)."""
    for m in _NIJUU_HITEI.finditer(text):
        out.note("kobun.nijuu-hitei", m.start(), m.end(), "二重否定です。肯定の形で書けないか確かめてください")
    for pattern, right, why in lexicon.redundant():
        for m in pattern.finditer(text):
            if right:
                out.edit("kobun.jouchou", m.start(), m.end(), m.expand(right), why)
            else:
                out.note("kobun.jouchou", m.start(), m.end(), why)
    for s in sents:
        if "することができ" not in s.text:
            continue
        ms = s.morphs
        for i, w in enumerate(ms):
            # サ変名詞 + することができる -> サ変名詞 + できる (利用することができる -> 利用できる)
            if (w.surface == "する" and i > 0 and i + 3 < len(ms) and ms[i + 1].surface == "こと"
                    and ms[i + 2].surface == "が" and ms[i + 3].surface.startswith("でき")
                    and ms[i - 1].feature[:3] == ("名詞", "普通名詞", "サ変可能") and ms[i - 1].end == w.start):
                out.edit("kobun.jouchou", w.start, ms[i + 3].end, ms[i + 3].surface,
                         "「〜することができる」は「〜できる」と短く書けます")


_PARTICLES = frozenset({"が", "を", "に", "で", "へ", "より", "は"})
_COMPOUND_NEXT = frozenset({"つい", "つき", "おい", "おけ", "対し", "対する", "よっ", "より", "よる", "よら", "とっ",
                            "関し", "関する", "基づき", "基づく", "伴い", "伴う", "際し", "応じ", "向け", "わたっ",
                            "わたり", "当たっ", "当たり", "あたっ", "あたり", "沿っ", "従っ", "従い", "かけ", "限り",
                            "係る", "かかる", "あっ", "至る", "至っ", "ついて", "おいて", "関わる", "ほか", "加え",
                            "なる", "なり", "なっ", "する", "し", "お", "も", "は"})


_PARTICLE_HINT = re.compile(r"(が|を|で|は|へ|に|より)[^ぁ-ゖ、。，\s]{1,10}\1")
_DOUBLE_HINT = re.compile(r"([ぁ-ゖ])\1|([一-鿿ァ-ヺ]{2,6})\2")
_GA_HINT = re.compile("[たるだすいうんね]が[^。]*[たるだすいうんね]が")  # 〜したが、…〜だったが
_CONJUNCTIONS = ("しかし", "しかしながら", "また", "さらに", "そして", "ただし", "なお", "だが", "でも", "ところが",
                 "そのため", "したがって", "つまり", "すなわち", "一方", "また", "それで", "だから", "けれども",
                 "ところで", "あるいは", "もしくは", "または", "および", "かつ", "それから", "次に", "加えて",
                 "例えば", "特に", "むしろ", "もっとも", "ゆえに", "よって", "それでも", "それとも")
_HEAD = re.compile(r"\s*(?:([^\s、，。]{1,8})[、，]|(" + "|".join(sorted(set(_CONJUNCTIONS), key=len, reverse=True)) + "))")


def _repetition(text: str, sents: list[Sentence], out: _Collector) -> None:
    """The same particle twice in one phrase, 接続助詞「が」twice, the same word twice in a row,
    too many 読点, very long sentences, and the same conjunction opening consecutive sentences."""
    prev_head: tuple[str, int] | None = None
    for s in sents:
        if _PARTICLE_HINT.search(s.text):
            _particles(text, s, out)
        if _GA_HINT.search(s.text):
            found = [m for m in s.morphs if m.surface == "が" and m.feature[1] == "接続助詞"]
            if len(found) >= 2:
                out.note("kobun.setsuzoku-ga", found[1].start, found[1].end,
                         "接続助詞「が」が一文に重なっています。文を分けてください")
        if _DOUBLE_HINT.search(s.text):
            ms = s.morphs
            for i in range(1, len(ms)):
                if _same_word(ms[i - 1], ms[i]):
                    out.edit("kobun.renzoku-go", ms[i - 1].end, ms[i].end, "", f"「{ms[i].surface}」が続けて書かれています")
        if s.text.count("、") + s.text.count("，") >= 4:
            ms = s.morphs
            marks = [(i, m) for i, m in enumerate(ms) if m.surface in ("、", "，")]
            tens = [m for i, m in marks if not _enumeration(ms, i)]
            if len(tens) >= 4 or len(marks) >= 6:
                at = tens[3] if len(tens) >= 4 else marks[5][1]
                out.note("kobun.touten-kata", at.start, at.end,
                         f"一文に読点が{len(marks)}個あります。文を分けてください")
        if len(s.text.strip()) > 120:
            out.note("kobun.bun-nagasa", s.start, s.end, f"一文が{len(s.text.strip())}字あります。文を分けてください")
        head = _HEAD.match(s.text)
        line = _line_of(text, s.start)
        if head is None:
            prev_head = None
            continue
        word = head.group(1) or head.group(2)
        if prev_head == (word, line):
            first = next((m for m in s.morphs if m.feature[0] not in ("補助記号", "記号", "空白")), None)
            if first is not None and first.feature[0] == "接続詞" and first.surface == word:
                out.note("kobun.setsuzokushi-renzoku", first.start, first.end,
                         f"前の文と同じ接続詞「{first.surface}」で始まっています")
        prev_head = (word, line)


def _particles(text: str, s: Sentence, out: _Collector) -> None:
    """The same case particle twice with only a noun phrase between (材料不足で代替素材で)."""
    ms = s.morphs
    seen: dict[str, int] = {}  # particle -> index of its last use in this phrase
    for i, m in enumerate(ms):
        f = m.feature
        if f[0] not in ("名詞", "代名詞", "接頭辞", "接尾辞", "助詞"):
            seen.clear()  # a predicate, a 読点 or a symbol between them: two phrases
        elif f[0] == "助詞" and m.surface in _PARTICLES and f[1] in ("格助詞", "係助詞"):
            nxt = ms[i + 1].surface if i + 1 < len(ms) else ""
            compound = (m.surface in ("に", "で", "と") and nxt in _COMPOUND_NEXT) or (
                m.surface == "は" and i and ms[i - 1].feature[0] in ("助詞", "助動詞"))  # では, には
            j = seen.get(m.surface)
            between = ms[j + 1:i] if j is not None else []
            if (not compound and j is not None and 0 < len(between) <= 3
                    and all(b.feature[0] in ("名詞", "代名詞", "接頭辞", "接尾辞") for b in between)):
                out.note("kobun.joshi-juufuku", m.start, m.end,
                         f"助詞「{m.surface}」が続けて使われています（{text[ms[j].start:m.end]}）")
            if not compound:
                seen[m.surface] = i
        elif f[0] == "助詞":
            seen.clear()


def _enumeration(ms: list[Morpheme], i: int) -> bool:
    """A 読点 between two nouns (申請書、住民票、…) lists words; it does not lengthen the sentence."""
    return 0 < i < len(ms) - 1 and ms[i - 1].feature[0] in ("名詞", "接尾辞") and ms[i + 1].feature[0] in ("名詞", "接頭辞")


def _line_of(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos)  # identifies the line: the offset of the newline before it


def _same_word(a: Morpheme, b: Morpheme) -> bool:
    if a.surface != b.surface or a.end != b.start:
        return False
    f = b.feature
    if f[0] in ("補助記号", "記号", "空白", "感動詞", "副詞") or f[1] == "数詞" or "一" in b.surface:
        return False
    return not (len(b.surface) == 1 and f[0] not in ("助詞", "助動詞"))


_POLITE_END = re.compile(r"(?:です|でした|でしょう|ます|ました|ません|ましょう|ませんでした)(?:か|ね|よ)?[。！？!?]$")
_PLAIN_END = re.compile(r"(?:である|であった|であろう|ではない|だ|だった|だろう)[。！？!?]$")


_PLAIN_TAIL = frozenset("うくぐすつぬぶむるいたださ")
_BLANK_LINE = re.compile(r"\n[ \t　]*\n")


def _buntai(text: str, sents: list[Sentence], out: _Collector) -> None:
    """です・ます and である mixed in one paragraph: note the sentences in the less used style.

    Paragraphs (blocks between blank lines) are judged one by one: official documents keep rules
    in である体 and explanations in です・ます体 in separate blocks, which is not a mix."""
    breaks = [m.start() for m in _BLANK_LINE.finditer(text)]
    groups: list[list[Sentence]] = [[]]
    b = 0
    for s in sents:
        while b < len(breaks) and breaks[b] < s.start:
            b += 1
            groups.append([])
        groups[-1].append(s)
    for group in groups:
        if len(group) > 1:
            _buntai_paragraph(text, group, out)


def _buntai_paragraph(text: str, sents: list[Sentence], out: _Collector) -> None:
    polite: list[tuple[int, int]] = []
    plain: list[tuple[int, int]] = []
    undecided: list[Sentence] = []
    for s in sents:
        body = s.text.strip()
        if "「" in body or "」" in body or not body.endswith(("。", "！", "？")):
            continue  # quoted speech keeps its own style; headings and list items have none
        offset = s.start + s.text.index(body)
        line_start = text.rfind("\n", 0, offset) + 1
        if text[line_start:offset].strip() == "" and line_start > 0:
            before = text[:line_start].rstrip()
            if before and before[-1] not in "。！？」）)":
                continue  # the tail of a sentence broken over two lines
        m = _POLITE_END.search(body) or _PLAIN_END.search(body)
        if m:
            (polite if m.re is _POLITE_END else plain).append((offset + m.start(), offset + len(body) - 1))
        else:
            undecided.append(s)
    if not polite:
        return  # no です・ます here: nothing can be mixed with it (and nothing needs analysing)
    for s in undecided:
        if s.text.rstrip()[-2:-1] not in _PLAIN_TAIL:
            continue  # 体言止め and the like: no predicate to judge (and nothing to analyse)
        last = _last_predicate(s)
        if last is not None:
            plain.append((last.start, last.end))
    if not plain:
        return
    plain.sort()
    minority, style = (plain, "である体") if len(plain) < len(polite) else (polite, "です・ます体")
    if len(plain) == len(polite):
        minority, style = (plain, "である体") if plain[0][0] > polite[0][0] else (polite, "です・ます体")
    for a, b in minority:
        out.note("kobun.buntai", a, b, f"です・ます体とである体が混在しています（この文は{style}）")


def _last_predicate(s: Sentence) -> Morpheme | None:
    """The sentence-final verb or adjective in its plain 終止形 (受け付ける。), if that is how it ends."""
    words = [m for m in s.morphs if m.feature[0] not in ("補助記号", "記号", "空白")]
    if not words:
        return None
    last = words[-1]
    if last.feature[0] in ("動詞", "形容詞") and last.feature[5].startswith("終止形"):
        return last
    if last.feature[0] == "助動詞" and last.feature[7] in ("た", "ない") and last.feature[5].startswith("終止形") and (
            len(words) < 2 or words[-2].feature[7] not in ("ます", "です")):
        return last
    return None


_PIPELINE: list[Callable[[str, list[Sentence], _Collector], None]] = [
    _characters, _punctuation, _ranuki, _phrases, _word_lists, _keishiki_meishi, _hojo_doushi, _kana_goku,
    _gairaigo, _numbers, _repetition, _buntai,
]
