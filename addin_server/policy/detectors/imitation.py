"""Requests to take expression from a specific third party's work or creator (rule common-4).

Signals in the person's instruction, each reported with its cue and span:
- words that on their own ask for a derived work (パロディ, 替え歌, オマージュ, 二次創作, もじって,
  "in the style of", "sound like", …);
- a creator's expression taken from someone: `X の 作風 / 歌詞 / 名台詞 / 名言 / セリフ` (any X
  but the organization's own or official material), and `X の 雰囲気 / 世界観 / 口調 / 曲 / 歌 …`
  when X names someone or something (a proper noun or unknown word, a Latin name, a character
  with さん/ちゃん, a quoted title, a compound katakana title);
- a likeness marker (似た, 風に, っぽく, を参考に, をもとに, のように, …) with a quoted title, a
  proper noun right before it (村上春樹風に), or a work noun made specific (有名な歌, あの映画の
  セリフ).

Never a signal: genre and format words (絵本のような, ニュース原稿のように, ポスターの見出しのよう
に), the organization's own or official materials (『公用文作成の考え方』を参考に, 市政だより,
前回の議事録と同じ形式, 〇〇課の様式), the person's own text (この文章を参考に), and imitation as a
topic (模倣品の注意喚起, 他の作品に似た表現がないか確認して).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from addin_server.policy.detectors import japanese

_STRONG = re.compile(
    r"パロディ|替え歌|かえうた|オマージュ|二次創作|模倣(?:し|す|して|風)|模写(?:し|す)|パクり|パクっ|パクリ|盗作|なりきっ"
    r"|なりきり|もじっ|もじり|もじる|もじれ"
    r"|(?:文体|作風|画風|口調|語り口|話し方|セリフ回し|歌い方)を(?:真似|まね|マネ|模)"
    r"|(?:真似|まね|マネ)(?:て|して|した|する|を)"
    r"|キャラクター(?:名)?を(?:使|用い|登場)|キャラ(?:を使|になりき)"
    r"|in\s+the\s+(?:style|manner|voice)\s+of|sound(?:s|ing)?\s+like|parod(?:y|ies)|pastiche|imitat|mimic"
    r"|fan\s*fic|rewrite\s+the\s+lyrics|song\s+lyrics",
    re.IGNORECASE,
)
# Aspects that are always someone's creative expression: taking them from any X but the
# organization's own material is imitation (星新一の作風で, J-POPの歌詞を引用して).
_STRONG_ASPECT = r"作風|画風|歌詞|名台詞|名セリフ|決め台詞|決めゼリフ|名言|名文句|セリフ|台詞|せりふ|曲調|作詞|メロディー?|サビ"
# Aspects that are someone's only when X names a work or a person (鬼滅の刃の雰囲気, but not
# 会場の雰囲気).
_SOFT_ASPECT = (r"雰囲気|世界観|口調|話し方|語り口|しゃべり方|喋り方|文体|テイスト|ノリ|タッチ|キャラクター|キャラ|曲|歌"
                r"|作品|ストーリー|物語|感じ|イメージ|演出|展開|オープニング|主題歌|映画|アニメ|漫画|マンガ|小説|ドラマ|番組"
                r"|ゲーム|絵本|詩|作家性|シリーズ")
_ASPECT = re.compile(rf"の(?P<a>{_STRONG_ASPECT})|の(?P<b>{_SOFT_ASPECT})")
_LIKENESS = re.compile(
    r"に似(?:た|せ|てい)|そっくり|風(?:に|の|で)|ふうに|っぽく|っぽい|みたいな|みたいに|のような|のように"
    r"|を参考に|を参照して|をもとに|を基に|を元に|を下敷き|をベースに|をアレンジ|をオマージュ|に倣|にならっ|を踏襲"
    r"|を引用|を使っ|を入れ|を用い|を取り入れ|を再現"
    r"|similar\s+to|based\s+on|inspired\s+by|like\s+the",
    re.IGNORECASE,
)
_WORK_NOUNS = re.compile(
    r"作品|小説|物語|映画|アニメ|漫画|マンガ|まんが|コミック|ドラマ|歌詞|楽曲|名曲|ヒット曲|(?<![a-zA-Z])曲|歌|童謡|唱歌"
    r"|キャッチコピー|キャッチフレーズ|スローガン|標語|広告|CM|コマーシャル|キャラクター|キャラ"
    r"|ゆるキャラ|マスコット|セリフ|台詞|名言|名台詞|詩|作家|作者|著者|著作|原作|ゲーム|番組"
    r"|ブランド|ロゴ|novel|film|movie|song|lyrics|slogan|catchphrase|character|poem|book|brand",
    re.IGNORECASE,
)
# Makes a work noun point at an existing work of someone else (有名な歌, あの映画).
_SPECIFIC = re.compile(r"有名|人気|ヒット|名作|話題|流行|はやり|あの|某|既存の|実在|誰もが知る|みんなが知っている|定番の|famous|popular")
_QUOTED = re.compile(r"『[^』]{1,40}』|「[^」]{1,40}」|“[^”]{1,40}”|\"[^\"]{1,40}\"")
# The organization's own or official material, the person's own text, genres and formats.
_OWN = re.compile(
    r"考え方|公用文|市政|だより|広報|様式|書式|議事録|通知|要綱|要領|ガイドライン|手引|マニュアル|計画|報告|資料|条例|規則"
    r"|指針|方針|白書|答申|例規|市報|区報|ホームページ|文書|前回|過去|当課|本市|大阪市|市の|区の|課の|局の|この|その|以下"
    r"|上記|下記|本文|原文|元の|選択|添付|次の|私の|自分の|当方|弊所|職員|記者発表|報道発表|プレスリリース|国の|省の|庁の"
    r"|文化庁|総務省|内閣|法令|法律|憲法|告示|答弁|回答"
)
_GENRE = re.compile(
    r"絵本|童話|昔話|民話|おとぎ話|ニュース|新聞|記事|原稿|ポスター|チラシ|パンフレット|見出し|コラム|エッセイ|論文"
    r"|レポート|手紙|メール|ビジネス|会議|式典|挨拶|あいさつ|スピーチ|職場|会場|役所|行政|窓口|学校|子ども|子供|こども"
    r"|高齢者|若者|市民|住民|大人|季節|春|夏|秋|冬|和風|日本|関西|大阪|地域|家庭|カフェ|お祭り|祭り|イベント|向け"
    r"|オフィス|カジュアル|フォーマル|シンプル|レトロ|モダン|ナチュラル|ポップ|アットホーム|ファンタジー|ミステリー"
    r"|ホラー|コメディ|ドキュメンタリー|ラジオ|テレビ|ドラマ|アニメ|マンガ|漫画|ゲーム|スポーツ|童謡|唱歌|川柳|俳句|短歌"
    r"|詩|歌|曲|小説|物語|映画|作品|キャッチコピー|標語|広告|教科書|辞書|百科事典|説明書|案内|公式|全体|文章|文|元|明る"
    r"|優し|丁寧|楽し|温か|落ち着|親しみ|堅|柔らか|同じ|昔|昭和|平成|令和|レトロ|海外|外国|英語|欧米|一般|普通|通常"
    r"|向け|風|的|らしい|っぽい|ような|みたいな"
)
# Imitation as a topic: warnings about copies, checks for likeness, things to avoid.
_TOPIC = re.compile(
    r"模倣品|模倣被害|偽物|偽造品|海賊版|コピー商品|著作権(?:侵害)?(?:に|の|を|について|が)"
    r"|(?:似た|似て|類似|模倣|パロディ|盗用|剽窃|侵害|引用)[^。]{0,20}(?:ないか|ないよう|しないよう|を避け|避けて|確認|チェック|注意|点検)"
)
_OWN_TEXT = re.compile(r"(?:この|以下の|次の|上記の|本|元の|選択した|選択範囲の)(?:文章|文|資料|内容|テキスト|表|原稿)")
_BOUNDARY = re.compile(r"[、。,.!?！？\s「」『』（）()]|(?<=[ぁ-ん])[をはがにでとも](?=[^ぁ-ん]|$)")
_NAMED_TAIL = re.compile(r"(?:さん|ちゃん|くん|君|先生|監督|氏|様)$")
_LATIN = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class ImitationMatch:
    start: int
    end: int
    cue: str  # the words that signal it, shown in the finding (Japanese)


def find(instruction: str) -> list[ImitationMatch]:
    if not instruction:
        return []
    text = _TOPIC.sub(lambda m: " " * len(m.group()), instruction)
    out: list[ImitationMatch] = []
    for m in _STRONG.finditer(text):
        out.append(ImitationMatch(m.start(), m.end(), f"「{m.group()}」"))
    morphs: list[japanese.Token] | None = None
    for m in _ASPECT.finditer(text):
        x_start = _x_start(text, m.start())
        x = text[x_start : m.start()]
        if m.group("a"):
            if x and (_OWN.search(x) or _OWN_TEXT.search(x)):
                continue
            if not x and not _LIKENESS.match(text, m.end()) and not text.startswith("で", m.end()):
                continue
        else:
            if not x or _OWN.search(x) or not re.sub(r"[のなとや・ 　]", "", _GENRE.sub("", x)):
                continue
            if morphs is None:
                morphs = japanese.morphemes(instruction)
            if not _named(x, x_start, morphs, instruction):
                continue
        out.append(ImitationMatch(x_start, m.end(), f"「{x}{m.group()}」"))
    # Aspect words with no "X の" before them: 歌詞を引用して, 有名な歌詞で.
    for m in re.finditer(rf"(?<!の)(?:{_STRONG_ASPECT})(?=を(?:引用|使|入れ|用い|もじ|替え|借り|そのまま|参考|もと|基))", text):
        if not any(o.start <= m.start() < o.end for o in out):
            out.append(ImitationMatch(m.start(), m.end() + 1, f"「{m.group()}」の引用・利用"))
    likeness = [m for m in _LIKENESS.finditer(text)]
    if likeness:
        quoted = [q for q in _QUOTED.finditer(text)
                  if not _OWN_TEXT.fullmatch(q.group()[1:-1]) and not _OWN.search(q.group())]
        specific = _SPECIFIC.search(text)
        work = _WORK_NOUNS.search(text)
        proper = _proper_nouns_before(instruction, likeness)
        for m in likeness:
            if any(o.start <= m.start() < o.end + 2 for o in out):
                continue
            if quoted:
                cue = f"{quoted[0].group()}と「{m.group()}」"
            elif m.start() in proper:
                cue = f"「{proper[m.start()]}{m.group()}」"
            elif work is not None and specific is not None:
                cue = f"「{specific.group()}」「{work.group()}」と「{m.group()}」"
            else:
                continue
            out.append(ImitationMatch(m.start(), m.end(), cue))
    out.sort(key=lambda o: o.start)
    return out


def _x_start(text: str, end: int) -> int:
    """Start of the phrase X that owns an aspect (`X の 作風`): back to punctuation, a space or a
    particle after kana, at most 20 characters."""
    lo = max(0, end - 20)
    if end > 0 and text[end - 1] in "』」”\"":
        q = max(text.rfind(o, lo, end - 1) for o in "『「“\"")
        if q >= 0:
            return q  # a quoted title: 『君の名は。』の雰囲気
    start = lo
    for b in _BOUNDARY.finditer(text, lo, end):
        start = b.end()
    # 有名な / あの before X belongs to X's description, not its name.
    m = re.match(r"(?:有名な|人気の|あの|某)", text[start:end])
    return start + (m.end() if m else 0)


def _named(x: str, x_start: int, morphs: list[japanese.Token], text: str) -> bool:
    """Whether X names a work or a person rather than a kind of thing."""
    if _LATIN.search(x) or _NAMED_TAIL.search(x) or _QUOTED.fullmatch(x):
        return True
    inside = [t for t in morphs if x_start <= t.start and t.end <= x_start + len(x)]
    if any((t.pos[1] == "固有名詞" and t.pos[2] != "地名") or t.oov for t in inside):
        return True
    nouns = [t for t in inside if t.pos[0] == "名詞"]
    # A compound of katakana nouns (ワンピース, スラムダンク) or a phrase MeCab cuts into odd
    # pieces (鬼滅の刃, あたしンち) is a title, not a kind of thing.
    if len(nouns) >= 2 and all(re.fullmatch("[ァ-ヺー]+", t.surface) for t in nouns):
        return True
    # Pieces MeCab cannot place (fillers, stray one-character words) mean an unknown name.
    odd = any(t.pos[0] not in _PLAIN_POS for t in inside)
    titled = len(re.findall("[一-龥]", x)) >= 2 and "の" in x  # 鬼滅の刃, 千と千尋の神隠し
    return odd or titled


_PLAIN_POS = frozenset({"名詞", "助詞", "接尾辞", "形状詞", "接頭辞", "動詞", "形容詞", "助動詞"})


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
    out = {}
    for m in likeness:
        if m.start() in runs:
            name = text[runs[m.start()] : m.start()]
            if not _OWN.search(name):
                out[m.start()] = name
    return out
