"""Extractive summaries that a careful clerk would write, and the form a person asked for.

Three steps, each usable alone:

1. `read_structure` reads the selection's structure: it joins lines that wrap inside a sentence
   (text pasted from a PDF), tells headings (第N章, numbered, bracketed, titles), list items,
   meta lines (日時：, 場所：) and noise (page numbers, table rows) apart, and splits paragraphs
   into sentences with ja-sentence-segmenter (rule-based, pure Python, no model: nothing is
   downloaded at run time).
2. `parse_instruction` reads the person's instruction into a `FormSpec`: 「N字以内」 (a hard
   limit), 「N字程度」 (±30 %), 「N行」, 「箇条書き」/「N点」, 「一文で」, 「N文で」.
3. `summarize` ranks the sentences (LexRank-style centrality over content words from the
   project's analyser, plus position, cue phrases and the section's heading) and picks whole
   source sentences to fit the form, covering the sections in proportion, dropping
   near-duplicates and keeping the source's order. Headings steer the choice but are never
   output. When no whole sentence fits, the summary says so in a note instead of cutting one.

`check_answer` holds a model's summary to the same form rules (the gateway turns its problems
into warning findings). See docs/summarization.md.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from operator import mul, sub

from ja_sentence_segmenter.split.simple_splitter import ESCAPE_CHAR, split_punctuation

from addin_server.policy.detectors.japanese import content_words, word_spans

# --- the instruction -----------------------------------------------------------------------

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                 "九": 9, "両": 2}
_NUM = r"(\d+|[〇零一二三四五六七八九十百千]+)"
_CHARS = re.compile(r"(約|およそ|おおよそ|大体|だいたい)?\s*" + _NUM +
                    r"\s*(?:字|文字)\s*(以内|以下|まで|未満|程度|くらい|ぐらい|前後|ほど|内外)?")
_LINES = re.compile(_NUM + r"\s*行(?!う|い|っ|わ|政|事|動|程|列)")
_POINTS = re.compile(_NUM + r"\s*(?:点|項目|ポイント|個)")
_THINGS = re.compile(_NUM + r"\s*つ(?!ずつ)")
_SENTENCES = re.compile(_NUM + r"\s*文(?!字|書|章|言|献|化|面|脈|中)")
_ONE_SENTENCE = re.compile(r"(?:一|1)\s*文で|ひと言|一言|ひとことで|短文で")
_BULLETS = re.compile(r"箇条書き|かじょう書き|箇条書|リスト形式|・で")
DEFAULT_MAX = 400  # with no instruction: about a third of the source, at most this many characters


def _number(token: str) -> int:
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _KANJI_DIGITS:
            current = _KANJI_DIGITS[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


@dataclass(frozen=True)
class FormSpec:
    """What the person asked for. Character counts ignore line breaks."""

    max_chars: int | None = None  # 「N字以内」: never more
    target_chars: int | None = None  # 「N字程度」: within ±30 %
    count: int | None = None  # exact number of sentences / lines / bullets
    form: str = "prose"  # "prose" | "lines" | "bullets"
    instructed: bool = False  # False: no length or form given (about a third, at most 400)

    @property
    def upper(self) -> int | None:
        if self.max_chars is not None:
            return self.max_chars
        if self.target_chars is not None:
            return math.floor(self.target_chars * 1.3)
        return None

    @property
    def lower(self) -> int | None:
        return math.ceil(self.target_chars * 0.7) if self.target_chars is not None else None

    def describe(self) -> str:
        """The requested form in Japanese, for the model's prompt and for notes."""
        parts = []
        if self.form == "bullets":
            parts.append(f"箇条書きで{self.count}点（各行を「・」で始める）" if self.count
                         else "箇条書き（各行を「・」で始める）")
        elif self.form == "lines":
            parts.append(f"{self.count}行（1行に1文）")
        elif self.count == 1:
            parts.append("一文")
        elif self.count:
            parts.append(f"{self.count}文")
        if self.max_chars is not None:
            parts.append(f"{self.max_chars}字以内")
        if self.target_chars is not None:
            parts.append(f"{self.target_chars}字程度（{self.lower}〜{self.upper}字）")
        return "、".join(parts)


def parse_instruction(instruction: str | None) -> FormSpec:
    if not instruction:
        return FormSpec()
    s = unicodedata.normalize("NFKC", instruction)
    max_chars = target = count = None
    form = "prose"
    if m := _CHARS.search(s):
        n = _number(m.group(2))
        if n > 0:
            if m.group(3) in ("以内", "以下", "まで"):
                max_chars = n
            elif m.group(3) == "未満":
                max_chars = n - 1
            else:  # 程度, くらい, 前後, 約N字, or a bare 「N字で」: about N
                target = n
    bullets = bool(_BULLETS.search(s))
    if m := _POINTS.search(s):
        bullets, count = True, _number(m.group(1))
    elif (m := _THINGS.search(s)) and bullets:
        count = _number(m.group(1))
    if m := _LINES.search(s):
        count = _number(m.group(1))
        form = "bullets" if bullets else "lines"
    if bullets:
        form = "bullets"
    if form == "prose":
        if _ONE_SENTENCE.search(s):
            count = 1
        elif (m := _SENTENCES.search(s)) or (m := _THINGS.search(s)):
            count = _number(m.group(1))
    if count is not None and count <= 0:
        count = None
    instructed = bool(max_chars or target or count or form != "prose")
    return FormSpec(max_chars, target, count, form, instructed)


