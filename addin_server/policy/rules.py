"""One small class per guideline rule, each knowing its ID from guideline/RULES.md.

Rules judge; detectors (in `detectors/`) find. A rule's docstring quotes the guideline.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from addin_server.policy.types import Finding, PersonLedger, PersonsSummary, PolicyRequest

PROFILES = frozenset({"oasis", "rag", "cloud"})
ALL_PROFILES = PROFILES


@dataclass
class InputContext:
    """Per-request state shared by the rules (detector results are computed once)."""

    request: PolicyRequest
    profile: str
    person_limit: int
    max_prompt_chars: int
    ledger: PersonLedger | None = None
    hash_key: bytes = b""
    options: dict[str, Any] = field(default_factory=dict)
    persons: PersonsSummary | None = None
    contains_individual_number: bool = False


class Rule(ABC):  # noqa: B024 - a marker base; subclasses add the abstract check
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


class PromptLengthRule(InputRule):
    """oasis-length — Oasis のプロンプトには文字数の上限がある（システムの性質）。

    The configured MAX_PROMPT_CHARS applies to what the person sends (text, cells, instruction).
    """

    id = "oasis-length"

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        n = req.prompt_chars()
        if n > ctx.max_prompt_chars:
            yield Finding(
                rule=self.id,
                severity="block",
                message=(
                    f"入力が長すぎます（{n:,}文字）。一度に送れるのは{ctx.max_prompt_chars:,}文字までです。"
                    "範囲を分けて実行してください。"
                ),
                data={"chars": n, "limit": ctx.max_prompt_chars},
            )


def redact_individual_numbers(text: str) -> str:
    """Placeholder until the Individual Number detector lands: returns text unchanged."""
    return text


def default_rules(profile: str) -> list[Rule]:
    rules: list[Rule] = [PromptLengthRule()]
    return [r for r in rules if profile in r.profiles]
