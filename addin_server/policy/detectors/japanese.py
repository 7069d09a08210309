"""fugashi (MeCab) with unidic-lite for 人名 and other proper nouns, and for word boundaries.

MeCab taggers are not thread-safe, so each thread gets its own (creating one costs about a
millisecond: the dictionary is memory-mapped and shared). Text is analysed sentence by sentence,
chunks without kanji or katakana are skipped (no name or proper noun can be there), and repeated
chunks are analysed once per call.

Speed: the tagger prints, per morpheme, only its surface, left-context id, start byte and
unknown-word flag (`%m\t%phl\t%ps\t%s`). The part of speech comes from the context id through the
dictionary's `left-id.def` (read once), because asking MeCab for the feature fields (`%f[n]`)
doubles the analysis time, and reading `node.feature` from Python costs more than the analysis
itself. A regular expression then picks the few morphemes the detectors use (proper nouns,
honorific suffixes, and an unknown word or katakana noun right before an honorific), so Python
does no work per ordinary morpheme. fugashi holds the GIL while it analyses, so unlike SudachiPy
nothing is gained by splitting a long text over threads; it is analysed on the calling thread.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

_lock = threading.Lock()
_state: dict[str, Any] = {}
_local = threading.local()

_CHUNK = re.compile(r"[^。！？!?\n]*(?:[。！？!?\n]+|$)")
_HAS_CANDIDATE = re.compile(r"[一-鿿々〆ヶァ-ヺー]")
_KATAKANA = re.compile(r"[ァ-ヺー・]{2,}")
_SPACE = re.compile(r"\s")
_MAX_CHUNK = 2000
HONORIFICS = frozenset({"様", "さま", "さん", "氏", "殿", "君", "くん", "ちゃん"})
# unidic splits 東京都千代田区 into 東京/都/千代田/区; these suffixes join a place name back into
# one proper noun, as the facts and imitation checks expect (SudachiPy's long units did this).
_PLACE_SUFFIXES = frozenset("都道府県市区町村郡")
_PLACE = ("名詞", "固有名詞", "地名", "一般")
# One line per morpheme: left-context id, start byte offset, 1 for an unknown word, surface.
_NODE_FORMAT = r"%phl\t%ps\t%s\t%m\n"
_SPAN = re.compile(r"\n\d+\t(\d+)\t\d\t([^\n]+)")
_HONORIFIC = re.compile("|".join(sorted(HONORIFICS, key=len, reverse=True)))
ANALYSER = "fugashi + unidic-lite"

_Found = tuple[int, int, str, tuple[str, ...], bool]


class Token(NamedTuple):
    start: int
    end: int
    surface: str
    pos: tuple[str, ...]
    oov: bool


def _load() -> dict[str, Any]:
    if "pos" not in _state:
        with _lock:
            if "pos" not in _state:
                import unidic_lite

                dicdir = Path(unidic_lite.DICDIR)
                # Context id -> (pos1, pos2, pos3, pos4); ids stay strings, as MeCab prints them.
                pos: dict[str, tuple[str, ...]] = {}
                with open(dicdir / "left-id.def", encoding="utf-8") as f:
                    for line in f:
                        cid, _, feature = line.rstrip("\n").partition(" ")
                        pos[cid] = tuple(feature.split(",")[:4])
                proper = sorted((c for c, p in pos.items() if p[:2] == ("名詞", "固有名詞")), key=len, reverse=True)
                if not proper:
                    raise RuntimeError(f"no proper-noun context ids in {dicdir / 'left-id.def'}")
                _state["suffix"] = frozenset(c for c, p in pos.items() if p[0] == "接尾辞")
                _state["common"] = frozenset(c for c, p in pos.items() if p[0] == "名詞" and p[1] != "固有名詞")
                _state["place"] = frozenset(c for c, p in pos.items() if p[:2] == ("名詞", "固有名詞")
                                            and p[2] in ("地名", "一般"))
                # A proper-noun line: id, start byte, unknown flag, surface; then, when the next
                # line is an honorific, its id, start byte, unknown flag and surface (山田|様: most
                # honorifics follow a name, and this spares looking them up one by one). The ids'
                # common prefix is written out so that the regex engine can skip to it quickly
                # instead of trying the pattern at every line.
                prefix = proper[0]
                for c in proper:
                    while not c.startswith(prefix):
                        prefix = prefix[:-1]
                rest = "|".join(re.escape(c[len(prefix) :]) for c in proper)
                _state["proper_line"] = re.compile(
                    rf"\n({re.escape(prefix)}(?:{rest}))\t(\d+)\t(\d)\t([^\n]*)"
                    rf"(?:\n(\d+)\t(\d+)\t(\d)\t({_HONORIFIC.pattern})(?=\n|$))?")
                places = "|".join(sorted((c for c in _state["place"]), key=len, reverse=True))
                suffix_line = r"\n\d+\t\d+\t\d\t[" + "".join(sorted(_PLACE_SUFFIXES)) + "](?=\n|$)"
                # After a place name: a suffix, then any number of (place name, suffix) pairs.
                _state["place_tail"] = re.compile(rf"{suffix_line}(?:\n(?:{places})\t\d+\t\d\t[^\t\n]+{suffix_line})*")
                _state["args"] = f'-r /dev/null -d "{dicdir}" -O "" -F "{_NODE_FORMAT}" -U "{_NODE_FORMAT}" -E "" -B ""'
                _state["pos"] = pos
    return _state


def _tagger() -> Any:
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _local.tagger = fugashi.GenericTagger(_load()["args"])
    return tagger


def _parse(chunk: str) -> str:
    """One line per morpheme, each preceded by a newline."""
    return "\n" + _tagger().parse(chunk)


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    for m in _CHUNK.finditer(text):
        s = m.group()
        if len(s) <= _MAX_CHUNK:
            if s:
                yield m.start(), s
            continue
        for i in range(0, len(s), _MAX_CHUNK):
            yield m.start() + i, s[i : i + _MAX_CHUNK]


def _line_at(out: str, b: int) -> int:
    """Output offset of the line of the morpheme that starts at byte `b`, or -1 if none does."""
    key = f"\t{b}\t"
    at = out.find(key)
    while at >= 0:
        start = out.rfind("\n", 0, at) + 1
        if out[start:at].isdigit():  # the start-byte field (right after the id), not another one
            return start
        at = out.find(key, at + 1)
    return -1


def _line(out: str, start: int) -> list[str]:
    """The fields (id, start byte, unknown flag, surface) of the line at `start`."""
    end = out.find("\n", start)
    return out[start : end if end >= 0 else len(out)].split("\t")


def _analyse(chunk: str) -> list[_Found]:
    """(start, end, surface, pos, unknown) of the morphemes `tokens` keeps, in `chunk`."""
    st = _load()
    pos, place = st["pos"], st["place"]
    out = _parse(chunk)
    data = chunk.encode()
    found: list[_Found] = []
    seen_honorifics: set[int] = set()
    skip_to = -1
    for m in st["proper_line"].finditer(out):
        if m.start() < skip_to:
            continue  # already joined into the place name before it
        cid, b, unknown, surface, h_id, h_b, h_unknown, h_surface = m.groups()
        # MeCab reports UTF-8 byte offsets; sentences are short, so decoding the prefix is cheap.
        start = len(data[: int(b)].decode())
        end = start + len(surface)
        if h_id is not None:
            found.append((start, end, surface, pos[cid], unknown == "1"))
            h_start = len(data[: int(h_b)].decode())
            seen_honorifics.add(h_start)
            if h_id in st["suffix"]:
                found.append((h_start, h_start + len(h_surface), h_surface, pos[h_id], h_unknown == "1"))
            continue
        if cid in place:
            skip_to, end = _place_end(out, m.end(), chunk, data, start, end, st)
            if skip_to > m.end():
                found.append((start, end, chunk[start:end], _PLACE, unknown == "1"))
                continue
        found.append((start, end, surface, pos[cid], unknown == "1"))
    n_proper = len(found)
    for h in _HONORIFIC.finditer(chunk):
        if h.start() in seen_honorifics:
            continue
        at = _line_at(out, len(chunk[: h.start()].encode()))
        if at < 0:
            continue  # inside a longer word (皆様, 氏名)
        cid, b, unknown, surface = _line(out, at)
        if surface != h.group() or cid not in st["suffix"]:
            continue
        # A common noun right before an honorific is kept only when it is an unknown word or
        # katakana (タナカ様); a proper noun before it was kept already.
        if at > 1:
            p_id, p_b, p_unknown, p_surface = _line(out, out.rfind("\n", 0, at - 1) + 1)
            if p_id in st["common"] and (p_unknown == "1" or _KATAKANA.fullmatch(p_surface)):
                p_start = len(data[: int(p_b)].decode())
                found.append((p_start, p_start + len(p_surface), p_surface, pos[p_id], p_unknown == "1"))
        found.append((h.start(), h.end(), surface, pos[cid], unknown == "1"))
    if len(found) > n_proper:
        found.sort()
    return found


def _place_end(out: str, at: int, chunk: str, data: bytes, start: int, end: int,
               st: dict[str, Any]) -> tuple[int, int]:
    """Join a place name to the suffixes and place names right after it (東京/都/千代田/区).

    `at` is the output offset where the place name's line ends, `start`/`end` its characters.
    Returns the output offset where the joined name's last line ends (`at` when nothing joins)
    and its end character."""
    tail = st["place_tail"].match(out, at)
    if tail is None:
        return at, end
    last = _line(out, out.rfind("\n", 0, tail.end()) + 1)
    joined_end = len(data[: int(last[1])].decode()) + len(last[3])
    # MeCab skips spaces: 東京都 千代田区 is two names. Join only up to the first space.
    gap = _SPACE.search(chunk, start, joined_end)
    if gap is None:
        return tail.end(), joined_end
    lines = out[at : tail.end()].split("\n")[1:]
    joined_at = at
    for i in range(0, len(lines), 2):
        _, b, _, surface = lines[i].split("\t")
        if len(data[: int(b)].decode()) >= gap.start():
            break
        joined_at += 1 + len(lines[i]) + (1 + len(lines[i - 1]) if i else 0)
        end = len(data[: int(b)].decode()) + len(surface)
    return joined_at, end


def tokens(text: str) -> Iterator[Token]:
    """Proper nouns and honorifics (with the unknown word before one) of `text`, offsets into it."""
    has_candidate = _HAS_CANDIDATE.search
    chunks = [(base, c) for base, c in _chunks(text) if has_candidate(c)]
    analysed: dict[str, list[tuple[int, int, str, tuple[str, ...], bool]]] = {}
    for _, c in chunks:
        if c not in analysed:
            analysed[c] = _analyse(c)
    for base, chunk in chunks:
        for start, end, surface, pos, oov in analysed[chunk]:
            yield Token(base + start, base + end, surface, pos, oov)


def word_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every word (morpheme) of `text`; whitespace between words is not one."""
    for base, chunk in _chunks(text):
        data = chunk.encode()
        for m in _SPAN.finditer(_parse(chunk)):
            start = base + len(data[: int(m.group(1))].decode())
            yield start, start + len(m.group(2))


