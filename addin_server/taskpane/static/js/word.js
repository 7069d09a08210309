// All Word calls of the task pane. Results go in as tracked changes inside a content control,
// with the provenance custom XML part; never untracked.

import { editTagFor, makeInsertion, makeProofreadInsertion, NAMESPACE, provenanceXml, tagFor, TITLE } from "./provenance.js";
import { HostError, occurrences } from "./util.js";

const SEARCH_MAX = 255; // Word's search string limit

/** WordApi 1.4 gives changeTrackingMode and custom XML parts: without it nothing is inserted. */
export function supportsTrackedInsert() {
  return Office.context.requirements.isSetSupported("WordApi", "1.4");
}

export const REFUSAL =
  "この Word は変更履歴付きの挿入（WordApi 1.4）に対応していないため、文書には挿入しません。" +
  "「結果をコピー」でコピーし、［校閲］タブで変更履歴の記録をオンにしてから貼り付けてください。";

function normalize(text) {
  // Word reports paragraph marks as \r and manual line breaks as \v.
  return (text || "").replace(/\r\n?|\v/g, "\n").replace(/\n+$/, "");
}

export async function readSelection() {
  return Word.run(async (ctx) => {
    const sel = ctx.document.getSelection();
    sel.load("text");
    await ctx.sync();
    return { text: normalize(sel.text) };
  });
}

async function turnOnTracking(ctx) {
  ctx.document.changeTrackingMode = Word.ChangeTrackingMode.trackAll;
  await ctx.sync();
}

function markControl(cc, requestId) {
  cc.tag = tagFor(requestId);
  cc.title = TITLE;
  cc.appearance = Word.ContentControlAppearance ? Word.ContentControlAppearance.boundingBox : "BoundingBox";
}

async function recordProvenance(ctx, ins) {
  const parts = ctx.document.customXmlParts.getByNamespace(NAMESPACE);
  parts.load("items");
  await ctx.sync();
  if (parts.items.length > 0) {
    const part = parts.items[0];
    const xml = part.getXml();
    await ctx.sync();
    part.setXml(provenanceXml(ins, xml.value));
  } else {
    ctx.document.customXmlParts.add(provenanceXml(ins));
  }
  await ctx.sync();
}

function requireSupport() {
  if (!supportsTrackedInsert()) throw new HostError(REFUSAL, { offerCopy: true });
}

/** Summary: new paragraph(s) after the selection, wrapped in one content control. */
export async function insertSummary({ text, requestId, model }) {
  requireSupport();
  const paragraphs = text.replace(/\r\n?/g, "\n").split("\n");
  return Word.run(async (ctx) => {
    await turnOnTracking(ctx);
    let last = ctx.document.getSelection();
    let first = null;
    for (const p of paragraphs) {
      last = last.insertParagraph(p, "After");
      if (!first) first = last;
    }
    const cc = first.getRange("Whole").expandTo(last.getRange("Whole")).insertContentControl();
    markControl(cc, requestId);
    await ctx.sync();
    const ins = await makeInsertion({ requestId, operation: "summarize", model, text: paragraphs.join("\n") });
    await recordProvenance(ctx, ins);
    return { insertion: ins, applied: paragraphs.length, skipped: [] };
  });
}

// ---- proofread: only AI text is AI (contract 3) ---------------------------------------------

/** UTF-16 index of every code point offset of `text` (the API counts code points). */
function codePointIndex(text) {
  const at = [0];
  let i = 0;
  for (const ch of text) {
    i += ch.length;
    at.push(i);
  }
  return at;
}

/** Edits with code-point offsets as UTF-16 ones; null when an edit does not fit the text. */
function toUtf16(text, edits) {
  const at = codePointIndex(text);
  return edits.map((e) => {
    const start = at[e.start];
    const end = at[e.end];
    if (start === undefined || end === undefined || end < start) return null;
    if (text.slice(start, end) !== (e.original || "")) return null;
    return { ...e, start, end, source: e };
  });
}

function escapeSearch(s) {
  return s.replace(/\^/g, "^^"); // ^ starts Word's special-character codes
}

