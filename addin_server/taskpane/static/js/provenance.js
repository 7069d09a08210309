// Provenance contract (CONTRACTS.md, "Provenance in documents"): shared by the Word and Excel
// modules; the batch tagger (docx_tools) reads what these functions write.

export const TITLE = "生成AI出力（要確認）";
export const NAMESPACE = "urn:oasis-addin:provenance:v1";
export const EXCEL_SHEET = "_oasis_provenance";
export const EXCEL_HEADER = ["cell", "id", "operation", "model", "created", "sha256", "text"];

export function tagFor(requestId) {
  return `oasis:${requestId}`;
}

export function commentFor(requestId) {
  return `${TITLE} ${requestId}`;
}

/** ISO 8601 UTC without milliseconds, e.g. 2026-11-26T12:00:00Z. */
export function nowIso(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Hex SHA-256 of the UTF-8 of the NFC form of `text`. */
export async function sha256Hex(text) {
  const bytes = new TextEncoder().encode(text.normalize("NFC"));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** {id, operation, model, created, sha256, text} for one insertion. */
export async function makeInsertion({ requestId, operation, model, text }) {
  return { id: requestId, operation, model: model || "", created: nowIso(), sha256: await sha256Hex(text), text };
}

/** The control tag of one applied proofread edit (n is 1-based among the applied edits). */
export function editTagFor(requestId, n) {
  return `oasis:${requestId}#${n}`;
}

/**
 * A proofread in the per-edit format: `replacements` are the applied edits' replacement texts in
 * text order ("" for a deletion); the insertion's text is them joined by "\n", and each becomes an
 * <edit n sha256><text/></edit> (shared/CONTRACTS.md provenance, contract 3).
 */
export async function makeProofreadInsertion({ requestId, model, replacements }) {
  const ins = await makeInsertion({ requestId, operation: "proofread", model, text: replacements.join("\n") });
  ins.edits = [];
  for (const [i, text] of replacements.entries()) ins.edits.push({ n: i + 1, sha256: await sha256Hex(text), text });
  return ins;
}

function insertionElement(doc, ins) {
  const el = doc.createElementNS(NAMESPACE, "insertion");
  for (const key of ["id", "operation", "model", "created", "sha256"]) el.setAttribute(key, ins[key]);
  const text = doc.createElementNS(NAMESPACE, "text");
  text.textContent = ins.text;
  el.appendChild(text);
  for (const edit of ins.edits || []) {
    const e = doc.createElementNS(NAMESPACE, "edit");
    e.setAttribute("n", String(edit.n));
    e.setAttribute("sha256", edit.sha256);
    const t = doc.createElementNS(NAMESPACE, "text");
    t.textContent = edit.text;
    e.appendChild(t);
    el.appendChild(e);
  }
  return el;
}

/** The custom XML part holding `ins`; appended to `existingXml` when the document already has one. */
export function provenanceXml(ins, existingXml = null) {
  let doc = null;
  if (existingXml) {
    const parsed = new DOMParser().parseFromString(existingXml, "application/xml");
    const root = parsed.documentElement;
    if (root && root.namespaceURI === NAMESPACE && root.localName === "provenance") doc = parsed;
  }
  if (!doc) doc = document.implementation.createDocument(NAMESPACE, "provenance", null);
  doc.documentElement.appendChild(insertionElement(doc, ins));
  const xml = new XMLSerializer().serializeToString(doc);
  return xml.startsWith("<?xml") ? xml : `<?xml version="1.0" encoding="UTF-8"?>${xml}`;
}

/** `'Sheet name'!C2` (quotes doubled inside the name). */
export function excelCellRef(sheetName, address) {
  return `'${sheetName.replace(/'/g, "''")}'!${address}`;
}
