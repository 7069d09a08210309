"""``oasis-addin annotate``: put AI output into a .docx as tracked changes with provenance.

For staff who work on files rather than in Word. This module only knows documents: it is handed
a ``call(operation, text) -> Answer`` function and never imports the server. The command's front
end (``addin_server.annotate_cli``) supplies a call that goes through the same service as the
add-in (policy checks, model gateway, audit record). A summary is inserted after the chosen
paragraphs as a tracked insertion inside a content control tagged ``oasis:<request id>``; each
proofreading edit becomes its own ``w:del`` + ``w:ins`` inside the paragraphs, which are wrapped
in such a control. The provenance part records what was inserted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from docx_tools import oxml, provenance, revisions
from docx_tools.disclosure import AUTHOR, CONTROL_TITLE, TAG_PREFIX
from docx_tools.oxml import qn
from docx_tools.package import Package, PackageError


@dataclass(frozen=True)
class TextEdit:
    """One proofreading edit: code-point offsets into the text that was sent."""

    start: int
    end: int
    original: str
    replacement: str


@dataclass
class Answer:
    """What the model side returned for one request, as plain data."""

    request_id: str
    model: str
    text: str
    edits: Sequence[TextEdit] = ()
    findings: Sequence[object] = field(default_factory=list)


# call(operation, text) -> Answer; raises whatever the caller's side raises (e.g. a policy refusal).
Call = Callable[[str, str], Answer]


def parse_selection(spec: str | None, count: int) -> list[int]:
    """"1-3,5" -> [0, 1, 2, 4] (0-based), validated against the paragraph count."""
    if not spec:
        return list(range(count))
    out: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise ValueError(f"段落の指定が読めません: {part!r}（例: 1-3,5）")
        a, b = int(lo), int(hi or lo)
        if a < 1 or b < a or b > count:
            raise ValueError(f"段落番号 {part} は範囲外です（この文書の段落は 1〜{count}）。")
        out.update(range(a - 1, b))
    return sorted(out)


@dataclass
class Outcome:
    request_id: str
    operation: str
    model: str
    changes: int
    findings: list[object]


def _groups(paras: list[etree._Element], chosen: list[int]) -> list[list[etree._Element]]:
    """Chosen paragraphs split into runs of consecutive siblings (each becomes one control)."""
    groups: list[list[etree._Element]] = []
    for i in chosen:
        p = paras[i]
        if groups and groups[-1][-1].getnext() is p:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def _text_of(group: list[etree._Element]) -> str:
    return "\n".join(revisions.block_text(p) for p in group)


def body_paragraph_count(pkg: Package) -> int:
    """How many paragraphs ``--paragraphs`` can choose from."""
    main = pkg.main_part_name() or ""
    body = pkg.xml(main).find(qn("w:body"))
    if body is None:
        raise PackageError("missing_part", "本文（w:body）がありません。Word 文書（.docx）を指定してください。")
    return len(revisions.paragraphs_in(body))


def annotate_package(pkg: Package, call: Call, operation: str, chosen: list[int] | None = None) -> list[Outcome]:
    """Run the operation over the chosen paragraphs and write the results into ``pkg``.

    Whatever ``call`` raises (a policy refusal, a model error) propagates before ``pkg`` is changed
    for that request.
    """
    main = pkg.main_part_name()
    if main is None:
        raise PackageError("missing_part", "本文の部品が見つかりません。")
    root = pkg.xml(main)
    body = root.find(qn("w:body"))
    if body is None:
        raise PackageError("missing_part", "本文（w:body）がありません。")
    paras = revisions.paragraphs_in(body)
    chosen = list(range(len(paras))) if chosen is None else chosen
    chosen = [i for i in chosen if revisions.block_text(paras[i]).strip()]
    if not chosen:
        raise ValueError("対象の段落に文字がありません。")
    writer = revisions.RevisionWriter(root, AUTHOR)
    outcomes: list[Outcome] = []
    records: list[provenance.Insertion] = []
    if operation == "summarize":
        selected = [paras[i] for i in chosen]
        text = "\n".join(revisions.block_text(p) for p in selected)
        res = call("summarize", text)
        lines = res.text.split("\n")
        sdt = writer.insert_paragraphs_after(_block_of(selected[-1]), lines, TAG_PREFIX + res.request_id,
                                             CONTROL_TITLE)
        inserted = revisions.range_text(sdt, "accepted")
        records.append(provenance.make_insertion(res.request_id, "summarize", res.model or "", inserted))
        outcomes.append(Outcome(res.request_id, "summarize", res.model or "", len(lines), list(res.findings)))
    else:
        for group in _groups(paras, chosen):
            text = _text_of(group)
            res = call("proofread", text)
            applied = _apply_edits(writer, group, res.edits)
            if applied:
                # Per-edit provenance (contract 3): each replacement is its own control
                # `oasis:<id>#<n>`, numbered in text order; the person's text stays unmarked.
                for n, (_start, _e, ins_el) in enumerate(sorted(applied, key=lambda a: a[0]), start=1):
                    if ins_el is not None:
                        revisions.wrap_in_sdt([ins_el], f"{TAG_PREFIX}{res.request_id}#{n}", CONTROL_TITLE,
                                              writer.next_sdt_id())
                records.append(provenance.make_insertion(
                    res.request_id, "proofread", res.model or "", "",
                    edits=[e.replacement for _s, e, _i in sorted(applied, key=lambda a: a[0])]))
            outcomes.append(Outcome(res.request_id, "proofread", res.model or "", len(applied), list(res.findings)))
    pkg.mark_changed(main)
    if records:
        provenance.add_provenance(pkg, records)
    return outcomes


def _block_of(p: etree._Element) -> etree._Element:
    """The paragraph itself, or the outermost control around it inside the same container."""
    node = p
    while (up := node.getparent()) is not None and up.tag == qn("w:sdtContent"):
        node = oxml.parent(up)
    return node


def _apply_edits(writer: revisions.RevisionWriter, group: list[etree._Element],
                 edits: Sequence[TextEdit]) -> list[tuple[int, TextEdit, etree._Element | None]]:
    """Apply edits (offsets into the group's text joined by \\n) as w:del + w:ins, last first;
    returns (start, edit, its w:ins or None for a deletion) per applied edit."""
    starts, pos = [], 0
    for p in group:
        starts.append(pos)
        pos += len(revisions.block_text(p)) + 1
    applied: list[tuple[int, TextEdit, etree._Element | None]] = []
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        k = max(i for i, s in enumerate(starts) if s <= e.start)
        p = group[k]
        start, end = e.start - starts[k], e.end - starts[k]
        current = revisions.block_text(p)
        if end > len(current) or current[start:end] != e.original:
            continue  # an edit across paragraphs or one that no longer matches is not applied
        if "\n" in e.replacement:
            continue  # a replacement that would break the paragraph is left to the person
        try:
            _del, ins_el = writer.replace_range(p, start, end, e.replacement)
        except ValueError:
            continue
        applied.append((e.start, e, ins_el))
    return applied
