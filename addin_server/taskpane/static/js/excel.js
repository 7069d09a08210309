// All Excel calls of the task pane. Results are written beside the original as proposals, with
// a comment on each written cell and a row in the very hidden provenance sheet; never overwriting.

import { commentFor, EXCEL_HEADER, EXCEL_SHEET, excelCellRef, makeInsertion } from "./provenance.js";
import { cellAddress, HostError } from "./util.js";

/** Comments need ExcelApi 1.10; without them provenance is incomplete, so nothing is written. */
export function supportsProposals() {
  return Office.context.requirements.isSetSupported("ExcelApi", "1.10");
}

export const REFUSAL =
  "この Excel はセルへのコメント追加（ExcelApi 1.10）に対応していないため、ブックには書き込みません。" +
  "確認項目にチェックしてから「結果をコピー」でコピーし、元のセルとは別のセルに貼り付けてください。";

/** Said before anything is sent when the host cannot take the result (so no request is wasted). */
export const REFUSAL_BEFORE =
  "この Excel はセルへのコメント追加（ExcelApi 1.10）に対応していないため、結果はブックに書き込めません。" +
  "送信すると、結果は確認のあとコピーして使うことだけができます。";

const ADDRESS = /^([A-Z]{1,3})([1-9][0-9]{0,6})$/;

export async function readSelection() {
  return Excel.run(async (ctx) => {
    const range = ctx.workbook.getSelectedRange();
    range.load(["address", "values", "rowIndex", "columnIndex", "rowCount", "columnCount"]);
    const ws = range.worksheet;
    ws.load("name");
    await ctx.sync();
    return {
      sheet: ws.name,
      address: range.address,
      values: range.values,
      rowIndex: range.rowIndex,
      columnIndex: range.columnIndex,
      rowCount: range.rowCount,
      columnCount: range.columnCount,
    };
  });
}

/** The default place for a summary: the cell just below the selection's first column. */
export function defaultSummaryTarget(sel) {
  return cellAddress(sel.rowIndex + sel.rowCount, sel.columnIndex);
}

export function parseTarget(text) {
  const m = ADDRESS.exec((text || "").trim().toUpperCase().replace(/\$/g, ""));
  if (!m) throw new HostError("書き込み先セルは「A10」のような形で指定してください。");
  return m[0];
}

function isEmpty(values) {
  return values.every((row) => row.every((v) => v === "" || v === null));
}

async function provenanceSheet(ctx) {
  const sheets = ctx.workbook.worksheets;
  let ws = sheets.getItemOrNullObject(EXCEL_SHEET);
  await ctx.sync();
  let next = 1;
  if (ws.isNullObject) {
    ws = sheets.add(EXCEL_SHEET);
    const header = ws.getRangeByIndexes(0, 0, 1, EXCEL_HEADER.length);
    header.numberFormat = [EXCEL_HEADER.map(() => "@")];
    header.values = [EXCEL_HEADER];
  } else {
    const used = ws.getUsedRange(true);
    used.load(["rowIndex", "rowCount"]);
    await ctx.sync();
    next = used.rowIndex + used.rowCount;
  }
  ws.visibility = Excel.SheetVisibility.veryHidden; // people should not edit it by accident
  return { ws, next };
}

async function record(ctx, rows) {
  const { ws, next } = await provenanceSheet(ctx);
  const range = ws.getRangeByIndexes(next, 0, rows.length, EXCEL_HEADER.length);
  const values = rows.map((r) => [r.cell, r.id, r.operation, r.model, r.created, r.sha256, r.text]);
  range.numberFormat = values.map((row) => row.map(() => "@"));
  range.values = values;
  await ctx.sync();
}

function writeCell(ctx, ws, sheetName, address, text, requestId) {
  const cell = ws.getRange(address);
  cell.numberFormat = [["@"]]; // text, so a proposal starting with "=" never becomes a formula
  cell.values = [[text]];
  ctx.workbook.comments.add(excelCellRef(sheetName, address), commentFor(requestId));
}

