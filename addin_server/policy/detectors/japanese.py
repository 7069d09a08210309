"""SudachiPy (with sudachidict-core) for 人名 and other proper nouns.

The dictionary is loaded once per process (lazily, ~0.1 s); SudachiPy tokenizers are not
thread-safe, so each thread gets its own from a `threading.local`. Text is analysed sentence by
sentence (much faster than one long lattice), chunks without kanji or katakana are skipped (no
name or proper noun can be there), and repeated chunks are analysed once per call.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_lock = threading.Lock()
_dictionary: Any = None
_local = threading.local()

_CHUNK = re.compile(r"[^。！？!?\n]*(?:[。！？!?\n]+|$)")
_HAS_CANDIDATE = re.compile(r"[一-鿿々〆ヶァ-ヺー]")
_MAX_CHUNK = 2000


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    surface: str
    pos: tuple[str, ...]
    oov: bool


def _tokenizer() -> Any:
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        global _dictionary
        with _lock:
            if _dictionary is None:
                from sudachipy import dictionary

                _dictionary = dictionary.Dictionary()
            tok = _dictionary.tokenizer()
        _local.tokenizer = tok
    return tok


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    for m in _CHUNK.finditer(text):
        s = m.group()
        if not s:
            continue
        for i in range(0, len(s), _MAX_CHUNK):
            yield m.start() + i, s[i : i + _MAX_CHUNK]


def tokens(text: str) -> Iterator[Token]:
    """Morphemes of the chunks of `text` that could hold a proper noun, with offsets into `text`."""
    tok = _tokenizer()
    seen: dict[str, list[tuple[int, int, str, tuple[str, ...], bool]]] = {}
    for base, chunk in _chunks(text):
        if not _HAS_CANDIDATE.search(chunk):
            continue
        morphs = seen.get(chunk)
        if morphs is None:
            morphs = [(m.begin(), m.end(), m.surface(), tuple(m.part_of_speech()), m.is_oov())
                      for m in tok.tokenize(chunk)]
            seen[chunk] = morphs
        for b, e, surface, pos, oov in morphs:
            yield Token(base + b, base + e, surface, pos, oov)
