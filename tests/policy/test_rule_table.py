"""Every rule ID in guideline/RULES.md is enforced with a test or documented as guidance."""

from __future__ import annotations

import re
from pathlib import Path

from addin_server.policy.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "policy.md"


def rule_ids(rules_md: str) -> set[str]:
    return set(re.findall(r"^\| (common-\d|oasis-[a-z0-9]+|cloud-\d|rag-\d) \|", rules_md, re.M))


def doc_rows() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text("utf-8").splitlines():
        m = re.match(r"^\| ([a-z]+-[a-z0-9]+) \| (yes|yes \(warn\)|guidance) \|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def test_every_rule_has_a_row(shared_dir: Path) -> None:
    ids = rule_ids((shared_dir / "guideline" / "RULES.md").read_text("utf-8"))
    assert len(ids) == 20
    rows = doc_rows()
    assert ids == set(rows)
    for rid, status in rows.items():
        line = next(x for x in DOC.read_text("utf-8").splitlines() if x.startswith(f"| {rid} |"))
        if status == "guidance":
            assert len(line.split("|")[4].strip()) > 20  # the reason is given
        else:
            refs = re.findall(r"`(tests/[^`]+)`", line.split("|")[5])
            assert refs, f"{rid}: no test named"
            for ref in refs:
                assert_test_exists(ref)


def assert_test_exists(ref: str) -> None:
    """`tests/x/test_y.py` (globs allowed) or `tests/x/test_y.py::test_name` names real tests."""
    path, _, name = ref.partition("::")
    files = sorted(ROOT.glob(path))
    assert files, f"{ref}: no such test file"
    files = [t for f in files for t in (sorted(f.glob("test_*.py")) if f.is_dir() else [f])]
    assert files, f"{ref}: a folder without tests"
    for f in files:
        assert f.name.startswith("test_") and f.suffix == ".py", ref
    if name:
        source = "".join(f.read_text("utf-8") for f in files)
        assert re.search(rf"^(?:async )?def {re.escape(name)}\(", source, re.M), f"{ref}: no such test"


def test_policy_rule_classes_use_known_ids(shared_dir: Path) -> None:
    ids = rule_ids((shared_dir / "guideline" / "RULES.md").read_text("utf-8"))
    assert {cls.id for cls in ALL_RULES} <= ids
