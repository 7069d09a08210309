"""Requests to imitate or derive from others' works (rule common-4).

Two kinds of signal in the person's instruction:
- words that on their own ask for a derived work (パロディ, 替え歌, オマージュ, 二次創作, 模倣,
  "in the style of", "parody", …);
- a likeness marker (似た, 風に, っぽく, を参考に, をもとに, のように, …) together with something
  that names a work or its author: a quoted title (『…』「…」), a work noun (小説, 歌詞, キャッチ
  コピー, キャラクター, …) or a proper noun / person name right before the marker (村上春樹風に).

Plain editing instructions (簡潔に, 箇条書き, です・ます調, 200字以内, 誤字脱字だけ) contain
none of these, and "この文章を参考に" (the person's own text) names no work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from addin_server.policy.detectors import japanese

_STRONG = re.compile(
    r"パロディ|替え歌|かえうた|オマージュ|二次創作|模倣|模写|パクり|パクっ|パクリ|盗作|なりきっ|なりきり"
    r"|(?:文体|作風|画風|口調|語り口|話し方|セリフ回し)を(?:真似|まね|マネ|模)"
    r"|(?:真似|まね|マネ)(?:て|して|した|する|を)"
    r"|キャラクター(?:名)?を(?:使|用い|登場)|キャラ(?:を使|になりき)"
    r"|in\s+the\s+(?:style|manner|voice)\s+of|parod(?:y|ies)|pastiche|imitat|mimic|fan\s*fic"
    r"|rewrite\s+the\s+lyrics|song\s+lyrics",
    re.IGNORECASE,
)
_LIKENESS = re.compile(
    r"に似(?:た|せ|てい)|そっくり|風(?:に|の|で)|ふうに|っぽく|っぽい|みたいな|みたいに|のような|のように"
    r"|を参考に|を参照して|をもとに|を基に|を元に|を下敷き|をベースに|をアレンジ|をオマージュ|に倣|にならっ|を踏襲"
    r"|similar\s+to|based\s+on|inspired\s+by|like\s+the",
    re.IGNORECASE,
)
_WORK_NOUNS = re.compile(
    r"作品|小説|物語|映画|アニメ|漫画|マンガ|まんが|コミック|ドラマ|歌詞|楽曲|名曲|ヒット曲|(?<![a-zA-Z])曲|童謡|唱歌"
    r"|キャッチコピー|キャッチフレーズ|スローガン|標語|広告|CM|コマーシャル|ポスター|キャラクター|キャラ"
    r"|ゆるキャラ|マスコット|セリフ|台詞|名言|名台詞|詩|俳句|短歌|絵本|童話|作家|作者|著者|著作|原作|ゲーム|番組"
    r"|ブランド|ロゴ|novel|film|movie|song|lyrics|slogan|catchphrase|character|poem|book|brand",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"『[^』]{1,40}』|「[^」]{1,40}」|“[^”]{1,40}”|\"[^\"]{1,40}\"")
_OWN_TEXT = re.compile(r"(?:この|以下の|次の|上記の|本|元の|選択した|選択範囲の)(?:文章|文|資料|内容|テキスト|表|原稿)")


@dataclass(frozen=True)
class ImitationMatch:
    start: int
    end: int
    cue: str  # the words that signal it, shown in the finding (Japanese)


def find(instruction: str) -> list[ImitationMatch]:
    out: list[ImitationMatch] = []
    for m in _STRONG.finditer(instruction):
        out.append(ImitationMatch(m.start(), m.end(), f"「{m.group()}」"))
    if out:
        return out
    likeness = list(_LIKENESS.finditer(instruction))
    if not likeness:
        return out
    work = _WORK_NOUNS.search(instruction)
    quoted = [q for q in _QUOTED.finditer(instruction) if not _OWN_TEXT.fullmatch(q.group()[1:-1])]
    proper = _proper_nouns_before(instruction, likeness)
    for m in likeness:
        if work is not None:
            cue = f"「{work.group()}」と「{m.group()}」"
        elif quoted:
            cue = f"{quoted[0].group()}と「{m.group()}」"
        elif m.start() in proper:
            cue = f"「{proper[m.start()]}{m.group()}」"
        else:
            continue
        out.append(ImitationMatch(m.start(), m.end(), cue))
    return out


def _proper_nouns_before(text: str, likeness: list[re.Match[str]]) -> dict[int, str]:
    """Marker offset → the proper noun (人名, 作品名, 組織名, unknown word) just before it."""
    runs: dict[int, int] = {}  # run end → run start
    start = end = -1
    for t in japanese.tokens(text):
        if t.surface in japanese.HONORIFICS or t.pos[2] == "地名":
            continue
        if t.start != end:
            start = t.start
        end = t.end
        runs[end] = start
    return {m.start(): text[runs[m.start()] : m.start()] for m in likeness if m.start() in runs}
