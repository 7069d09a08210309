"""SudachiPy (with sudachidict-core) for 人名 and other proper nouns.

The dictionary is loaded once per process (lazily, ~0.1 s); SudachiPy tokenizers are not
thread-safe, so each thread gets its own from a `threading.local`. Text is analysed sentence by
sentence (much faster than one long lattice), chunks without kanji or katakana are skipped (no
name or proper noun can be there), and repeated chunks are analysed once per call.

Only the morphemes the detectors use are returned (proper nouns, honorific suffixes, and an
unknown word or katakana noun right before an honorific); callers tell adjacency from offsets.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

_lock = threading.Lock()
_state: dict[str, Any] = {}
_local = threading.local()

_CHUNK = re.compile(r"[^。！？!?\n]*(?:[。！？!?\n]+|$)")
_HAS_CANDIDATE = re.compile(r"[一-鿿々〆ヶァ-ヺー]")
_KATAKANA = re.compile(r"[ァ-ヺー・]{2,}")
_MAX_CHUNK = 2000
PARALLEL_CHARS = 4000  # texts at least this long are analysed on two threads
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


def _analyse_all(chunks: list[str]) -> dict[str, list[Token]]:
    out: dict[str, list[Token]] = {}
    for c in chunks:
        if c not in out:
            out[c] = _analyse(c)
    return out


def _executor() -> ThreadPoolExecutor:
    # Keyed by process id: a pool created before a fork (gunicorn --preload) has no thread in
    # the child and would never run anything.
    pid = os.getpid()
    if _state.get("executor_pid") != pid:
        with _lock:
            if _state.get("executor_pid") != pid:
                _state["executor"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oasis-sudachi")
                _state["executor_pid"] = pid
    return _state["executor"]


def tokens(text: str) -> Iterator[Token]:
    """Proper nouns and honorifics (with the unknown word before one) of `text`, offsets into it."""
    chunks = [(base, c) for base, c in _chunks(text) if _HAS_CANDIDATE.search(c)]
    unique = list(dict.fromkeys(c for _, c in chunks))
    if len(text) >= PARALLEL_CHARS and len(unique) > 1:
        # The tokenizer releases the GIL: a long text is analysed in two halves on two threads
        # (each with its own tokenizer), which nearly halves the wait on an idle 2-core machine.
        half = len(unique) // 2
        future = _executor().submit(_analyse_all, unique[half:])
        analysed = _analyse_all(unique[:half])
        analysed.update(future.result())
    else:
        analysed = _analyse_all(unique)
    for base, chunk in chunks:
        for t in analysed[chunk]:
            yield t._replace(start=base + t.start, end=base + t.end)