def visible_length(text: str) -> int:
    """Characters as a person counts them: line breaks are not characters."""
    return len(text.replace("\r", "").replace("\n", ""))


# --- structure -----------------------------------------------------------------------------

_TERMINATORS = "。！？!?"
_CLOSERS = "」』）)】〕］]＞>"
_END = re.compile(rf"[{_TERMINATORS}][{re.escape(_CLOSERS)}]*$")
_NEWLINES = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_STRIP = " \t\u3000\ufeff"
_NUM_MARK = r"[0-9０-９]{1,2}"
# A heading that is a heading whatever follows it.
_CHAPTER = re.compile(r"^第[0-9０-９一二三四五六七八九十百]+[章節部編款]\s*")
_SECTION_WORD = re.compile(r"^(?:はじめに|おわりに|まえがき|あとがき|さいごに|最後に|終わりに|結びに|目次|概要|要旨|序文"
                           r"|本文|記|以上|別記|附則|付録|附録|参考|備考|注記|解説|経緯|背景|目的|趣旨)$")
_ARTICLE = re.compile(r"^第[0-9０-９一二三四五六七八九十百]+条(?:の[0-9０-９一二三四五六七八九十]+)?\s*")
_BRACKETED = re.compile(r"^(?:【[^】]{1,40}】|［[^］]{1,40}］|〔[^〕]{1,40}〕|＜[^＞]{1,40}＞|《[^》]{1,40}》|<[^>]{1,40}>)")
_MARKER = re.compile(
    r"^(?:"
    rf"{_NUM_MARK}(?:[.．]{_NUM_MARK})*[.．、)）]\s*|{_NUM_MARK}(?:[.．]{_NUM_MARK})*[\s\u3000]+"
    r"|[（(](?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3}|[ア-ンa-zａ-ｚ])[)）]\s*"
    r"|[①-⑳㉑-㉟❶-❿➀-➉]\s*"
    r"|[一二三四五六七八九十]{1,3}[、．.]\s*|[一二三四五六七八九十]{1,3}[\s\u3000]+"
    r"|[ア-ン][.．)）]\s*|[a-zａ-ｚA-ZＡ-Ｚ][.．)）]\s*"
    r"|[・･•●○◦◆◇■□▪▫►▸▶➢➤✓✔☆★※\-－*＊]+\s*(?:[0-9０-９]{1,2}\s*)?"
    r"|(?:Q|Ｑ|A|Ａ)\s*[0-9０-９]{0,2}\s*[.．:：)）\s\u3000]\s*"
    r"|(?:問|答|質問|回答)\s*[0-9０-９]{0,2}\s*[.．:：、)）\s\u3000]\s*"
    r")"
)
_QA_MARK = re.compile(r"^(?:Q|Ｑ|A|Ａ|問|答|質問|回答)")
_BOX_HEADING_MARK = re.compile(r"^[■□◆◇◎●○▼▽]")
_META_LABELS = ("日時", "日程", "開催日時", "開催日", "期日", "期間", "時間", "場所", "会場", "開催場所",
                "出席者", "出席", "欠席者", "欠席", "参加者", "議題", "件名", "宛先", "宛て先", "担当",
                "担当課", "担当者", "問い合わせ先", "問合せ先", "お問い合わせ", "お問合せ", "連絡先", "締切",
                "締め切り", "申込期間", "申込方法", "申込先", "申し込み", "対象", "対象者", "定員", "費用",
                "参加費", "持ち物", "主催", "作成者", "作成日", "記録者", "次回", "配布資料", "電話",
                "ファクス", "FAX", "メール", "所在地", "住所", "受付時間", "開庁時間", "内容", "概要", "目的")
_META = re.compile(r"^(?:" + "|".join("[\\s\u3000]*".join(map(re.escape, label))
                                      for label in sorted(_META_LABELS, key=len, reverse=True)) +
                   r")(?:[\s\u3000]*[：:]|[\s\u3000]+(?=[^\s\u3000]))")
# Meta lines worth a line in a listed summary (what, when, where); the rest is bookkeeping.
_META_KEY = re.compile(r"^(?:日[\s\u3000]*時|日程|開催|期[\s\u3000]*日|期間|場[\s\u3000]*所|会場|締|申込|申し込み|対象|議題|次回"
                       r"|内[\s\u3000]*容|概[\s\u3000]*要|目[\s\u3000]*的)")
_PAGE = re.compile(r"^[-–—ー―\s]*(?:[pPｐＰ][.．]?\s*)?[0-9０-９]{1,3}\s*(?:/\s*[0-9０-９]{1,3})?[-–—ー―\s]*$")
_DATE_LINE = re.compile(r"^(?:(?:令和|平成|昭和)[0-9０-９元]+年|[0-9０-９]{4}[年./／])[0-9０-９年月日./／\s（）()月火水木金土曜第版.．]*$")
_TABLEISH = re.compile(r"\t|\S(?:[ \u3000]{2,}|\s{3,})\S")
# Endings of a complete clause written without 。 (list items, rules): not a wrap.
_PREDICATE_END = re.compile(
    r"(?:する|した|します|しました|している|すること|こと|ない|ある|いる|れる|られる|ます|です|でした|ました|ません"
    r"|ください|である|とする|もの|います|だ|た|う|ずる|じる|く|い)[）)」』]?$")
