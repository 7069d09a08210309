"""axe-core in the page: WCAG 2.1 A/AA checks for any Playwright page (the task pane, the
pre-publication view, the admin console).

axe-core is vendored (fixtures/axe.min.js, MPL-2.0, licence in fixtures/axe-core.LICENSE) and is
evaluated through the DevTools protocol, so the page's Content-Security-Policy stays in force and
nothing is fetched at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).parent / "fixtures" / "axe.min.js"
WCAG21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN = """async ({tags, include}) => {
  const context = include ? {include: [include]} : document;
  const result = await axe.run(context, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")} :: ${n.failureSummary}`),
  }));
}"""


def axe_violations(page: Any, include: str | None = None, tags: tuple[str, ...] = WCAG21_AA) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe finds in the page as it is now (optionally one part)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    version = page.evaluate("window.axe.version")
    assert version.startswith("4."), version
    return list(page.evaluate(_RUN, {"tags": list(tags), "include": include}))


def assert_accessible(page: Any, state: str, include: str | None = None) -> None:
    """Fail with a readable list when axe finds any WCAG 2.1 A/AA violation."""
    violations = axe_violations(page, include)
    lines = [f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations]
    assert not violations, f"axe violations in state {state!r}:\n" + "\n".join(lines)
