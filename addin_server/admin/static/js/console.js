// The admin console: search the audit log, the series against the person limit, chain
// verification and export. Every value from the server is written with textContent (never HTML).

const OUTCOME_JA = {
  allowed: "許可", blocked: "ルールで停止", failed: "失敗", interrupted: "中断", pending: "処理中",
  checked: "事前確認", read: "閲覧", purge: "削除", rejected: "拒否",
};
const LEVEL_JA = { over: "上限に到達", near: "上限に近い", ok: "余裕あり" };
const $ = (id) => document.getElementById(id);
const csrf = document.querySelector('meta[name="csrf-token"]').content;

let nextCursor = null;

function say(text) {
  $("status").textContent = text;
}

function fail(message) {
  const el = $("alert");
  el.textContent = message;
  el.hidden = false;
}

async function call(path, options = {}) {
  $("alert").hidden = true;
  const resp = await fetch(path, {
    credentials: "same-origin",
    ...options,
    headers: { Accept: "application/json", "X-CSRFToken": csrf, ...(options.headers || {}) },
  });
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  if (resp.status === 401) {
    window.location.assign("/admin/signin");
    throw new Error("signin");
  }
  if (!resp.ok) {
    const message = body?.error?.message || `処理できませんでした（${resp.status}）。`;
    fail(message);
    throw new Error(message);
  }
  return body;
}

function filters() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData($("search"))) {
    if (String(value).trim()) params.set(key, String(value).trim());
  }
  return params;
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (cls) td.className = cls;
  row.append(td);
  return td;
}

function renderCounts(counts) {
  const list = $("counts");
  list.replaceChildren();
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
  for (const [outcome, n] of entries) {
    const li = document.createElement("li");
    li.className = `count outcome-${outcome}`;
    li.textContent = `${OUTCOME_JA[outcome] || outcome}（${outcome}）: ${n.toLocaleString("ja-JP")} 件`;
    list.append(li);
  }
  if (!entries.length) {
    const li = document.createElement("li");
    li.textContent = "0 件";
    list.append(li);
  }
}

function renderRows(items, append) {
  const body = $("results").tBodies[0];
  if (!append) body.replaceChildren();
  for (const rec of items) {
    const tr = document.createElement("tr");
    if (rec.outcome === "interrupted") tr.className = "interrupted";
    cell(tr, rec.created_at.replace("T", " ").slice(0, 19));
    cell(tr, rec.user_display ? `${rec.user_display}（${rec.user_id}）` : rec.user_id);
    cell(tr, rec.operation);
    const outcome = cell(tr, `${OUTCOME_JA[rec.outcome] || rec.outcome}`, `outcome outcome-${rec.outcome}`);
    if (rec.outcome === "interrupted") outcome.textContent = "中断（回答が記録されていません）";
    cell(tr, (rec.rules || []).join(", "));
    cell(tr, rec.series_id || "");
    const td = document.createElement("td");
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "secondary small";
    btn.textContent = "開く";
    btn.setAttribute("aria-label", `開く（${rec.created_at.replace("T", " ").slice(0, 19)} の記録）`);
    btn.addEventListener("click", () => openRecord(rec.request_id));
    td.append(btn);
    tr.append(td);
    body.append(tr);
  }
  $("empty").hidden = body.rows.length > 0;
}

async function search(append = false) {
  const params = filters();
  if (append && nextCursor) params.set("cursor", nextCursor);
  say("検索しています…");
  const page = await call(`/admin/api/audit?${params}`);
  renderRows(page.items, append);
  if (!append) renderCounts(page.counts);
  nextCursor = page.next_cursor;
  $("more").hidden = !nextCursor;
  // The total is the one found by the search; reading pages adds read records after it.
  if (!append) $("total").textContent = `（${page.total.toLocaleString("ja-JP")} 件）`;
  const shown = $("results").tBodies[0].rows.length.toLocaleString("ja-JP");
  say(append ? `${shown} 件を表示しています。` : `${page.total.toLocaleString("ja-JP")} 件見つかりました。${nextCursor ? "古い記録は「さらに古い記録を表示」で続きを読めます。" : ""}`);
  updateExportLinks();
}

function definition(list, term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value ?? "—";
  list.append(dt, dd);
}

