// All Word calls of the task pane. Results go in as tracked changes inside a content control,
// with the provenance custom XML part; never untracked, and the person's own tracking mode is
// put back afterwards.

import { makeInsertion, NAMESPACE, provenanceXml, tagFor, TITLE } from "./provenance.js";
import { applyEdits, HostError, occurrences } from "./util.js";

const SEARCH_MAX = 255; // Word's search string limit

/** WordApi 1.4 gives changeTrackingMode and custom XML parts: without it nothing is inserted. */
export function supportsTrackedInsert() {
  return Office.context.requirements.isSetSupported("WordApi", "1.4");
}

export const REFUSAL =
  "この Word は変更履歴付きの挿入（WordApi 1.4）に対応していないため、文書には挿入しません。" +
  "確認項目にチェックしてから「結果をコピー」でコピーし、［校閲］タブで変更履歴の記録をオンにしてから貼り付けてください。";

/** Said before anything is sent when the host cannot take the result (so no request is wasted). */
export const REFUSAL_BEFORE =
  "この Word は変更履歴付きの挿入（WordApi 1.4）に対応していないため、結果は文書に挿入できません。" +
  "送信すると、結果は確認のあとコピーして使うことだけができます。";

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

// ---- the source marker: where the request's text was when it was sent -----------------------
// A hidden bookmark (name starting with "_", WordApi 1.4) on the selection, set just before the
// request goes out. The result goes next to it wherever the cursor is at insert time, and the
// bookmark is deleted afterwards (and whenever the result is given up).

export const SOURCE_GONE =
  "送信したときに選んでいた文章が文書から削除されたため、挿入しませんでした。" +
  "結果を使う場合は「結果をコピー」でコピーしてください。";
export const SOURCE_CHANGED =
  "送信したときに選んでいた文章がその後変更されたため、挿入しませんでした。" +
  "変更後の文章でもう一度実行するか、「結果をコピー」でコピーしてください。";
const SELECTION_MOVED =
  "確認したときと選択範囲が変わっています。範囲を選び直して、もう一度実行してください。";

function markerName() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `_oasis_src_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Bookmark the current selection if it still reads `sentText`; returns the bookmark's name. */
export async function markSource(sentText) {
  return Word.run(async (ctx) => {
    const sel = ctx.document.getSelection();
    sel.load("text");
    await ctx.sync();
    if (normalize(sel.text) !== sentText) throw new HostError(SELECTION_MOVED);
    const name = markerName();
    sel.insertBookmark(name);
    await ctx.sync();
    return name;
  });
}

/** Delete the source marker (the result was inserted or given up). */
export async function forgetSource(name) {
  if (!name) return;
  await Word.run(async (ctx) => {
    ctx.document.deleteBookmark(name);
    await ctx.sync();
  });
}

/** The marked source range, or a HostError when it was deleted or its text changed. */
async function sourceRange(ctx, bookmark, sentText) {
  const range = ctx.document.getBookmarkRangeOrNullObject(bookmark);
  range.load("text");
  await ctx.sync();
  if (range.isNullObject || !normalize(range.text)) throw new HostError(SOURCE_GONE, { offerCopy: true, code: "source_gone" });
  if (normalize(range.text) !== sentText) throw new HostError(SOURCE_CHANGED, { offerCopy: true, code: "source_changed" });
  return range;
}

/**
 * Run `fn(trackingOn)`; `fn` awaits trackingOn() before its first write, which turns change
 * tracking on (TrackAll). Afterwards the person's own mode is put back. An insertion that ends up
 * writing nothing never touches the mode.
 */
async function withTracking(ctx, fn) {
  const doc = ctx.document;
  doc.load("changeTrackingMode");
  await ctx.sync();
  const previous = doc.changeTrackingMode;
  const trackAll = Word.ChangeTrackingMode.trackAll;
  let changed = false;
  const trackingOn = async () => {
    if (changed || previous === trackAll) return;
    doc.changeTrackingMode = trackAll;
    await ctx.sync();
    changed = true;
  };
  try {
    return await fn(trackingOn);
  } finally {
    if (changed) {
      doc.changeTrackingMode = previous;
      await ctx.sync();
    }
  }
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

/**
 * Find the marked source, insert with tracking on, restore the tracking mode, drop the marker.
 * `insert(ctx, source, trackingOn)` does the operation's own writes, after `await trackingOn()`.
 */
async function intoSource({ bookmark, sentText }, insert) {
  requireSupport();
  return Word.run(async (ctx) => {
    const source = await sourceRange(ctx, bookmark, sentText);
    const result = await withTracking(ctx, (trackingOn) => insert(ctx, source, trackingOn));
    ctx.document.deleteBookmark(bookmark);
    await ctx.sync();
    return result;
  });
}

/** Summary: new paragraph(s) right after the marked source, wrapped in one content control. */
export async function insertSummary({ text, requestId, model, bookmark, sentText }) {
  return intoSource({ bookmark, sentText }, async (ctx, source, trackingOn) => {
    await trackingOn();
    const paragraphs = text.replace(/\r\n?/g, "\n").split("\n");
    let last = source;
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

/** Proofread: the edits applied inside the marked source (see proofreadInto). */
export async function applyProofread({ sentText, edits, requestId, model, bookmark }) {
  return intoSource({ bookmark, sentText }, (ctx, source, trackingOn) =>
    proofreadInto(ctx, source, trackingOn, { sentText, edits, requestId, model }));
}

/**
 * The proofread insertion proper: each edit its own tracked replacement (from the end backwards,
 * so earlier occurrences keep their index) inside a content control around the source. Edits
 * are located first; when none can be applied nothing is written (no control, no provenance, no
 * change to the tracking mode); otherwise trackingOn() comes before the first write.
 * Offsets are UTF-16 indices into `sentText` (api.js converted them).
 */
async function proofreadInto(ctx, source, trackingOn, { sentText, edits, requestId, model }) {
  const located = [];
  const skipped = [];
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    const op = searchable(sentText, e);
    if (!op || op.original.includes("\n") || op.original.length > SEARCH_MAX) {
      skipped.push(e);
      continue;
    }
    const found = source.search(escapeSearch(op.original), { matchCase: true });
    found.load("items");
    located.push({ e, op, found, nth: occurrences(sentText, op.original).indexOf(op.start) });
  }
  if (located.length) await ctx.sync();
  const usable = [];
  for (const item of located) {
    if (item.nth < 0 || item.found.items.length <= item.nth) skipped.push(item.e);
    else usable.push(item);
  }
  if (!usable.length) return { insertion: null, applied: 0, skipped };
  await trackingOn();
  const cc = source.insertContentControl();
  markControl(cc, requestId);
  await ctx.sync();
  const applied = [];
  for (const { e, op, found, nth } of usable) {
    found.items[nth].insertText(op.replacement, "Replace");
    await ctx.sync();
    applied.push(e);
  }
  const text = applyEdits(sentText, applied);
  const ins = await makeInsertion({ requestId, operation: "proofread", model, text });
  await recordProvenance(ctx, ins);
  return { insertion: ins, applied: applied.length, skipped };
}
