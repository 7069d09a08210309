"""The request path without HTTP: check the rules, record, call the model, record, answer.

Flask calls this; so do the command-line tools (annotate). Record first, in two phases (issue 10):

1. Before the model is called, one transaction counts the request's people in the ledger
   (oasis-2) and appends its record (outcome `pending`, or `blocked`): people are counted
   exactly when a record exists, and no prompt reaches the model unrecorded.
2. After the model answers, the answer (or the failure) is appended as the request's second
   record, chained like every other, before any byte of it is sent. If that fails, the person
   gets an honest error and never the answer; the pending record stays and shows as
   `interrupted`.

Every stored free-text field goes through the one Individual Number mask
(`individual_number.redact`), whatever the profile. All database work of one request shares
one time budget (DB_DEADLINE).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from addin_server.audit import AuditRecord, AuditStore
from addin_server.audit.store import PENDING, Budget, retry_once
from addin_server.auth.identity import Identity
from addin_server.config import ConfigError, Settings
from addin_server.errors import AnswerNotRecorded, ApiError, AuditUnavailable, ModelError, PolicyBlocked
from addin_server.llm import Edit, Gateway, ModelAnswer, apply_edits
from addin_server.policy import Finding, PersonsSummary, PolicyEngine, PolicyRequest
from addin_server.policy.detectors import individual_number
from addin_server.policy.types import PolicyOptions

log = logging.getLogger(__name__)

Cells = Sequence[Sequence[Any]]


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
    notes: list[dict[str, Any]] = field(default_factory=list)  # proofread: result.notes (issue 13)

    def to_response(self) -> dict[str, Any]:
        findings = [f.to_dict() for f in self.findings]
        if not self.allowed:
            return {
                "request_id": self.request_id,
                "allowed": False,
                "findings": findings,
                "persons": self.persons.to_dict(),
                "error": PolicyBlocked().body()["error"],  # errors.py is the one vocabulary
            }
        result: dict[str, Any] = {"text": self.text, "edits": [e.to_dict() for e in self.edits]}
        if self.cells is not None:
            result["cells"] = self.cells
            result["edits"] = self.cell_edits
        if self.operation == "proofread":
            result["notes"] = self.notes
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
        if not settings.audit_keys or settings.ledger_key is None:
            raise ConfigError("AUDIT_KEY and LEDGER_KEY (or their _FILE forms) are required")
        store = AuditStore(settings.database_url, settings.audit_keys,
                           connect_timeout=settings.db_connect_timeout, idle_tx_timeout=settings.db_idle_tx_timeout)
        # A pending record older than the longest a request can take has lost its answer.
        store.pending_grace = settings.pending_grace
        store.migrate()
        engine = PolicyEngine(
            profile=settings.profile,
            person_limit=settings.person_limit,
            max_prompt_chars=settings.max_prompt_chars,
            ledger=store.person_ledger(),
            hash_key=settings.ledger_key,
            options=PolicyOptions(service_accounts=settings.service_accounts),
        )
        return cls(settings, store, Gateway(settings), engine)

    def budget(self) -> Budget:
        return Budget(self.settings.db_deadline)

    # -- check (dry run) -------------------------------------------------------------------
    def check(self, identity: Identity | str, operation: str, *, text: str | None = None,
              cells: Cells | None = None, host: str = "word", instruction: str | None = None,
              series_id: str | None = None) -> OperationResult:
        ident = _identity(identity)
        req = self._request(ident, operation, text, cells, host, instruction, series_id)
        with self.store.budget(self.budget()):
            decision = self.engine.check_input(req, commit=False)
            result = OperationResult(request_id=str(uuid.uuid4()), operation=operation, allowed=decision.allowed,
                                     findings=list(decision.findings), persons=decision.persons)
            self.store.record(self._record(ident, req, result, outcome="checked" if decision.allowed else "blocked",
                                           operation=f"check:{operation}"))
        return result

    # -- run -------------------------------------------------------------------------------
    def run(self, identity: Identity | str, operation: str, *, text: str | None = None,
            cells: Cells | None = None, host: str = "word", instruction: str | None = None,
            series_id: str | None = None) -> OperationResult:
        """Summarize or proofread. Returns a blocked result (allowed=False) or raises ApiError."""
        ident = _identity(identity)
        req = self._request(ident, operation, text, cells, host, instruction, series_id)
        started = time.monotonic()
        budget = self.budget()
        with self.store.budget(budget):
            result = self._admit(ident, req)
        if not result.allowed:
            return result
        try:
            answer = self._call_model(req)
        except ApiError as exc:
            self._fail(ident, req, result, budget, exc.code, started)
            raise
        except Exception:
            self._fail(ident, req, result, budget, "internal_error", started)
            raise
        with self.store.budget(budget):
            return self._finish(ident, req, result, answer, started)

    def stream(self, identity: Identity | str, *, text: str | None = None, cells: Cells | None = None,
               host: str = "word", instruction: str | None = None,
               series_id: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Streaming summarize: ("delta", {text}) events, then ("result", payload) or ("error", payload).

        The prompt's record is written here, before this returns (AuditUnavailable if it cannot
        be: the caller answers 503 and nothing was sent); the events come after it."""
        ident = _identity(identity)
        req = self._request(ident, "summarize", text, cells, host, instruction, series_id)
        started = time.monotonic()
        budget = self.budget()
        with self.store.budget(budget):
            result = self._admit(ident, req)
        if not result.allowed:
            return iter([("error", result.to_response())])
        return self._stream_events(ident, req, result, budget, started)

    def _stream_events(self, ident: Identity, req: PolicyRequest, result: OperationResult, budget: Budget,
                       started: float) -> Iterator[tuple[str, dict[str, Any]]]:
        done = False  # the request's second record was written (or tried)
        try:
            answer: ModelAnswer | None = None
            for item in self.gateway.stream_summarize(req.text, req.cells, req.instruction):
                if isinstance(item, ModelAnswer):
                    answer = item
                else:
                    # The preview is masked like everything else; the pane discards it unless
                    # the final `result` follows.
                    yield "delta", {"text": individual_number.redact(item)}
            if answer is None:  # a gateway stream always ends with its answer; never trust that blindly
                raise ModelError()
            done = True
            with self.store.budget(budget):
                final = self._finish(ident, req, result, answer, started)
            yield "result", final.to_response()
        except ApiError as exc:
            if not done:
                done = True
                self._fail(ident, req, result, budget, exc.code, started)
            yield "error", exc.body()
        except Exception:
            log.exception("stream failed")
            if not done:
                done = True
                self._fail(ident, req, result, budget, "internal_error", started)
            yield "error", ApiError().body()
        finally:
            if not done:  # the person cancelled or the connection dropped mid-stream
                self._fail(ident, req, result, budget, "cancelled", started)

    # -- steps -----------------------------------------------------------------------------
    def _request(self, ident: Identity, operation: str, text: str | None, cells: Cells | None, host: str,
                 instruction: str | None, series_id: str | None) -> PolicyRequest:
        return PolicyRequest(user=ident.user_id, operation=operation, host=host,  # type: ignore[arg-type]
                             text=text, cells=cells, instruction=instruction, series_id=series_id)

    def _admit(self, ident: Identity, req: PolicyRequest) -> OperationResult:
        """Phase 1: in one transaction, count the request's people and append its record.

        Raises AuditUnavailable (nothing sent, nobody counted) if that transaction fails."""
        ledger = self.engine.ledger
        bind = getattr(ledger, "bound", None)

        def transaction() -> OperationResult:
            with self.store.writer() as conn:
                if bind is not None:
                    with bind(conn):
                        decision = self.engine.check_input(req, commit=True)
                        ledger.raise_error()  # type: ignore[union-attr]
                else:
                    decision = self.engine.check_input(req, commit=True)
                result = OperationResult(request_id=str(uuid.uuid4()), operation=req.operation,
                                         allowed=decision.allowed, findings=list(decision.findings),
                                         persons=decision.persons)
                self.store.append(conn, self._record(ident, req, result,
                                                     outcome=PENDING if decision.allowed else "blocked"))
            return result

        try:
            # A connection lost mid-transaction was rolled back (nothing counted, nothing
            # recorded), so the whole step may run once more on a fresh connection.
            return retry_once(transaction)
        except AuditUnavailable:
            raise
        except Exception as exc:
            log.error("request could not be recorded before the model call: %s", type(exc).__name__)
            raise AuditUnavailable() from exc

    def _fail(self, ident: Identity, req: PolicyRequest, result: OperationResult, budget: Budget, code: str,
              started: float) -> None:
        """Phase 2 for a request that got no answer: record the failure if the store lets us;
        if not, the pending record shows as interrupted, which is the truth too."""
        try:
            with self.store.budget(budget):
                self.store.record(self._record(ident, req, result, outcome="failed", error_code=code,
                                               started=started))
        except ApiError:
            log.error("failure of request %s could not be recorded; it stays pending", result.request_id)

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
        cell_notes: list[dict[str, Any]] = []
        offset = 0
        for r, c, value in places:
            end = offset + len(value)
            mine = [e for e in answer.edits if offset <= e.start and e.end <= end]
            local = [e.shifted(-offset) for e in mine]
            if local:
                corrected[r][c] = apply_edits(value, local)
                cell_edits.extend({"row": r, "col": c, **e.to_dict()} for e in local)
            cell_notes.extend({"row": r, "col": c, **n.shifted(-offset).to_dict()}
                              for n in answer.notes if offset <= n.start and n.end <= end)
            offset = end + 1
        answer.cells = corrected
        answer.cell_edits = cell_edits
        answer.cell_notes = cell_notes
        answer.text = "\n".join("\t".join("" if v is None else str(v) for v in row) for row in corrected)
        answer.edits = []
        return answer

    def _finish(self, ident: Identity, req: PolicyRequest, result: OperationResult, answer: ModelAnswer,
                started: float) -> OperationResult:
        """Phase 2: check the answer, record it, and only then hand it back (masked)."""
        result.findings.extend(self.engine.check_output(req, answer.text, answer.computed))
        result.text = individual_number.redact(answer.text)
        result.edits = [dataclasses.replace(e, replacement=individual_number.redact(e.replacement))
                        for e in answer.edits]
        result.model = answer.model
        result.cells = (None if answer.cells is None
                        else [[individual_number.redact_cell(v) for v in row] for row in answer.cells])
        result.cell_edits = [{**e, "replacement": individual_number.redact(str(e.get("replacement", "")))}
                             for e in answer.cell_edits]
        result.findings.extend(answer.warnings)  # the gateway's own findings (a summary's form, common-7)
        result.notes = answer.cell_notes if answer.cells is not None else [n.to_dict() for n in answer.notes]
        try:
            self.store.record(self._record(ident, req, result, outcome="allowed", started=started, answer=answer))
        except AuditUnavailable as exc:
            raise AnswerNotRecorded() from exc
        return result

    def _record(self, ident: Identity, req: PolicyRequest, result: OperationResult, *, outcome: str,
                error_code: str | None = None, started: float | None = None, answer: ModelAnswer | None = None,
                operation: str | None = None) -> AuditRecord:
        """The record of a request; every free-text field masked through the one detector."""
        text = mask(req.text)
        cells = self.engine.redact_cells(req.cells)
        instruction = mask(req.instruction)
        series_id = mask(req.series_id)
        masked = ((text != req.text) or (instruction != req.instruction) or (series_id != req.series_id)
                  or (cells != (None if req.cells is None else [list(r) for r in req.cells])))
        findings = mask_tree([f.to_dict() for f in result.findings])
        return AuditRecord(
            request_id=result.request_id,
            user_id=ident.user_id,
            user_display=mask(ident.display),
            client_addr=ident.client_addr,
            host=req.host,
            operation=operation or req.operation,
            profile=self.settings.profile,
            series_id=series_id,
            request_text=text,
            request_cells=json.dumps(cells, ensure_ascii=False) if cells is not None else None,
            instruction=instruction or None,
            response_text=mask(result.text) or None,
            findings=json.dumps(findings, ensure_ascii=False),
            rules=",".join(sorted({f.rule for f in result.findings})),
            model=answer.model if answer else None,
            prompt_tokens=answer.prompt_tokens if answer else None,
            completion_tokens=answer.completion_tokens if answer else None,
            latency_ms=int((time.monotonic() - started) * 1000) if started is not None else None,
            outcome=outcome,
            error_code=error_code,
            masked=bool(masked or (result.findings and any(f.rule in ("oasis-1", "rag-1") for f in result.findings))),
        )


def mask(text: str | None) -> str | None:
    """The one masking path for stored free text (Individual Numbers, rule oasis-1)."""
    return individual_number.redact(text) if text else text


def mask_tree(value: Any) -> Any:
    """Every string inside a JSON-like structure masked (findings quote request text)."""
    if isinstance(value, str):
        return individual_number.redact(value)
    if isinstance(value, list | tuple):
        return [mask_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_tree(v) for k, v in value.items()}
    return individual_number.redact_cell(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        and value >= 10**10 else value


def _identity(identity: Identity | str) -> Identity:
    return identity if isinstance(identity, Identity) else Identity(user_id=identity)
