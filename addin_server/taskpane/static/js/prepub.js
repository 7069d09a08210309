// 公開前チェック (pre-publication check, rule common-8): lists every AI insertion of the open
// document with the batch tagger's status, selects one in the document, and adds the tagger's
// exact disclosure comment to every unmodified one. The rules live on the server only
// (POST /api/v1/disclosure/check runs docx_tools' classifier): this module only reads the
// document, shows the answer and writes the comments the answer spells out.

import * as api from "./api.js";
import { EXCEL_SHEET, NAMESPACE } from "./provenance.js";
import { $, el, fmt, show } from "./ui.js";
import { registerView } from "./views.js";

const STATUS = ["pending", "unmodified", "modified", "missing"];
const STATUS_JA = { pending: "確認待ち", unmodified: "無編集", modified: "編集あり", missing: "見当たらない" };
const OPERATION_JA = { summarize: "要約", proofread: "校正" };
const SEARCH_MAX = 255; // Word's search string limit
const BATCH = 20; // comments written per round trip: progress stays visible on long documents

const view = { host: null, items: [], busy: false, comments: new Map() };

// ---- status and progress ------------------------------------------------------------------
function say(kind, message) {
  const box = $("prepub-status");
  box.className = `status ${kind}`;
  box.textContent = message;
  box.hidden = !message;
}

function progress(value, max, label) {
  show("prepub-progress-box", value !== null);
  if (value === null) return;
  const bar = $("prepub-progress");
  bar.max = max;
  bar.value = value;
  $("prepub-progress-label").textContent = label;
}

function setBusy(busy) {
  view.busy = busy;
  $("prepub-run").disabled = busy;
  $("prepub-tag").disabled = busy || untagged().length === 0;
}

function untagged() {
  return view.items.filter((i) => i.status === "unmodified" && !i.tagged && i.disclosure);
}

// ---- reading the document -----------------------------------------------------------------
/** Pictures and other binary parts say nothing about AI text: they are dropped before sending. */
function withoutBinaryParts(ooxml) {
  return ooxml.replace(/<pkg:part\b[^>]*>\s*<pkg:binaryData>[\s\S]*?<\/pkg:binaryData>\s*<\/pkg:part>/g, "");
}

async function readWord() {
  return Word.run(async (ctx) => {
    const body = ctx.document.body;
    const ooxml = body.getOoxml();
    await ctx.sync();
    progress(2, 4, "来歴とコメントを読み取っています…");
    const parts = ctx.document.customXmlParts.getByNamespace(NAMESPACE);
    parts.load("items");
    const comments = body.getComments();
    comments.load("items/content,items/authorName");
    await ctx.sync();
    const xmls = parts.items.map((p) => p.getXml());
    await ctx.sync();
    return {
      host: "word",
      ooxml: withoutBinaryParts(ooxml.value),
      provenance: xmls.map((x) => x.value),
      comments: comments.items.map((c) => ({ author: c.authorName || "", text: c.content || "" })),
    };
  });
}

/** `'Sheet name'!C2` or `Sheet!$C$2` -> {sheet, address}; null for anything else. */
function splitRef(ref) {
  const m = /^(?:'((?:[^']|'')+)'|([^!']+))!\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$/.exec(String(ref || "").trim());
  if (!m) return null;
  return { sheet: (m[1] || m[2]).replace(/''/g, "'"), address: `${m[3].toUpperCase()}${m[4]}` };
}

function refKey(ref) {
  const r = splitRef(ref);
  return r ? `${r.sheet}\u0000${r.address}` : null;
}

