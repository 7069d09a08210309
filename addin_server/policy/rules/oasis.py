"""AIアシスタント（Oasis）の個別ルール (oasis-*)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import ClassVar

from addin_server.policy.detectors import personal
from addin_server.policy.rules.base import (
    InputContext,
    InputRule,
    LedgerRule,
    NumberHit,
    RuleOutcome,
    individual_numbers,
    kinds_text,
    person_key,
    person_scan,
    series_key,
    spans_of,
)
from addin_server.policy.types import Finding, LedgerResult, PersonsSummary, PolicyRequest

WARN_RATIO = 0.8


class PromptLengthRule(InputRule):
    """oasis-length — 「なお、指示・質問に利用できる文字数には上限があります。」

    The configured MAX_PROMPT_CHARS applies to what the person sends (text, cells, instruction).
    """

    id = "oasis-length"

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        n = req.prompt_chars()
        if n > ctx.max_prompt_chars:
            yield Finding(
                rule=self.id,
                severity="block",
                message=(
                    f"入力が長すぎます（{n:,}文字）。一度に送れるのは{ctx.max_prompt_chars:,}文字までです。"
                    "範囲を分けて実行してください。"
                ),
                data={"chars": n, "limit": ctx.max_prompt_chars},
            )


class IndividualNumberRule(InputRule):
    """oasis-1 — 特定個人情報（マイナンバーをその内容に含む個人情報）の入力を禁止する。

    「特定個人情報（マイナンバー含む）に関しては、総務省が定めるセキュリティ対策要件で、外部ネット
    ワークと完全に切り離されたネットワーク内での利用が求められているため、利用を禁止しています。」
    A 12-digit number with a valid check digit blocks on its own; a nearby keyword only raises
    the confidence reported.
    """

    id = "oasis-1"
    profiles: ClassVar[frozenset[str]] = frozenset({"oasis"})
    environment = "AIアシスタント（Oasis）"

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        hits = individual_numbers(ctx)
        if not hits:
            return
        yield from individual_number_findings(self.id, self.environment, hits,
                                              ctx.cache.get("individual_number_count", len(hits)))


_FIELDS = {"text": "本文", "instruction": "指示文", "series_id": "系列ID", "cells": "表"}


def individual_number_findings(rule_id: str, environment: str, hits: list[NumberHit],
                               count: int | None = None) -> Iterator[Finding]:
    """A block for the certain numbers; a warning for numbers whose context says they are
    something else (a date-time, an amount, a receipt number, a code)."""
    certain = [h for h in hits if h.certain]
    unsure = [h for h in hits if not h.certain]
    if certain:
        yield individual_number_finding(rule_id, environment, certain,
                                        count - len(unsure) if count is not None and not unsure else None)
    if unsure:
        masked = list(dict.fromkeys(h.masked for h in unsure))
        shown = "、".join(masked[:3]) + ("ほか" if len(masked) > 3 else "")
        reasons = "・".join(dict.fromkeys(h.reason for h in unsure if h.reason))
        yield Finding(
            rule=rule_id,
            severity="warn",
            message=(
                f"{_where(unsure)}に個人番号（マイナンバー）の形式に合う12桁の番号が{len(unsure)}件あります（{shown}）。"
                f"前後の内容から{reasons or '別の番号'}と判断しましたが、個人番号でないことを確認してください。"
                f"個人番号であれば、{environment}では入力できないため削除してください。"
            ),
            spans=spans_of(h.span for h in unsure if h.field in ("text", "cells")),
            data={"masked": masked[:50], "count": len(unsure), "confidence": "low",
                  "fields": sorted({h.field for h in unsure})},
        )


def _where(hits: list[NumberHit]) -> str:
    return "・".join(dict.fromkeys(_FIELDS[h.field] for h in hits))


def individual_number_finding(rule_id: str, environment: str, hits: list[NumberHit],
                              count: int | None = None) -> Finding:
    masked = list(dict.fromkeys(h.masked for h in hits))
    shown = "、".join(masked[:3]) + ("ほか" if len(masked) > 3 else "")
    n = max(count or 0, len(hits))
    return Finding(
        rule=rule_id,
        severity="block",
        message=(
            f"{_where(hits)}に個人番号（マイナンバー）と思われる12桁の番号が{n}件あります（{shown}）。"
            f"{environment}では特定個人情報（マイナンバーを含む個人情報）は入力できません。"
            "該当する番号を削除してから実行してください。"
        ),
        spans=spans_of(h.span for h in hits if h.field in ("text", "cells")),
        data={
            "masked": masked[:50],
            "count": n,
            "confidence": "high" if any(h.near_keyword for h in hits) else "medium",
            "fields": sorted({h.field for h in hits}),
        },
    )


class PersonLimitRule(LedgerRule):
    """oasis-2 — 保有個人情報を入力する場合の本人の数は1,000人未満とする。

    「一連の処理（同じ処理を複数回に分けて連続して実施する場合には合算されます）で一定数以上（本人の
    数が1,000人以上）の個人情報の入力は禁止しています。」
    People are counted per user and series (series_id, else the calendar day in Japan); the
    ledger stores keyed hashes so the same person counts once and split runs add up.
    """

    id = "oasis-2"
    profiles: ClassVar[frozenset[str]] = frozenset({"oasis"})

    def evaluate(self, req: PolicyRequest, ctx: InputContext, *, commit: bool) -> RuleOutcome:
        scan = person_scan(ctx)
        limit = ctx.person_limit
        keys = {person_key(ctx.hash_key, k) for k in scan.keys}
        series = series_key(req)
        if ctx.ledger is not None:
            res = ctx.ledger.add(req.user, series, keys, limit, commit=commit)
        else:
            res = LedgerResult(before=0, new=len(keys), recorded=False)
        total = res.total
        persons = PersonsSummary(request=len(keys), series_total=total, limit=limit)
        return RuleOutcome(findings=tuple(self._findings(req, scan, keys, series, res, limit)), persons=persons)

    def _findings(self, req: PolicyRequest, scan: personal.PersonScan, keys: set[str], series: str,
                  res: LedgerResult, limit: int) -> Iterator[Finding]:
        total = res.total
        label = f"系列「{req.series_id}」" if req.series_id else f"本日（{series[4:]}）の処理"
        at_least = "以上" if scan.truncated else ""
        data = {"request": len(keys), "before": res.before, "series_total": total, "limit": limit,
                "series": label, "truncated": scan.truncated}
        if total >= limit:
            yield Finding(
                rule=self.id,
                severity="block",
                message=(
                    f"この依頼には{len(keys):,}人{at_least}分の個人情報（{kinds_text(scan.kinds)}）が含まれ、"
                    f"一連の処理（{label}）でこれまでの{res.before:,}人と合わせて{total:,}人{at_least}になります。"
                    f"個人情報を入力できるのは一連の処理で{limit:,}人未満までです（分けて実行した分も合算されます）。"
                    "対象者を減らすか、個人情報を削除してから実行してください。"
                ),
                data=data,
            )
        elif keys and total >= math.ceil(limit * WARN_RATIO):
            yield Finding(
                rule=self.id,
                severity="warn",
                message=(
                    f"一連の処理（{label}）で個人情報を入力した人数が{total:,}人になります"
                    f"（上限は{limit:,}人未満、この依頼で{res.new:,}人増加）。上限に近づいています。"
                    "対象者の数を確認してください。"
                ),
                data=data,
            )
