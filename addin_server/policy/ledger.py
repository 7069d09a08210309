"""An in-memory person ledger (rule oasis-2) for tests and offline tools.

The server uses the database-backed ledger, which follows the same `PersonLedger` protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Collection

from addin_server.policy.types import LedgerResult


class InMemoryPersonLedger:
    """Per (user, series), the set of person keys already counted. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str], set[str]] = {}

    def add(
        self, user: str, series: str, keys: Collection[str], limit: int, *, commit: bool
    ) -> LedgerResult:
        with self._lock:
            seen = self._series.get((user, series), set())
            before = len(seen)
            new = {k for k in keys if k not in seen}
            recorded = commit and before + len(new) < limit
            if recorded and new:
                self._series.setdefault((user, series), seen).update(new)
            return LedgerResult(before=before, new=len(new), recorded=recorded)

    def count(self, user: str, series: str) -> int:
        with self._lock:
            return len(self._series.get((user, series), ()))
