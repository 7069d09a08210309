// The task pane: Office.onReady decides Word or Excel, then select → check → send → review → insert.

import * as api from "./api.js";
import { officeToken } from "./auth.js";
import * as excel from "./excel.js";
import { $, fmt, renderEdits, renderFindings, renderHighlighted, renderPersons, show, status } from "./ui.js";
import { cellAddress, cellProposals, cellsAsStrings, cellsAsText, HostError } from "./util.js";
import * as word from "./word.js";

const SERIES_SETTING = "oasisSeriesId";
const state = {
  host: null,
  config: { auth_mode: "dev", person_limit: 1000 },
  pending: null, // {operation, payload, selection} waiting for the person's confirmation
  last: null, // {operation, selection, response, proposals, copyText}
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
    settings.set(SERIES_SETTING, value);
    settings.saveAsync(() => {});
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
}

function showError(exc) {
  if (exc instanceof api.ApiError || exc instanceof HostError) {
    status("error", exc.message);
    if (exc.offerCopy) offerCopy();
    return;
  }
  const detail = exc && exc.code ? `（${exc.code}）` : "";
  status("error", `Office の操作中に問題が起きました${detail}。文書は変更されていないか確認し、もう一度お試しください。`);
  console.error(exc);
}

function resetOutput() {
  state.pending = null;
  state.last = null;
  for (const id of ["check", "confirm", "result", "progress", "status", "copy-buffer"]) show(id, false);
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
      return;
    }
    state.pending = { operation: op, payload, selection };
    if (findings.some((f) => f.severity === "warn")) {
      show("confirm");
      status("info", "注意事項があります。確認してから「確認したので送信する」を押してください。");
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
  show("preview", pending.operation === "summarize");
  show("progress");
  status("info", pending.operation === "summarize" ? "要約を作成しています…" : "校正しています…");
  setBusy(true);
  try {
    let response;
    if (pending.operation === "summarize") {
      const onDelta = (text) => {
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
    showResult(pending, response);
  } catch (exc) {
    if (exc && exc.name === "AbortError") {
      status("info", "キャンセルしました。文書は変更していません。");
    } else if (exc instanceof api.ApiError && exc.isPolicyBlock) {
      renderFindings("check-findings", exc.findings);
      show("check");
      status("error", exc.message);
    } else {
      showError(exc);
    }
  } finally {
    show("progress", false);
    state.controller = null;
    state.pending = null;
    setBusy(false);
  }
}

// ---- result, review checklist, insert ---------------------------------------------------
function canInsert() {
  const last = state.last;
  if (!last || last.inserted || last.refused || last.nothing) return false;
  return [...document.querySelectorAll(".review")].every((box) => box.checked);
}

function showResult(pending, response) {
  const result = response.result || {};
  const text = result.text || "";
  const last = { ...pending, response, copyText: text, proposals: null, refused: false, nothing: false };
  const notes = [];
  if (pending.operation === "proofread") {
    const edits = result.edits || [];
    renderEdits("edits", edits);
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
      notes.push("修正の提案はありませんでした。");
    }
  } else {
    show("edits", false);
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
  show("result");
  status("info", "結果が届きました。内容を確認し、下の確認項目にチェックしてから挿入してください。");
  if (last.refused) offerCopy();
  setBusy(false);
}

async function onInsert() {
  const last = state.last;
  if (!canInsert()) return;
  const response = last.response;
  const common = { requestId: response.request_id, model: response.model };
  setBusy(true);
  try {
    let message;
    if (state.host === "word") {
      const r = last.operation === "summarize"
        ? await word.insertSummary({ ...common, text: response.result.text })
        : await word.applyProofread({ ...common, sentText: last.selection.text, edits: response.result.edits || [] });
      message = "変更履歴の記録をオンにして挿入しました（すべての変更を記録）。［校閲］タブで内容を確認し、編集してから承諾してください。";
      if (r.skipped.length) {
        message += ` ${fmt(r.skipped.length)} 件の修正は自動で反映できなかったため、一覧を見て手で直してください。`;
      }
    } else {
      const r = last.operation === "summarize"
        ? await excel.writeSummary({ ...common, sheet: last.selection.sheet, target: $("target-cell").value, text: response.result.text })
        : await excel.writeProofread({ ...common, selection: last.selection, proposals: last.proposals });
      message = `提案を書き込みました（${r.written.join("、")}）。元のセルは変更していません。各セルのコメントを確認してください。`;
      if (r.newSheet) message += ` 右側のセルが空いていなかったため、新しいシート「${r.sheet}」に書き込みました。`;
    }
    last.inserted = true;
    status("ok", message);
  } catch (exc) {
    showError(exc);
  } finally {
    setBusy(false);
  }
}

function offerCopy() {
  const buffer = $("copy-buffer");
  buffer.value = state.last ? state.last.copyText : "";
  show("copy-buffer");
}

async function onCopy() {
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
  });
  $("cancel").addEventListener("click", () => state.controller && state.controller.abort());
  $("insert").addEventListener("click", onInsert);
  $("copy").addEventListener("click", onCopy);
  for (const box of document.querySelectorAll(".review")) box.addEventListener("change", () => setBusy(false));
  $("new-series").addEventListener("click", () => {
    $("series").value = newSeriesName();
    saveSeries($("series").value);
    status("info", `新しい作業「${$("series").value}」を始めました。人数はこの作業で数え直します。`);
  });
  $("series").addEventListener("change", () => seriesId());
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
  $("series").value = loadSeries() || newSeriesName();
  saveSeries($("series").value);
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
  document.body.dataset.ready = "1";
}

Office.onReady(start);
