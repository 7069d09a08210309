// The task pane: Office.onReady decides Word or Excel, then select → check → send → review → insert.
// This module is the 「生成」 view; other views plug in through views.js.

import * as api from "./api.js";
import { officeToken } from "./auth.js";
import * as excel from "./excel.js";
import {
  $, fmt, renderEdits, renderFindings, renderHighlighted, renderNotes, renderPersons, show, status,
} from "./ui.js";
import { cellAddress, cellProposals, cellsAsStrings, cellsAsText, HostError } from "./util.js";
import { registerView, startViews } from "./views.js";
import * as word from "./word.js";

const SERIES_SETTING = "oasisSeriesId";
const state = {
  host: null,
  config: { auth_mode: "dev", person_limit: 1000 },
  pending: null, // {operation, payload, selection, bookmark} waiting for confirmation or an answer
  last: null, // {operation, selection, bookmark, response, proposals, copyText, inserted, refused, nothing}
  controller: null,
  targetTouched: false,
};

// ---- the task name (series_id), remembered per document --------------------------------
function docKey() {
  const url = (Office.context.document && Office.context.document.url) || "untitled";
  return `oasis.series:${url}`;
}

function loadSeries() {
  let value = null;
  try {
    value = Office.context.document.settings.get(SERIES_SETTING);
  } catch {
    value = null;
  }
  if (!value) {
    try {
      value = localStorage.getItem(docKey());
    } catch {
      value = null;
    }
  }
  return value;
}

function saveSeries(value) {
  try {
    const settings = Office.context.document.settings;
    if (settings.get(SERIES_SETTING) !== value) { // unchanged: leave the document alone
      settings.set(SERIES_SETTING, value);
      settings.saveAsync(() => {});
    }
  } catch {
    // some hosts (read-only documents) refuse settings; localStorage still remembers it
  }
  try {
    localStorage.setItem(docKey(), value);
  } catch {
    // storage blocked: the name lives until the pane closes
  }
}

