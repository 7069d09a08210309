"""Round trip over every real-world file in ../shared/corpus: nothing lost, nothing crashes."""

from __future__ import annotations

import io
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import docx
import pytest

from docx_tools import disclosure, tagger
from docx_tools.package import Package, PackageError
from tests.docx_tools import helpers as h

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def _allowed_changes(before: Package, after: Package, suffix: str) -> set[str]:
    main = before.main_part_name() or ""
    allowed = {main, before.rels_name(main), "[Content_Types].xml"}
    for name in after.parts:
        low = name.lower()
        if suffix == ".xlsx" and (low.startswith("xl/comments") or low.endswith(".vml")
                                  or low.startswith("xl/worksheets/")):
            allowed.add(name)
        if suffix == ".docx" and low.endswith("comments.xml"):
            allowed.add(name)
    return allowed


def _xlsx_comments(data: bytes) -> int:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data))
    return sum(1 for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment is not None)


def _one(path_str: str) -> tuple[str, str, str]:
    """(path, outcome, detail); outcome ok | error (clear per-file error) | fail."""
    path = Path(path_str)
    on_disk = path.read_bytes()
    outcome = _check(path_str)
    if path.read_bytes() != on_disk:
        return path_str, "fail", "source file changed"
    return outcome


def _check(path_str: str) -> tuple[str, str, str]:
    path = Path(path_str)
    suffix = path.suffix.lower()
    try:
        try:
            _original, data, expected = h.add_corpus_provenance(path)
        except PackageError as exc:
            return path_str, "error", exc.message
        try:
            new, results = tagger.process_bytes(data, suffix)
        except PackageError as exc:
            return path_str, "error", exc.message
        status = {r.id: r for r in results}
        if status.get("corpus-missing") is None or status["corpus-missing"].status != disclosure.MISSING:
            return path_str, "fail", f"missing insertion misread: {status}"
        for ins_id in expected:
            r = status.get(ins_id)
            if r is None or r.status not in (disclosure.UNMODIFIED, disclosure.PENDING):
                return path_str, "fail", f"{ins_id}: {r}"
            if r.status == disclosure.UNMODIFIED and not r.tagged:
                return path_str, "fail", f"{ins_id} not tagged"
        if new is None:
            return path_str, "ok", "unchanged"
        before, after = Package.from_bytes(data), Package.from_bytes(new)
        problems = h.check_lossless(data, new, _allowed_changes(before, after, suffix))
        if problems:
            return path_str, "fail", f"lost or changed: {problems[:5]}"
        again, _ = tagger.process_bytes(new, suffix)
        if again is not None:
            return path_str, "fail", "second run changed the file"
        if suffix == ".docx":
            try:
                reference = docx.Document(io.BytesIO(data))
            except Exception:
                return path_str, "ok", "python-docx cannot read the original"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tagged_doc = docx.Document(io.BytesIO(new))
            added = sum(1 for r in results if r.added)
            if len(tagged_doc.comments) != len(reference.comments) + added:
                return path_str, "fail", "comment count"
        if suffix == ".xlsx":
            try:
                reference_comments = _xlsx_comments(data)
            except Exception:
                return path_str, "ok", "openpyxl cannot read the original"
            added = sum(1 for r in results if r.added)
            if _xlsx_comments(new) != reference_comments + added:
                return path_str, "fail", "cell comment count"
        return path_str, "ok", "tagged"
    except Exception:
        return path_str, "fail", traceback.format_exc(limit=6)


def test_corpus_round_trip(shared_dir: Path) -> None:
    corpus = shared_dir / "corpus"
    files = sorted(str(p) for p in corpus.rglob("*") if p.suffix.lower() in (".docx", ".xlsx"))
    assert len(files) > 100
    with ProcessPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(_one, files, chunksize=8))
    failures = [o for o in outcomes if o[1] == "fail"]
    assert not failures, "\n".join(f"{p}: {d}" for p, _o, d in failures[:10])
    errors = [o for o in outcomes if o[1] == "error"]
    # A per-file error is acceptable only for the odd package, and it must be in Japanese.
    assert len(errors) <= len(files) // 50, errors
    for _p, _o, message in errors:
        assert any("\u3040" <= ch <= "\u30ff" for ch in message)
    tagged = sum(1 for o in outcomes if o[2] == "tagged")
    assert tagged > len(files) // 2  # the tagger really tagged most of them
    xlsx_tagged = sum(1 for o in outcomes if o[2] == "tagged" and o[0].endswith(".xlsx"))
    assert xlsx_tagged >= 10