/**
 * Where an edit goes in Word: the text to search for (and which occurrence of it in the sent
 * text), and how to write. An empty `original` (a pure insertion) is found through a neighbouring
 * character and written Before/After it, so the control holds the inserted text only.
 */
function plan(text, e) {
  if (e.replacement.includes("\n")) return null; // a replacement that would split a paragraph
  if (e.original) {
    if (e.original.includes("\n") || e.original.length > SEARCH_MAX) return null;
    return { search: e.original, at: e.start, how: e.replacement ? "Replace" : "Delete" };
  }
  if (!e.replacement) return null;
  // The last code point before the insertion point, else the first one after it.
  const prevCh = Array.from(text.slice(Math.max(0, e.start - 2), e.start)).pop() || "";
  if (prevCh && prevCh !== "\n") return { search: prevCh, at: e.start - prevCh.length, how: "After" };
  const nextCh = Array.from(text.slice(e.start, e.start + 2))[0] || "";
  if (nextCh && nextCh !== "\n") return { search: nextCh, at: e.start, how: "Before" };
  return null;
}

/**
 * Proofread: each applied edit is its own tracked change; each replacement (never the person's
 * surrounding text) is wrapped in its own control `oasis:<id>#<n>` and listed in one provenance
 * record with its hash. `edits` carry the API's code-point offsets into `sentText`. Every edit is
 * located before anything is written, so a proofread none of whose edits can be placed writes
 * nothing at all (no tracking change, no control, no provenance). Tracking is on for the writes
 * and the person's previous mode is restored afterwards.
 */
export async function applyProofread({ sentText, edits, requestId, model }) {
  requireSupport();
  return Word.run(async (ctx) => {
    const sel = ctx.document.getSelection();
    sel.load("text");
    await ctx.sync();
    if (normalize(sel.text) !== sentText) {
      throw new HostError("選択範囲が送信したときと変わっています。校正する範囲を選び直して、もう一度実行してください。");
    }
    const skipped = [];
    const located = [];
    const converted = toUtf16(sentText, edits);
    converted.forEach((e, i) => {
      const p = e && plan(sentText, e);
      if (!p) {
        skipped.push(edits[i]);
        return;
      }
      const nth = occurrences(sentText, p.search).indexOf(p.at);
      if (nth < 0) {
        skipped.push(edits[i]);
        return;
      }
      const found = sel.search(escapeSearch(p.search), { matchCase: true });
      found.load("items");
      located.push({ e, p, nth, found });
    });
    if (located.length) await ctx.sync(); // one round trip for all searches, before any write
    const ready = [];
    for (const item of located) {
      if (item.found.items.length <= item.nth) skipped.push(item.e.source);
      else ready.push({ ...item, range: item.found.items[item.nth] });
    }
    if (!ready.length) {
      throw new HostError(
        "修正を文書の該当箇所に反映できませんでした。文書には何も書き込んでいません。一覧を見て手で直してください。",
      );
    }
    ctx.document.load("changeTrackingMode");
    await ctx.sync();
    const previousMode = ctx.document.changeTrackingMode;
    ctx.document.changeTrackingMode = Word.ChangeTrackingMode.trackAll;
    await ctx.sync();
    try {
      // From the end backwards, so that writing one edit never moves a range still to be used.
      ready.sort((a, b) => b.e.start - a.e.start);
      for (const r of ready) {
        if (r.p.how === "Delete") {
          r.range.delete();
          r.control = null;
        } else {
          const written = r.range.insertText(r.e.replacement, r.p.how);
          r.control = written.insertContentControl();
        }
      }
      ready.reverse(); // text order: n is 1-based among the applied edits
      ready.forEach((r, i) => {
        if (!r.control) return;
        r.control.tag = editTagFor(requestId, i + 1);
        r.control.title = TITLE;
        r.control.appearance = Word.ContentControlAppearance ? Word.ContentControlAppearance.boundingBox : "BoundingBox";
      });
      await ctx.sync();
      const ins = await makeProofreadInsertion({ requestId, model, replacements: ready.map((r) => r.e.replacement) });
      await recordProvenance(ctx, ins);
      return { insertion: ins, applied: ready.length, skipped };
    } finally {
      ctx.document.changeTrackingMode = previousMode;
      await ctx.sync();
    }
  });
}