def morphemes(text: str) -> list[Token]:
    """Every morpheme of `text` with its part of speech and unknown-word flag (offsets into
    `text`). Meant for short texts such as an instruction: it reads every line MeCab prints."""
    st = _load()
    pos = st["pos"]
    out: list[Token] = []
    for base, chunk in _chunks(text):
        data = chunk.encode()
        for line in _parse(chunk).split("\n"):
            if not line:
                continue
            cid, b, unknown, surface = line.split("\t", 3)
            start = base + len(data[: int(b)].decode())
            out.append(Token(start, start + len(surface), surface, pos.get(cid, ("*",) * 4), unknown == "1"))
    return out


_WORD = re.compile(r"\n(\d+)\t(\d+)\t\d\t([^\n]+)")


def words(text: str) -> Iterator[Token]:
    """Every word (morpheme) of `text` with its part of speech (from the context id, as for
    `tokens`); offsets into `text`. For short texts: it reads every morpheme in Python."""
    pos = _load()["pos"]
    for base, chunk in _chunks(text):
        data = chunk.encode()
        for m in _WORD.finditer(_parse(chunk)):
            start = base + len(data[: int(m.group(2))].decode())
            yield Token(start, start + len(m.group(3)), m.group(3), pos.get(m.group(1), ()), False)