/** Show the written cells: their sheet becomes the active one and they are selected. */
async function reveal(ctx, ws, range) {
  ws.activate();
  range.select();
  await ctx.sync();
}

function requireSupport() {
  if (!supportsProposals()) throw new HostError(REFUSAL, { offerCopy: true });
}

/** Summary into one empty cell the person picked. */
export async function writeSummary({ sheet, target, text, requestId, model }) {
  requireSupport();
  const address = parseTarget(target);
  return Excel.run(async (ctx) => {
    const ws = ctx.workbook.worksheets.getItem(sheet);
    const cell = ws.getRange(address);
    cell.load("values");
    await ctx.sync();
    if (!isEmpty(cell.values)) {
      throw new HostError(`セル ${address} には既に内容があります。上書きしないため、空のセルを指定してください。`);
    }
    writeCell(ctx, ws, sheet, address, text, requestId);
    await ctx.sync();
    const ins = await makeInsertion({ requestId, operation: "summarize", model, text });
    await record(ctx, [{ ...ins, cell: excelCellRef(sheet, address) }]);
    await reveal(ctx, ws, cell);
    return { written: [excelCellRef(sheet, address)], sheet, shown: address };
  });
}

/**
 * Proofread: one proposal per changed cell in the block right of the selection; when any of
 * those cells holds something, a new sheet gets the proposals at the originals' addresses.
 */
export async function writeProofread({ selection, proposals, requestId, model }) {
  requireSupport();
  if (!proposals.length) throw new HostError("書き込む提案がありません。");
  return Excel.run(async (ctx) => {
    const src = ctx.workbook.worksheets.getItem(selection.sheet);
    const current = src.getRangeByIndexes(
      selection.rowIndex, selection.columnIndex, selection.rowCount, selection.columnCount);
    current.load("values");
    const beside = src.getRangeByIndexes(
      selection.rowIndex, selection.columnIndex + selection.columnCount, selection.rowCount, selection.columnCount);
    beside.load("values");
    await ctx.sync();
    if (JSON.stringify(current.values) !== JSON.stringify(selection.values)) {
      throw new HostError("選択したセルの内容が送信したときと変わっています。もう一度実行してください。");
    }
    let ws = src;
    let sheet = selection.sheet;
    let colShift = selection.columnCount;
    if (!isEmpty(beside.values)) {
      sheet = `校正案 ${requestId.replace(/[^0-9A-Za-z]/g, "").slice(0, 8)}`;
      ws = ctx.workbook.worksheets.add(sheet);
      colShift = 0;
    }
    const rows = [];
    for (const p of proposals) {
      const address = cellAddress(selection.rowIndex + p.row, selection.columnIndex + p.col + colShift);
      writeCell(ctx, ws, sheet, address, p.text, requestId);
      const ins = await makeInsertion({ requestId, operation: "proofread", model, text: p.text });
      rows.push({ ...ins, cell: excelCellRef(sheet, address) });
    }
    await ctx.sync();
    await record(ctx, rows);
    // The proposals' bounding block, activated and selected so the person sees them at once.
    const r0 = Math.min(...proposals.map((p) => p.row));
    const r1 = Math.max(...proposals.map((p) => p.row));
    const c0 = Math.min(...proposals.map((p) => p.col));
    const c1 = Math.max(...proposals.map((p) => p.col));
    const block = ws.getRangeByIndexes(
      selection.rowIndex + r0, selection.columnIndex + c0 + colShift, r1 - r0 + 1, c1 - c0 + 1);
    await reveal(ctx, ws, block);
    const shown = r0 === r1 && c0 === c1
      ? cellAddress(selection.rowIndex + r0, selection.columnIndex + c0 + colShift)
      : `${cellAddress(selection.rowIndex + r0, selection.columnIndex + c0 + colShift)}:` +
        cellAddress(selection.rowIndex + r1, selection.columnIndex + c1 + colShift);
    return { written: rows.map((r) => r.cell), sheet, newSheet: colShift === 0, shown };
  });
}
