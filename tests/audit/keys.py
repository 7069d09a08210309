"""Fixed test keys (never used outside tests): the audit chain's and the ledger's."""

from __future__ import annotations

from addin_server.audit.store import AuditKeys

AUDIT_KEY_HEX = "a1" * 32
OTHER_AUDIT_KEY_HEX = "b2" * 32  # a different, equally valid key: what an attacker would have
LEDGER_KEY_HEX = "c3" * 32
KEYS = AuditKeys((bytes.fromhex(AUDIT_KEY_HEX),))
KEY_CONFIG = {"AUDIT_KEY": AUDIT_KEY_HEX, "LEDGER_KEY": LEDGER_KEY_HEX}
