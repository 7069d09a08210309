"""公用文 (official-style Japanese) proofreading rules: explained corrections and notes.

`check(text)` returns the corrections (each with a replacement) and the notes (a span and a
reason, no replacement) that the rules in `catalog.RULES` find. Every result names its rule ID
and the official convention it follows. No model, no network: fugashi + unidic-lite and the word
lists in `data/`.
"""

from addin_server.kobun.catalog import RULES, Rule
from addin_server.kobun.engine import Correction, Note, Report, check

__all__ = ["RULES", "Correction", "Note", "Report", "Rule", "check"]
