"""The model gateway: the one place that calls a model, and only an approved one (common-2).

Providers: `offline` (no model), `openai` (any OpenAI-compatible base URL, e.g. an on-premises
server) and `azure` (Azure OpenAI under contract). The `openai` client does the retries and
timeouts; its errors become API errors with Japanese messages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypedDict

import openai

from addin_server.config import ConfigError, Settings
from addin_server.errors import ModelError, ModelTimeout, ModelUnavailable
from addin_server.kobun import Note
from addin_server.llm import offline, summary
from addin_server.llm.edits import Edit, apply_edits, diff_edits, merge_edits, notes_outside, validate_edits
from addin_server.llm.prompts import PROOFREAD_SCHEMA, build_messages, cells_as_text, parse_proofread_json
from addin_server.policy.types import Finding

log = logging.getLogger(__name__)

Cells = Sequence[Sequence[Any]]


@dataclass
class ModelAnswer:
    text: str
    model: str
    edits: list[Edit] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cells: list[list[Any]] | None = None  # proofread of a cell range: corrected value per changed cell
    cell_edits: list[dict[str, Any]] = field(default_factory=list)  # edits with their row and col
    # Values the producer computed itself (offline table totals), `{value, formula}`; for common-5.
    computed: list[dict[str, str]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # proofread: spans to look at, no replacement
    cell_notes: list[dict[str, Any]] = field(default_factory=list)  # notes with their row and col
    # Findings about the answer itself (a summary not in the requested form or length), which
    # the service appends to the request's findings.
    warnings: list[Finding] = field(default_factory=list)


@contextmanager
def model_errors() -> Iterator[None]:
    """Map the openai client's exceptions to the API's 502/503/504 errors."""
    try:
        yield
    except openai.APITimeoutError as exc:
        log.warning("model timeout: %s", exc)
        raise ModelTimeout() from exc
    except openai.RateLimitError as exc:
        log.warning("model rate-limited: %s", exc)
        raise ModelUnavailable(details={"retry_after": _retry_after(exc)}) from exc
    except openai.APIConnectionError as exc:
        log.warning("model unreachable: %s", exc)
        raise ModelUnavailable() from exc
    except openai.InternalServerError as exc:
        log.warning("model server error %s", exc.status_code)
        raise ModelError() from exc
    except openai.APIStatusError as exc:
        log.error("model endpoint refused the request: HTTP %s", exc.status_code)
        raise ModelError(
            "AI モデルの呼び出し設定に問題があります。管理者に連絡してください。", code="model_config_error"
        ) from exc
    except openai.OpenAIError as exc:
        log.error("model client error: %s", type(exc).__name__)
        raise ModelError() from exc


def _retry_after(exc: openai.APIStatusError) -> int | None:
    value = exc.response.headers.get("retry-after") if exc.response is not None else None
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.provider = settings.llm_provider
        self._client: openai.OpenAI | None = None
        if self.provider != "offline":
            base = settings.llm_base_url or ""
            if not any(e.covers(base) for e in settings.approved_endpoints):
                raise ConfigError(f"rule common-2: {base!r} is not an approved endpoint")

    def describe(self) -> str:
        return "offline" if self.provider == "offline" else f"{self.provider}:{self.settings.llm_model}"

    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            s = self.settings
            common: dict[str, Any] = {"timeout": s.llm_timeout, "max_retries": s.llm_max_retries}
            if self.provider == "azure":
                self._client = openai.AzureOpenAI(
                    azure_endpoint=s.llm_base_url or "", api_version=s.azure_api_version,
                    api_key=s.llm_api_key or "unused", **common)
            else:
                self._client = openai.OpenAI(base_url=s.llm_base_url, api_key=s.llm_api_key or "unused", **common)
        return self._client

    # -- summarize --------------------------------------------------------------------------
    def summarize(self, text: str | None, cells: Cells | None, instruction: str | None) -> ModelAnswer:
        if self.provider == "offline":
            return _offline_answer(text, cells, instruction)
        messages = build_messages("summarize", _source(text, cells), instruction)
        with model_errors():
            resp = self.client.chat.completions.create(model=self.settings.llm_model, messages=messages,
                                                       temperature=0.2)
        answer = _content(resp).strip()
        return ModelAnswer(text=answer, model=resp.model or self.settings.llm_model,
                           warnings=summary_form_findings(answer, text, instruction), **_usage(resp))

    def stream_summarize(
        self, text: str | None, cells: Cells | None, instruction: str | None
    ) -> Iterator[str | ModelAnswer]:
        """Yields text deltas as they arrive, then the complete ModelAnswer."""
        if self.provider == "offline":
            answer = _offline_answer(text, cells, instruction)
            yield from _chunks(answer.text)  # the same shape as a streaming model
            yield answer
            return
        messages = build_messages("summarize", _source(text, cells), instruction)
        parts: list[str] = []
        usage: Usage = {}
        model = self.settings.llm_model
        with model_errors():
            stream = self.client.chat.completions.create(
                model=self.settings.llm_model, messages=messages, temperature=0.2, stream=True,
                stream_options={"include_usage": True})
            for chunk in stream:
                model = getattr(chunk, "model", None) or model
                if getattr(chunk, "usage", None):
                    usage = _usage(chunk)
                for choice in chunk.choices or ():
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        parts.append(delta)
                        yield delta
        full = "".join(parts).strip()
        if not full:
            raise ModelError("AI モデルの応答が空でした。時間をおいて再度お試しください。")
        yield ModelAnswer(text=full, model=model, warnings=summary_form_findings(full, text, instruction), **usage)

    # -- proofread --------------------------------------------------------------------------
    def proofread(self, text: str, instruction: str | None) -> ModelAnswer:
        rules = offline.proofread(text)  # the 公用文 rules run on every proofread, with or without a model
        if self.provider == "offline":
            return ModelAnswer(text=rules.text, edits=rules.edits, notes=rules.notes, model=offline.PROOFREAD_MODEL)
        messages = build_messages("proofread", text, instruction)
        with model_errors():
            try:
                resp = self.client.chat.completions.create(
                    model=self.settings.llm_model, messages=messages, temperature=0,
                    response_format={"type": "json_schema", "json_schema": PROOFREAD_SCHEMA})
            except openai.BadRequestError:
                # Endpoints without structured output: ask for the corrected text and diff it.
                log.info("endpoint refused json_schema; falling back to plain proofreading")
                resp = self.client.chat.completions.create(
                    model=self.settings.llm_model, temperature=0,
                    messages=build_messages("proofread", text, instruction, plain=True))
        content = _content(resp)
        model_edits = edits_from_answer(text, content)
        edits = merge_edits(text, model_edits, rules.edits)
        notes = notes_outside(rules.notes, [e for e in edits if e.source == "model"])
        return ModelAnswer(text=apply_edits(text, edits), edits=edits, notes=notes,
                           model=resp.model or self.settings.llm_model, **_usage(resp))


def edits_from_answer(text: str, content: str) -> list[Edit]:
    """Edits from a structured answer, or from diffing a corrected text.

    The model's own edits are kept only where their `original` sits at the stated place. When
    the answer also carries the corrected full text and the kept edits do not reproduce it, the
    diff of that text (borrowing the model's reasons) is used instead: diff hunks are placed
    correctly by construction.
    """
    data = parse_proofread_json(content)
    if data is None:
        return diff_edits(text, content.strip("\n"))
    edits_value = data.get("edits")
    raw: list[Any] = edits_value if isinstance(edits_value, list) else []
    valid = validate_edits(text, raw)
    corrected = data.get("corrected_text")
    if isinstance(corrected, str) and apply_edits(text, valid) != corrected:
        reasons = {(str(e.get("original")), str(e.get("replacement"))): str(e.get("reason") or "")
                   for e in raw if isinstance(e, dict) and e.get("reason")}
        return diff_edits(text, corrected, reasons)
    return valid


def summary_form_findings(answer: str, source: str | None, instruction: str | None) -> list[Finding]:
    """A model's summary held to the form and length the person asked for (common-7: the output is
    material that staff edit before use, so a departure is a warning to fix, never a block)."""
    return [Finding("common-7", "warn", f"要約の形式・長さ: {problem}内容を確認し、必要に応じて加筆・修正してください。")
            for problem in summary.check_answer(answer, instruction, source)]


def _offline_answer(text: str | None, cells: Cells | None, instruction: str | None) -> ModelAnswer:
    parts = []
    computed: list[dict[str, str]] = []
    warnings: list[Finding] = []
    if text:
        done = summary.summarize(text, instruction)
        parts.append(done.text)
        warnings += [Finding("common-7", "warn", f"要約の形式・長さ: {note}") for note in done.notes]
    if cells:
        table, computed = offline.summarize_cells_computed(cells, instruction)
        parts.append(table)
    return ModelAnswer(text="\n".join(p for p in parts if p), model=offline.SUMMARY_MODEL, computed=computed,
                       warnings=warnings)


def _chunks(text: str, size: int = 12) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def _source(text: str | None, cells: Cells | None) -> str:
    parts = [text] if text else []
    if cells:
        parts.append(cells_as_text(cells))
    return "\n\n".join(parts)


def _content(resp: Any) -> str:
    try:
        content = resp.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        content = None
    if not content or not content.strip():
        raise ModelError("AI モデルの応答が空でした。時間をおいて再度お試しください。")
    return content


class Usage(TypedDict, total=False):
    """Token counts as ModelAnswer's keyword arguments (typed, so `**usage` type-checks)."""

    prompt_tokens: int | None
    completion_tokens: int | None


def _usage(resp: Any) -> Usage:
    usage = getattr(resp, "usage", None)
    return {
        "prompt_tokens": getattr(usage, "prompt_tokens", None),
        "completion_tokens": getattr(usage, "completion_tokens", None),
    }
