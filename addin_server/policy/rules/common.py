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
    account (names in `options["service_accounts"]`, or svc-/service-/app-/bot- prefixes). That
    every result is review_required and never applied automatically is the server's and the
    add-in's part (see docs/policy.md).
    """

    id = "common-1"

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        user = (req.user or "").strip()
        extra = {str(u).lower() for u in ctx.options.get("service_accounts", ())}
        if not user or _SERVICE_ACCOUNT.match(user) or user.lower() in extra:
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


class OutputFactsRule(OutputRule):
    """common-5 — 生成・出力内容は、誤り、偏りや差別的表現等がないか、正確性や根拠・事実関係を
    必ず自ら確認すること。

    Numbers, amounts, dates and proper nouns in the answer that the source does not contain are
    flagged (warning) with their spans in the output.
    """

    id = "common-5"

    def check(self, req: PolicyRequest, output: str, ctx: InputContext) -> Iterable[Finding]:
        found = facts.find_unsupported(output, source_of(req, ctx))
        if not found:
            return
        labels = {"number": "数値", "amount": "金額", "date": "日付", "proper_noun": "固有名詞"}
        kinds = "・".join(dict.fromkeys(labels[f.kind] for f in found))
        items = "、".join(f"「{t}」" for t in list(dict.fromkeys(f.text for f in found))[:8])
        more = "ほか" if len({f.text for f in found}) > 8 else ""
        yield Finding(
            rule=self.id,
            severity="warn",
            message=(
                f"元の文章に見当たらない{kinds}があります：{items}{more}。"
                "誤りの可能性があるため、元の文章や信頼できる資料と照合してから使ってください。"
            ),
            spans=spans_of(Span(f.start, f.end) for f in found),
            data={"items": [{"text": f.text, "kind": f.kind} for f in found[:50]]},
        )


class InappropriateExpressionRule(OutputRule):
    """common-5 — 出力内容は、偏りや差別的な表現が含まれていないか等も必ず確認してください。

    Terms from policy/data/inappropriate_terms.tsv found in the answer are flagged (warning),
    one finding per term with a suggested wording.
    """

    id = "common-5"

    def check(self, req: PolicyRequest, output: str, ctx: InputContext) -> Iterable[Finding]:
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
        found = verbatim.find(
            output,
            source_of(req, ctx).key,
            min_chars=int(ctx.options.get("verbatim_min_chars", 25)),
            unrelated_chars=int(ctx.options.get("verbatim_unrelated_chars", 60)),
        )
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
