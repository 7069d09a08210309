"""共通ルール (common-*): rules for every profile."""

from __future__ import annotations

import re
from collections.abc import Iterable

from addin_server.policy.detectors import expressions, facts, imitation, verbatim
from addin_server.policy.rules.base import InputContext, InputRule, OutputRule, source_of, spans_of
from addin_server.policy.types import Finding, PolicyRequest, Span

_SERVICE_ACCOUNT = re.compile(r"^(?:anonymous|guest|system|svc[-_.].*|service[-_.].*|app[-_.].*|bot[-_.].*)$", re.I)


class StaffIdentityRule(InputRule):
    """common-1 — 生成AIの利用は、職員による業務目的での利用に限定し、市民や事業者向けの直接的な
    サービスへの利用を禁止する。

    Every request must carry an authenticated staff identity: no anonymous request and no service
    account (names in the SERVICE_ACCOUNTS setting, or svc-/service-/app-/bot- prefixes). That
    every result is review_required and never applied automatically is the server's and the
    add-in's part (see docs/policy.md).
    """

    id = "common-1"

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        user = (req.user or "").strip()
        if not user or _SERVICE_ACCOUNT.match(user) or user.lower() in ctx.options.service_accounts:
            yield Finding(
                rule=self.id,
                severity="block",
                message=(
                    "職員本人の利用者IDを確認できないため実行できません。生成AIは職員が業務のために使うものです。"
                    "ご自身のアカウントでサインインしてから実行してください。"
                ),
            )


class ImitationRequestRule(InputRule):
    """common-4 — 著作権など他者の権利を侵害する内容の生成につながる入力を禁止する。

    「既存の著作物等（作品、キャラクター名等）を想起させるような指示文（プロンプト）を入力することを
    禁止します。」例:「キャッチコピー〇〇に似たフレーズを生成してください」「著作物〇〇を参考に文章を
    生成してください」。The person's free-text instruction is checked.
    """

    id = "common-4"

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        if not req.instruction:
            return
        matches = imitation.find(req.instruction)
        if not matches:
            return
        cues = "、".join(dict.fromkeys(m.cue for m in matches))
        yield Finding(
            rule=self.id,
            severity="block",
            message=(
                f"指示文に既存の作品・キャラクター・人物などに似せたり、もとにしたりする表現があります（{cues}）。"
                "著作権など他者の権利を侵害する内容の生成につながるため実行できません。"
                "作品名・人物名や「〜風に」「〜に似た」などの表現を除いて、指示を書き直してください。"
            ),
            data={"field": "instruction", "instruction_spans": [[m.start, m.end] for m in matches]},
        )


_KIND_LABELS = {"number": "数値", "amount": "金額", "quantity": "数量", "count": "件数・個数", "ratio": "割合",
                "time": "時刻", "date": "日付", "weekday": "曜日", "proper_noun": "固有名詞", "organization": "組織名",
                "law": "法令・条例等", "facility": "施設名", "url": "URL", "email": "メールアドレス",
                "phone": "電話番号"}
_MAX_LISTED = 8


def _listing(found: list[facts.FactMatch]) -> str:
    parts = []
    for f in found[:_MAX_LISTED]:
        parts.append(f"「{f.text}」（{f.detail}）" if f.detail else f"「{f.text}」")
    return "、".join(parts) + ("ほか" if len(found) > _MAX_LISTED else "")


class OutputCheckRule(OutputRule):
    """common-5 — 生成・出力内容は、誤り、偏りや差別的表現等がないか、正確性や根拠・事実関係を
    必ず自ら確認すること。

    One rule, two detectors. Facts (`detectors/facts.py`): numbers with their units and subjects,
    dates and weekdays, counts of listed things, names (organizations, laws, facilities, URLs,
    e-mail addresses, phones, proper nouns) the source does not support → warning with spans in
    the answer and, in `data.items[].source`, the source span compared with; values that may be
    derived (totals, differences) → a separate warning that asks for a check and never says
    "wrong"; values the caller computed itself (`computed`) → a warning naming them 計算値 with
    their formula.
    Terms (`detectors/expressions.py`, `data/inappropriate_terms.tsv`) matched as words →
    one warning per term with a suggested wording.
    """

    id = "common-5"

    def check(self, req: PolicyRequest, output: str, ctx: InputContext) -> Iterable[Finding]:
        yield from self._facts(req, output, ctx)
        yield from self._terms(output)

    def _facts(self, req: PolicyRequest, output: str, ctx: InputContext) -> Iterable[Finding]:
        found = facts.find_unsupported(output, source_of(req, ctx), ctx.computed)
        wrong = [f for f in found if f.status in ("unsupported", "contradicts", "unit")]
        derived = [f for f in found if f.status == "derived"]
        computed = [f for f in found if f.status == "computed"]
        if wrong:
            kinds = "・".join(dict.fromkeys(_KIND_LABELS.get(f.kind, f.kind) for f in wrong))
            yield self._finding(wrong, (
                f"元の文章と合わない、または元の文章に見当たらない{kinds}があります：{_listing(wrong)}。"
                "誤りの可能性があるため、元の文章や信頼できる資料と照合してから使ってください。"))
        if derived:
            yield self._finding(derived, (
                f"元の文章にそのままの形では見当たらない値があります：{_listing(derived)}。"
                "合計や差などを計算した値と思われます。計算の元になった値と計算が正しいか、"
                "元の文章と照合して確認してください。"), derived=True)
        if computed:
            yield self._finding(computed, (
                f"次の値は元の表から計算した計算値です：{_listing(computed)}。"
                "計算の範囲（対象の行・列）が目的に合っているか確認してください。"), computed=True)

    def _finding(self, items: list[facts.FactMatch], message: str, **flags: bool) -> Finding:
        """One warning over fact items: their spans, and the items (up to 50) in `data`."""
        return Finding(
            rule=self.id,
            severity="warn",
            message=message,
            spans=spans_of(Span(f.start, f.end) for f in items),
            data={"items": [f.to_dict() for f in items[:50]], **flags},
        )

    def _terms(self, output: str) -> Iterable[Finding]:
        by_term: dict[str, list[expressions.ExpressionMatch]] = {}
        for m in expressions.find(output):
            by_term.setdefault(m.term.term, []).append(m)
        for term, ms in by_term.items():
            t = ms[0].term
            yield Finding(
                rule=self.id,
                severity="warn",
                message=(
                    f"差別的・不適切な表現の可能性がある語「{term}」があります（{t.category}）。"
                    f"文脈を確認し、言い換えてください（例：{t.suggestion}）。"
                ),
                spans=spans_of(Span(m.start, m.end) for m in ms),
                data={"term": term, "category": t.category},
            )


class VerbatimPassageRule(OutputRule):
    """common-6 — 生成・出力内容は、著作権など他者の権利の侵害がないか必ず自ら確認すること。

    Long quoted, block-quoted or attributed passages in the answer that are not in the source,
    and long sentences sharing almost nothing with the source, are flagged (warning).
    """

    id = "common-6"

    def check(self, req: PolicyRequest, output: str, ctx: InputContext) -> Iterable[Finding]:
        found = verbatim.find(output, source_of(req, ctx).key)
        if not found:
            return
        yield Finding(
            rule=self.id,
            severity="warn",
            message=(
                f"元の文章にない長い引用や一節が{len(found)}か所あります。既存の著作物等をそのまま使っていないか"
                "確認し、使う場合は出典を明記するか、自分の言葉に書き換えてください。"
            ),
            spans=spans_of(Span(v.start, v.end) for v in found),
            data={"kinds": [v.kind for v in found]},
        )
