"""One small class per guideline rule, each knowing its ID from guideline/RULES.md.

Rules judge; detectors (in `policy.detectors`) find. A rule's docstring quotes the guideline.
"""

from __future__ import annotations

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
    InappropriateExpressionRule,
    OutputFactsRule,
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
    OutputFactsRule,
    InappropriateExpressionRule,
    VerbatimPassageRule,
)


def default_rules(profile: str) -> list[Rule]:
    """The rules that apply under `profile`, in the order the engine runs them."""
    return [cls() for cls in ALL_RULES if profile in cls.profiles]


__all__ = [
    "ALL_PROFILES",
    "ALL_RULES",
    "PROFILES",
    "ImitationRequestRule",
    "InappropriateExpressionRule",
    "IndividualNumberRule",
    "InputContext",
    "InputRule",
    "LedgerRule",
    "NonPublicInformationRule",
    "OutputFactsRule",
    "OutputRule",
    "PersonLimitRule",
    "PromptLengthRule",
    "RagIndividualNumberRule",
    "Rule",
    "StaffIdentityRule",
    "VerbatimPassageRule",
    "default_rules",
    "redact_individual_numbers",
]