async function readExcel() {
  return Excel.run(async (ctx) => {
    const sheets = ctx.workbook.worksheets;
    const prov = sheets.getItemOrNullObject(EXCEL_SHEET);
    await ctx.sync();
    if (prov.isNullObject) return { host: "excel", rows: [], values: {}, cell_comments: {} };
    const used = prov.getUsedRange(true);
    used.load("values");
    await ctx.sync();
    const rows = used.values.slice(1).filter((r) => r.some((v) => v !== "" && v !== null));
    progress(2, 4, "AI が書き込んだセルとコメントを読み取っています…");
    const wanted = new Map();
    for (const row of rows) {
      const ref = String(row[0] || "");
      const r = splitRef(ref);
      if (r && !wanted.has(ref)) wanted.set(ref, { ...r, sheetObj: sheets.getItemOrNullObject(r.sheet) });
    }
    const collection = ctx.workbook.comments;
    collection.load("items");
    await ctx.sync();
    const cells = new Map();
    for (const [ref, w] of wanted) {
      if (w.sheetObj.isNullObject) continue; // the sheet is gone: the cell is missing
      const range = w.sheetObj.getRange(w.address);
      range.load("values");
      cells.set(ref, range);
    }
    const located = collection.items.map((c) => {
      const loc = c.getLocation();
      loc.load("address");
      return { comment: c, loc };
    });
    for (const { comment } of located) comment.load("content");
    await ctx.sync();
    const byCell = new Map();
    for (const { comment, loc } of located) {
      const key = refKey(loc.address);
      if (key) byCell.set(key, comment.content || "");
    }
    view.comments = byCell; // which cells already have a comment (Excel allows one per cell)
    const values = {};
    for (const [ref, range] of cells) values[ref] = range.values[0][0];
    const cellComments = {};
    for (const ref of wanted.keys()) {
      const key = refKey(ref);
      if (byCell.has(key)) cellComments[ref] = byCell.get(key);
    }
    return { host: "excel", rows: rows.map((r) => r.slice(0, 7).map((v) => (v === null ? "" : v))), values,
      cell_comments: cellComments };
  });
}

// ---- showing the answer -------------------------------------------------------------------
function excerpt(text) {
  const flat = (text || "").replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  return chars.length > 60 ? `${chars.slice(0, 60).join("")}…` : flat || "（空）";
}

function describe(item) {
  const op = OPERATION_JA[item.operation] || item.operation || "";
  const edit = item.edit ? `・修正 ${item.edit}` : "";
  const where = item.cell ? `・${item.cell}` : "";
  return `${op}${edit}${where}・依頼 ${String(item.id).slice(0, 8)}`;
}

function renderItem(item) {
  const li = el("li");
  li.dataset.key = item.key;
  li.dataset.status = item.status;
  const button = el("button", "prepub-item");
  button.type = "button";
  button.dataset.key = item.key;
  button.append(el("span", "what", describe(item)), el("span", "excerpt", excerpt(item.text)));
  if (item.status === "unmodified") {
    button.append(el("span", item.tagged ? "done" : "todo", item.tagged ? "注記済み" : "注記なし"));
  }
  const findable = item.status !== "missing";
  button.disabled = !findable;
  button.setAttribute("aria-label",
    `${STATUS_JA[item.status]}：${describe(item)}：${excerpt(item.text)}${item.status === "unmodified" ? (item.tagged ? "（注記済み）" : "（注記なし）") : ""}` +
    (findable ? "。押すと文書で選択します" : ""));
  if (findable) button.addEventListener("click", () => selectItem(item));
  li.append(button);
  return li;
}

function render(answer) {
  view.items = answer.items || [];
  const counts = answer.counts || {};
  for (const status of STATUS) {
    const list = $(`prepub-list-${status}`);
    list.replaceChildren(...view.items.filter((i) => i.status === status).map(renderItem));
    show(`prepub-group-${status}`, list.children.length > 0);
  }
  const empty = view.items.length === 0;
  show("prepub-empty", empty);
  $("prepub-summary").textContent = empty ? "" :
    `生成AI出力 ${fmt(view.items.length)} 件：` +
    STATUS.map((s) => `${STATUS_JA[s]} ${fmt(counts[s] || 0)}`).join("・");
  show("prepub-summary", !empty);
  updateTagButton();
  show("prepub-result");
}

