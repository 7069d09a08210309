"""Rule bases and the per-request context the rules share (detector results computed once)."""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any, ClassVar

from addin_server.policy.detectors import individual_number, personal
from addin_server.policy.detectors.facts import Source
from addin_server.policy.textnorm import fold
from addin_server.policy.types import Finding, PersonLedger, PersonsSummary, PolicyRequest, Span
from addin_server.profiles import PROFILES as _PROFILE_NAMES

PROFILES = frozenset(_PROFILE_NAMES)
ALL_PROFILES = PROFILES
JST = timezone(timedelta(hours=9), "Asia/Tokyo")  # Japan has no daylight saving time
MAX_SPANS = 200


@dataclass
class InputContext:
    """Per-request state shared by the rules."""

    request: PolicyRequest
    profile: str
    person_limit: int
    max_prompt_chars: int
    ledger: PersonLedger | None = None
    hash_key: bytes = b""
    options: dict[str, Any] = field(default_factory=dict)
    persons: PersonsSummary | None = None
    contains_individual_number: bool = False
    cache: dict[str, Any] = field(default_factory=dict)


class Rule(ABC):
    id: ClassVar[str]
    profiles: ClassVar[frozenset[str]] = ALL_PROFILES


class InputRule(Rule):
    @abstractmethod
    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]: ...


class LedgerRule(Rule):
    @abstractmethod
    def check(self, req: PolicyRequest, ctx: InputContext, *, commit: bool) -> Iterable[Finding]: ...


class OutputRule(Rule):
    @abstractmethod
    def check(self, req: PolicyRequest, output: str, ctx: InputContext) -> Iterable[Finding]: ...


@dataclass(frozen=True)
class NumberHit:
    """An Individual Number in the request: `field` is text, instruction or cells."""

    field: str
    span: Span
    masked: str
    near_keyword: bool


def individual_numbers(ctx: InputContext) -> list[NumberHit]:
    """Every Individual Number in the request's text, instruction and cells (cached)."""
    hits = ctx.cache.get("individual_numbers")
    if hits is not None:
        return hits
    hits = []
    req = ctx.request
    for m in individual_number.find_cached(fold(req.text or "")):
        hits.append(NumberHit("text", Span(m.start, m.end), m.masked, m.near_keyword))
    for m in individual_number.find(req.instruction or ""):
        hits.append(NumberHit("instruction", Span(m.start, m.end), m.masked, m.near_keyword))
    keyword_cols: set[int] = set()
    for r, row in enumerate(req.cells or ()):
        for c, value in enumerate(row):
            if r == 0 and personal.classify_header(value) == "identifier":
                keyword_cols.add(c)
            for m in individual_number.find_in_cell(value):
                near = m.near_keyword or c in keyword_cols
                hits.append(NumberHit("cells", Span(m.start, m.end, row=r, col=c), m.masked, near))
    ctx.cache["individual_numbers"] = hits
    return hits


def person_scan(ctx: InputContext) -> personal.PersonScan:
    """The people whose personal information the request holds (cached)."""
    scan = ctx.cache.get("person_scan")
    if scan is not None:
        return scan
    req = ctx.request
    scan = personal.PersonScan(cap=ctx.person_limit)
    personal.scan_text(req.text or "", scan)
    if req.cells:
        personal.scan_cells(req.cells, scan)
    if req.instruction and not scan.full:
        extra = personal.PersonScan(cap=ctx.person_limit)
        personal.scan_text(req.instruction, extra)
        for k in extra.keys:
            scan.add(k)
        scan.kinds.update(extra.kinds)
    ctx.cache["person_scan"] = scan
    return scan


def source_of(req: PolicyRequest, ctx: InputContext) -> Source:
    """The request's text, cells and instruction prepared for output checks (cached)."""
    src = ctx.cache.get("source")
    if src is None:
        parts = [req.text or "", req.instruction or ""]
        for row in req.cells or ():
            parts.append("\t".join("" if v is None else str(v) for v in row))
        src = Source.of(parts)
        ctx.cache["source"] = src
    return src


def person_key(hash_key: bytes, identity: str) -> str:
    """The keyed hash the ledger stores for one person (never the identifier itself)."""
    return hmac.new(hash_key, identity.encode("utf-8"), hashlib.sha256).hexdigest()


def series_key(req: PolicyRequest) -> str:
    """The series a request belongs to: its series_id, else the user's calendar day in Japan."""
    if req.series_id:
        return req.series_id
    return "day:" + req.now.astimezone(JST).date().isoformat()


def spans_of(items: Iterable[Span], limit: int = MAX_SPANS) -> tuple[Span, ...]:
    out: list[Span] = []
    for s in items:
        if len(out) >= limit:
            break
        out.append(s)
    return tuple(out)


def kinds_text(kinds: dict[str, int]) -> str:
    return "、".join(f"{personal.KIND_LABELS.get(k, k)}{n}件" for k, n in kinds.items() if n)
