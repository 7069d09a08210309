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
from addin_server.policy.detectors.facts import Computed, Source
from addin_server.policy.types import (
    Finding,
    PersonLedger,
    PersonsSummary,
    PolicyOptions,
    PolicyRequest,
    Span,
)
from addin_server.profiles import PROFILES as _PROFILE_NAMES

PROFILES = frozenset(_PROFILE_NAMES)
ALL_PROFILES = PROFILES
JST = timezone(timedelta(hours=9), "Asia/Tokyo")  # Japan has no daylight saving time
MAX_SPANS = 200


@dataclass
class InputContext:
    """What the rules of one request read: the request, the engine's settings, and a memo of
    detector results (pure functions of the request, computed once whichever rule asks first).

    Rules never write their results here: each returns a `RuleOutcome` the engine collects, so
    a decision does not depend on the order the rules run in.
    """

    request: PolicyRequest
    profile: str
    person_limit: int
    max_prompt_chars: int
    ledger: PersonLedger | None = None
    hash_key: bytes = b""
    options: PolicyOptions = field(default_factory=PolicyOptions)
    cache: dict[str, Any] = field(default_factory=dict)
    # Values the caller computed itself (offline table totals) and how; read by common-5.
    computed: tuple[Computed, ...] = ()


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule returns: its findings and, for the rules that count people, the count."""

    findings: tuple[Finding, ...] = ()
    persons: PersonsSummary | None = None


class Rule(ABC):
    id: ClassVar[str]
    profiles: ClassVar[frozenset[str]] = ALL_PROFILES


class InputRule(Rule):
    @abstractmethod
    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]: ...

    def evaluate(self, req: PolicyRequest, ctx: InputContext) -> RuleOutcome:
        """The rule's outcome; rules with more than findings to report override this."""
        return RuleOutcome(findings=tuple(self.check(req, ctx)))


class LedgerRule(Rule):
    @abstractmethod
    def evaluate(self, req: PolicyRequest, ctx: InputContext, *, commit: bool) -> RuleOutcome: ...

    def check(self, req: PolicyRequest, ctx: InputContext, *, commit: bool) -> Iterable[Finding]:
        return self.evaluate(req, ctx, commit=commit).findings


class OutputRule(Rule):
    @abstractmethod
    def check(self, req: PolicyRequest, output: str, ctx: InputContext) -> Iterable[Finding]: ...


@dataclass(frozen=True)
class NumberHit:
    """An Individual Number in the request: `field` is text, instruction, series_id or cells.
    `certain` is False for a valid number its context says is something else (warn)."""

    field: str
    span: Span
    masked: str
    near_keyword: bool
    certain: bool = True
    reason: str = ""


MAX_NUMBER_HITS = 1000  # hits kept for findings; the count goes on (bounded memory on big tables)


def individual_numbers(ctx: InputContext) -> list[NumberHit]:
    """Every Individual Number in the request's text, instruction, series ID and cells (cached).
    At most MAX_NUMBER_HITS are kept; `ctx.cache["individual_number_count"]` has the total."""
    hits = ctx.cache.get("individual_numbers")
    if hits is not None:
        return hits
    hits = []
    count = 0
    req = ctx.request

    def add(hit: NumberHit) -> None:
        nonlocal count
        count += 1
        if len(hits) < MAX_NUMBER_HITS:
            hits.append(hit)

    for m in individual_number.find_cached(req.text or ""):
        add(NumberHit("text", Span(m.start, m.end), m.masked, m.near_keyword, m.certain, m.reason))
    for name in ("instruction", "series_id"):
        for m in individual_number.find(getattr(req, name) or ""):
            add(NumberHit(name, Span(m.start, m.end), m.masked, m.near_keyword, m.certain, m.reason))
    if req.cells:
        for cm in individual_number.find_in_cells(req.cells):
            m = cm.match
            add(NumberHit("cells", Span(m.start, m.end, row=cm.row, col=cm.col), m.masked, m.near_keyword,
                          m.certain, m.reason))
    ctx.cache["individual_numbers"] = hits
    ctx.cache["individual_number_count"] = count
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
