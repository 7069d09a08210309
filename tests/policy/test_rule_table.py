"""Every rule ID in guideline/RULES.md is enforced with a test or documented as guidance."""

from __future__ import annotations

import re
from pathlib import Path

from addin_server.policy.rules import ALL_RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


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
            assert "test" in line.split("|")[5]  # the tests are named


def test_policy_rule_classes_use_known_ids(shared_dir: Path) -> None:
    ids = rule_ids((shared_dir / "guideline" / "RULES.md").read_text("utf-8"))
    assert {cls.id for cls in ALL_RULES} <= ids
