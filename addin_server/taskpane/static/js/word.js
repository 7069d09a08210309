// All Word calls of the task pane. Results go in as tracked changes inside a content control,
// with the provenance custom XML part; never untracked, and the person's own tracking mode is
// put back afterwards.

import { editTagFor, makeInsertion, makeProofreadInsertion, NAMESPACE, provenanceXml, tagFor, TITLE } from "./provenance.js";
import { HostError, occurrences } from "./util.js";

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

// ---- proofread: only AI text is AI (contract 3) ---------------------------------------------

function escapeSearch(s) {
  return s.replace(/\^/g, "^^"); // ^ starts Word's special-character codes
}

/** Proofread: the edits applied inside the marked source (see proofreadInto). */
export async function applyProofread({ sentText, edits, requestId, model, bookmark }) {
  return intoSource({ bookmark, sentText }, (ctx, source, trackingOn) =>
    proofreadInto(ctx, source, trackingOn, { sentText, edits, requestId, model }));
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
 * The proofread insertion proper: each applied edit is its own tracked change; each replacement
 * (never the person's surrounding text) is wrapped in its own control `oasis:<id>#<n>` and listed
 * in one provenance record with its hash (contract 3). Every edit is located before anything is
 * written, so a proofread none of whose edits can be placed writes nothing at all (no tracking
 * change, no control, no provenance); otherwise trackingOn() comes before the first write.
 * Offsets are UTF-16 indices into `sentText` (api.js converted them once).
 */
async function proofreadInto(ctx, source, trackingOn, { sentText, edits, requestId, model }) {
  const skipped = [];
  const located = [];
  for (const e of edits) {
    const p = plan(sentText, e);
    const nth = p ? occurrences(sentText, p.search).indexOf(p.at) : -1;
    if (!p || nth < 0) {
      skipped.push(e);
      continue;
    }
    const found = source.search(escapeSearch(p.search), { matchCase: true });
    found.load("items");
    located.push({ e, p, nth, found });
  }
  if (located.length) await ctx.sync(); // one round trip for all searches, before any write
  const ready = [];
  for (const item of located) {
    if (item.found.items.length <= item.nth) skipped.push(item.e);
    else ready.push({ ...item, range: item.found.items[item.nth] });
  }
  if (!ready.length) return { insertion: null, applied: 0, skipped };
  await trackingOn();
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
}
