"""The guideline's deployment profiles (RULES.md): which rules apply where.

A leaf module so the settings loader and the policy engine share one list without the settings
importing the engine (and its Japanese analyser) or the engine importing the settings.
"""

from __future__ import annotations

PROFILES: tuple[str, ...] = ("oasis", "rag", "cloud")
