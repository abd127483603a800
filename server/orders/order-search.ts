/**
 * Order search over the index buckets (order-index.ts): by number, customer (e-mail or name),
 * status, channel, warehouse, SKU and creation date range, newest or oldest first, paged with a
 * cursor. Each query reads a handful of bucket documents by _id, never the orders collection.
 */
import type { Channel, OrderStatus } from '../../workflows/model/order';
import type { BucketStore } from './bucket-store';
import { dayOf, monthOf, nameTokens, parseDayEntry, type IndexRow } from './order-index';
import type { OrdersService } from './orders.service';
import { indexedOrder } from './order-view';
import { ORDER_NUMBER } from './order-number';
import { inScope, type RecordScope } from '../auth/record-scope';

export interface OrderSearch {
  number?: string;
  customer?: string;
  status?: OrderStatus;
  channel?: Channel;
  warehouse?: string;
  sku?: string;
  from?: Date;
  to?: Date;
  sort?: 'newest' | 'oldest';
  limit?: number;
  cursor?: string;
}

export interface OrderSearchResult {
  items: IndexRow[];
  nextCursor?: string;
}

const DAY = 86_400_000;

export class OrderSearchService {
  constructor(
    private readonly buckets: BucketStore,
    private readonly orders: OrdersService,
  ) {}

  /** `scope`: the caller's record scope (server/auth/record-scope.ts); rows outside it are left out. */
  async search(q: OrderSearch, scope: RecordScope | null = null): Promise<OrderSearchResult> {
    const limit = Math.min(Math.max(q.limit ?? 25, 1), 100);
    const newest = q.sort !== 'oldest';
    const span = await this.buckets.get('m:span');
    const first = typeof span?.c?.first === 'number' ? (span.c.first as number) : Date.now();
    const from = Math.max(q.from?.getTime() ?? first, first - DAY);
    const to = q.to?.getTime() ?? Date.now() + DAY;
    const [cMs, cNum] = q.cursor ? q.cursor.split('|') : [];
    const cursor = q.cursor ? { ms: Number(cMs), number: cNum } : undefined;
    const after = (ms: number, number: string) => {
      if (!cursor) return true;
      return newest ? ms < cursor.ms || (ms === cursor.ms && number < cursor.number) : ms > cursor.ms || (ms === cursor.ms && number > cursor.number);
    };
    const matches = (r: IndexRow) =>
      r.createdAt >= from &&
      r.createdAt <= to &&
      (!q.status || r.status === q.status) &&
      (!q.channel || r.channel === q.channel) &&
      (!q.warehouse || r.warehouse === q.warehouse) &&
      inScope(scope, r) &&
      after(r.createdAt, r.number);
    const order = (a: { ms: number; number: string }, b: { ms: number; number: string }) => (newest ? b.ms - a.ms || (b.number < a.number ? -1 : 1) : a.ms - b.ms || (a.number < b.number ? -1 : 1));

    if (q.number) {
      if (!ORDER_NUMBER.test(q.number)) return { items: [] };
      try {
        const doc = await this.orders.getDoc(q.number);
        const i = indexedOrder(doc);
        const row: IndexRow = { createdAt: i.createdAt.getTime(), number: i.number, status: i.status, statusSince: i.statusSince.getTime(), channel: i.channel, warehouse: i.warehouse, total: i.total, currency: i.currency, customerName: i.customerName };
        return { items: [row].filter(matches) };
      } catch {
        return { items: [] };
      }
    }

    // a customer by e-mail: the bucket holds the rows themselves
    if (q.customer?.includes('@') && !q.sku) {
      const rows = ((await this.buckets.get(`c:${q.customer.trim().toLowerCase()}`))?.entries ?? []).map(parseDayEntry).filter(matches);
      rows.sort((a, b) => order({ ms: a.createdAt, number: a.number }, { ms: b.createdAt, number: b.number }));
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page, nextCursor: rows.length > limit && last ? `${last.createdAt}|${last.number}` : undefined };
    }