# Endings that close a sentence even in running text (where 。 was left off).
_STRONG_END = re.compile(r"(?:こと|ます|です|ました|でした|ません|ください|である|とする|ものとする|のこと)[）)」』]?$")
_HIRAGANA_START = re.compile(r"^[ぁ-ゖ]")
_KANJI_KANA = re.compile(r"[一-鿿々〆ヶァ-ヺー]")
_WORDY = re.compile(r"[^\W_]")  # a letter, kana, kanji or digit
_RULE_END = re.compile(r"(?:する|しない|とする|すること|ること)[）)」』]?$")
# Hiragana that cannot begin a sentence: a line starting with one continues the one before.
_CONTINUES = re.compile(r"^[ぁぃぅぇぉっゃゅょゎをんゝゞー、。，．・）)」』】〕］]")
_SENTENCE_START = re.compile(
    r"^(?:これ|この|それ|その|あの|あれ|また|なお|ただし|さらに|しかし|しかも|まず|次に|つまり|すなわち|ここ|そこ"
    r"|あわせて|併せて|あらかじめ|おって|おわりに|はじめに|いずれ|なぜ|どの|どれ|ぜひ|すでに|すべて|さまざま"
    r"|たとえば|とくに|もし|よって|したがって|そのため|ついては|つきましては|ご|お|ほか|いつ|どこ|だれ|なに|どう"
    r"|わたし|私|みなさま|皆さま|ところで|そして|それでは|では|ちなみに|まだ|もう|ほぼ|やがて|かつ)")
_OPEN_END = re.compile(r"(?:[、，,・（(「『【〔［]|[をにがはでともへやのてりしきちみびけえせれげべね]|から|より|まで|など|及び|並びに|又は|若しくは)$")
_TAIL = re.compile(rf"[{_TERMINATORS}][{re.escape(_CLOSERS)}]*([^{_TERMINATORS}]*)$")
_LABELS = re.compile(r"[^\x00-\x7f][ \u3000]+[^\x00-\x7f]")
_PAIRS = (("（", "）"), ("(", ")"), ("「", "」"), ("『", "』"), ("【", "】"))


@dataclass(frozen=True)
class Unit:
    """One candidate for the summary: a sentence exactly as in the source (line breaks removed)."""

    text: str
    kind: str  # "sentence" | "item" | "meta"
    section: int  # under the nearest heading (steers the choice)
    paragraph: int
    first_in_paragraph: bool
    terminated: bool
    part: int = 0  # under the nearest major heading (each part is covered in proportion)


@dataclass
class Structure:
    units: list[Unit] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)  # every heading and title, as written
    section_headings: dict[int, str] = field(default_factory=dict)  # section -> its heading
    section_levels: dict[int, int] = field(default_factory=dict)  # section -> its heading's level
    title: str | None = None


@dataclass
class _Line:
    text: str  # content after the marker
    kind: str  # "text" | "marked" | "chapter" | "bracketed" | "meta" | "noise"
    marker: str = ""
    indented: bool = False  # began with a space: a new paragraph in Japanese layout (or a new PDF page)
    trailing: bool = False  # ended with a space: PDF text marks a paragraph's last line so
    full: bool = False  # its last line reaches the wrap width of the text
    depth: int = 0  # brackets opened and not closed (kept as lines are joined)
    wrapped: bool = False  # the text is hard-wrapped (pasted from a PDF), not one paragraph a line


def _balance(text: str) -> int:
    return sum(text.count(o) - text.count(c) for o, c in _PAIRS)


def _last_segment(text: str) -> str:
    """What follows the last sentence end in `text` (the start of an unfinished sentence)."""
    m = _TAIL.search(text)
    return m.group(1) if m else text.lstrip(_CLOSERS)


def _classify(raw: str) -> _Line:
    if _PAGE.match(raw) or _DATE_LINE.match(raw):
        return _Line(raw, "page")
    if m := _CHAPTER.match(raw):
        return _Line(raw[m.end():], "chapter", m.group())
    if _SECTION_WORD.match(raw):
        return _Line("", "chapter", raw)
    if m := _META.match(raw):
        if _END.search(raw) and m.end() < len(raw):  # 申込方法：…お申し込みください。: a labelled sentence
            return _Line(raw, "marked")
        return _Line(raw, "meta")
    if m := _BRACKETED.match(raw):
        rest = raw[m.end():].lstrip(_STRIP)
        if not rest or (len(rest) < 25 and "、" not in rest and not _END.search(rest)):
            return _Line(rest, "bracketed", m.group())  # 【概要】, 【議題1】地域防災計画の見直しについて
        return _Line(rest, "marked", m.group())  # 【回答】本市では…。: a label before content
    if m := _ARTICLE.match(raw):
        return _Line(raw[m.end():], "marked", m.group())
    if (m := _MARKER.match(raw)) and m.end() < len(raw):
        rest = raw[m.end():].lstrip(_STRIP)
        if _META.match(rest) and not _END.search(rest):  # 「１ 日時　令和6年7月6日（土）」 in a notice's 記
            return _Line(rest, "meta", m.group())
        return _Line(rest, "marked", m.group())
    if _TABLEISH.search(raw) and not _END.search(raw):
        return _Line(raw, "noise")
    return _Line(raw, "text")


