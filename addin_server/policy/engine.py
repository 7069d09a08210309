"""The policy engine: runs the rules of the configured profile and fails closed.

Input rules run before the model is called; output rules run on the model's answer. Rules
that consult the person ledger (oasis-2) run last, and record people only when nothing else
blocked, so a blocked request never uses up a series' allowance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from addin_server.policy.detectors import individual_number
from addin_server.policy.detectors.facts import Computed
from addin_server.policy.rules import (
    PROFILES,
    InputContext,
    InputRule,
    LedgerRule,
    OutputRule,
    default_rules,
)
from addin_server.policy.rules.base import RuleOutcome, individual_numbers
from addin_server.policy.types import (
    Finding,
    InputDecision,
    PersonLedger,
    PersonsSummary,
    PolicyOptions,
    PolicyRequest,
)

log = logging.getLogger(__name__)


class PolicyError(ValueError):
    """Raised for an engine that cannot be built from its configuration."""


FAIL_CLOSED_MESSAGE = "ルールの確認処理でエラーが発生したため、安全のため処理を止めました。時間をおいて再度お試しください。"


@dataclass
class PolicyEngine:
    profile: str = "oasis"
    person_limit: int = 1000
    max_prompt_chars: int = 20000
    ledger: PersonLedger | None = None
    hash_key: bytes = b""
    options: PolicyOptions = field(default_factory=PolicyOptions)

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise PolicyError(f"unknown profile {self.profile!r}; expected one of {sorted(PROFILES)}")
        if self.person_limit < 1:
            raise PolicyError("PERSON_LIMIT must be at least 1")
        if self.max_prompt_chars < 1:
            raise PolicyError("MAX_PROMPT_CHARS must be at least 1")
        rules = default_rules(self.profile)
        self.input_rules: list[InputRule] = [r for r in rules if isinstance(r, InputRule)]
        self.ledger_rules: list[LedgerRule] = [r for r in rules if isinstance(r, LedgerRule)]
        self.output_rules: list[OutputRule] = [r for r in rules if isinstance(r, OutputRule)]

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in (*self.input_rules, *self.ledger_rules, *self.output_rules)]

    def _context(self, req: PolicyRequest, computed: tuple[Computed, ...] = ()) -> InputContext:
        return InputContext(
            request=req,
            profile=self.profile,
            person_limit=self.person_limit,
            max_prompt_chars=self.max_prompt_chars,
            ledger=self.ledger,
            hash_key=self.hash_key,
            options=self.options,
            computed=computed,
        )

    def check_input(self, req: PolicyRequest, *, commit: bool) -> InputDecision:
        """Judge a request. With `commit`, an allowed request's people are added to its series."""
        ctx = self._context(req)
        # Two phases, each order-free: the input rules, then (knowing whether they blocked) the
        # ledger rules, which record people only for a request nothing else blocked.
        outcomes = [_outcome(rule.id, partial(rule.evaluate, req, ctx)) for rule in self.input_rules]
        blocked = any(f.severity == "block" for o in outcomes for f in o.findings)
        outcomes += [
            _outcome(ledger.id, partial(ledger.evaluate, req, ctx, commit=commit and not blocked))
            for ledger in self.ledger_rules
        ]
        findings = [f for o in outcomes for f in o.findings]
        blocked = any(f.severity == "block" for f in findings)
        # Whatever the profile, the server must mask stored text that holds an Individual Number
        # (a detector failure counts as containing one).
        contains = bool(_run("oasis-1", lambda: [True] if individual_numbers(ctx) else []))
        counted = [o.persons for o in outcomes if o.persons is not None]
        persons = max(counted, key=lambda p: (p.series_total, p.request)) if counted else None
        return InputDecision(
            allowed=not blocked,
            findings=tuple(findings),
            persons=persons or PersonsSummary(limit=self.person_limit),
            contains_individual_number=contains,
        )

    def check_output(self, req: PolicyRequest, output: str,
                     computed: Iterable[Mapping[str, object]] | None = None) -> tuple[Finding, ...]:
        """Findings on the model's answer (warnings shown beside the result).

        `computed`: values the producer of `output` computed itself, as `{value, formula}` (the
        offline table summary's totals); common-5 reports them as 計算値 with their formula
        instead of as facts missing from the source."""
        ctx = self._context(req, Computed.parse(computed))
        findings: list[Finding] = []
        for rule in self.output_rules:
            findings.extend(_run(rule.id, lambda rule=rule: rule.check(req, output, ctx)))
        return tuple(findings)

    @staticmethod
    def redact(text: str) -> str:
        """The text with every Individual Number masked (`**** **** 0257`), for logs and echoes."""
        return individual_number.redact(text)

    @staticmethod
    def redact_cells(cells: Sequence[Sequence[Any]] | None) -> list[list[Any]] | None:
        """The cells with every Individual Number masked (the same detection as oasis-1's cells
        path, numbers spread over cells included); numeric cells holding one become the masked
        string, everything else is unchanged."""
        if cells is None:
            return None
        return individual_number.redact_rows(cells)


def _outcome(rule_id: str, call: Callable[[], RuleOutcome]) -> RuleOutcome:
    """Run one rule; an exception becomes a blocking finding under that rule (fail closed)."""
    try:
        return call()
    except Exception:
        log.exception("policy rule %s failed; blocking the request", rule_id)
        return RuleOutcome(findings=(Finding(rule=rule_id, severity="block", message=FAIL_CLOSED_MESSAGE),))


def _run(rule_id: str, call: Any) -> Iterable[Finding]:
    """Run one rule; an exception becomes a blocking finding under that rule (fail closed)."""
    try:
        return list(call())
    except Exception:
        log.exception("policy rule %s failed; blocking the request", rule_id)
        return [Finding(rule=rule_id, severity="block", message=FAIL_CLOSED_MESSAGE)]
