"""The guideline's rules as code: detectors find things, rules judge them, one engine runs them."""

from addin_server.policy.engine import PolicyEngine, PolicyError
from addin_server.policy.ledger import InMemoryPersonLedger
from addin_server.policy.types import (
    Finding,
    InputDecision,
    LedgerResult,
    PersonLedger,
    PersonsSummary,
    PolicyRequest,
    Span,
)

__all__ = [
    "Finding",
    "InMemoryPersonLedger",
    "InputDecision",
    "LedgerResult",
    "PersonLedger",
    "PersonsSummary",
    "PolicyEngine",
    "PolicyError",
    "PolicyRequest",
    "Span",
]