# --- full morphemes (for the 公用文 proofreading rules, addin_server.kobun) ------------------

class Morpheme(NamedTuple):
    """One morpheme with the features its context id carries in unidic's `left-id.def`.

    `feature` is (pos1, pos2, pos3, pos4, cType, cForm, lForm, lemma); unidic lexicalises the
    context ids of function words and of 非自立可能 verbs, so for those lForm/lemma are filled
    (e.g. みる), for content words they are "*"."""

    start: int
    end: int
    surface: str
    feature: tuple[str, ...]


_MORPH_FORMAT = r"%phl\t%m\n"
_UNKNOWN_FEATURE = ("名詞", "普通名詞", "一般", "*", "*", "*", "*", "*")


def _morph_state() -> dict[str, Any]:
    if "features" not in _state:
        with _lock:
            if "features" not in _state:
                import unidic_lite

                features: dict[str, tuple[str, ...]] = {}
                with open(Path(unidic_lite.DICDIR) / "left-id.def", encoding="utf-8") as f:
                    for line in f:
                        cid, _, feature = line.rstrip("\n").partition(" ")
                        fields = feature.split(",")
                        features[cid] = tuple(fields[:8]) + ("*",) * (8 - len(fields[:8]))
                _state["features"] = features
    return _state


def _morph_tagger() -> Any:
    tagger = getattr(_local, "morph_tagger", None)
    if tagger is None:
        import fugashi
        import unidic_lite

        args = (f'-r /dev/null -d "{unidic_lite.DICDIR}" -O "" -F "{_MORPH_FORMAT}" '
                f'-U "{_MORPH_FORMAT}" -E "" -B ""')
        tagger = _local.morph_tagger = fugashi.GenericTagger(args)
    return tagger


