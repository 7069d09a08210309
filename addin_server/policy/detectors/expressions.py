"""Discriminatory or inappropriate expressions in the output (rule common-5).

The term list is `policy/data/inappropriate_terms.tsv` (written for this project; its header
states the source and licence). Katakana terms must stand alone (not inside a longer katakana
word, so ホモ does not match ホモジニアス).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Term:
    term: str
    category: str
    suggestion: str


@dataclass(frozen=True)
class ExpressionMatch:
    start: int
    end: int
    term: Term


@lru_cache(maxsize=1)
def terms() -> tuple[Term, ...]:
    text = resources.files("addin_server.policy").joinpath("data/inappropriate_terms.tsv").read_text("utf-8")
    out: list[Term] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] == "term":
            continue  # column header
        out.append(Term(parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""))
    return tuple(out)


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, Term]]:
    by_term = {t.term: t for t in terms()}
    alts = []
    for t in sorted(by_term, key=len, reverse=True):
        esc = re.escape(t)
        if re.fullmatch(r"[ァ-ヺー]+", t):
            esc = rf"(?<![ァ-ヺー]){esc}(?![ァ-ヺー])"
        alts.append(esc)
    return re.compile("|".join(alts)), by_term


def find(text: str) -> list[ExpressionMatch]:
    pattern, by_term = _pattern()
    return [ExpressionMatch(m.start(), m.end(), by_term[m.group()]) for m in pattern.finditer(text)]
