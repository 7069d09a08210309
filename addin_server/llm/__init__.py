"""The model gateway, the prompts, and the offline engine."""

from addin_server.llm.edits import Edit, apply_edits, diff_edits, validate_edits
from addin_server.llm.gateway import Gateway, ModelAnswer

__all__ = ["Edit", "Gateway", "ModelAnswer", "apply_edits", "diff_edits", "validate_edits"]