function updateTagButton() {
  const n = untagged().length;
  const button = $("prepub-tag");
  button.textContent = n ? `無編集の ${fmt(n)} 件に注記を付ける` : "注記が必要な部分はありません";
  button.disabled = view.busy || n === 0;
}

function verdict(answer) {
  const pending = (answer.counts || {}).pending || 0;
  const need = untagged().length;
  if (!view.items.length) return ["ok", "生成AI出力の記録はありません。"];
  if (pending) {
    return ["error", `確認待ちの生成AI出力が ${fmt(pending)} 件あります。変更履歴を確認して承諾または修正するまで、公開できません。` +
      (need ? ` 無編集の ${fmt(need)} 件には注記が必要です。` : "")];
  }
  if (need) return ["info", `無編集の ${fmt(need)} 件に注記が必要です。「注記を付ける」を押してください。`];
  return ["ok", "公開前の確認は完了しています（確認待ちはなく、無編集の部分には注記があります）。"];
}

// ---- actions -------------------------------------------------------------------------------
async function runCheck() {
  if (view.busy) return;
  setBusy(true);
  say("", "");
  show("prepub-result", false);
  try {
    progress(1, 4, "文書を読み取っています…");
    const body = view.host === "word" ? await readWord() : await readExcel();
    progress(3, 4, "サーバーで判定しています…");
    const answer = await api.disclosureCheck(body);
    progress(4, 4, "表示しています…");
    render(answer);
    say(...verdict(answer));
  } catch (exc) {
    failed(exc);
  } finally {
    progress(null);
    setBusy(false);
  }
}

function failed(exc) {
  if (exc instanceof api.ApiError) {
    say("error", exc.message);
    return;
  }
  const detail = exc && exc.code ? `（${exc.code}）` : "";
  say("error", `Office の操作中に問題が起きました${detail}。もう一度お試しください。`);
  console.error(exc);
}

function firstLine(text) {
  return (text || "").split("\n").find((l) => l.trim()) || "";
}

function lastLine(text) {
  return (text || "").split("\n").filter((l) => l.trim()).pop() || "";
}

/** The Word range holding an item: its control, else the text found in the body. */
async function wordRange(ctx, item) {
  if (item.tag) {
    const found = ctx.document.contentControls.getByTag(item.tag);
    found.load("items");
    await ctx.sync();
    if (found.items.length) return found.items[0].getRange("Whole");
  }
  const head = Array.from(firstLine(item.text)).slice(0, SEARCH_MAX).join("");
  if (!head) return null;
  const body = ctx.document.body;
  const starts = body.search(head.replace(/\^/g, "^^"), { matchCase: true });
  starts.load("items");
  await ctx.sync();
  if (!starts.items.length) return null;
  const start = starts.items[0];
  const tail = Array.from(lastLine(item.text)).slice(-SEARCH_MAX).join("");
  if (tail === head) return start;
  const rest = start.getRange("Start").expandTo(body.getRange("End"));
  const ends = rest.search(tail.replace(/\^/g, "^^"), { matchCase: true });
  ends.load("items");
  await ctx.sync();
  return ends.items.length ? start.expandTo(ends.items[0]) : start;
}

async function selectItem(item) {
  try {
    if (view.host === "word") {
      await Word.run(async (ctx) => {
        const range = await wordRange(ctx, item);
        if (!range) throw Object.assign(new Error("not found"), { notFound: true });
        range.select();
        await ctx.sync();
      });
    } else {
      const ref = splitRef(item.cell);
      await Excel.run(async (ctx) => {
        const ws = ctx.workbook.worksheets.getItem(ref.sheet);
        ws.activate();
        ws.getRange(ref.address).select();
        await ctx.sync();
      });
    }
    say("info", `文書で選択しました：${describe(item)}`);
  } catch (exc) {
    if (exc && exc.notFound) say("error", "文書の中で見つけられませんでした。もう一度「この文書を確認する」を押してください。");
    else failed(exc);
  }
}

