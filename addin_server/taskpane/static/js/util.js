// Small pure helpers shared by the host modules and the page logic (no Office, no HTTP).

/** An error whose message is Japanese and meant for the person (host refused, selection changed…). */
export class HostError extends Error {
  constructor(message, { offerCopy = false, code = "host" } = {}) {
    super(message);
    this.name = "HostError";
    this.offerCopy = offerCopy;
    this.code = code;
  }
}

/** Apply non-overlapping edits ({start, end, replacement}) to text. */
export function applyEdits(text, edits) {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = "";
  let pos = 0;
  for (const e of sorted) {
    out += text.slice(pos, e.start) + e.replacement;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** Cells as the server joins them: tab between cells, newline between rows. */
export function cellsAsText(cells) {
  return cells.map((row) => row.map((c) => (c === null || c === undefined ? "" : String(c))).join("\t")).join("\n");
}

/** Cells with every value as a string, so offsets in cellsAsText match on both sides. */
export function cellsAsStrings(cells) {
  return cells.map((row) => row.map((c) => (c === null || c === undefined ? "" : String(c))));
}

/**
 * Per-cell proposals. The server's `resultCells` (corrected text per cell, null where nothing
 * changed) wins; else edits carry row/col with offsets inside the cell, or offsets into
 * cellsAsText(cells). Returns {proposals: [{row, col, original, text, edits}], skipped: [edit]};
 * only changed cells get a proposal.
 */
export function cellProposals(cells, edits, resultCells = null) {
  const strings = cellsAsStrings(cells);
  if (Array.isArray(resultCells)) {
    const proposals = [];
    resultCells.forEach((row, r) => {
      (row || []).forEach((value, c) => {
        const original = (strings[r] || [])[c];
        if (typeof value !== "string" || original === undefined || value === original) return;
        const cellEdits = edits.filter((e) => e.row === r && e.col === c);
        proposals.push({ row: r, col: c, original, text: value, edits: cellEdits });
      });
    });
    return { proposals, skipped: [] };
  }
  const bounds = [];
  let pos = 0;
  strings.forEach((row, r) => {
    row.forEach((value, c) => {
      bounds.push({ row: r, col: c, start: pos, end: pos + value.length, value });
      pos += value.length + 1; // the tab or newline after the cell
    });
  });
  const byCell = new Map();
  const skipped = [];
  for (const edit of edits) {
    let e = edit;
    if (typeof edit.row === "number") {
      const b = bounds.find((x) => x.row === edit.row && x.col === edit.col);
      e = b ? { ...edit, start: edit.start + b.start, end: edit.end + b.start } : edit;
    }
    const cell = bounds.find((b) => e.start >= b.start && e.end <= b.end);
    if (!cell || cell.value.slice(e.start - cell.start, e.end - cell.start) !== e.original) {
      skipped.push(e);
      continue;
    }
    const list = byCell.get(cell) || [];
    list.push({ ...e, start: e.start - cell.start, end: e.end - cell.start });
    byCell.set(cell, list);
  }
  const proposals = [];
  for (const [cell, list] of byCell) {
    const text = applyEdits(cell.value, list);
    if (text !== cell.value) proposals.push({ row: cell.row, col: cell.col, original: cell.value, text, edits: list });
  }
  proposals.sort((a, b) => a.row - b.row || a.col - b.col);
  return { proposals, skipped };
}

/** Column letters for a 0-based index (0 -> A, 26 -> AA). */
export function columnName(index) {
  let n = index + 1;
  let name = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    name = String.fromCharCode(65 + rem) + name;
    n = Math.floor((n - 1) / 26);
  }
  return name;
}

export function cellAddress(row, col) {
  return `${columnName(col)}${row + 1}`;
}

/** Positions where `needle` occurs, scanning left to right without overlap (as Word's search does). */
export function occurrences(text, needle) {
  const found = [];
  if (!needle) return found;
  let i = text.indexOf(needle);
  while (i >= 0) {
    found.push(i);
    i = text.indexOf(needle, i + needle.length);
  }
  return found;
}

/**
 * A function mapping code-point offsets into `text` to UTF-16 indices (what String.slice uses).
 * The API counts Unicode code points; JavaScript strings count UTF-16 units, which differ after
 * any character outside the BMP (𠮷, 𩸽, emoji). An offset past the end stays past the end by the
 * same amount, so a bad offset stays detectably bad.
 */
export function codePointIndex(text) {
  const map = [0];
  for (const ch of text) map.push(map[map.length - 1] + ch.length);
  const last = map.length - 1;
  return (cp) => {
    if (!Number.isInteger(cp) || cp < 0) return cp;
    return cp <= last ? map[cp] : text.length + (cp - last);
  };
}
