"""The request path without HTTP: check the rules, call the model, check the answer, record.

Flask calls this; so do the command-line tools (annotate). Every request leaves exactly one
audit record, written durably before the answer is returned: allowed, blocked or failed. A
result is never returned when its record could not be written.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from addin_server.audit import AuditRecord, AuditStore
from addin_server.auth.identity import Identity
from addin_server.config import Settings
from addin_server.errors import ApiError, AuditUnavailable, ModelError
from addin_server.llm import Edit, Gateway, ModelAnswer, apply_edits
from addin_server.policy import Finding, PersonsSummary, PolicyEngine, PolicyRequest

log = logging.getLogger(__name__)

Cells = Sequence[Sequence[Any]]
POLICY_BLOCKED_MESSAGE = "ガイドラインのルールにより、この内容は送信できません。表示された指摘を確認してください。"


@dataclass
class OperationResult:
    request_id: str
    operation: str
    allowed: bool
    findings: list[Finding]
    persons: PersonsSummary
    text: str = ""
    edits: list[Edit] = field(default_factory=list)
    model: str | None = None
    cells: list[list[Any]] | None = None  # proofread of a cell range: corrected values
    cell_edits: list[dict[str, Any]] = field(default_factory=list)

    def to_response(self) -> dict[str, Any]:
        findings = [f.to_dict() for f in self.findings]
        if not self.allowed:
            return {
                "request_id": self.request_id,
                "allowed": False,
                "findings": findings,
                "persons": self.persons.to_dict(),
                "error": {"code": "policy_blocked", "message": POLICY_BLOCKED_MESSAGE},
            }
        result: dict[str, Any] = {"text": self.text, "edits": [e.to_dict() for e in self.edits]}
        if self.cells is not None:
            result["cells"] = self.cells
            result["edits"] = self.cell_edits
        return {
            "request_id": self.request_id,
            "allowed": True,
            "result": result,
            "findings": findings,
            "model": self.model,
            "review_required": True,  # common-1 / common-7: a person reviews before use
            "persons": self.persons.to_dict(),
        }


class AssistantService:
    def __init__(self, settings: Settings, store: AuditStore, gateway: Gateway, engine: PolicyEngine) -> None:
        self.settings = settings
        self.store = store
        self.gateway = gateway
        self.engine = engine

    @classmethod
    def from_settings(cls, settings: Settings) -> AssistantService:
        store = AuditStore(settings.database_url)
        store.migrate()
        engine = PolicyEngine(
            profile=settings.profile,
            person_limit=settings.person_limit,
            max_prompt_chars=settings.max_prompt_chars,
            ledger=store.person_ledger(),
            hash_key=store.ledger_key(),
        )
        return cls(settings, store, Gateway(settings), engine)

    # -- check (dry run) -------------------------------------------------------------------
    def check(self, identity: Identity | str, operation: str, *, text: str | None = None,
              cells: Cells | None = None, host: str = "word", instruction: str | None = None,
              series_id: str | None = None) -> OperationResult:
        ident = _identity(identity)
        req = self._request(ident, operation, text, cells, host, instruction, series_id)
        decision = self.engine.check_input(req, commit=False)
        result = OperationResult(request_id=str(uuid.uuid4()), operation=operation, allowed=decision.allowed,
                                 findings=list(decision.findings), persons=decision.persons)
        self._record(ident, req, result, outcome="checked" if decision.allowed else "blocked",
                     operation=f"check:{operation}")
        return result

    # -- run -------------------------------------------------------------------------------
    def run(self, identity: Identity | str, operation: str, *, text: str | None = None,
            cells: Cells | None = None, host: str = "word", instruction: str | None = None,
            series_id: str | None = None) -> OperationResult:
        """Summarize or proofread. Returns a blocked result (allowed=False) or raises ApiError."""
        ident = _identity(identity)
        req = self._request(ident, operation, text, cells, host, instruction, series_id)
        started = time.monotonic()
        result = self._admit(ident, req)
        if not result.allowed:
            return result
        try:
            answer = self._call_model(req)
        except ApiError as exc:
            self._record(ident, req, result, outcome="failed", error_code=exc.code, started=started)
            raise
        except Exception:
            self._record(ident, req, result, outcome="failed", error_code="internal_error", started=started)
            raise
        return self._finish(ident, req, result, answer, started)

    def stream(self, identity: Identity | str, *, text: str | None = None, cells: Cells | None = None,
               host: str = "word", instruction: str | None = None,
               series_id: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Streaming summarize: ("delta", {text}) events, then ("result", payload) or ("error", payload)."""
        ident = _identity(identity)
        req = self._request(ident, "summarize", text, cells, host, instruction, series_id)
        started = time.monotonic()
        result = self._admit(ident, req)
        if not result.allowed:
            yield "error", result.to_response()
            return
        recorded = False
        try:
            answer: ModelAnswer | None = None
            for item in self.gateway.stream_summarize(req.text, req.cells, req.instruction):
                if isinstance(item, ModelAnswer):
                    answer = item
                else:
                    yield "delta", {"text": item}
            if answer is None:  # a gateway stream always ends with its answer; never trust that blindly
                raise ModelError()
            recorded = True
            final = self._finish(ident, req, result, answer, started)
            yield "result", final.to_response()
        except ApiError as exc:
            if not recorded:
                recorded = True
                self._record(ident, req, result, outcome="failed", error_code=exc.code, started=started)
            yield "error", exc.body()
        finally:
            if not recorded:  # the person cancelled or the connection dropped mid-stream
                self._record(ident, req, result, outcome="failed", error_code="cancelled", started=started)

    # -- steps -----------------------------------------------------------------------------
    def _request(self, ident: Identity, operation: str, text: str | None, cells: Cells | None, host: str,
                 instruction: str | None, series_id: str | None) -> PolicyRequest:
        return PolicyRequest(user=ident.user_id, operation=operation, host=host,  # type: ignore[arg-type]
                             text=text, cells=cells, instruction=instruction, series_id=series_id)

    def _admit(self, ident: Identity, req: PolicyRequest) -> OperationResult:
        if self.settings.profile == "cloud" and not self.store.ping():
            raise AuditUnavailable()  # cloud-4: nothing is generated that could not be logged
        decision = self.engine.check_input(req, commit=True)
        result = OperationResult(request_id=str(uuid.uuid4()), operation=req.operation,
                                 allowed=decision.allowed, findings=list(decision.findings),
                                 persons=decision.persons)
        if not decision.allowed:
            self._record(ident, req, result, outcome="blocked")
        return result

    def _call_model(self, req: PolicyRequest) -> ModelAnswer:
        if req.operation == "summarize":
            return self.gateway.summarize(req.text, req.cells, req.instruction)
        if req.cells is not None and not req.text:
            return self._proofread_cells(req.cells, req.instruction)
        return self.gateway.proofread(req.text or "", req.instruction)

    def _proofread_cells(self, cells: Cells, instruction: str | None) -> ModelAnswer:
        """One model call for all text cells (one per line); edits are mapped back per cell."""
        places = [(r, c, v) for r, row in enumerate(cells) for c, v in enumerate(row)
                  if isinstance(v, str) and v.strip() and "\n" not in v]
        joined = "\n".join(v for _, _, v in places)
        answer = self.gateway.proofread(joined, instruction)
        corrected: list[list[Any]] = [[None for _ in row] for row in cells]
        cell_edits: list[dict[str, Any]] = []
        offset = 0
        for r, c, value in places:
            end = offset + len(value)
            mine = [e for e in answer.edits if offset <= e.start and e.end <= end]
            local = [Edit(e.start - offset, e.end - offset, e.original, e.replacement, e.reason) for e in mine]
            if local:
                corrected[r][c] = apply_edits(value, local)
                cell_edits.extend({"row": r, "col": c, **e.to_dict()} for e in local)
            offset = end + 1
        answer.cells = corrected
        answer.cell_edits = cell_edits
        answer.text = "\n".join("\t".join("" if v is None else str(v) for v in row) for row in corrected)
        answer.edits = []
        return answer

    def _finish(self, ident: Identity, req: PolicyRequest, result: OperationResult, answer: ModelAnswer,
                started: float) -> OperationResult:
        result.text = answer.text
        result.edits = answer.edits
        result.model = answer.model
        result.cells = answer.cells
        result.cell_edits = answer.cell_edits
        result.findings.extend(self.engine.check_output(req, answer.text))
        result.findings.extend(answer.warnings)  # the gateway's own findings (a summary's form, common-7)
        self._record(ident, req, result, outcome="allowed", started=started, answer=answer)
        return result

    def _record(self, ident: Identity, req: PolicyRequest, result: OperationResult, *, outcome: str,
                error_code: str | None = None, started: float | None = None, answer: ModelAnswer | None = None,
                operation: str | None = None) -> None:
        redact = self.engine.redact
        text = redact(req.text) if req.text is not None else None
        cells = self.engine.redact_cells(req.cells)
        masked = (text != req.text) or (cells != (None if req.cells is None else [list(r) for r in req.cells]))
        findings = [f.to_dict() for f in result.findings]
        self.store.record(AuditRecord(
            request_id=result.request_id,
            user_id=ident.user_id,
            user_display=ident.display,
            client_addr=ident.client_addr,
            host=req.host,
            operation=operation or req.operation,
            profile=self.settings.profile,
            series_id=req.series_id,
            request_text=text,
            request_cells=json.dumps(cells, ensure_ascii=False) if cells is not None else None,
            instruction=redact(req.instruction) if req.instruction else None,
            response_text=redact(result.text) if result.text else None,
            findings=json.dumps(findings, ensure_ascii=False),
            rules=",".join(sorted({f.rule for f in result.findings})),
            model=answer.model if answer else None,
            prompt_tokens=answer.prompt_tokens if answer else None,
            completion_tokens=answer.completion_tokens if answer else None,
            latency_ms=int((time.monotonic() - started) * 1000) if started is not None else None,
            outcome=outcome,
            error_code=error_code,
            masked=bool(masked or (result.findings and any(f.rule in ("oasis-1", "rag-1") for f in result.findings))),
        ))


def _identity(identity: Identity | str) -> Identity:
    return identity if isinstance(identity, Identity) else Identity(user_id=identity)