async function addDisclosures() {
  const todo = untagged();
  if (view.busy || !todo.length) return;
  setBusy(true);
  let done = 0;
  try {
    for (let i = 0; i < todo.length; i += BATCH) {
      const batch = todo.slice(i, i + BATCH);
      progress(done, todo.length, `注記を付けています…（${fmt(done)} / ${fmt(todo.length)} 件）`);
      if (view.host === "word") await commentWord(batch);
      else await commentExcel(batch);
      for (const item of batch) item.tagged = true;
      done += batch.length;
    }
    say("ok", `${fmt(done)} 件に注記（共通ルール8）を付けました。一括タグ付けツールと同じ文面です。保存してから公開してください。`);
  } catch (exc) {
    failed(exc);
    if (done) say("error", `${fmt(done)} 件に注記を付けたところで問題が起きました。もう一度「この文書を確認する」を押して続きを確認してください。`);
  } finally {
    progress(null);
    for (const status of STATUS) {
      const list = $(`prepub-list-${status}`);
      list.replaceChildren(...view.items.filter((i) => i.status === status).map(renderItem));
    }
    setBusy(false);
    updateTagButton();
  }
}

async function commentWord(batch) {
  await Word.run(async (ctx) => {
    const ranges = [];
    for (const item of batch) {
      const range = await wordRange(ctx, item);
      if (!range) throw Object.assign(new Error("not found"), { notFound: true });
      ranges.push([range, item]);
    }
    for (const [range, item] of ranges) range.insertComment(item.disclosure);
    await ctx.sync();
  });
}

async function commentExcel(batch) {
  await Excel.run(async (ctx) => {
    const comments = ctx.workbook.comments;
    const quoted = (item) => {
      const ref = splitRef(item.cell);
      return `'${ref.sheet.replace(/'/g, "''")}'!${ref.address}`;
    };
    // Objects of an earlier Excel.run cannot be used here: the existing comments are fetched again.
    const existing = batch.filter((item) => view.comments.has(refKey(item.cell)))
      .map((item) => {
        const comment = comments.getItemByCell(quoted(item));
        comment.load("content");
        return { item, comment };
      });
    if (existing.length) await ctx.sync();
    for (const { item, comment } of existing) {
      // Excel keeps one comment per cell: the disclosure is appended, as the tagger does.
      comment.content = `${comment.content || ""}\n\n${item.disclosure}`;
    }
    for (const item of batch) {
      if (!view.comments.has(refKey(item.cell))) comments.add(quoted(item), item.disclosure);
    }
    await ctx.sync();
  });
}

function unsupported() {
  const sets = Office.context.requirements;
  if (view.host === "word" && !sets.isSetSupported("WordApi", "1.4")) {
    return "この Word は公開前チェックに必要な機能（WordApi 1.4：来歴の読み取りとコメントの追加）に対応していません。" +
      "一括タグ付けツール（oasis-addin tag）で確認してください。";
  }
  if (view.host === "excel" && !sets.isSetSupported("ExcelApi", "1.10")) {
    return "この Excel は公開前チェックに必要な機能（ExcelApi 1.10：コメント）に対応していません。" +
      "一括タグ付けツール（oasis-addin tag）で確認してください。";
  }
  return null;
}

// The view plugs into the pane's view switcher (views.js); init runs once the pane has started.
registerView("prepub", {
  init(ctx) {
    view.host = ctx.host;
    $("prepub-run").addEventListener("click", runCheck);
    $("prepub-tag").addEventListener("click", addDisclosures);
    const refusal = unsupported();
    if (refusal) {
      $("prepub-run").disabled = true;
      say("error", refusal);
    }
  },
});