    // candidates from a selective bucket: customer or SKU
    let candidates: Array<{ ms: number; number: string }> | undefined;
    if (q.customer) {
      const needle = q.customer.trim().toLowerCase();
      if (needle.includes('@')) {
        candidates = parsePairs((await this.buckets.get(`c:${needle}`))?.entries);
      } else {
        const token = nameTokens(needle)[0];
        const entries = token ? ((await this.buckets.get(`n:${token}`))?.entries ?? []) : [];
        candidates = entries
          .map((e) => e.split('|'))
          .filter(([, , name]) => decodeURIComponent(name ?? '').includes(needle))
          .map(([ms, number]) => ({ ms: Number(ms), number }));
      }
    }
    if (q.sku) {
      const months = monthsBetween(from, Math.min(to, Date.now() + DAY));
      const docs = await this.buckets.getMany(months.map((m) => `s:${q.sku!.toUpperCase()}|${m}`));
      const skuHits = [...docs.values()].flatMap((d) => parsePairs(d.entries));
      if (candidates) {
        const set = new Set(skuHits.map((h) => h.number));
        candidates = candidates.filter((c) => set.has(c.number));
      } else candidates = skuHits;
    }

    const dayDocs = new Map<string, IndexRow[]>();
    const rowsOfDay = async (days: string[]) => {
      const missing = days.filter((d) => !dayDocs.has(d)).sort();
      if (!missing.length) return;
      // by id (FerretDB answers an _id lookup inside SQLite: ≈10 ms for a day of rows); a long span
      // in one range query (it decodes every day document: ≈600 ms at 100,000 orders, measured)
      const docs = missing.length <= 50 ? await this.buckets.getMany(missing.map((d) => `r:${d}`)) : await this.buckets.range(`r:${missing[0]}`, `r:${missing[missing.length - 1]}`);
      for (const d of missing) dayDocs.set(d, (docs.get(`r:${d}`)?.entries ?? []).map(parseDayEntry));
    };

    const items: IndexRow[] = [];
    if (candidates) {
      const sorted = candidates.filter((c) => c.ms >= from && c.ms <= to && after(c.ms, c.number)).sort(order);
      for (let i = 0; i < sorted.length && items.length <= limit; i += 50) {
        const slice = sorted.slice(i, i + 50);
        await rowsOfDay([...new Set(slice.map((c) => dayOf(c.ms)))]);
        for (const c of slice) {
          const row = dayDocs.get(dayOf(c.ms))?.find((r) => r.number === c.number);
          if (row && matches(row)) items.push(row);
          if (items.length > limit) break;
        }
      }
    } else {
      const days = daysBetween(from, Math.min(to, Date.now() + DAY));
      if (newest) days.reverse();
      // recent windows first: the first page rarely needs more than a few days
      for (let i = 0, size = 4; i < days.length && items.length <= limit; i += size, size = Math.min(size * 2, 32)) {
        const batch = days.slice(i, i + size);
        await rowsOfDay(batch);
        for (const d of batch) {
          const rows = (dayDocs.get(d) ?? []).filter(matches).sort((a, b) => order({ ms: a.createdAt, number: a.number }, { ms: b.createdAt, number: b.number }));
          items.push(...rows);
          if (items.length > limit) break;
        }
      }
    }
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page, nextCursor: items.length > limit && last ? `${last.createdAt}|${last.number}` : undefined };
  }
}

function parsePairs(entries: string[] | undefined): Array<{ ms: number; number: string }> {
  return (entries ?? []).map((e) => {
    const [ms, number] = e.split('|');
    return { ms: Number(ms), number };
  });
}

export function daysBetween(from: number, to: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(dayOf(from)); t <= to; t += DAY) out.push(dayOf(t));
  return out;
}

export function monthsBetween(from: number, to: number): string[] {
  const out: string[] = [];
  const d = new Date(Date.parse(`${monthOf(from)}-01T00:00:00Z`));
  while (d.getTime() <= to) {
    out.push(monthOf(d));
    d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return out;
}