function newSeriesName() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, "0");
  return `作業 ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The task name for a request; stored in the document now, since the person runs a task. */
function seriesId() {
  const input = $("series");
  let value = input.value.trim();
  if (!value) {
    value = newSeriesName();
    input.value = value;
  }
  saveSeries(value);
  return value;
}

// ---- helpers ----------------------------------------------------------------------------
function operation() {
  return document.querySelector("input[name=operation]:checked").value;
}

function setBusy(busy) {
  $("run").disabled = busy;
  $("insert").disabled = busy || !canInsert();
  $("copy").disabled = busy || !canCopy();
}

/** Keyboard focus to `id` (headings get tabindex=-1 in the page for this). */
function focus(id) {
  const target = $(id);
  if (target && !target.hidden) target.focus();
}

/** The host cannot take a result at all (requirement sets): said before anything is sent. */
function hostRefusal() {
  if (state.host === "word" && !word.supportsTrackedInsert()) return word.REFUSAL_BEFORE;
  if (state.host === "excel" && !excel.supportsProposals()) return excel.REFUSAL_BEFORE;
  return null;
}

/** Drop the Word source marker of a result that will not be inserted (errors ignored: best effort). */
function forgetMarker(holder) {
  if (!holder || !holder.bookmark) return;
  const name = holder.bookmark;
  holder.bookmark = null;
  word.forgetSource(name).catch(() => {});
}

function showError(exc) {
  if (exc instanceof api.ApiError || exc instanceof HostError) {
    status("error", exc.message);
    return;
  }
  const detail = exc && exc.code ? `（${exc.code}）` : "";
  status("error", `Office の操作中に問題が起きました${detail}。文書は変更されていないか確認し、もう一度お試しください。`);
  console.error(exc);
}

function resetOutput() {
  forgetMarker(state.pending);
  forgetMarker(state.last);
  state.pending = null;
  state.last = null;
  for (const id of ["check", "confirm", "confirm-host", "result", "progress", "copy-buffer", "copy-label"]) show(id, false);
  status("", "");
  $("insert-note").textContent = "";
}

async function readSelection() {
  if (state.host === "word") {
    const sel = await word.readSelection();
    return { ...sel, empty: !sel.text.trim() };
  }
  const sel = await excel.readSelection();
  return { ...sel, empty: !cellsAsText(sel.values).replace(/[\t\n]/g, "").trim() };
}

function payloadFor(op, selection) {
  const body = { host: state.host, operation: op, series_id: seriesId() };
  const instruction = $("instruction").value.trim();
  if (instruction) body.instruction = instruction;
  if (state.host === "word") body.text = selection.text;
  // Proofreading edits refer to the cells joined as text: send strings so both sides join alike.
  else body.cells = op === "proofread" ? cellsAsStrings(selection.values) : selection.values;
  return body;
}

// ---- select → check → confirm -------------------------------------------------------------
async function onRun() {
  resetOutput();
  const op = operation();
  setBusy(true);
  try {
    const selection = await readSelection();
    if (selection.empty) {
      status("error", state.host === "word"
        ? "文章が選択されていません。文書で範囲を選んでから実行してください。"
        : "セルが選択されていないか、空です。内容のあるセルを選んでから実行してください。");
      return;
    }
    if (state.host === "excel" && !state.targetTouched) $("target-cell").value = excel.defaultSummaryTarget(selection);
    const payload = payloadFor(op, selection);
    status("info", "ガイドラインに沿って内容を確認しています…");
    let verdict;
    try {
      verdict = await api.check(payload);
    } catch (exc) {
      if (!(exc instanceof api.ApiError && exc.isPolicyBlock)) throw exc;
      verdict = { allowed: false, findings: exc.findings, persons: exc.persons };
    }
    renderFindings("check-findings", verdict.findings, "ガイドライン上の問題は見つかりませんでした。");
    renderPersons(verdict.persons, state.config.person_limit);
    show("check");
    const findings = verdict.findings || [];
    if (verdict.allowed === false || findings.some((f) => f.severity === "block")) {
      status("error", "ガイドラインにより、この内容は送信できません。上の確認結果を見て、内容や範囲を直してください。");
      focus("check-heading");
      return;
    }
    state.pending = { operation: op, payload, selection, bookmark: null };
    const refusal = hostRefusal();
    const warned = findings.some((f) => f.severity === "warn");
    if (refusal || warned) {
      $("confirm-host").textContent = refusal || "";
      show("confirm-host", Boolean(refusal));
      show("confirm-text", warned);
      show("confirm");
      status("info", refusal
        ? "この環境では結果を文書に入れられません。コピーだけで良ければ「確認したので送信する」を押してください。"
        : "注意事項があります。確認してから「確認したので送信する」を押してください。");
      focus("check-heading");
      return;
    }
    await send();
  } catch (exc) {
    showError(exc);
  } finally {
    setBusy(false);
  }
}

// ---- send, with progress, streaming preview and cancel ------------------------------------
async function send() {
  const pending = state.pending;
  if (!pending) return;
  show("confirm", false);
  const controller = new AbortController();
  state.controller = controller;
  $("preview").textContent = "";
  show("preview-box", false);
  show("progress");
  status("info", pending.operation === "summarize" ? "要約を作成しています…" : "校正しています…");
  setBusy(true);
  let delivered = false;
  try {
    // Remember where the source is (Word), so the result goes next to it wherever the cursor is.
    if (state.host === "word" && word.supportsTrackedInsert()) {
      pending.bookmark = await word.markSource(pending.selection.text);
    }
    let response;
    if (pending.operation === "summarize") {
      // The preview is only a preview: never insertable or copyable; the `result` event decides.
      const onDelta = (text) => {
        show("preview-box");
        $("preview").textContent += text;
      };
      try {
        response = await api.summarizeStream(pending.payload, { onDelta, signal: controller.signal });
      } catch (exc) {
        if (!(exc instanceof api.ApiError && exc.status === 404)) throw exc;
        response = await api.summarize(pending.payload, controller.signal); // server without streaming
      }
    } else {
      response = await api.proofread(pending.payload, controller.signal);
    }
    delivered = true;
    showResult(pending, response);
  } catch (exc) {
    const hadFocus = $("progress").contains(document.activeElement);
    $("preview").textContent = ""; // a preview without its `result` is discarded, never kept
    show("preview-box", false);
    if (exc && exc.name === "AbortError") {
      status("info", "キャンセルしました。文書は変更していません。");
    } else if (exc instanceof api.ApiError && exc.isPolicyBlock) {
      renderFindings("check-findings", exc.findings);
      show("check");
      status("error", exc.message);
    } else if (exc instanceof api.ApiError && exc.afterDeltas) {
      status("error", `${exc.message} 途中まで表示した内容は確定していないため破棄しました（挿入・コピーはできません）。`);
    } else {
      showError(exc);
    }
    if (hadFocus) focus("run");
  } finally {
    show("progress", false);
    state.controller = null;
    if (!delivered) forgetMarker(pending);
    state.pending = null;
    setBusy(false);
  }
}

// ---- result, review checklist, insert ---------------------------------------------------
function reviewed() {
  return [...document.querySelectorAll(".review")].every((box) => box.checked);
}

/** The review gate (common-7): insert needs the whole checklist, once per result. */
function canInsert() {
  const last = state.last;
  if (!last || last.inserted || last.refused || last.nothing || last.stale) return false;
  return reviewed();
}

/** Copying is using the result too: the same checklist first. */
function canCopy() {
  const last = state.last;
  if (!last || last.nothing || !last.copyText) return false;
  return reviewed();
}

function cellNamer(selection) {
  return (row, col) => cellAddress(selection.rowIndex + row, selection.columnIndex + col);
}

function showResult(pending, response) {
  const result = response.result || {};
  const text = result.text || "";
  const last = { ...pending, response, copyText: text, proposals: null, refused: false, nothing: false };
  const notes = [];
  const cellName = state.host === "excel" ? cellNamer(pending.selection) : null;
  renderNotes("notes-box", "notes", pending.operation === "proofread" ? result.notes : [], cellName);
  if (pending.operation === "proofread") {
    const edits = result.edits || [];
    renderEdits("edits-box", "edits", edits, cellName);
    if (state.host === "excel") {
      const { proposals, skipped } = cellProposals(pending.selection.values, edits, result.cells);
      last.proposals = proposals;
      last.copyText = proposals.map((p) => p.text).join("\n");
      const sel = pending.selection;
      last.displayText = proposals
        .map((p) => `${cellAddress(sel.rowIndex + p.row, sel.columnIndex + p.col)}：${p.text}`)
        .join("\n");
      if (skipped.length) notes.push(`${fmt(skipped.length)} 件の修正はセルに対応づけられないため書き込みません。`);
    }
    if (edits.length === 0) {
      last.nothing = true;
      notes.push("修正の提案はありませんでした。文書は変更しません。");
    }
  } else {
    show("edits-box", false);
    if (!text.trim()) {
      last.nothing = true;
      notes.push("要約の結果が空でした。範囲を見直してください。");
    }
  }
  if (state.host === "word" && !word.supportsTrackedInsert()) {
    last.refused = true;
    notes.push(word.REFUSAL);
  } else if (state.host === "excel" && !excel.supportsProposals()) {
    last.refused = true;
    notes.push(excel.REFUSAL);
  }
  if (last.nothing) forgetMarker(last);
  state.last = last;
  // Excel proposals are shown cell by cell; spans refer to the joined text, so no highlights there.
  if (last.displayText !== undefined) renderHighlighted("result-text", last.displayText, []);
  else renderHighlighted("result-text", text, response.findings);
  renderFindings("result-findings", response.findings, "結果について自動で見つかった注意点はありません。それでも必ず確認してください。");
  $("request-id").textContent = response.request_id || "";
  $("model-name").textContent = response.model || "";
  for (const box of document.querySelectorAll(".review")) box.checked = false;
  $("insert").textContent = state.host === "word" ? "文書に挿入（変更履歴）" : "提案をセルに書き込む";
  show("excel-target", state.host === "excel" && pending.operation === "summarize");
  $("insert-note").textContent = notes.join(" ");
  show("copy-buffer", false);
  show("copy-label", false);
  show("result");
  status("info", last.nothing
    ? "結果が届きました。挿入するものはありません。"
    : "結果が届きました。内容を確認し、下の確認項目にすべてチェックしてから挿入またはコピーしてください。");
  setBusy(false);
  focus("result-heading");
}

async function onInsert() {
  const last = state.last;
  if (!canInsert()) return;
  const response = last.response;
  const common = { requestId: response.request_id, model: response.model };
  setBusy(true);
  try {
    let message;
    let kind = "ok";
    if (state.host === "word") {
      const where = { bookmark: last.bookmark, sentText: last.selection.text };
      const r = last.operation === "summarize"
        ? await word.insertSummary({ ...common, ...where, text: response.result.text })
        : await word.applyProofread({ ...common, ...where, edits: response.result.edits || [] });
      last.bookmark = null; // deleted with the insertion
      if (r.applied === 0) {
        kind = "info";
        message = "反映できる修正がなかったため、文書は変更していません。一覧を見て手で直してください。";
      } else {
        message = last.operation === "summarize"
          ? "要約を、実行したときに選んでいた文章の後ろに変更履歴付きで挿入しました。"
          : "修正を変更履歴付きで反映しました。";
        message += "変更履歴の記録は元の設定に戻しました。［校閲］タブで内容を確認し、編集してから承諾してください。";
      }
      if (r.applied > 0 && r.skipped.length) {
        message += ` ${fmt(r.skipped.length)} 件の修正は自動で反映できなかったため、一覧を見て手で直してください。`;
      }
    } else {
      const r = last.operation === "summarize"
        ? await excel.writeSummary({ ...common, sheet: last.selection.sheet, target: $("target-cell").value, text: response.result.text })
        : await excel.writeProofread({ ...common, selection: last.selection, proposals: last.proposals });
      message = `提案をシート「${r.sheet}」の ${r.shown} に書き込み、そのセルを選択しました。元のセルは変更していません。各セルのコメントを確認してください。`;
      if (r.newSheet) message += ` 右側のセルが空いていなかったため、新しいシート「${r.sheet}」を作りました。`;
    }
    last.inserted = true;
    status(kind, message);
    focus("status");
  } catch (exc) {
    if (exc instanceof HostError && (exc.code === "source_gone" || exc.code === "source_changed")) {
      last.stale = true; // the place is gone: this result can no longer be inserted, only copied
      forgetMarker(last);
    }
    showError(exc);
  } finally {
    setBusy(false);
  }
}

function offerCopy() {
  const buffer = $("copy-buffer");
  buffer.value = state.last ? state.last.copyText : "";
  show("copy-label");
  show("copy-buffer");
}

async function onCopy() {
  if (!canCopy()) return;
  offerCopy();
  const text = $("copy-buffer").value;
  try {
    await navigator.clipboard.writeText(text);
    status("ok", "結果をコピーしました。貼り付けたあと、内容を確認して編集してください。");
  } catch {
    $("copy-buffer").select();
    const copied = document.execCommand && document.execCommand("copy");
    status(copied ? "ok" : "info", copied
      ? "結果をコピーしました。貼り付けたあと、内容を確認して編集してください。"
      : "自動でコピーできませんでした。下の欄の文章を選んでコピーしてください。");
  }
}

// ---- start -------------------------------------------------------------------------------
function wire() {
  $("run").addEventListener("click", onRun);
  $("confirm-send").addEventListener("click", send);
  $("confirm-cancel").addEventListener("click", () => {
    state.pending = null;
    show("confirm", false);
    status("info", "送信しませんでした。");
    focus("run");
  });
  $("cancel").addEventListener("click", () => state.controller && state.controller.abort());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.controller) {
      event.preventDefault();
      state.controller.abort();
    }
  });
  $("insert").addEventListener("click", onInsert);
  $("copy").addEventListener("click", onCopy);
  for (const box of document.querySelectorAll(".review")) box.addEventListener("change", () => setBusy(false));
  $("new-series").addEventListener("click", () => {
    $("series").value = newSeriesName();
    saveSeries($("series").value);
    status("info", `新しい作業「${$("series").value}」を始めました。人数はこの作業で数え直します。`);
  });
  $("series").addEventListener("change", () => {
    if ($("series").value.trim()) saveSeries($("series").value.trim()); // the person named a task
  });
  $("target-cell").addEventListener("input", () => {
    state.targetTouched = true;
  });
  for (const radio of document.querySelectorAll("input[name=operation]")) {
    radio.addEventListener("change", () => show("excel-target", state.host === "excel" && operation() === "summarize"));
  }
  $("dev-user").addEventListener("change", () => {
    api.setDevUser($("dev-user").value);
    updateHostLabel();
  });
}

function updateHostLabel() {
  const name = state.host === "word" ? "Word" : "Excel";
  $("host-label").textContent = state.config.auth_mode === "dev" ? `${name}・開発モード（${api.devUser()}）` : name;
}

async function start(info) {
  const host = info.host === Office.HostType.Word ? "word" : info.host === Office.HostType.Excel ? "excel" : null;
  if (!host) {
    $("host-label").textContent = "Word または Excel から開いてください";
    return;
  }
  state.host = host;
  document.body.dataset.host = host;
  wire();
  // Nothing is written on open: the name is stored when the person names a task or runs one.
  $("series").value = loadSeries() || newSeriesName();
  show("excel-target", host === "excel" && operation() === "summarize");
  show("app");
  try {
    state.config = await api.getConfig();
  } catch (exc) {
    showError(exc);
  }
  const cfg = state.config;
  api.configureAuth(cfg.auth_mode, officeToken);
  $("person-limit").textContent = fmt(cfg.person_limit ?? 1000);
  if (cfg.incident_contact) $("incident-contact").textContent = cfg.incident_contact;
  $("dev-user").value = api.devUser();
  show("dev-identity", cfg.auth_mode === "dev");
  updateHostLabel();
  startViews({ host, config: cfg, api });
  document.body.dataset.ready = "1";
}

registerView("generate");

Office.onReady(start);
