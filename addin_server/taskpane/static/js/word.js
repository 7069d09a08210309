// All Word calls of the task pane. Results go in as tracked changes inside a content control,
// with the provenance custom XML part; never untracked.

import { makeInsertion, NAMESPACE, provenanceXml, tagFor, TITLE } from "./provenance.js";
import { applyEdits, HostError, occurrences } from "./util.js";

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

/** An empty `original` cannot be searched for: widen it by one neighbouring character. */
function searchable(text, e) {
  if (e.original) return { start: e.start, original: e.original, replacement: e.replacement };
  if (e.start > 0 && text[e.start - 1] !== "\n") {
    const ch = text[e.start - 1];
    return { start: e.start - 1, original: ch, replacement: ch + e.replacement };
  }
  if (e.start < text.length && text[e.start] !== "\n") {
    const ch = text[e.start];
    return { start: e.start, original: ch, replacement: e.replacement + ch };
  }
  return null;
}

function escapeSearch(s) {
  return s.replace(/\^/g, "^^"); // ^ starts Word's special-character codes
}

/**
 * Proofread: the selection wrapped in a content control, then each edit applied as its own
 * tracked replacement (from the end backwards, so earlier occurrences keep their index).
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
    await turnOnTracking(ctx);
    const cc = sel.insertContentControl();
    markControl(cc, requestId);
    await ctx.sync();
    const applied = [];
    const skipped = [];
    for (const e of [...edits].sort((a, b) => b.start - a.start)) {
      const op = searchable(sentText, e);
      if (!op || op.original.includes("\n") || op.original.length > SEARCH_MAX) {
        skipped.push(e);
        continue;
      }
      const nth = occurrences(sentText, op.original).indexOf(op.start);
      const found = cc.search(escapeSearch(op.original), { matchCase: true });
      found.load("items");
      await ctx.sync();
      if (nth < 0 || found.items.length <= nth) {
        skipped.push(e);
        continue;
      }
      found.items[nth].insertText(op.replacement, "Replace");
      await ctx.sync();
      applied.push(e);
    }
    const text = applyEdits(sentText, applied);
    const ins = await makeInsertion({ requestId, operation: "proofread", model, text });
    await recordProvenance(ctx, ins);
    return { insertion: ins, applied: applied.length, skipped };
  });
}
