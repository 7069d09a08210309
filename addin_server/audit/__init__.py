"""The audit store: every prompt, answer and finding (oasis-log, cloud-4) and the person ledger."""

from addin_server.audit.store import AuditRecord, AuditStore, SqlPersonLedger

__all__ = ["AuditRecord", "AuditStore", "SqlPersonLedger"]
