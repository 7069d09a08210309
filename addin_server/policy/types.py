"""Plain data types shared by the detectors, the rules and the engine.

Nothing here imports Flask, openai or a database driver: the policy package is pure Python
so it can be tested and reused (the batch annotator uses it too) without a server.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

Severity = Literal["block", "warn", "info"]
Cell = str | int | float | bool | None
Operation = Literal["summarize", "proofread"]


@dataclass(frozen=True)
class Span:
    """Where a finding sits: character offsets into text, or a table cell (row/col from 0)."""

    start: int | None = None
    end: int | None = None
    row: int | None = None
    col: int | None = None

    def to_dict(self) -> dict[str, int]:
        if self.row is not None:
            out = {"row": self.row, "col": self.col or 0}
            if self.start is not None:
                out.update(start=self.start, end=self.end or self.start)
            return out
        return {"start": self.start or 0, "end": self.end or 0}


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one thing. `rule` is an ID from guideline/RULES.md."""

    rule: str
    severity: Severity
    message: str  # Japanese, shown to staff; never contains an unmasked Individual Number
    spans: tuple[Span, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable extras (e.g. masked number)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "spans": [s.to_dict() for s in self.spans],
        }
        if self.data:
            out["data"] = self.data
        return out


@dataclass(frozen=True)
class PolicyRequest:
    """What a person asked for, as the rules see it."""

    user: str
    operation: Operation
    host: str = "word"
    text: str | None = None
    cells: Sequence[Sequence[Cell]] | None = None
    instruction: str | None = None
    series_id: str | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def prompt_chars(self) -> int:
        """Characters the model would receive from the person (text, cells and instruction)."""
        n = len(self.text or "") + len(self.instruction or "")
        for row in self.cells or ():
            for c in row:
                if c is not None:
                    n += len(str(c)) + 1
        return n


@dataclass(frozen=True)
class PolicyOptions:
    """Rule settings that come from the server's configuration."""

    # common-1: account names (case-insensitive) that are not staff, besides the built-in
    # anonymous/guest/system and svc-/service-/app-/bot- names (config SERVICE_ACCOUNTS).
    service_accounts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PersonsSummary:
    """People whose personal information a request holds, against the oasis-2 limit."""

    request: int = 0  # distinct people in this request
    series_total: int = 0  # people in the series including this request (if it were recorded)
    limit: int = 1000

    def to_dict(self) -> dict[str, int]:
        return {"request": self.request, "series_total": self.series_total, "limit": self.limit}


@dataclass(frozen=True)
class InputDecision:
    allowed: bool
    findings: tuple[Finding, ...]
    persons: PersonsSummary
    contains_individual_number: bool = False


@dataclass(frozen=True)
class LedgerResult:
    before: int  # people already recorded in the series
    new: int  # people of this request not yet in the series
    recorded: bool  # whether the new people were written

    @property
    def total(self) -> int:
        return self.before + self.new


class PersonLedger(Protocol):
    """Per user and series, the keyed hashes of the people already counted (rule oasis-2).

    `add` must be atomic across server instances: count the keys already present, and when
    `commit` is true and before+new < limit, record the new ones, all in one transaction.
    """

    def add(
        self, user: str, series: str, keys: Collection[str], limit: int, *, commit: bool
    ) -> LedgerResult: ...
