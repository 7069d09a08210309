// DOM helpers: text only through textContent (never innerHTML), state through `hidden` and classes.

import { OUTPUT_RULES } from "./api.js";

export const $ = (id) => document.getElementById(id);

const SEVERITY_LABEL = { block: "送信不可", warn: "注意", info: "参考" };

export function show(id, visible = true) {
  $(id).hidden = !visible;
}

/**
 * The status line. Errors go to the role=alert paragraph, everything else to the role=status one;
 * both stay in the page so assistive technology announces what is written into them.
 */
export function status(kind, message) {
  const box = $("status");
  box.className = message ? `status ${kind}` : "status";
  box.dataset.kind = message ? kind : "";
  $("status-alert").textContent = kind === "error" ? message : "";
  $("status-polite").textContent = kind === "error" ? "" : message;
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function renderFindings(listId, findings, emptyText = "") {
  const list = $(listId);
  list.replaceChildren();
  if (emptyText && !(findings || []).length) list.append(el("li", "finding none", emptyText));
  const order = { block: 0, warn: 1, info: 2 };
  for (const f of [...(findings || [])].sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3))) {
    const item = el("li", `finding ${f.severity}`);
    item.dataset.rule = f.rule;
    item.dataset.severity = f.severity;
    item.append(el("span", "badge", SEVERITY_LABEL[f.severity] || f.severity), el("span", "message", f.message));
    item.append(el("span", "rule", `（${f.rule}）`));
    list.append(item);
  }
  list.hidden = list.children.length === 0;
}

export function renderPersons(persons, limit) {
  const p = $("persons");
  if (!persons) {
    p.hidden = true;
    return;
  }
  const cap = persons.limit ?? limit;
  const total = persons.series_total ?? persons.request ?? 0;
  p.textContent =
    `個人情報の人数：今回 ${fmt(persons.request ?? 0)} 人／この作業の累計 ${fmt(total)} 人` +
    `（上限 ${fmt(cap)} 人未満）`;
  p.classList.toggle("over", cap !== undefined && total >= cap);
  p.hidden = false;
}

export function fmt(n) {
  return Number(n).toLocaleString("ja-JP");
}

/** Result text with the text spans of common-5/6 findings wrapped in <mark>. */
export function renderHighlighted(containerId, text, findings) {
  const spans = [];
  for (const f of findings || []) {
    if (!OUTPUT_RULES.has(f.rule)) continue;
    for (const s of f.spans || []) {
      if (s.row !== undefined || typeof s.start !== "number" || s.end <= s.start) continue;
      spans.push({ start: Math.max(0, s.start), end: Math.min(text.length, s.end), title: f.message, rule: f.rule });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const box = $(containerId);
  box.replaceChildren();
  let pos = 0;
  for (const s of spans) {
    if (s.start < pos) continue; // overlapping spans: keep the first
    box.append(document.createTextNode(text.slice(pos, s.start)));
    const mark = el("mark", "", text.slice(s.start, s.end));
    mark.title = s.title;
    mark.dataset.rule = s.rule;
    box.append(mark); // not colour alone: the CSS adds a visible ※, read out as 要確認
    pos = s.end;
  }
  box.append(document.createTextNode(text.slice(pos)));
}

/** Where an edit or note comes from: a rule with its convention, or the model. */
function sourceText(e) {
  if (e.source === "rules" || e.rule || e.convention) {
    const cite = [e.convention, e.rule ? `（${e.rule}）` : ""].join("");
    return `根拠：${cite || "表記の規則"}`;
  }
  if (e.source === "model") return "根拠：AI の提案（規則による裏付けなし）";
  return "";
}

function cellLabel(e, cellName) {
  return typeof e.row === "number" && cellName ? `${cellName(e.row, e.col)}：` : "";
}

/**
 * Proofread edits as a list: original → replacement, with the reason and its source.
 * `cellName(row, col)` names the cell of a cell edit (Excel).
 */
export function renderEdits(boxId, listId, edits, cellName = null) {
  const list = $(listId);
  list.replaceChildren();
  for (const e of edits || []) {
    const item = el("li", "edit");
    if (e.source) item.dataset.source = e.source;
    if (e.rule) item.dataset.rule = e.rule;
    const where = cellLabel(e, cellName);
    if (where) item.append(el("span", "where", where));
    item.append(el("span", "visually-hidden", "元の表記 "), el("del", "", e.original || "（なし）"));
    item.append(el("span", "arrow", " → "), el("span", "visually-hidden", "修正案 "));
    item.append(el("ins", "", e.replacement || "（削除）"));
    if (e.reason) item.append(el("span", "reason", e.reason));
    const src = sourceText(e);
    if (src) item.append(el("span", "source", src));
    list.append(item);
  }
  $(boxId).hidden = list.children.length === 0;
}

/** result.notes: places worth checking, with no replacement (shown beside the edits). */
export function renderNotes(boxId, listId, notes, cellName = null) {
  const list = $(listId);
  list.replaceChildren();
  for (const n of notes || []) {
    const item = el("li", "note");
    if (n.rule) item.dataset.rule = n.rule;
    const where = cellLabel(n, cellName);
    if (where) item.append(el("span", "where", where));
    item.append(el("q", "", n.original || ""));
    if (n.reason) item.append(el("span", "reason", n.reason));
    const src = sourceText(n);
    if (src) item.append(el("span", "source", src));
    list.append(item);
  }
  $(boxId).hidden = list.children.length === 0;
}
