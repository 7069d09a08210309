"""Discriminatory or inappropriate expressions in the output (rule common-5).

The term list is `policy/data/inappropriate_terms.tsv` (its header states its sources and
licence). A term counts only as a word: the analyser's words (fugashi + unidic-lite) must begin
where the term begins, and the term must end where a word ends or inside a compound that starts
with it (つんぼ桟敷). So 海外人材 holds no 外人 (海外|人材). A term the analyser reads as a noun
on its own is not matched where the text uses the same letters as a verb or adjective
(めくらない is the verb めくる). Katakana terms must also stand alone (ホモ is not in ホモジニアス).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from addin_server.policy.detectors import japanese


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


_INFLECTING = ("動詞", "形容詞", "助動詞")
_SENTENCE_END = "。！？!?\n"


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


@dataclass(frozen=True)
class _Reading:
    inflects: bool  # read as (or with) a verb or adjective on its own (女々しい)
    proper: bool  # read as a proper noun on its own (支那)


@lru_cache(maxsize=256)
def _reading(term: str) -> _Reading:
    ws = list(japanese.words(term))
    return _Reading(any(w.pos[:1] and w.pos[0] in _INFLECTING for w in ws),
                    any(w.pos[1:2] == ("固有名詞",) for w in ws))


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    a = max(text.rfind(c, 0, start) for c in _SENTENCE_END) + 1
    ends = [i for i in (text.find(c, end) for c in _SENTENCE_END) if i >= 0]
    return a, (min(ends) + 1 if ends else len(text))


def _is_word(text: str, start: int, end: int, term: str, cache: dict[tuple[int, int], list[japanese.Token]]
             ) -> bool:
    a, b = _sentence(text, start, end)
    if (a, b) not in cache:
        cache[(a, b)] = [w._replace(start=w.start + a, end=w.end + a) for w in japanese.words(text[a:b])]
    ws = cache[(a, b)]
    first = next((w for w in ws if w.start <= start < w.end), None)
    if first is None or first.start != start:
        return False  # the term starts inside a word (海外人材)
    covered = [w for w in ws if w.start < end and start < w.end]
    last = covered[-1]
    if last.end != end and last is not first:
        return False  # ends inside a later word that does not start with the term
    alone = _reading(term)
    if not alone.inflects and any(w.pos[:1] and w.pos[0] in _INFLECTING for w in covered):
        return False  # めくら|ない: the verb めくる, not the noun
    if not alone.proper and any(w.pos[1:2] == ("固有名詞",) for w in covered):
        return False
    # 土方歳三: a surname followed by a given name is a person, not the word
    i = ws.index(last)
    return not (last.pos[2:3] == ("人名",) and i + 1 < len(ws) and ws[i + 1].pos[2:3] == ("人名",)
                and ws[i + 1].start == last.end)


def find(text: str) -> list[ExpressionMatch]:
    pattern, by_term = _pattern()
    cache: dict[tuple[int, int], list[japanese.Token]] = {}
    return [ExpressionMatch(m.start(), m.end(), by_term[m.group()]) for m in pattern.finditer(text)
            if _is_word(text, m.start(), m.end(), m.group(), cache)]
