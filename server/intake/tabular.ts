/**
 * Orders from tables (CSV and XLSX files, CSV mail attachments): decoding, parsing, the column
 * mapping and row-level errors that name the file row and column. One row is one order line;
 * rows sharing an order reference form one order.
 */
import { parse as parseCsvSync } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { ValidationError, type FieldIssue } from '../../workflows/model/errors';

export interface Table {
  kind: 'csv' | 'xlsx';
  columns: string[];
  /** data rows; rows[i] is file row i + 2 (row 1 holds the column names) */
  rows: string[][];
}

/** Target fields a column can map to. `line.*` are per row, everything else per order. */
export const IMPORT_FIELDS = [
  'orderRef',
  'customer.name',
  'customer.email',
  'customer.phone',
  'customer.company',
  'customer.id',
  'shippingAddress.name',
  'shippingAddress.company',
  'shippingAddress.line1',
  'shippingAddress.line2',
  'shippingAddress.city',
  'shippingAddress.postcode',
  'shippingAddress.region',
  'shippingAddress.country',
  'shippingAddress.phone',
  'currency',
  'priority',
  'type',
  'requestedDeliveryDate',
  'notes',
  'shippingCharge',
  'taxRate',
  'line.sku',
  'line.name',
  'line.quantity',
  'line.unitPrice',
  'line.unit',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
export const REQUIRED_FIELDS: readonly ImportField[] = ['customer.name', 'shippingAddress.line1', 'shippingAddress.city', 'shippingAddress.postcode', 'shippingAddress.country', 'currency', 'line.sku', 'line.name', 'line.quantity', 'line.unitPrice'];

export type ColumnMapping = Partial<Record<ImportField, string>>;

const SYNONYMS: Record<ImportField, string[]> = {
  orderRef: ['order', 'order ref', 'order reference', 'reference', 'ref', 'order id', 'order no', 'order number', 'po', 'po number', 'external id'],
  'customer.name': ['customer', 'customer name', 'name', 'buyer', 'client'],
  'customer.email': ['email', 'e-mail', 'customer email', 'mail'],
  'customer.phone': ['phone', 'telephone', 'tel', 'customer phone', 'mobile'],
  'customer.company': ['company', 'customer company', 'organisation', 'organization'],
  'customer.id': ['customer id', 'customer no', 'account', 'account no'],
  'shippingAddress.name': ['recipient', 'ship name', 'ship to name', 'attention'],
  'shippingAddress.company': ['ship company'],
  'shippingAddress.line1': ['address', 'address1', 'address 1', 'street', 'line1', 'address line 1', 'ship address'],
  'shippingAddress.line2': ['address2', 'address 2', 'line2', 'address line 2'],
  'shippingAddress.city': ['city', 'town', 'ship city'],
  'shippingAddress.postcode': ['postcode', 'post code', 'zip', 'zip code', 'postal code', 'plz'],
  'shippingAddress.region': ['region', 'state', 'county', 'province'],
  'shippingAddress.country': ['country', 'country code', 'ship country'],
  'shippingAddress.phone': ['ship phone', 'recipient phone'],
  currency: ['currency', 'ccy', 'currency code'],
  priority: ['priority'],
  type: ['type', 'order type'],
  requestedDeliveryDate: ['delivery date', 'requested delivery date', 'deliver by', 'due date'],
  notes: ['notes', 'note', 'comment', 'comments', 'remarks'],
  shippingCharge: ['shipping', 'shipping charge', 'freight', 'delivery charge'],
  taxRate: ['tax rate', 'vat rate', 'tax'],
  'line.sku': ['sku', 'item', 'item code', 'product code', 'article', 'article no', 'part number'],
  'line.name': ['product', 'product name', 'item name', 'description', 'article name'],
  'line.quantity': ['quantity', 'qty', 'amount', 'count', 'units'],
  'line.unitPrice': ['unit price', 'price', 'price each', 'unitprice'],
  'line.unit': ['unit', 'uom', 'unit of measure'],
};

const norm = (s: string) => s.toLowerCase().replace(/[_\-.]+/g, ' ').replace(/\s+/g, ' ').trim();

export function suggestMapping(columns: string[]): ColumnMapping {
  const out: ColumnMapping = {};
  const used = new Set<string>();
  for (const field of IMPORT_FIELDS) {
    const names = [norm(field), norm(field.replace(/^(line|customer|shippingAddress)\./, '')), ...SYNONYMS[field].map(norm)];
    const hit = columns.find((c) => !used.has(c) && names.includes(norm(c)));
    if (hit) {
      out[field] = hit;
      used.add(hit);
    }
  }
  return out;
}

/** Text must be UTF-8; the first bad byte is reported with its line. */
export function decodeUtf8(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    let offset = 0;
    for (let lo = 0, hi = buf.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, mid));
        lo = mid + 1;
        offset = mid;
      } catch {
        hi = mid;
      }
    }
    const line = buf.subarray(0, offset).toString('latin1').split('\n').length;
    throw new ValidationError('The file is not UTF-8 text', [{ path: `(file) row ${line}`, message: `invalid UTF-8 near byte ${offset}; save the file as UTF-8` }]);
  }
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('text' in v) return String(v.text);
    if ('error' in v) return '';
    return '';
  }
  return String(v);
}

