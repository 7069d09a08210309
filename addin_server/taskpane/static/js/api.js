// Every HTTP request of the task pane goes through this module. It is also the one place where
// the API's offsets (Unicode code points) become JavaScript string indices (UTF-16): everything
// past this module indexes strings the JavaScript way and never sees a code-point offset.

import { cellsAsText, codePointIndex } from "./util.js";

const BASE = "/api/v1";
const DEV_USER_KEY = "oasis.devUser";
const DEFAULT_DEV_USER = "dev-user";

const STATUS_MESSAGES = {
  400: "送信した内容の形式が正しくありません。",
  401: "本人確認ができませんでした。サインインし直してから、もう一度お試しください。",
  403: "この操作は許可されていません（庁内ネットワークや権限を確認してください）。",
  404: "サーバーの機能が見つかりません。管理者に連絡してください。",
  413: "選択範囲が長すぎます。範囲を分けて実行してください。",
  422: "ガイドラインにより送信できない内容が含まれています。",
  429: "短時間に多くの依頼がありました。少し待ってから、もう一度お試しください。",
  500: "サーバーで問題が起きました。時間をおいて、もう一度お試しください。",
  502: "AI モデルから正しい応答がありませんでした。時間をおいて、もう一度お試しください。",
  503: "AI モデルが現在利用できません。時間をおいて、もう一度お試しください。",
  504: "AI モデルの応答が時間内にありませんでした。範囲を短くするか、時間をおいてお試しください。",
};

export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.allowed = extra.allowed;
    this.findings = extra.findings || [];
    this.persons = extra.persons || null;
    this.afterDeltas = false; // set by summarizeStream: a preview was shown and must be discarded
  }
  get isPolicyBlock() {
    return this.allowed === false;
  }
}

let authMode = "dev";
let tokenProvider = null;

/** auth_mode from /config; tokenProvider() resolves to a bearer token (entra mode). */
export function configureAuth(mode, provider) {
  authMode = mode;
  tokenProvider = provider;
}

export function devUser() {
  try {
    return localStorage.getItem(DEV_USER_KEY) || DEFAULT_DEV_USER;
  } catch {
    return DEFAULT_DEV_USER;
  }
}

export function setDevUser(name) {
  try {
    localStorage.setItem(DEV_USER_KEY, name.trim() || DEFAULT_DEV_USER);
  } catch {
    // storage may be blocked in some hosts; the default identity is used then
  }
}

async function headers(json) {
  const h = { Accept: json ? "application/json" : "text/event-stream" };
  h["Content-Type"] = "application/json";
  if (authMode === "entra") {
    h.Authorization = `Bearer ${await tokenProvider()}`;
  } else {
    h["X-Oasis-User"] = devUser();
  }
  return h;
}

function errorFromBody(status, body) {
  const err = body && typeof body === "object" ? body.error || {} : {};
  const message = typeof err.message === "string" && err.message ? err.message : STATUS_MESSAGES[status] ||
    `サーバーから予期しない応答がありました（${status}）。`;
  return new ApiError(status, err.code || `http_${status}`, message, {
    allowed: body && body.allowed,
    findings: body && body.findings,
    persons: body && body.persons,
  });
}

function networkError(exc) {
  if (exc && exc.name === "AbortError") return exc;
  if (exc instanceof ApiError) return exc;
  return new ApiError(0, "network", "サーバーに接続できませんでした。ネットワークを確認して、もう一度お試しください。");
}

async function request(method, path, body, signal) {
  let resp;
  try {
    resp = await fetch(BASE + path, {
      method,
      headers: await headers(true),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: "same-origin",
    });
  } catch (exc) {
    throw networkError(exc);
  }
  let data = null;
  try {
    data = await resp.json();
  } catch {
    data = null;
  }
  if (!resp.ok) throw errorFromBody(resp.status, data);
  if (data === null) throw new ApiError(resp.status, "bad_response", "サーバーの応答を読み取れませんでした。");
  return data;
}

/** Rules whose spans point into the model's answer (result.text); all others into the request. */
export const OUTPUT_RULES = new Set(["common-5", "common-6"]);

function cellString(cells, row, col) {
  const value = Array.isArray(cells) && Array.isArray(cells[row]) ? cells[row][col] : undefined;
  return value === null || value === undefined ? "" : String(value);
}

/**
 * A copy of `response` whose offsets (edits, notes, finding spans) are UTF-16 indices. Offsets of
 * items carrying row/col count inside that cell; the others count in the request text (for cells,
 * the cells joined by tab and newline) or, for output rules, in result.text.
 */
