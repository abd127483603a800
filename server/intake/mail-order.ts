/**
 * Reads an order out of an e-mail: a JSON attachment (the order schema), a CSV attachment (the
 * import columns), or a structured body:
 *
 *   Reference: PO-7781
 *   Customer: Jane Doe
 *   Email: jane@acme.test
 *   Ship to: Jane Doe, 1 High Street, London, SW1A 1AA, GB
 *   Currency: GBP
 *   Lines:
 *   - 3 x ABC-1 Widget @ 9.99
 *
 * Anything it cannot read with confidence is returned as problems, never guessed.
 */
import type { ParsedMail } from 'mailparser';
import type { FieldIssue } from '../../workflows/model/errors';
import { readTable, rowsToOrders, suggestMapping, checkMapping } from './tabular';

export interface MailReading {
  orders: Array<Record<string, unknown>>;
  problems: FieldIssue[];
  /** how it was read, for the timeline */
  source: 'json attachment' | 'csv attachment' | 'body' | 'none';
}

const KEYS: Record<string, string> = {
  reference: 'externalId', ref: 'externalId', 'order ref': 'externalId', 'order reference': 'externalId', po: 'externalId', 'po number': 'externalId',
  customer: 'customer.name', name: 'customer.name', 'customer name': 'customer.name',
  email: 'customer.email', 'e-mail': 'customer.email',
  phone: 'customer.phone', telephone: 'customer.phone', tel: 'customer.phone',
  company: 'customer.company',
  'ship to': 'shipTo', 'deliver to': 'shipTo', address: 'shipTo', 'shipping address': 'shipTo',
  currency: 'currency', priority: 'priority', type: 'type',
  'delivery date': 'requestedDeliveryDate', 'requested delivery date': 'requestedDeliveryDate', 'deliver by': 'requestedDeliveryDate',
  notes: 'notes', note: 'notes', comment: 'notes',
  shipping: 'shippingCharge',
};

const LINE = /^\s*[-*•]?\s*(\d+(?:[.,]\d+)?)\s*[x×]\s*([A-Za-z0-9][A-Za-z0-9._/-]*)\s+(.+?)\s*@\s*(\d+(?:[.,]\d{1,4})?)\s*$/;

export function readBody(text: string): { order?: Record<string, unknown>; problems: FieldIssue[] } {
  const problems: FieldIssue[] = [];
  const order: Record<string, unknown> = {};
  const customer: Record<string, unknown> = {};
  const lines: Array<Record<string, unknown>> = [];
  let inLines = false;
  let sawAnything = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    // a blank line after the items ends the lines section (a signature may follow)
    if (!line && inLines && lines.length) inLines = false;
    if (!line || line.startsWith('>')) return;
    if (/^(lines|items|order lines)\s*:?\s*$/i.test(line)) {
      inLines = true;
      sawAnything = true;
      return;
    }
    const kv = /^([A-Za-z][A-Za-z -]{0,30}?)\s*:\s*(.+)$/.exec(line);
    if (kv && KEYS[kv[1].toLowerCase()]) {
      inLines = false;
      sawAnything = true;
      const target = KEYS[kv[1].toLowerCase()];
      const value = kv[2].trim();
      if (target === 'shipTo') {
        const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
        if (parts.length < 4) problems.push({ path: `body line ${i + 1}`, message: 'the address needs at least street, city, postcode and country, separated by commas' });
        else {
          const [country, postcode, city] = [parts.pop()!, parts.pop()!, parts.pop()!];
          const line1 = parts.pop()!;
          order.shippingAddress = { ...(parts.length ? { name: parts.join(', ') } : {}), line1, city, postcode, country };
        }
      } else if (target.startsWith('customer.')) customer[target.slice(9)] = value;
      else order[target] = value;
      return;
    }
    if (inLines) {
      const m = LINE.exec(line);
      if (m) lines.push({ quantity: m[1], sku: m[2], name: m[3], unitPrice: m[4] });
      else problems.push({ path: `body line ${i + 1}`, message: `cannot read "${line.slice(0, 80)}" as "<quantity> x <SKU> <name> @ <unit price>"` });
    }
  });
  if (!sawAnything) return { problems: [{ path: 'body', message: 'no order fields found (Customer:, Ship to:, Currency:, Lines:)' }] };
  if (Object.keys(customer).length) order.customer = customer;
  order.lines = lines;
  return { order, problems };
}

export async function readMail(mail: ParsedMail): Promise<MailReading> {
  const from = mail.from?.value[0]?.address?.toLowerCase();
  const withSender = (o: Record<string, unknown>) => {
    const customer = (o.customer ?? {}) as Record<string, unknown>;
    return { ...o, customer: { ...customer, email: customer.email ?? from } };
  };
  for (const a of mail.attachments ?? []) {
    const name = (a.filename ?? '').toLowerCase();
    if (a.contentType === 'application/json' || name.endsWith('.json')) {
      try {
        const parsed = JSON.parse(a.content.toString('utf8')) as unknown;
        const list = Array.isArray(parsed) ? parsed : [parsed];
        if (!list.length || list.some((o) => typeof o !== 'object' || o === null)) return { orders: [], problems: [{ path: `attachment ${a.filename}`, message: 'must hold an order object or a list of them' }], source: 'json attachment' };
        return { orders: list.map((o) => withSender(o as Record<string, unknown>)), problems: [], source: 'json attachment' };
      } catch (err) {
        return { orders: [], problems: [{ path: `attachment ${a.filename}`, message: `is not valid JSON: ${(err as Error).message.slice(0, 120)}` }], source: 'json attachment' };
      }
    }
    if (a.contentType === 'text/csv' || name.endsWith('.csv')) {
      try {
        const table = await readTable(a.content, 5000);
        const mapping = suggestMapping(table.columns);
        const missing = checkMapping(table.columns, mapping);
        if (missing.length) return { orders: [], problems: missing.map((m) => ({ path: `attachment ${a.filename}`, message: `no column for ${m.path.replace('mapping.', '')}` })), source: 'csv attachment' };
        const { orders, issues } = rowsToOrders(table, mapping);
        return { orders: orders.map((o) => withSender(o.input)), problems: issues.map((i) => ({ path: `attachment ${a.filename} row ${i.row}`, message: i.message })), source: 'csv attachment' };
      } catch (err) {
        const e = err as { issues?: FieldIssue[]; message: string };
        return { orders: [], problems: e.issues ?? [{ path: `attachment ${a.filename}`, message: e.message }], source: 'csv attachment' };
      }
    }
  }
  const body = readBody(mail.text ?? '');
  return { orders: body.order ? [withSender(body.order)] : [], problems: body.problems, source: body.order ? 'body' : 'none' };
}
