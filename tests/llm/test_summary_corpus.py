"""The offline summary on 22 administrative texts × 4 layouts × 10 instructions.

The expectations come from how each text was written (tests/llm/summary_texts.py), never from the
summarizer: the allowed sentences are the ones written as sentences or items, the headings are the
ones written as headings. Each summary must consist of whole allowed sentences (numbers and all,
exactly as written), in source order, without repeats or headings, in the requested form and
length, or say in a note why it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from addin_server.llm import offline
from addin_server.llm.summary import summarize
from tests.llm.summary_texts import DOCS, Doc, render

STYLES = ("word", "indent", "pdf", "pdf-gaps")


@dataclass(frozen=True)
class Ask:
    instruction: str | None
    max_chars: int | None = None  # 「N字以内」
    about: int | None = None  # 「N字程度」
    lines: int | None = None  # 「N行」
    bullets: int | None = None  # N bullet lines; 0: bullets, count not given
    sentences: int | None = None  # 「一文で」「N文で」


ASKS = [
    Ask(None),
    Ask("100字以内で要約してください", max_chars=100),
    Ask("２００字以内", max_chars=200),
    Ask("200字程度で", about=200),
    Ask("約120字にまとめて", about=120),
    Ask("3行で", lines=3),
    Ask("箇条書きで3点にまとめて", bullets=3),
    Ask("要点を５点、箇条書きで", bullets=5),
    Ask("一文で", sentences=1),
    Ask("150字以内で箇条書きにして", max_chars=150, bullets=0),
]


def visible(text: str) -> int:
    return len(text.replace("\n", ""))


def units_of(summary: str, ask: Ask, doc: Doc) -> list[str]:
    """The summary's sentences: its lines, or its prose cut at the known sentences."""
    if ask.lines or ask.bullets is not None:
        lines = summary.split("\n")
        if ask.bullets is not None:
            assert all(line.startswith("・") for line in lines), summary
            lines = [line[1:] for line in lines]
        return lines
    known = sorted(set(doc.sentences) | {m for m in doc.metas if m.endswith("。")}, key=len, reverse=True)
    out, rest = [], summary
    while rest:
        match = next((s for s in known if rest.startswith(s)), None)
        if match is None:  # an item written without 。 gets one in prose
            match = next((s for s in known if rest.startswith(s + "。")), None)
            assert match is not None, f"not a whole source sentence at: {rest[:40]!r}"
            rest = rest[len(match) + 1:]
        else:
            rest = rest[len(match):]
        out.append(match)
    return out


CASES = [(name, style, ask) for name in DOCS for style in STYLES for ask in ASKS]


def test_the_corpus_is_as_large_as_promised():
    assert len(DOCS) >= 20 and len(CASES) >= 800
    kinds = {name.split("_")[0] for name in DOCS}
    assert {"minutes", "notice", "report", "qa"} <= kinds
    for doc in DOCS.values():  # a heading written into a sentence would make the checks ambiguous
        assert not any(h in s for h in doc.headings for s in doc.sentences), doc.name


@pytest.mark.parametrize("name, style, ask", CASES,
                         ids=[f"{n}-{s}-{a.instruction}" for n, s, a in CASES])
def test_summary_properties(name: str, style: str, ask: Ask):
    doc = DOCS[name]
    source = render(doc, style)
    result = summarize(source, ask.instruction)
    text = result.text
    if not text:
        assert result.notes, "an empty summary must say why"
        return
    units = units_of(text, ask, doc)
    # A meta line is a line of a list, or a sentence where it is written as one (申込方法：…ください。).
    listed = ask.lines or ask.bullets is not None
    allowed = list(doc.sentences) + [m for m in doc.metas if listed or m.endswith("。")]
    for unit in units:
        assert unit in allowed, f"not a whole source sentence: {unit!r}"
        assert unit not in doc.headings
    for heading in doc.headings:
        assert heading not in text.replace("\n", ""), f"heading in the summary: {heading!r}"
    assert len(units) == len(set(units)), "a sentence repeats"
    order = [doc.order.index(u) for u in units]
    assert order == sorted(order), "not in source order"

    length = visible(text)
    if ask.max_chars is not None:
        assert length <= ask.max_chars
    if ask.about is not None and not result.notes:
        assert 0.7 * ask.about <= length <= 1.3 * ask.about
    if ask.about is not None:
        assert length <= 1.3 * ask.about
    if ask.lines is not None:
        assert len(units) == ask.lines or (len(units) < ask.lines and result.notes)
    if ask.bullets:
        assert len(units) == ask.bullets or (len(units) < ask.bullets and result.notes)
    if ask.sentences is not None:
        assert len(units) == ask.sentences
    if ask.instruction is None:
        source_len = len("".join(source.split()))
        assert length <= 400
        assert length <= 0.4 * source_len or len(units) == 1
        assert length >= min(0.15 * source_len, 150)


@pytest.mark.parametrize("style", STYLES)
def test_one_sentence_picks_what_a_reader_would_keep(style: str):
    """Quality, not only form: 「一文で」 should give one of the sentences marked as key when the
    text was written. A threshold, since two careful readers differ too."""
    docs = [d for d in DOCS.values() if d.keys]
    hits = [d.name for d in docs if summarize(render(d, style), "一文で").sentences[0] in d.keys]
    assert len(hits) >= 0.8 * len(docs), sorted(set(d.name for d in docs) - set(hits))


@pytest.mark.parametrize("name", sorted(DOCS))
def test_layout_does_not_change_the_choice(name: str):
    """The same text pasted from Word or from a PDF gives the same summary."""
    doc = DOCS[name]
    for ask in ("3行で", None, "200字以内で"):
        results = {style: summarize(render(doc, style), ask).text for style in STYLES}
        assert len(set(results.values())) == 1, results


def test_offline_summarize_text_is_the_same_summary():
    source = render(DOCS["report_activity"], "pdf")
    assert offline.summarize_text(source, "3行で") == summarize(source, "3行で").text
