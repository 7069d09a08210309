// DOM helpers: text only through textContent (never innerHTML), state through `hidden` and classes.

export const $ = (id) => document.getElementById(id);

const SEVERITY_LABEL = { block: "送信不可", warn: "注意", info: "参考" };
const HIGHLIGHT_RULES = new Set(["common-5", "common-6"]);

export function show(id, visible = true) {
  $(id).hidden = !visible;
}

export function status(kind, message) {
  const el = $("status");
  el.className = `status ${kind}`;
  el.textContent = message;
  el.hidden = !message;
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
    if (!HIGHLIGHT_RULES.has(f.rule)) continue;
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
    box.append(mark);
    pos = s.end;
  }
  box.append(document.createTextNode(text.slice(pos)));
}

/** Proofread edits as a list: original → replacement, with the reason. */
export function renderEdits(listId, edits) {
  const list = $(listId);
  list.replaceChildren();
  for (const e of edits || []) {
    const item = el("li");
    item.append(el("del", "", e.original || "（なし）"), document.createTextNode(" → "));
    item.append(el("ins", "", e.replacement || "（削除）"));
    if (e.reason) item.append(el("span", "reason", e.reason));
    list.append(item);
  }
  list.hidden = list.children.length === 0;
}
