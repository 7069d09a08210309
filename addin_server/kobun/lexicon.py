"""The word lists in `data/`, loaded once. Each file names its official source in its header."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
_WHERE = frozenset({"word", "start", "head", "any", "jo", "after-renyou", "after-noun"})


@dataclass(frozen=True)
class Entry:
    rule: str
    wrong: str
    right: str
    where: str
    why: str


def _rows(name: str, columns: int) -> list[list[str]]:
    rows = []
    with open(DATA / name, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) != columns:
                raise ValueError(f"{name}:{n}: expected {columns} tab-separated columns, got {len(cells)}")
            rows.append(cells)
    return rows


@cache
def words() -> dict[str, list[Entry]]:
    """wrong -> entries (hyouki.tsv, okurigana.tsv), in file order."""
    out: dict[str, list[Entry]] = {}
    for name in ("hyouki.tsv", "okurigana.tsv"):
        for rule, wrong, right, where, why in _rows(name, 5):
            if where not in _WHERE:
                raise ValueError(f"{name}: unknown condition {where!r} for {wrong}")
            if wrong != right:
                out.setdefault(wrong, []).append(Entry(rule, wrong, right, where, why))
    return out


@cache
def words_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words(), key=len, reverse=True)))


@cache
def gairaigo() -> dict[str, str]:
    return {wrong: right for wrong, right in _rows("gairaigo.tsv", 2)}


@cache
def gairaigo_pattern() -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(gairaigo(), key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})(?![ァ-ヺーA-Za-zＡ-Ｚａ-ｚ])")


@cache
def redundant() -> list[tuple[re.Pattern[str], str, str]]:
    rows = []
    with open(DATA / "jouchou.tsv", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                pattern, right, why = line.split("\t")
                rows.append((re.compile(pattern), right, why))
    return rows


@cache
def sa_verbs() -> frozenset[str]:
    """Verbs ending in -aす whose causative -aさせる is right (動かさせる), so not さ入れ."""
    return frozenset(w for (w,) in _rows("sa_verbs.tsv", 1))