def _is_open(buf: _Line) -> bool:
    """Does the sentence at the end of `buf` go on in the next line?"""
    if buf.kind in ("chapter", "noise", "meta", "bracketed"):
        return False
    text = buf.text
    if buf.depth > 0:
        return True
    seg = _last_segment(text)
    if not seg:
        return False
    if buf.kind == "marked" and _BOX_HEADING_MARK.match(buf.marker) and len(seg) < 20 and "、" not in seg:
        return False
    if _STRONG_END.search(seg):
        return False
    if buf.kind in ("text", "marked") and seg == text and "、" not in seg and not buf.full:
        return False  # a title or a heading (「年末年始のごみ収集について」), not a wrapped line
    if _OPEN_END.search(seg):
        return True
    if len(seg) != len(text.lstrip(_CLOSERS)):  # a new sentence began on this line and goes on
        return True
    if buf.trailing or (_LABELS.search(seg) and "、" not in seg):
        return False  # a paragraph's last line, or labels of a diagram (「データの質 最新情報」)
    if buf.kind == "marked" and _RULE_END.search(seg):
        return False  # a rule or list item closes on 「…を禁止する」 even at the wrap width
    if buf.full:
        return True
    # A list item or rule often ends without 。 on a predicate; running text ends with 。, so
    # an unfinished clause of running text goes on.
    if buf.kind == "marked" and _PREDICATE_END.search(seg):
        return False
    # In Word text a line is a paragraph: one without 。 is an example or a caption, complete.
    return buf.wrapped and "、" in seg


def _continues(buf: _Line, line: _Line) -> bool:
    if line.kind != "text" or buf.kind in ("chapter", "noise", "meta", "bracketed"):
        return False
    if _END.search(buf.text) and not _last_segment(buf.text):
        # A sentence that ended just at the wrap width: the paragraph goes on in the next line
        # unless that line is short and plain (a heading).
        return buf.full and not line.indented and (line.full or "、" in line.text or bool(_END.search(line.text)))
    if _CONTINUES.match(line.text):
        return True
    if buf.depth > 0:
        return True
    if line.indented:
        return False
    if _HIRAGANA_START.match(line.text) and not _SENTENCE_START.match(line.text):
        return True  # 「…生成す」+「る技術です。」: inflections and particles begin no sentence
    if not _is_open(buf):
        return _word_across(buf, line)
    starts = _SENTENCE_START.match(line.text) or line.text[0] in "「『【■◆●"
    return not (starts and _PREDICATE_END.search(_last_segment(buf.text)))


def _word_across(buf: _Line, line: _Line) -> bool:
    """Is a word cut by the line break (「…に構」+「築し、…」)? The analyser reads the few characters
    on both sides; a word running across the break means the line was wrapped inside it."""
    seg = _last_segment(buf.text)
    if (buf.kind not in ("text", "marked") or not seg or buf.trailing or _STRONG_END.search(seg)
            or not _KANJI_KANA.match(seg[-1]) or not _KANJI_KANA.match(line.text[0])):
        return False
    left, right = seg[-6:], line.text[:6]
    return any(start < len(left) < end for start, end in word_spans(left + right))