async function openRecord(requestId) {
  const rec = await call(`/admin/api/audit/${encodeURIComponent(requestId)}`);
  const fields = $("detail-fields");
  fields.replaceChildren();
  definition(fields, "依頼ID", rec.request_id);
  definition(fields, "日時（UTC）", rec.created_at);
  definition(fields, "利用者", rec.user_display ? `${rec.user_display}（${rec.user_id}）` : rec.user_id);
  definition(fields, "操作・ホスト", `${rec.operation} / ${rec.host || "—"}`);
  definition(fields, "結果", `${OUTCOME_JA[rec.outcome] || rec.outcome}（${rec.outcome}）${rec.error_code ? ` — ${rec.error_code}` : ""}`);
  definition(fields, "作業名", rec.series_id);
  definition(fields, "指示", rec.instruction);
  definition(fields, "モデル", rec.model);
  definition(fields, "トークン（入力 / 出力）", rec.prompt_tokens == null ? null : `${rec.prompt_tokens} / ${rec.completion_tokens}`);
  definition(fields, "所要時間", rec.latency_ms == null ? null : `${rec.latency_ms} ms`);
  definition(fields, "マスク", rec.masked ? "個人番号などをマスクして保存" : "なし");
  const findings = $("detail-findings");
  findings.replaceChildren();
  for (const f of rec.findings || []) {
    const li = document.createElement("li");
    li.textContent = `[${f.severity === "block" ? "禁止" : f.severity === "warn" ? "注意" : "情報"}] ${f.rule}: ${f.message}`;
    findings.append(li);
  }
  if (!findings.children.length) {
    const li = document.createElement("li");
    li.textContent = "指摘はありません。";
    findings.append(li);
  }
  const cells = rec.request_cells ? rec.request_cells.map((r) => r.map((v) => v ?? "").join("\t")).join("\n") : "";
  $("detail-request").textContent = rec.request_text || cells || "（本文なし）";
  $("detail-response").textContent = rec.response_text || (rec.outcome === "interrupted" ? "（回答は記録されていません）" : "（回答なし）");
  const detail = $("detail");
  detail.hidden = false;
  detail.focus();
  say(`依頼 ${rec.request_id} の詳細を表示しました。`);
}

async function loadSeries() {
  say("一連の処理を読み込んでいます…");
  const page = await call("/admin/api/series?limit=200");
  const body = $("series-table").tBodies[0];
  body.replaceChildren();
  for (const s of page.items) {
    const tr = document.createElement("tr");
    tr.className = `level-${s.level}`;
    cell(tr, s.user_id);
    cell(tr, s.series);
    cell(tr, `${s.total.toLocaleString("ja-JP")} 人`);
    cell(tr, LEVEL_JA[s.level] || s.level, `level level-${s.level}`);
    cell(tr, String(s.updated_at).replace("T", " ").slice(0, 19));
    const td = document.createElement("td");
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "secondary small";
    btn.textContent = "依頼を見る";
    btn.setAttribute("aria-label", `依頼を見る（${s.user_id} の作業「${s.series}」）`);
    btn.addEventListener("click", async () => {
      $("search").reset();
      $("f-user").value = s.user_id;
      $("f-series").value = s.series;
      selectTab($("tab-log"));
      await search();
    });
    td.append(btn);
    tr.append(td);
    body.append(tr);
  }
  $("series-empty").hidden = page.items.length > 0;
  say(`${page.total.toLocaleString("ja-JP")} 件の作業があります。`);
}

async function verify() {
  const button = $("verify");
  button.disabled = true;
  say("検証しています…");
  try {
    const r = await call("/admin/api/verify", { method: "POST" });
    $("verify-result").hidden = false;
    $("v-ok").textContent = r.ok ? "正常（改ざんは見つかりませんでした）" : "問題あり";
    $("v-ok").className = r.ok ? "ok" : "bad";
    $("v-records").textContent = `${r.records.toLocaleString("ja-JP")} 件`;
    $("v-problem").textContent = r.problem ? r.problem.detail : "なし";
    $("v-at").textContent = r.verified_at;
    $("v-head").textContent = r.head;
    say(r.ok ? `検証が終わりました。${r.records} 件、正常です。` : `検証が終わりました。問題があります: ${r.problem.detail}`);
  } finally {
    button.disabled = false;
  }
}

function updateExportLinks() {
  const params = filters();
  for (const fmt of ["csv", "jsonl"]) {
    const p = new URLSearchParams(params);
    p.set("format", fmt);
    $(`export-${fmt}`).href = `/admin/api/export?${p}`;
  }
}

function selectTab(tab) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  tab.focus();
  if (tab.id === "tab-series") loadSeries().catch(() => {});
  if (tab.id === "tab-export") updateExportLinks();
}

function initTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length]);
    });
  }
}

function init() {
  initTabs();
  $("search").addEventListener("submit", (e) => {
    e.preventDefault();
    search().catch(() => {});
  });
  $("search").addEventListener("reset", () => setTimeout(updateExportLinks, 0));
  $("more").addEventListener("click", () => search(true).catch(() => {}));
  $("detail-close").addEventListener("click", () => {
    $("detail").hidden = true;
    $("results").focus();
  });
  $("verify").addEventListener("click", () => verify().catch(() => {}));
  search().catch(() => {});
}

init();
