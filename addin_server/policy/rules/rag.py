"""RAG環境の個別ルール (rag-*)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from addin_server.policy.rules.base import (
    InputContext,
    InputRule,
    RuleOutcome,
    individual_numbers,
    kinds_text,
    person_scan,
    spans_of,
)
from addin_server.policy.rules.oasis import individual_number_findings
from addin_server.policy.types import Finding, PersonsSummary, PolicyRequest, Span


class RagIndividualNumberRule(InputRule):
    """rag-1 — 特定個人情報（マイナンバーをその内容に含む個人情報）の入力を禁止する。"""

    id = "rag-1"
    profiles: ClassVar[frozenset[str]] = frozenset({"rag"})

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        hits = individual_numbers(ctx)
        if not hits:
            return
        yield from individual_number_findings(self.id, "RAG環境", hits,
                                              ctx.cache.get("individual_number_count", len(hits)))


class NonPublicInformationRule(InputRule):
    """rag-2 — 保有個人情報など大阪市情報公開条例上の非公開情報の入力を禁止する。

    「RAG環境は外部環境を利用することから、非公開情報の入力を禁止しています。」
    Under the rag profile personal information of even one person blocks.
    """

    id = "rag-2"
    profiles: ClassVar[frozenset[str]] = frozenset({"rag"})

    def evaluate(self, req: PolicyRequest, ctx: InputContext) -> RuleOutcome:
        scan = person_scan(ctx)
        persons = PersonsSummary(request=scan.count, series_total=scan.count, limit=ctx.person_limit)
        return RuleOutcome(findings=tuple(self.check(req, ctx)), persons=persons)

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        scan = person_scan(ctx)
        if scan.count == 0 and not scan.items:
            return
        spans = spans_of(
            Span(i.start, i.end, row=i.row, col=i.col) if i.row is not None else Span(i.start, i.end)
            for i in scan.items
            if i.start is not None or i.row is not None
        )
        yield Finding(
            rule=self.id,
            severity="block",
            message=(
                f"個人情報（{kinds_text(scan.kinds)}）が含まれています。RAG環境では、保有個人情報など"
                "大阪市情報公開条例上の非公開情報は1人分でも入力できません。"
                "該当部分を削除するか、個人情報を扱える環境（AIアシスタント（Oasis））を使ってください。"
            ),
            spans=spans,
            data={"people": scan.count, "kinds": dict(scan.kinds)},
        )