def _wrap_width(raws: Sequence[str]) -> float:
    """The width at which the text was wrapped: the median length of lines cut inside a sentence
    (running text holding a 、 and ending mid-phrase). Infinite when fewer than three are found:
    no wrapping (Word text, where a line without 。 is a complete example, caption or rule)."""
    cut = sorted(len(r) for r in raws if "、" in (seg := _last_segment(r)) and not _END.search(r) and len(r) >= 15
                 and not _PREDICATE_END.search(seg))
    if len(cut) >= 3:
        return cut[len(cut) // 2]
    # A short selection wrapped at a fixed width: the longest lines are all of one length.
    # Hard wrapping makes every full line exactly as long as the longest; paragraphs of Word text
    # are rarely of the very same length.
    lengths = Counter(len(r) for r in set(raws) if len(r) >= 15)  # a running header repeats: once
    longest = max(lengths, default=0)
    return longest if lengths[longest] >= 2 else math.inf


def _logical_lines(text: str) -> list[_Line]:
    raws = [r.rstrip("\n") for r in _NEWLINES.sub("\n", text).split("\n")]
    width = _wrap_width([r.strip(_STRIP) for r in raws])
    lines: list[_Line] = []
    for original in raws:
        raw = original.strip(_STRIP)
        if not raw:
            continue
        line = _classify(raw)
        if line.kind == "page":
            continue  # a page number or a date line: a sentence wrapped across a page goes on after it
        line.indented = original[0] in _STRIP
        line.trailing = original[-1] in _STRIP
        line.full = len(raw) >= 0.85 * width
        line.wrapped = width < math.inf
        line.depth = _balance(line.text)
        if lines and _continues(lines[-1], line):
            buf = lines[-1]
            buf.text += line.text  # Japanese has no space at a line break; a number wrapped in two stays one
            buf.trailing, buf.full = line.trailing, line.full
            buf.depth += line.depth
            continue
        lines.append(line)
    return lines


def _split_sentences(paragraph: str) -> list[str]:
    if ESCAPE_CHAR in paragraph:  # the segmenter's own sentinel: split plainly instead
        parts = re.findall(rf"[^{_TERMINATORS}]*[{_TERMINATORS}]+[{re.escape(_CLOSERS)}]*|[^{_TERMINATORS}]+$", paragraph)
    else:
        parts = list(split_punctuation(paragraph, punctuations="。！？!?"))
    out: list[str] = []  # pieces as in the source (inner spaces kept); stripped at the end
    for part in parts:
        core = part.strip(_STRIP)
        if not core:
            if out:
                out[-1] += part
            continue
        # A closing bracket or a second mark after the end belongs to the sentence before; and
        # a 。 inside full-width parentheses does not end it (the segmenter guards only ASCII ones).
        if out and (core[0] in _CLOSERS + _TERMINATORS or _balance(out[-1]) > 0):
            out[-1] += part
        else:
            out.append(part)
    return [p.strip(_STRIP) for p in out]


def _is_heading_text(text: str) -> bool:
    """An unmarked line without a sentence end: a title or heading unless it reads as a clause."""
    return not (len(text) >= 20 and (_PREDICATE_END.search(text) or "、" in text))


def _short_marked(line: _Line) -> bool:
    """A numbered or bulleted phrase without a sentence end: a heading, or one of a list of phrases."""
    body = line.text.strip(_STRIP)
    if line.kind != "marked" or _END.search(body) or _QA_MARK.match(line.marker):
        return False
    return (len(body) < 25 and "、" not in body) or (_BOX_HEADING_MARK.match(line.marker) is not None
                                                   and len(body) < 40)


def _family(line: _Line) -> str:
    """The kind of a list marker: digits, parenthesised, circled, kana, kanji numerals or a bullet."""
    m = line.marker.lstrip("第")[:1]
    for family, chars in (("digit", "0123456789０１２３４５６７８９"), ("paren", "（("),
                          ("kanji", "一二三四五六七八九十")):
        if m in chars:
            return family
    if "①" <= m <= "⑳":
        return "circled"
    return "kana" if "ア" <= m <= "ン" else m


def _heading_level(line: _Line, first: bool) -> int:
    """1 chapter, 2 numbered, 3 sub-numbered or bracketed, 4 an unmarked title; 0 the document's title."""
    if line.kind == "chapter":
        return 1
    if line.kind == "marked":
        return 2 if re.match(r"[0-9０-９一二三四五六七八九十]", line.marker) else 3
    if line.kind == "bracketed":
        return 3
    return 0 if first else 4


def read_structure(text: str) -> Structure:
    st = Structure()
    section = 0
    paragraph = 0
    levels: list[tuple[int, str]] = []  # per section (from 1): its heading's level and text
    has_body: set[int] = set()  # sections with sentences of their own (「４ 議事」 before 「（１）…」 has none)
    lines = _logical_lines(text)
    short = [_short_marked(line) for line in lines]
    for i, line in enumerate(lines):
        body = line.text.strip(_STRIP)
        if line.kind == "noise" or (not body and line.kind not in ("chapter", "bracketed")):
            continue
        terminated = bool(_END.search(body))
        if short[i] and any(0 <= k < len(lines) and short[k] and _family(lines[k]) == _family(line)
                            for k in (i - 1, i + 1)):
            continue  # ①講義 ②演習 ③実習, or a table of contents: a list of phrases, not headings
        heading = short[i] or line.kind in ("chapter", "bracketed") or (
            line.kind == "text" and not terminated and _is_heading_text(body))
        if heading:
            label = (line.marker + body).strip(_STRIP)
            st.headings.append(label)
            if i == 0 and line.kind == "text":
                st.title = label
            section += 1
            st.section_headings[section] = body or label
            levels.append((_heading_level(line, i == 0), re.sub(r"\s", "", label)))
            st.section_levels[section] = levels[-1][0]
            continue
        paragraph += 1
        has_body.add(section)
        if line.kind == "meta":
            st.units.append(Unit(body, "meta", section, paragraph, True, terminated))
            continue
        kind = "item" if line.kind == "marked" else "sentence"
        for j, sentence in enumerate(_split_sentences(body)):
            if not _WORDY.search(sentence):
                continue  # punctuation alone (「。」」) says nothing
            ended = bool(_END.search(sentence))
            if not ended and ((j > 0 and len(sentence) < 8) or (kind == "sentence" and _LABELS.search(sentence))):
                continue  # a stray tail (a wrapped page footer), or labels of a diagram or table
            st.units.append(Unit(sentence, kind, section, paragraph, j == 0, ended))
    # Parts: the sections under the shallowest level of heading that occurs at least twice; a
    # heading repeated on every page (a PDF's running header) is one part, not many.
    major = next((lv for lv in range(1, 5)
                  if sum(1 for sec, (x, _) in enumerate(levels, start=1) if 1 <= x <= lv and sec in has_body) >= 2), 0)
    part_of: dict[int, int] = {0: 0}
    keys: dict[str, int] = {}
    current = 0
    for sec, (lv, key) in enumerate(levels, start=1):
        if major and 1 <= lv <= major:
            current = keys.setdefault(key, len(keys) + 1)
        part_of[sec] = current
    st.units = [replace(u, part=part_of[u.section]) for u in st.units]
    return st


# --- ranking -------------------------------------------------------------------------------

# Cue phrases (Edmundson): what was decided or asked of the reader matters; a pointer elsewhere
# (「次のとおりです。」), a greeting or a question does not say anything on its own.
_CUE_DECIDED = re.compile(r"決定|決ま|承認|了承|合意|可決|とする(?:こと|。)|こととし|ことにな")
_CUE_UP = re.compile(r"実施|開始|始め|予定|必要があ|必要です|ください|お願い|禁止|求め|目的|ものとする|結果|課題|方針"
                     r"|見込|増加|増え|減少|減っ|達成|期限|要件|限る|限定")
_CUE_DOWN = re.compile(r"(?:以下|次|下記)のとおり(?:です|となります|でした)?。$|次ページ|次頁|前頁|別紙|参照して"
                       r"|お世話にな|よろしくお願い|以上です|ありがとうございま|解説していきます|紹介します|ご覧ください")
# In minutes, that something was explained or reported is procedure; what was decided is the point.
_PROCEDURE = re.compile(r"(?:について|から)(?:説明|報告)(?:があった|した|を行った)|(?:説明|報告)を(?:受け|行っ)た"
                        r"|(?:に基づき|を用いて)、?.{0,20}(?:説明|報告)した|ことを報告した")
_QUESTION = re.compile(r"(?:か|？|\?)[。」）]*$|[？?]$")
_BIGRAM_DUP = 0.6
_STEER = {0: 0.25, 1: 0.5, 2: 0.5, 3: 0.3, 4: 0.15}


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[\s、。・「」（）()]", "", text)
    return {t[i:i + 2] for i in range(len(t) - 1)} or {t}


def _near_duplicate(a: str, b: str, ga: set[str], gb: set[str]) -> bool:
    if a in b or b in a:
        return True
    inter = len(ga & gb)
    return inter / (len(ga) + len(gb) - inter) >= _BIGRAM_DUP


def _vectors(docs: Sequence[Sequence[str]]) -> list[dict[str, float]]:
    df: dict[str, int] = defaultdict(int)
    for words in docs:
        for w in set(words):
            df[w] += 1
    n = len(docs)
    out = []
    for words in docs:
        tf: dict[str, int] = defaultdict(int)
        for w in words:
            tf[w] += 1
        vec = {w: c * (math.log((1 + n) / (1 + df[w])) + 1.0) for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        out.append({w: v / norm for w, v in vec.items()})
    return out


def _similarities(vecs: Sequence[dict[str, float]]) -> list[dict[int, float]]:
    """Cosine similarity of every pair that shares a word (an inverted index skips the rest)."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, vec in enumerate(vecs):
        for w, v in vec.items():
            postings[w].append((i, v))
    sims: list[dict[int, float]] = [defaultdict(float) for _ in vecs]
    for plist in postings.values():
        if len(plist) < 2:
            continue
        for a in range(len(plist)):
            i, vi = plist[a]
            row = sims[i]
            for j, vj in plist[a + 1:]:
                row[j] += vi * vj
    full: list[dict[int, float]] = [{} for _ in vecs]
    for i, row in enumerate(sims):
        for j, s in row.items():
            full[i][j] = s
            full[j][i] = s
    return full


def _lexrank(sims: Sequence[dict[int, float]], threshold: float = 0.1, damping: float = 0.85,
             iterations: int = 50, tolerance: float = 1e-4) -> list[float]:
    """Continuous LexRank: PageRank over the similarity graph (edges below `threshold` dropped);
    mean score 1. Each node keeps its incoming edges as two flat lists, so that one iteration is a
    few C-level sums rather than a Python loop per edge."""
    n = len(sims)
    if n == 0:
        return []
    edges = [{j: s for j, s in row.items() if s >= threshold} for row in sims]
    out_weight = [sum(row.values()) for row in edges]
    sources: list[list[int]] = [[] for _ in range(n)]
    weights: list[list[float]] = [[] for _ in range(n)]
    for i, row in enumerate(edges):
        for j, s in row.items():
            sources[j].append(i)
            weights[j].append(damping * s / out_weight[i])
    dangling = [i for i in range(n) if not out_weight[i]]
    rank = [1.0 / n] * n
    for _ in range(iterations):
        base = (1 - damping) / n + damping * sum(rank[i] for i in dangling) / n
        get = rank.__getitem__
        new = [base + sum(map(mul, map(get, sources[j]), weights[j])) for j in range(n)]
        delta = sum(map(abs, map(sub, new, rank)))
        rank = new
        if delta < tolerance:
            break
    return [r * n for r in rank]


@dataclass
class _Candidate:
    unit: Unit
    index: int
    score: float
    similar: dict[int, float]  # cosine similarity to the other candidates (by index) that share a word
    grams: set[str]
    length: int  # as rendered in prose (a 。 added where the source has none)


def _rank(st: Structure, units: Sequence[Unit]) -> list[_Candidate]:
    words = [content_words(u.text) for u in units]
    by_text: dict[str, set[str]] = {}  # a PDF repeats its running header on every page: analyse once
    for h in st.section_headings.values():
        if h not in by_text:
            by_text[h] = set(content_words(h))
    heading_words = {s: by_text[h] for s, h in st.section_headings.items()}
    title_words = set(content_words(st.title)) if st.title else set()
    vecs = _vectors(words)
    grams = [_bigrams(u.text) for u in units]
    sims = _similarities(vecs)
    for i, row in enumerate(sims):
        for j, s in row.items():
            # Near-copies (the same rule restated, 「新しい画像／動画を生成する技術です。」) would
            # otherwise vote for each other and crowd out what the text is about.
            if s > 0.5 and _near_duplicate(units[i].text, units[j].text, grams[i], grams[j]):
                row[j] = 0.0
    central = _lexrank(sims)
    first_of_section: set[int] = set()
    seen: set[int] = set()
    for i, u in enumerate(units):
        if u.part not in seen:
            seen.add(u.part)
            first_of_section.add(i)
    out = []
    for i, u in enumerate(units):
        score = 0.45 * central[i] + 0.55
        # Administrative writing puts the point first: the lead of the text, of each part, of
        # each paragraph (the answer's first sentence after a question).
        if i == 0:
            score *= 1.5
        elif i in first_of_section:
            score *= 1.25
        elif u.first_in_paragraph:
            score *= 1.1
        if _CUE_DECIDED.search(u.text):
            score *= 1.3
        elif _CUE_UP.search(u.text):
            score *= 1.15
        if _CUE_DOWN.search(u.text):
            score *= 0.45
        if _QUESTION.search(u.text):
            score *= 0.5
        if _PROCEDURE.search(u.text):
            score *= 0.75
        mine = set(words[i])
        # A major heading names what its part is about; a box label or caption less so.
        steer = _STEER[st.section_levels.get(u.section, 4)]
        for topic, weight in ((heading_words.get(u.section, set()), steer), (title_words, 0.4)):
            if topic:
                score *= 1 + weight * len(topic & mine) / len(topic)
        if len(u.text) < 25:  # a short sentence rarely says much alone
            score *= math.sqrt(max(len(u.text), 4) / 25)
        if u.kind == "meta":
            score *= 0.75
        elif not u.terminated and u.kind == "sentence":
            score *= 0.8
        length = len(u.text) + (0 if u.terminated else 1)
        out.append(_Candidate(u, i, score, sims[i], grams[i], length))
    return out


# --- choosing ------------------------------------------------------------------------------


@dataclass
class Summary:
    text: str
    notes: list[str]
    spec: FormSpec
    sentences: list[str] = field(default_factory=list)  # the chosen source sentences, in order


def _render(chosen: Sequence[_Candidate], form: str) -> str:
    if form == "bullets":
        return "\n".join("・" + c.unit.text for c in chosen)
    if form == "lines":
        return "\n".join(c.unit.text for c in chosen)
    return "".join(c.unit.text if c.unit.terminated else c.unit.text + "。" for c in chosen)


def _cost(c: _Candidate, form: str) -> int:
    if form == "bullets":
        return len(c.unit.text) + 1
    if form == "lines":
        return len(c.unit.text)
    return c.length


def _choose(cands: list[_Candidate], *, count: int | None, cap: int | None, goal: int | None,
            form: str) -> list[_Candidate]:
    """Greedy choice by score, lowered for what repeats the chosen and for parts that had their share."""
    total_len = sum(c.length for c in cands) or 1
    section_len: dict[int, int] = defaultdict(int)
    for c in cands:
        section_len[c.unit.part] += c.length
    want = count if count is not None else max(1, round((goal or total_len) / (total_len / len(cands))))
    chosen: list[_Candidate] = []
    per_section: dict[int, int] = defaultdict(int)
    used = 0
    left = list(cands)
    while left:
        if count is not None and len(chosen) >= count:
            break
        if count is None and goal is not None and chosen and used >= goal * 0.85:
            break
        best: tuple[float, _Candidate] | None = None
        for c in left:
            if cap is not None and used + _cost(c, form) > cap:
                continue
            redundancy = max((c.similar.get(o.index, 0.0) for o in chosen), default=0.0)
            value = c.score * (1 - 0.6 * redundancy)
            share = want * section_len[c.unit.part] / total_len
            if per_section[c.unit.part] >= max(share, 1.0) - 1e-9:
                value *= 0.7
            if best is None or value > best[0]:
                best = (value, c)
        if best is None:
            break
        pick = best[1]
        chosen.append(pick)
        per_section[pick.unit.part] += 1
        used += _cost(pick, form)
        left = [c for c in left if c is not pick
                and not _near_duplicate(c.unit.text, pick.unit.text, c.grams, pick.grams)]
    return sorted(chosen, key=lambda c: c.index)


def _dedupe(units: Iterable[Unit]) -> list[Unit]:
    seen: set[str] = set()
    out = []
    for u in units:
        key = re.sub(r"\s", "", u.text)
        if key not in seen:
            seen.add(key)
            out.append(u)
    return out


def summarize(text: str, instruction: str | None = None) -> Summary:
    spec = parse_instruction(instruction)
    st = read_structure(text)
    units = [u for u in st.units if u.kind != "meta" or (spec.form != "prose" and _META_KEY.match(u.text))]
    headings = {re.sub(r"\s", "", h) for h in st.headings}
    units = [u for u in _dedupe(units) if re.sub(r"\s", "", u.text) not in headings]
    notes: list[str] = []
    if not units:
        notes.append("選択範囲に要約できる文が見つかりませんでした（見出し・表・日付だけの範囲です）。"
                     "本文を含めて選択してください。")
        return Summary("", notes, spec)
    cands = _rank(st, units)
    # The source's length as read (page numbers, blank lines and layout not counted).
    source_len = sum(len(u.text) for u in st.units) + sum(len(h) for h in st.headings)
    cap = spec.upper
    goal: int | None = spec.target_chars or spec.max_chars
    count = spec.count
    if not spec.instructed or (spec.form == "bullets" and count is None and cap is None):
        goal = max(1, min(DEFAULT_MAX, round(source_len / 3)))
        cap = min(DEFAULT_MAX, math.floor(goal * 1.1))
    chosen = _choose(cands, count=count, cap=cap, goal=goal, form=spec.form)
    if not chosen and not spec.instructed:
        # Too short for a third: the one best sentence, still never past DEFAULT_MAX.
        chosen = _choose(cands, count=1, cap=DEFAULT_MAX, goal=None, form=spec.form)
    summary = _render(chosen, spec.form)
    length = visible_length(summary)
    if not chosen:
        shortest = min(_cost(c, spec.form) for c in cands)
        notes.append(f"指定の長さ（{cap}字）に収まる文が原文にありません（最も短い文でも{shortest}字です）。"
                     "文を途中で切ることはしないため、要約を出力していません。指定を長くしてください。")
    elif count is not None and len(chosen) < count:
        why = ("指定の長さに収まる文がそれ以上ない" if cap is not None and len(_dedupe(u for u in units)) > len(chosen)
               else "原文の文がそれだけしかない")
        notes.append(f"{count}{'点' if spec.form == 'bullets' else '行' if spec.form == 'lines' else '文'}の指定に対し、"
                     f"{why}ため{len(chosen)}{'点' if spec.form == 'bullets' else '行' if spec.form == 'lines' else '文'}です。"
                     "文を途中で切ったり作ったりはしていません。")
    elif spec.lower is not None and length < spec.lower:
        notes.append(f"「{spec.target_chars}字程度」の指定に対し{length}字です。"
                     + ("原文が短いため、これ以上の文がありません。" if sum(c.length for c in cands) < spec.lower
                        else "次に重要な文を加えると指定の長さを超えるため、文を途中で切らずにここまでとしました。"))
    return Summary(summary, notes, spec, [c.unit.text for c in chosen])


# --- holding a model's answer to the same rules ---------------------------------------------

_ANSWER_BULLET = re.compile(r"^\s*(?:[・•●○◦\-－*＊]|[0-9０-９]{1,2}[.．)）])")


def check_answer(answer: str, instruction: str | None, source: str | None = None) -> list[str]:
    """Where a model's summary departs from the requested form and length (Japanese messages)."""
    spec = parse_instruction(instruction)
    problems: list[str] = []
    length = visible_length(answer.strip())
    lines = [ln.strip(_STRIP) for ln in _NEWLINES.sub("\n", answer).split("\n") if ln.strip(_STRIP)]
    if spec.max_chars is not None and length > spec.max_chars:
        problems.append(f"要約が「{spec.max_chars}字以内」の指定を超えています（{length}字）。")
    if spec.target_chars is not None and not (spec.lower or 0) <= length <= (spec.upper or length):
        problems.append(f"要約の長さが「{spec.target_chars}字程度」（{spec.lower}〜{spec.upper}字）から"
                        f"外れています（{length}字）。")
    if spec.form == "bullets":
        bad = [ln for ln in lines if not ln.startswith("・")]
        if bad:
            problems.append("箇条書きの指定に対し、「・」で始まらない行があります。")
        if spec.count is not None and len(lines) != spec.count:
            problems.append(f"箇条書き{spec.count}点の指定に対し、{len(lines)}行あります。")
    elif spec.form == "lines" and spec.count is not None and len(lines) != spec.count:
        problems.append(f"{spec.count}行の指定に対し、{len(lines)}行あります。")
    elif spec.form == "prose" and spec.count is not None:
        n = sum(len(_split_sentences(ln)) for ln in lines)
        if n != spec.count:
            problems.append(f"{'一文' if spec.count == 1 else f'{spec.count}文'}の指定に対し、{n}文あります。")
    if not spec.instructed and length > DEFAULT_MAX:
        problems.append(f"長さの指定がない要約は{DEFAULT_MAX}字までとしていますが、{length}字あります。")
    if source:
        headings = {re.sub(r"\s", "", h) for h in read_structure(source).headings if len(h) >= 4}
        if any(re.sub(r"^[・•\-\s]+|[。\s]", "", ln) in headings for ln in lines):
            problems.append("原文の見出しがそのまま要約の文として出力されています。")
    return problems