def sentence_morphemes(sentence: str, base: int = 0) -> list[Morpheme]:
    """Every morpheme of one sentence (no newline inside), offsets `base` + code points.

    MeCab skips whitespace, so each surface is found from the end of the previous one."""
    features = _morph_state()["features"]
    out = _morph_tagger().parse(sentence)
    result: list[Morpheme] = []
    pos = 0
    find = sentence.find
    for line in out.split("\n"):
        if not line:
            continue
        cid, _, surface = line.partition("\t")
        at = find(surface, pos)
        if at < 0:  # cannot happen for MeCab's own surfaces; never guess an offset
            continue
        pos = at + len(surface)
        result.append(Morpheme(base + at, base + pos, surface, features.get(cid, _UNKNOWN_FEATURE)))
    return result


_LOOKUP_FORMAT = r"%m\t%f[0]\t%f[4]\t%f[7]\n"
_LOOKUP_UNKNOWN = r"%m\t%f[0]\t*\t*\n"


def lookup(word: str) -> list[tuple[str, str, str, str]]:
    """(surface, pos1, cType, lemma) of each morpheme of a short word. For the rare questions
    the proofreading rules ask (is 受ける a verb of its own or the potential form of 受く?);
    the lemma costs a feature lookup, so the bulk analysis (`morphemes`) does not ask for it."""
    tagger = getattr(_local, "lookup_tagger", None)
    if tagger is None:
        import fugashi
        import unidic_lite

        tagger = _local.lookup_tagger = fugashi.GenericTagger(
            f'-r /dev/null -d "{unidic_lite.DICDIR}" -O "" -F "{_LOOKUP_FORMAT}" -U "{_LOOKUP_UNKNOWN}" -E "" -B ""')
    rows = []
    for line in tagger.parse(word).split("\n"):
        if line:
            surface, pos1, ctype, lemma = (line.split("\t") + ["*"] * 4)[:4]
            rows.append((surface, pos1, ctype, lemma))
    return rows


# Content words for ranking sentences (the summarizer): ordinary and proper nouns, and general
# verbs, adjectives and adjectival nouns. Numbers, counters, particles, auxiliaries and the
# form nouns that every sentence has (こと, もの, ため) carry no topic.
_CONTENT_POS = frozenset({("名詞", "普通名詞"), ("名詞", "固有名詞"), ("動詞", "一般"), ("形容詞", "一般"),
                          ("形状詞", "一般")})
_NOT_TOPIC = frozenset({"こと", "もの", "ため", "よう", "とき", "ところ", "ほか", "うえ", "とおり", "場合",
                        "以下", "以上", "次", "等", "方", "中", "際", "する", "ある", "いる", "なる", "できる",
                        "れる", "られる", "おる", "いう", "行う", "行い", "し", "さ", "あり", "なり", "でき"})
_HIRAGANA_ONLY = re.compile(r"[ぁ-ゖ]{1,2}")
_ID_SURFACE = re.compile(r"\n(\d+)\t\d+\t\d\t([^\n]+)")


def _content_ids() -> frozenset[str]:
    st = _load()
    if "content" not in st:
        with _lock:
            st["content"] = frozenset(c for c, p in st["pos"].items()
                                      if p[:2] in _CONTENT_POS and p[2] != "助数詞可能")
    ids: frozenset[str] = st["content"]
    return ids


def content_words(text: str) -> list[str]:
    """The content words of `text` (surface forms, in order), as topic terms for ranking sentences."""
    ids = _content_ids()
    words: list[str] = []
    for _, chunk in _chunks(text):
        if not chunk.strip():
            continue
        words += [w for cid, w in _ID_SURFACE.findall(_parse(chunk))
                  if cid in ids and w not in _NOT_TOPIC and not _HIRAGANA_ONLY.fullmatch(w)]
    return words
