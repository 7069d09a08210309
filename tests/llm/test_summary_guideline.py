"""The offline summary on the guideline's own chapters, selected as staff would select them.

The guideline's text in ../shared is what a PDF gives when copied: lines wrapped inside sentences,
blank lines between them, page numbers, running headers and the labels of diagrams. Two chapters
are also written out below as paragraphs (as in a Word document); both layouts must give the
same summary.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from addin_server.llm.summary import summarize

pytestmark = pytest.mark.shared

# (name, first line, its occurrence, line that ends the selection, its occurrence or 0 for the end)
SELECTIONS = [
    ("hajimeni", "はじめに", 2, " 本ガイドラインの適用対象", 1),
    ("chapter1", "第１章 生成AIについて", 2, "第２章 大阪市の生成AIの利用環境", 2),
    ("risks", " ２ 生成AIのリスク", 2, "第２章 大阪市の生成AIの利用環境", 2),
    ("chapter2", "第２章 大阪市の生成AIの利用環境", 2, "第３章 大阪市の生成AIの利用ルール", 2),
    ("common_rules", "第３章 大阪市の生成AIの利用ルール", 2, " ２ 利用環境ごとの個別ルール", 2),
    ("individual_rules", " ２ 利用環境ごとの個別ルール", 2, " おわりに", 1),
    ("owarini", " おわりに", 1, "", 0),
    ("whole", "はじめに", 2, "", 0),
]
HEADINGS = ["はじめに", "おわりに", "第１章", "第２章", "第３章", "生成AIについて", "生成AIの種類と活用用途",
            "生成AIのリスク", "大阪市の生成AIの利用ルール", "全ての環境の共通ルール", "利用環境ごとの個別ルール",
            "禁止事項の例", "確認の観点", "AIアシスタント（Oasis）の個別ルール", "RAG環境の個別ルール"]
ASKS = [None, "100字以内で", "200字程度で", "3行で", "箇条書きで3点にまとめて", "一文で", "5点で",
        "150字以内で箇条書き"]
MARKER = re.compile(r"^(?:[・•➢◆※]\s*[0-9０-９]?\s*|[0-9０-９]{1,2}\s+|[①-⑳]\s*)")

HAJIMENI_PARAGRAPHS = """はじめに
大阪市では、令和５年４月にデジタル統括室内に生成AIの調査・利用検討チームを設置し、生成AIの利用がどの業務に適しているかや安全かつ効果的に利用するための環境等について具体的に検討してきました。
生成AIは、一般的な文章作成や要約、企画案のたたき台作成、広報記事作成などの業務で、時間短縮や作業負荷軽減の効果が期待されます。こうした有効性を踏まえ、大阪市専用の安全な利用環境と利用ルールを整備したうえで、令和６年度から全職員による本格的な利用を開始しました。
また、各行政事務で生成AIを活用するために、一定の要件を定めたクラウドサービスでの利用や専門知識が必要な業務での生成AI利用環境の整備も進めています。
生成AIは、業務の効率化や質の向上に大きな効果をもたらしますが、利用にあたっては、情報漏えい、回答の不正確性、知的財産権侵害などのリスクも伴います。そのため、安全な利用環境において、利用者自身が生成AIの特徴やリスク、効果的な活用方法を正しく理解し、ルールを守って利用することが大切です。
本ガイドラインは、生成AIの概要をはじめ、大阪市の環境で利用可能な文章生成AIの利用ルールや有効な活用事例等について解説・紹介し、業務の効率化と質の向上を実現することを目的に策定しました。"""

OWARINI_PARAGRAPHS = """おわりに
生成AI技術は日々進化しており、新たな機能や活用方法が次々と登場しています。これに対応するため、本ガイドラインも今後の技術進展や利用状況を踏まえて、適宜改定を行う予定です。
さらに、現時点では文章生成AIのみを利用対象としていますが、今後は、音声生成AI等の他の生成AIについても、その有効性と安全性を検討し、適切な利用方法を模索していきます。
これにより、より広範な業務での効率化と質の向上をめざしてまいります。"""


def select(text: str, first: str, nth: int, last: str, last_nth: int) -> str:
    lines = text.split("\n")

    def find(target: str, n: int) -> int:
        hits = [i for i, line in enumerate(lines) if line.rstrip() == target]
        assert len(hits) >= n, f"{target!r} occurs {len(hits)} times"
        return hits[n - 1]

    a = find(first, nth)
    b = find(last, last_nth) if last_nth else len(lines)
    assert b > a
    return "\n".join(lines[a:b])


@pytest.fixture(scope="module")
def guideline(shared_dir: Path) -> str:
    return (shared_dir / "guideline" / "osaka-genai-guideline-v2.1.ja.txt").read_text("utf-8")


def flat(source: str) -> str:
    return "".join(line.strip(" \t\u3000") for line in source.split("\n"))


def starts(source: str) -> set[str]:
    """The ways a sentence may begin in the source: after a sentence end, or at a line start
    (after a list marker)."""
    out = set()
    for line in source.split("\n"):
        line = MARKER.sub("", line.strip(" \t\u3000"))
        if line:
            out.add(line[:6])
    for m in re.finditer(r"[。！？][」』）]*([^。！？\n]{6})", flat(source)):
        out.add(m.group(1))
    return out


def units(summary: str, ask: str | None) -> list[str]:
    if ask and ("行" in ask or "点" in ask or "箇条書き" in ask):
        return [line.removeprefix("・") for line in summary.split("\n")]
    # Prose: sentences end at 。 outside brackets (the test's own reading, not the summarizer's).
    out, depth, cur = [], 0, ""
    for ch in summary:
        cur += ch
        depth += int(ch in "「（(")
        depth -= int(ch in "」）)")
        if ch == "。" and depth <= 0:
            out.append(cur)
            cur = ""
    return out + ([cur] if cur else [])


@pytest.mark.parametrize("ask", ASKS)
@pytest.mark.parametrize("name, first, nth, last, last_nth", SELECTIONS, ids=[s[0] for s in SELECTIONS])
def test_guideline_chapters(guideline: str, name: str, first: str, nth: int, last: str, last_nth: int,
                            ask: str | None):
    source = select(guideline, first, nth, last, last_nth)
    body = flat(source)
    beginnings = starts(source)
    result = summarize(source, ask)
    assert result.text, result.notes
    got = units(result.text, ask)
    assert len(got) == len(set(got)), "a sentence repeats"
    positions = []
    for unit in got:
        core = unit.removesuffix("。") if unit.removesuffix("。") + "。" not in body else unit
        assert core in body, f"not in the source: {unit!r}"
        assert core[:6] in beginnings, f"does not begin where a sentence begins: {unit!r}"
        assert unit.endswith(("。", "）", "」")) or len(unit) >= 20, f"a fragment: {unit!r}"
        assert not any(unit.removesuffix("。") == h or unit.startswith(h + "。") for h in HEADINGS), unit
        positions.append(body.index(core))
    assert positions == sorted(positions), "not in source order"
    for a in got:
        assert not any(a != b and a.removesuffix("。") in b for b in got), "a near-repeat"
    assert "第３章" not in result.text and "第１章" not in result.text
    length = len(result.text.replace("\n", ""))
    if ask is None:
        assert length <= 400
    elif "字以内" in ask:
        assert length <= int(re.search(r"\d+", ask).group())
    elif "字程度" in ask:
        assert 140 <= length <= 260 or result.notes
    if ask in ("3行で", "箇条書きで3点にまとめて"):
        assert len(got) == 3 or result.notes
    if ask == "5点で":
        assert len(got) == 5 or result.notes
    if (ask and "箇条書き" in ask) or ask == "5点で":
        assert all(line.startswith("・") for line in result.text.split("\n"))
    if ask == "一文で":
        assert len(got) == 1


@pytest.mark.parametrize("ask", ASKS)
@pytest.mark.parametrize("name, paragraphs", [("hajimeni", HAJIMENI_PARAGRAPHS), ("owarini", OWARINI_PARAGRAPHS)])
def test_pdf_text_and_paragraphs_give_the_same_summary(guideline: str, name: str, paragraphs: str,
                                                       ask: str | None):
    chosen = dict((s[0], s[1:]) for s in SELECTIONS)[name]
    wrapped = select(guideline, *chosen)
    same = re.sub(r"[0-9]+$", "", flat(wrapped).replace(" ", ""))  # less the page number
    assert same == flat(paragraphs).replace(" ", "")  # the same words
    assert summarize(wrapped, ask).text == summarize(paragraphs, ask).text


def test_the_whole_guideline_is_summarized_within_400_characters(guideline: str):
    result = summarize(guideline)
    assert 200 <= len(result.text) <= 400
