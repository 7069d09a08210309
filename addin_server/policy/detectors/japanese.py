"""SudachiPy (with sudachidict-core) for 人名 and other proper nouns.

The dictionary is loaded once per process (lazily, ~0.1 s); SudachiPy tokenizers are not
thread-safe, so each thread gets its own from a `threading.local`. Text is analysed sentence by
sentence (much faster than one long lattice), chunks without kanji or katakana are skipped (no
name or proper noun can be there), and repeated chunks are analysed once per call.

Only the morphemes the detectors use are returned (proper nouns, honorific suffixes, and an
unknown word or katakana noun right before an honorific); callers tell adjacency from offsets.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

_lock = threading.Lock()
_state: dict[str, Any] = {}
_local = threading.local()

_CHUNK = re.compile(r"[^。！？!?\n]*(?:[。！？!?\n]+|$)")
_HAS_CANDIDATE = re.compile(r"[一-鿿々〆ヶァ-ヺー]")
_KATAKANA = re.compile(r"[ァ-ヺー・]{2,}")
_MAX_CHUNK = 2000
HONORIFICS = frozenset({"様", "さま", "さん", "氏", "殿", "君", "くん", "ちゃん"})


class Token(NamedTuple):
    start: int
    end: int
    surface: str
    pos: tuple[str, ...]
    oov: bool


def _load() -> dict[str, Any]:
    if "dictionary" not in _state:
        with _lock:
            if "dictionary" not in _state:
                from sudachipy import dictionary

                d = dictionary.Dictionary()
                proper: set[int] = set()
                suffix: set[int] = set()
                common: set[int] = set()
                pos_id = 0
                while (pos := d.pos_of(pos_id)) is not None:
                    if pos[0] == "名詞" and pos[1] == "固有名詞":
                        proper.add(pos_id)
                    elif pos[0] == "接尾辞":
                        suffix.add(pos_id)
                    elif pos[0] == "名詞":
                        common.add(pos_id)
                    pos_id += 1
                _state.update(proper=frozenset(proper), suffix=frozenset(suffix), common=frozenset(common))
                _state["dictionary"] = d
    return _state


def _tokenizer() -> Any:
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        tok = _load()["dictionary"].tokenizer()
        _local.tokenizer = tok
    return tok


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    for m in _CHUNK.finditer(text):
        s = m.group()
        if not s:
            continue
        for i in range(0, len(s), _MAX_CHUNK):
            yield m.start() + i, s[i : i + _MAX_CHUNK]


def _analyse(chunk: str) -> list[Token]:
    st = _load()
    proper, suffix, common = st["proper"], st["suffix"], st["common"]
    out: list[Token] = []
    prev: Any = None
    prev_kept = False
    for m in _tokenizer().tokenize(chunk):
        pid = m.part_of_speech_id()
        keep = pid in proper
        if not keep and pid in suffix and m.surface() in HONORIFICS:
            # A common noun right before an honorific is kept only when it is an unknown word
            # or katakana (タナカ様); checking it here avoids a call per common noun.
            if prev is not None and not prev_kept and prev.part_of_speech_id() in common and (
                prev.is_oov() or _KATAKANA.fullmatch(prev.surface())
            ):
                out.append(_token(prev))
            keep = True
        if keep:
            out.append(_token(m))
        prev, prev_kept = m, keep
    return out


def _token(m: Any) -> Token:
    return Token(m.begin(), m.end(), m.surface(), tuple(m.part_of_speech()), m.is_oov())


def tokens(text: str) -> Iterator[Token]:
    """Proper nouns and honorifics (with the unknown word before one) of `text`, offsets into it."""
    seen: dict[str, list[Token]] = {}
    for base, chunk in _chunks(text):
        if not _HAS_CANDIDATE.search(chunk):
            continue
        toks = seen.get(chunk)
        if toks is None:
            toks = seen[chunk] = _analyse(chunk)
        for t in toks:
            yield t._replace(start=base + t.start, end=base + t.end)