export async function readTable(buf: Buffer, maxRows = 50_000): Promise<Table> {
  let header: string[];
  let rows: string[][];
  let kind: Table['kind'];
  if (buf.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    kind = 'xlsx';
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(buf as unknown as ArrayBuffer);
    } catch (err) {
      throw new ValidationError('The file is not a readable XLSX workbook', [{ path: '(file)', message: (err as Error).message.slice(0, 200) }]);
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new ValidationError('The workbook has no sheet', [{ path: '(file)', message: 'no worksheet' }]);
    const all: string[][] = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => {
      const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
      all[n - 1] = values;
    });
    for (let i = 0; i < all.length; i++) all[i] ??= [];
    [header = [], ...rows] = all;
  } else {
    kind = 'csv';
    const text = decodeUtf8(buf).replace(/^\uFEFF/, '');
    try {
      const parsed = parseCsvSync(text, { relax_column_count: true, skip_empty_lines: false, trim: true, delimiter: [',', ';', '\t'] }) as string[][];
      [header = [], ...rows] = parsed;
    } catch (err) {
      const e = err as { message: string; lines?: number };
      throw new ValidationError('The CSV file cannot be read', [{ path: `(file) row ${e.lines ?? '?'}`, message: e.message.replace(/^Invalid Record Length: /, '').slice(0, 200) }]);
    }
  }
  const columns = header.map((h) => h.trim());
  if (!columns.length || columns.every((c) => !c)) throw new ValidationError('The file has no header row', [{ path: '(file) row 1', message: 'the first row must name the columns' }]);
  const dup = columns.find((c, i) => c && columns.indexOf(c) !== i);
  if (dup) throw new ValidationError('Duplicate column names', [{ path: `(file) row 1`, message: `column "${dup}" appears twice` }]);
  // trailing empty rows are not data
  while (rows.length && rows[rows.length - 1].every((c) => !c?.trim())) rows.pop();
  if (rows.length > maxRows) throw new ValidationError('Too many rows', [{ path: '(file)', message: `at most ${maxRows} rows per file` }]);
  return { kind, columns, rows };
}

export interface RowIssue {
  row: number;
  column?: string;
  field?: string;
  message: string;
}

export interface TableOrder {
  input: Record<string, unknown>;
  ref?: string;
  /** file row of each line, in order */
  lineRows: number[];
}

/** Mapping problems (a required field without a column, a column that does not exist). */
export function checkMapping(columns: string[], mapping: ColumnMapping): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [field, column] of Object.entries(mapping)) {
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) issues.push({ path: `mapping.${field}`, message: 'is not an order field' });
    else if (column && !columns.includes(column)) issues.push({ path: `mapping.${field}`, message: `column "${column}" is not in the file` });
  }
  for (const f of REQUIRED_FIELDS) if (!mapping[f]) issues.push({ path: `mapping.${f}`, message: 'is required: choose the column that holds it' });
  return issues;
}

function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const [head, tail] = path.split('.');
  if (!tail) target[head] = value;
  else target[head] = { ...((target[head] as object) ?? {}), [tail]: value };
}

/** Groups rows into orders (by order reference, else one order per row) and reports conflicting order-level values. */
export function rowsToOrders(table: Table, mapping: ColumnMapping): { orders: TableOrder[]; issues: RowIssue[] } {
  const idx = (f: ImportField) => (mapping[f] ? table.columns.indexOf(mapping[f]!) : -1);
  const get = (row: string[], f: ImportField) => {
    const i = idx(f);
    return i >= 0 ? (row[i] ?? '').trim() : '';
  };
  const orderFields = IMPORT_FIELDS.filter((f) => !f.startsWith('line.') && f !== 'orderRef' && mapping[f]);
  const lineFields = IMPORT_FIELDS.filter((f) => f.startsWith('line.') && mapping[f]);
  const issues: RowIssue[] = [];
  const groups = new Map<string, TableOrder>();
  const orders: TableOrder[] = [];
  table.rows.forEach((row, i) => {
    const fileRow = i + 2;
    if (row.every((c) => !c?.trim())) return;
    if (row.length > table.columns.length && row.slice(table.columns.length).some((c) => c?.trim())) {
      issues.push({ row: fileRow, message: `has ${row.length} cells but the header names ${table.columns.length} columns` });
    }
    const ref = get(row, 'orderRef') || undefined;
    let order = ref ? groups.get(ref) : undefined;
    if (!order) {
      const input: Record<string, unknown> = { lines: [] };
      if (ref) input.externalId = ref;
      for (const f of orderFields) {
        const v = get(row, f);
        if (v) setPath(input, f, v);
      }
      order = { input, ref, lineRows: [] };
      orders.push(order);
      if (ref) groups.set(ref, order);
    } else {
      for (const f of orderFields) {
        const v = get(row, f);
        const first = f.includes('.') ? ((order.input[f.split('.')[0]] as Record<string, unknown> | undefined)?.[f.split('.')[1]] ?? '') : (order.input[f] ?? '');
        if (v && v !== first) issues.push({ row: fileRow, column: mapping[f], field: f, message: `differs from the first row of order ${ref} ("${String(first)}")` });
      }
    }
    const line: Record<string, unknown> = {};
    for (const f of lineFields) {
      const v = get(row, f);
      if (v) line[f.slice(5)] = v;
    }
    (order.input.lines as unknown[]).push(line);
    order.lineRows.push(fileRow);
  });
  return { orders, issues };
}

/** Maps schema issue paths of one order back to the file row and column they came from. */
export function locateIssues(order: TableOrder, issues: FieldIssue[], mapping: ColumnMapping): RowIssue[] {
  return issues.map((i) => {
    const line = /^lines\.(\d+)(?:\.(\w+))?/.exec(i.path);
    if (line) {
      const field = line[2] ? (`line.${line[2]}` as ImportField) : undefined;
      return { row: order.lineRows[Number(line[1])] ?? order.lineRows[0], column: field ? mapping[field] : undefined, field: field ?? i.path, message: i.message };
    }
    const field = (i.path === 'externalId' ? 'orderRef' : i.path.split('.').slice(0, 2).join('.')) as ImportField;
    return { row: order.lineRows[0], column: mapping[field], field: i.path, message: i.message };
  });
}
