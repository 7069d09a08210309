"""One small class per guideline rule, each knowing its ID from guideline/RULES.md.

Rules judge; detectors (in `policy.detectors`) find. A rule's docstring quotes the guideline.
"""

from __future__ import annotations

from collections.abc import Iterable

from addin_server.policy.detectors.individual_number import redact as redact_individual_numbers
from addin_server.policy.rules.base import (
    ALL_PROFILES,
    PROFILES,
    InputContext,
    InputRule,
    LedgerRule,
    OutputRule,
    Rule,
)
from addin_server.policy.rules.common import (
    ImitationRequestRule,
    OutputCheckRule,
    StaffIdentityRule,
    VerbatimPassageRule,
)
from addin_server.policy.rules.oasis import IndividualNumberRule, PersonLimitRule, PromptLengthRule
from addin_server.policy.rules.rag import NonPublicInformationRule, RagIndividualNumberRule

ALL_RULES: tuple[type[Rule], ...] = (
    StaffIdentityRule,
    PromptLengthRule,
    IndividualNumberRule,
    RagIndividualNumberRule,
    NonPublicInformationRule,
    ImitationRequestRule,
    PersonLimitRule,
    OutputCheckRule,
    VerbatimPassageRule,
)


class DuplicateRuleError(ValueError):
    """Two rule classes claim one ID: each guideline rule is exactly one class."""


def registry(classes: Iterable[type[Rule]]) -> dict[str, type[Rule]]:
    """Rule classes by ID; refuses a second class for an ID already taken."""
    out: dict[str, type[Rule]] = {}
    for cls in classes:
        if cls.id in out:
            raise DuplicateRuleError(
                f"rule ID {cls.id!r} is claimed by both {out[cls.id].__name__} and {cls.__name__}")
        out[cls.id] = cls
    return out


RULES_BY_ID = registry(ALL_RULES)


def default_rules(profile: str) -> list[Rule]:
    """The rules that apply under `profile`, in the order the engine runs them."""
    return [cls() for cls in RULES_BY_ID.values() if profile in cls.profiles]


__all__ = [
    "ALL_PROFILES",
    "ALL_RULES",
    "PROFILES",
    "RULES_BY_ID",
    "DuplicateRuleError",
    "ImitationRequestRule",
    "IndividualNumberRule",
    "InputContext",
    "InputRule",
    "LedgerRule",
    "NonPublicInformationRule",
    "OutputCheckRule",
    "OutputRule",
    "PersonLimitRule",
    "PromptLengthRule",
    "RagIndividualNumberRule",
    "Rule",
    "StaffIdentityRule",
    "VerbatimPassageRule",
    "default_rules",
    "redact_individual_numbers",
    "registry",
]