export function toUtf16(body, response) {
  if (!response || typeof response !== "object") return response;
  const cells = Array.isArray(body.cells) ? body.cells : null;
  const requestText = typeof body.text === "string" ? body.text : cells ? cellsAsText(cells) : "";
  const requestIndex = codePointIndex(requestText);
  const result = response.result && typeof response.result === "object" ? response.result : null;
  const outputIndex = codePointIndex(result && typeof result.text === "string" ? result.text : "");
  const cellIndexes = new Map();
  const indexFor = (item, fallback) => {
    if (cells && typeof item.row === "number") {
      const key = `${item.row},${item.col}`;
      if (!cellIndexes.has(key)) cellIndexes.set(key, codePointIndex(cellString(cells, item.row, item.col)));
      return cellIndexes.get(key);
    }
    return fallback;
  };
  const convert = (item, fallback) => {
    if (!item || typeof item !== "object" || typeof item.start !== "number") return item;
    const index = indexFor(item, fallback);
    return { ...item, start: index(item.start), end: index(typeof item.end === "number" ? item.end : item.start) };
  };
  const out = { ...response };
  if (Array.isArray(response.findings)) {
    out.findings = response.findings.map((f) => {
      const fallback = OUTPUT_RULES.has(f.rule) ? outputIndex : requestIndex;
      return Array.isArray(f.spans) ? { ...f, spans: f.spans.map((s) => convert(s, fallback)) } : f;
    });
  }
  if (result) {
    out.result = { ...result };
    for (const key of ["edits", "notes"]) {
      if (Array.isArray(result[key])) out.result[key] = result[key].map((e) => convert(e, requestIndex));
    }
  }
  return out;
}

export function getConfig() {
  return request("GET", "/config");
}

export async function check(body, signal) {
  try {
    return toUtf16(body, await request("POST", "/check", body, signal));
  } catch (exc) {
    if (exc instanceof ApiError) exc.findings = toUtf16(body, { findings: exc.findings }).findings;
    throw exc;
  }
}

export async function summarize(body, signal) {
  return toUtf16(body, await request("POST", "/summarize", body, signal));
}

export async function proofread(body, signal) {
  return toUtf16(body, await request("POST", "/proofread", body, signal));
}

/** 公開前チェック: the document's parts, classified on the server by the batch tagger's rules. */
export function disclosureCheck(body, signal) {
  return request("POST", "/disclosure/check", body, signal);
}

/** Parse one server-sent event block ("event: x\ndata: y"). */
function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const idx = line.indexOf(":");
    const field = idx < 0 ? line : line.slice(0, idx);
    let value = idx < 0 ? "" : line.slice(idx + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return { event, data: data.join("\n") };
}

/**
 * POST /summarize/stream and read its server-sent events with fetch (EventSource cannot POST).
 * onDelta(text) gets each chunk; resolves to the same JSON the non-streaming 200 returns. The
 * deltas are only a preview: an `error` event after them (the answer could not be recorded)
 * rejects with an ApiError whose `afterDeltas` is true, and the caller must discard the preview.
 */
export async function summarizeStream(body, { onDelta, signal } = {}) {
  let resp;
  try {
    resp = await fetch(`${BASE}/summarize/stream`, {
      method: "POST",
      headers: await headers(false),
      body: JSON.stringify(body),
      signal,
      credentials: "same-origin",
    });
  } catch (exc) {
    throw networkError(exc);
  }
  if (!resp.ok) {
    let data = null;
    try {
      data = await resp.json();
    } catch {
      data = null;
    }
    throw errorFromBody(resp.status, data);
  }
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let deltas = 0;
  const fail = (exc) => {
    if (exc instanceof ApiError) exc.afterDeltas = deltas > 0;
    return exc;
  };
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (exc) {
        throw fail(networkError(exc));
      }
      if (chunk.done) break;
      buffer += chunk.value.replace(/\r\n?/g, "\n");
      let sep;
      while ((sep = buffer.indexOf("\n\n")) >= 0) {
        const { event, data } = parseEvent(buffer.slice(0, sep));
        buffer = buffer.slice(sep + 2);
        if (!data) continue;
        let payload;
        try {
          payload = JSON.parse(data);
        } catch {
          throw fail(new ApiError(resp.status, "bad_response", "サーバーの応答を読み取れませんでした。"));
        }
        if (event === "delta") {
          deltas += 1;
          if (onDelta) onDelta(payload.text || "");
        } else if (event === "result") {
          return toUtf16(body, payload);
        } else if (event === "error") {
          throw fail(errorFromBody(payload.status || 500, payload));
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
  throw fail(new ApiError(resp.status, "stream_incomplete", "AI の応答が途中で途切れました。もう一度お試しください。"));
}
