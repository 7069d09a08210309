"""Proofreading edits: validate the model's, or derive them by diffing corrected text.

Offsets are Unicode code points into the request text. An edit whose `original` is not at
its stated place is dropped, never applied; applying the kept edits gives `result.text`.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from addin_server.kobun import Correction, Note
from addin_server.policy.detectors.japanese import word_spans

DEFAULT_REASON = "表記・表現の修正"
SOURCES = ("rules", "model")
# A hunk boundary: merge diff opcodes closer than this so edits read as words, not letters.
_WORD_CHARS = re.compile(r"[\w\u3040-\u30ff\u3400-\u9fff\uff10-\uff5a]")


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    original: str
    replacement: str
    reason: str = DEFAULT_REASON
    # Provenance (additive API fields): "rules" or "model"; for rules, the stable rule ID
    # (kobun.*) and the convention it follows. None is left out of the API body.
    source: str | None = None
    rule: str | None = None
    convention: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "original": self.original,
                             "replacement": self.replacement, "reason": self.reason}
        for key in ("source", "rule", "convention"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        return d

    def shifted(self, delta: int) -> Edit:
        """The same edit with its offsets moved by `delta` (a cell's text inside the joined text)."""
        return replace(self, start=self.start + delta, end=self.end + delta)

    @classmethod
    def from_rule(cls, c: Correction) -> Edit:
        return cls(c.start, c.end, c.original, c.replacement, c.reason, "rules", c.rule, c.convention)


def merge_edits(text: str, model: Iterable[Edit], rules: Iterable[Edit]) -> list[Edit]:
    """Model and rule edits on one text, without overlap: a rule edit wins over a model edit it
    touches (it is cited and deterministic; the model's broader rewrite of that span is dropped).
    A model edit identical to a rule edit is the rule edit. Model edits are marked `source=model`."""
    kept_rules = validate_edits(text, rules)
    taken = [(e.start, e.end) for e in kept_rules]

    def clashes(e: Edit) -> bool:
        for s, t in taken:
            if e.start < t and s < e.end:
                return True
            if e.start == e.end and s <= e.start <= t:  # an insertion at or inside a rule edit
                return True
            if s == t and e.start <= s <= e.end:
                return True
        return False

    kept_model = [replace(e, source="model") for e in validate_edits(text, model) if not clashes(e)]
    return sorted(kept_rules + kept_model, key=lambda e: (e.start, e.end))


def notes_outside(notes: Iterable[Note], edits: Iterable[Edit]) -> list[Note]:
    """The notes whose span no applied edit rewrites (a note on text the edits replace is stale)."""
    spans = [(e.start, e.end) for e in edits]
    return [n for n in notes if not any(n.start < t and s < n.end for s, t in spans)]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: e.start):
        out.append(text[pos:e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def validate_edits(text: str, raw: Iterable[Mapping[str, Any] | Edit]) -> list[Edit]:
    """Keep the edits that sit where they say, do something, and do not overlap."""
    kept: list[Edit] = []
    for item in raw:
        try:
            e = item if isinstance(item, Edit) else Edit(
                start=int(item["start"]), end=int(item["end"]), original=str(item["original"]),
                replacement=str(item["replacement"]), reason=str(item.get("reason") or DEFAULT_REASON))
            if e.source is not None and e.source not in SOURCES:
                continue
        except (KeyError, TypeError, ValueError):
            continue
        if not (0 <= e.start <= e.end <= len(text)) or text[e.start:e.end] != e.original:
            continue
        if e.original == e.replacement:
            continue
        kept.append(e)
    kept.sort(key=lambda e: (e.start, e.end))
    result: list[Edit] = []
    for e in kept:
        if result and e.start < result[-1].end:
            continue  # overlapping: keep the first, never guess
        if result and e.start == e.end == result[-1].end:
            continue  # two insertions at one point are ambiguous
        result.append(e)
    return result


def diff_edits(original: str, corrected: str, reasons: Mapping[tuple[str, str], str] | None = None) -> list[Edit]:
    """Character-level diff merged into word-sized hunks."""
    matcher = difflib.SequenceMatcher(a=original, b=corrected, autojunk=False)
    hunks: list[list[int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if hunks and _joinable(original, hunks[-1][1], i1):
            hunks[-1][1], hunks[-1][3] = i2, j2
        else:
            hunks.append([i1, i2, j1, j2])
    hunks = _to_word_bounds(original, hunks)
    edits = []
    for i1, i2, j1, j2 in hunks:
        i1, i2, j1, j2 = _widen(original, corrected, i1, i2, j1, j2)
        orig, repl = original[i1:i2], corrected[j1:j2]
        reason = (reasons or {}).get((orig, repl), DEFAULT_REASON)
        edits.append(Edit(i1, i2, orig, repl, reason))
    return validate_edits(original, edits)


def _joinable(text: str, prev_end: int, start: int) -> bool:
    """Join two changes separated by at most two word characters of unchanged text."""
    gap = text[prev_end:start]
    return len(gap) <= 2 and all(_WORD_CHARS.match(ch) for ch in gap)


def _widen(a: str, b: str, i1: int, i2: int, j1: int, j2: int) -> tuple[int, int, int, int]:
    """A pure insertion gets one character of context so it has something to anchor on."""
    if i1 == i2 and i1 > 0 and j1 > 0 and a[i1 - 1] == b[j1 - 1]:
        return i1 - 1, i2, j1 - 1, j2
    return i1, i2, j1, j2


def _word_boundaries(text: str) -> list[int]:
    """Offsets where Japanese words begin or end (MeCab with unidic-lite, one tagger per thread)."""
    bounds = {0, len(text)}
    for start, end in word_spans(text):
        bounds.add(start)
        bounds.add(end)
    return sorted(bounds)


def _to_word_bounds(original: str, hunks: list[list[int]]) -> list[list[int]]:
    """Grow each hunk to whole words of the original (the unchanged context maps 1:1)."""
    if not hunks:
        return hunks
    bounds = _word_boundaries(original)
    grown: list[list[int]] = []
    for i1, i2, j1, j2 in hunks:
        n1 = bounds[max(bisect.bisect_right(bounds, i1) - 1, 0)]
        n2 = bounds[min(bisect.bisect_left(bounds, i2), len(bounds) - 1)]
        n1, n2 = min(n1, i1), max(n2, i2)
        h = [n1, n2, j1 - (i1 - n1), j2 + (n2 - i2)]
        if grown and h[0] <= grown[-1][1]:
            # overlapping after growth: one hunk covering both, context mapped the same way
            grown[-1][1], grown[-1][3] = h[1], h[3]
        else:
            grown.append(h)
    return grown
