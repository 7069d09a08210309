"""Long passages in the output that come from outside the source (rule common-6).

The source is the person's own document, so repeating it is fine. What signals an outside
quotation is: a long quoted passage (「…」『…』“…”) or a block-quote line (> …) whose words are
not in the source; a long sentence that names a source (出典, 引用, より抜粋, 作詞, …) but is not
in the source; and a long sentence that shares almost nothing with the source (a summary's
sentences reuse the source's words, a pasted passage from elsewhere does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from addin_server.policy.textnorm import compare_key

_QUOTED = re.compile(r"「([^「」]+)」|『([^『』]+)』|“([^“”]+)”|\"([^\"]+)\"")
_BLOCKQUOTE = re.compile(r"^[ \t]*[>＞][^\n]*(?:\n[ \t]*[>＞][^\n]*)*", re.MULTILINE)
_ATTRIBUTION = re.compile(r"出典|引用|より抜粋|から抜粋|作詞|作曲|著作|原文|曰く|いわく|と述べ|と書い|Source:|quoted", re.I)
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


@dataclass(frozen=True)
class VerbatimMatch:
    start: int
    end: int
    kind: str  # "quotation" | "block_quote" | "attributed" | "unrelated"
    length: int


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _unrelated(key: str, source_key: str, overlap: float) -> bool:
    """Whether fewer than `overlap` of `key`'s distinct bigrams occur in `source_key`.

    Each bigram is looked up in the source text itself (a two-character substring is a source
    bigram exactly when it occurs there), stopping as soon as the answer is known: building the
    source's bigram set costs more than the few sentences that need it.
    """
    grams = _bigrams(key)
    need = overlap * len(grams)  # related from this many shared bigrams on
    hits = misses = 0
    for g in grams:
        if g in source_key:
            hits += 1
            if hits >= need:
                return False
        else:
            misses += 1
            if len(grams) - misses < need:
                return True
    return hits < need


def find(output: str, source_key: str, *, min_chars: int = 25, unrelated_chars: int = 60,
         overlap: float = 0.3) -> list[VerbatimMatch]:
    """Passages of `output` of at least `min_chars` that look quoted from outside the source.

    `source_key` is `compare_key(source)`.
    """
    out: list[VerbatimMatch] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str, length: int) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        out.append(VerbatimMatch(start, end, kind, length))

    for m in _QUOTED.finditer(output):
        inner = next(g for g in m.groups() if g is not None)
        key = compare_key(inner)
        if len(key) >= min_chars and key not in source_key:
            add(m.start(), m.end(), "quotation", len(inner))
    for m in _BLOCKQUOTE.finditer(output):
        key = compare_key(re.sub(r"^[ \t]*[>＞]", "", m.group(), flags=re.M))
        if len(key) >= min_chars and key not in source_key:
            add(m.start(), m.end(), "block_quote", len(m.group()))
    for m in _SENTENCE.finditer(output):
        key = compare_key(m.group())
        if len(key) < min_chars or key in source_key:
            continue
        if _ATTRIBUTION.search(m.group()):
            add(m.start(), m.end(), "attributed", len(m.group()))
        elif len(source_key) > 1 and len(key) >= unrelated_chars and _unrelated(key, source_key, overlap):
            add(m.start(), m.end(), "unrelated", len(m.group()))
    out.sort(key=lambda v: v.start)
    return out
