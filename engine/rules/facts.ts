/**
 * The typed fact registry. Rules may only name facts listed here (checked on save); every fact has
 * a type tree so that a path and an operator can be checked against it. Three groups:
 *  - order: the canonical order (workflows/model/order.ts), passed in by the caller;
 *  - computed: derived from the order (and the customer history port);
 *  - dynamic: asked from connectors through the FactSources port, once per evaluation (the
 *    json-rules-engine almanac caches by fact id + params) and under a timeout.
 * A caller (a test case, the evaluate API) may fix any fact's value; fixed values win.
 */
import type { Almanac, Engine } from 'json-rules-engine';
import { CHANNELS, ORDER_PRIORITIES, ORDER_STATUSES, ORDER_TYPES, type Customer, type Order } from '../../workflows/model/order';
import { ConnectorError } from '../../connectors/sdk/errors';
import { withDeadline } from '../../workflows/model/deadline';
import type { CallContext } from '../ports';
import type { LeafType, PercentValue } from './operators';

export type FieldType =
  | { kind: 'number' | 'string' | 'boolean' | 'date' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'array'; of: FieldType }
  | { kind: 'object'; fields: Record<string, FieldType> };

export interface WarehouseStock {
  warehouse: string;
  /** ISO country of the warehouse: warehouses in the shipping country are preferred */
  country?: string;
  /** units available per SKU */
  levels: Record<string, number>;
  /** expected receipts (purchase orders, transfers): units of a SKU that become available on a day */
  incoming?: Array<{ sku: string; date: string; quantity: number }>;
}
export interface CustomerCredit {
  limit: number;
  balance: number;
  available: number;
  blocked: boolean;
  rating?: string;
}
export interface CustomerHistory {
  orderCount: number;
  totalSpent: number;
  firstOrderAt?: string;
  lastOrderAt?: string;
}
export interface CapacitySlot {
  line: string;
  /** YYYY-MM-DD */
  date: string;
  /** units the line can still produce that day */
  capacity: number;
}

/** Where dynamic facts come from. The server wires connectors and the orders collection in. */
export interface FactSources {
  stockLevels?(skus: string[], ctx?: CallContext): Promise<WarehouseStock[]>;
  customerCredit?(customer: Customer, ctx?: CallContext): Promise<CustomerCredit | undefined>;
  customerHistory?(customer: Customer, ctx?: CallContext): Promise<CustomerHistory>;
  listPrices?(skus: string[], ctx?: CallContext): Promise<Record<string, number>>;
  productionCapacity?(input: { from: string; days: number }, ctx?: CallContext): Promise<CapacitySlot[]>;
}

export interface FactEnvironment {
  sources: FactSources;
  /** per dynamic fact lookup */
  timeoutMs: number;
}

type ParamSpec = { type: 'string' | 'number'; required: boolean; description: string };

export interface FactDefinition {
  id: string;
  label: string;
  group: 'order' | 'computed' | 'dynamic';
  type: FieldType;
  params?: Record<string, ParamSpec>;
  /** a building block of other facts, not offered in the fact picker */
  hidden?: boolean;
  /**
   * json-rules-engine evaluates the conditions of a group by fact priority, highest first, and stops
   * as soon as the group is decided: cheap facts first keeps connectors from being called for
   * nothing. Default by group: order 100, computed 50, dynamic 1.
   */
  priority?: number;
  /** absent: a runtime fact the caller passes (the order) */
  compute?: (params: Record<string, any>, almanac: Almanac, env: FactEnvironment) => unknown;
}

/** Runtime fact carrying the CallContext of the evaluation (for connector calls). */
export const CONTEXT_FACT = 'ordoCallContext';
/** Internal fact that resolves the `of` side of percentageOf. */
export const PERCENT_FACT = 'ordoPercentOf';

const str = { kind: 'string' } as const;
const num = { kind: 'number' } as const;
const date = { kind: 'date' } as const;
const bool = { kind: 'boolean' } as const;
const obj = (fields: Record<string, FieldType>): FieldType => ({ kind: 'object', fields });
const list = (of: FieldType): FieldType => ({ kind: 'array', of });
const enumOf = (values: readonly string[]): FieldType => ({ kind: 'enum', values });

const address = obj({ name: str, company: str, line1: str, line2: str, city: str, postcode: str, region: str, country: str, phone: str });

export const ORDER_TYPE: FieldType = obj({
  id: str,
  number: str,
  channel: enumOf(CHANNELS),
  externalId: str,
  customer: obj({ id: str, name: str, email: str, phone: str, company: str }),
  billingAddress: address,
  shippingAddress: address,
  lines: list(obj({ sku: str, name: str, quantity: num, unitPrice: num, unit: str, lineTotal: num })),
  currency: str,
  totals: obj({ subtotal: num, shipping: num, tax: num, total: num }),
  priority: enumOf(ORDER_PRIORITIES),
  type: enumOf(ORDER_TYPES),
  requestedDeliveryDate: date,
  notes: str,
  attachments: list(obj({ id: str, name: str, contentType: str, size: num })),
  status: enumOf(ORDER_STATUSES),
  allocation: obj({ warehouse: str, productionLine: str, plannedShipDate: date, strategy: str }),
  shipment: obj({ carrier: str, trackingNumber: str, trackingUrl: str, shippedAt: date }),
  createdAt: date,
  updatedAt: date,
});

const DAY_MS = 86_400_000;
const orderOf = (almanac: Almanac) => almanac.factValue<Partial<Order>>('order');
const linesOf = (o: Partial<Order> | undefined) => (Array.isArray(o?.lines) ? o.lines : []);
const qty = (l: { quantity?: unknown }) => (typeof l.quantity === 'number' ? l.quantity : 0);

async function callSource<T>(env: FactEnvironment, fact: string, almanac: Almanac, call: (s: FactSources, ctx?: CallContext) => Promise<T> | undefined): Promise<T> {
  const ctx = await almanac.factValue<CallContext | undefined>(CONTEXT_FACT);
  const pending = call(env.sources, ctx);
  if (!pending) {
    throw new ConnectorError(`The fact ${fact} has no source: connect one, or give its value in the evaluation's facts`, { retryable: false, details: { fact } });
  }
  return withDeadline(pending, env.timeoutMs, () => new ConnectorError(`The fact ${fact} did not answer within ${env.timeoutMs} ms`, { retryable: true, details: { fact } }));
}

/** units needed per SKU over all lines */
function neededOf(order: Partial<Order> | undefined): Map<string, number> {
  const needed = new Map<string, number>();
  for (const l of linesOf(order)) needed.set(l.sku, (needed.get(l.sku) ?? 0) + qty(l));
  return needed;
}

function coverage(order: Partial<Order>, stock: WarehouseStock, levels: Record<string, number> = stock.levels): boolean {
  const needed = neededOf(order);
  for (const [sku, n] of needed) if ((levels[sku] ?? 0) < n) return false;
  return needed.size > 0;
}

/** warehouses in the shipping country first, the rest in the connector's order */
function countryFirst(inv: readonly WarehouseStock[], country: string | undefined): WarehouseStock[] {
  return [...inv.filter((w) => country && w.country === country), ...inv.filter((w) => !country || w.country !== country)];
}

/**
 * The earliest day on which one warehouse has every line: today's stock, then each expected receipt
 * day in turn (a receipt dated today or earlier counts today). Ties go to the shipping country.
 */
function earliestStockDay(order: Partial<Order>, inv: readonly WarehouseStock[], today: string): { warehouse: string; date: string } | undefined {
  let best: { warehouse: string; date: string } | undefined;
  for (const w of countryFirst(inv, order.shippingAddress?.country)) {
    const receipts = [...(w.incoming ?? [])].sort((a, b) => a.date.localeCompare(b.date));
    const levels = { ...w.levels };
    let next = 0;
    for (const day of [today, ...new Set(receipts.map((r) => r.date).filter((d) => d > today))]) {
      for (; next < receipts.length && receipts[next].date <= day; next++) levels[receipts[next].sku] = (levels[receipts[next].sku] ?? 0) + receipts[next].quantity;
      if (coverage(order, w, levels)) {
        if (!best || day < best.date) best = { warehouse: w.warehouse, date: day };
        break;
      }
    }
  }
  return best;
}

/**
 * A warehouse per line when no single one has everything: each line from the warehouses in the
 * shipping country first, then the one with the most of that SKU left; a line is split over
 * warehouses only when none has all of it. Undefined when all of them together cannot cover it.
 */
function splitPlanOf(order: Partial<Order>, inv: readonly WarehouseStock[]): Array<{ sku: string; quantity: number; warehouse: string }> | undefined {
  const country = order.shippingAddress?.country;
  const left = new Map(inv.map((w) => [w.warehouse, { ...w.levels }]));
  const plan: Array<{ sku: string; quantity: number; warehouse: string }> = [];
  for (const line of linesOf(order)) {
    let rest = qty(line);
    const stockOf = (w: WarehouseStock) => left.get(w.warehouse)![line.sku] ?? 0;
    const home = (w: WarehouseStock) => (country && w.country === country ? 1 : 0);
    const ranked = [...inv].sort((a, b) => Number(stockOf(b) >= rest) - Number(stockOf(a) >= rest) || home(b) - home(a) || stockOf(b) - stockOf(a));
    for (const w of ranked) {
      if (rest <= 0) break;
      const take = Math.min(rest, stockOf(w));
      if (take <= 0) continue;
      left.get(w.warehouse)![line.sku] = stockOf(w) - take;
      plan.push({ sku: line.sku, quantity: take, warehouse: w.warehouse });
      rest -= take;
    }
    if (rest > 0) return undefined;
  }
  return plan;
}

const FACTS: FactDefinition[] = [
  { id: 'order', label: 'Order', group: 'order', type: ORDER_TYPE },
  {
    id: 'orderTotal',
    label: 'Order total (totals.total, else the sum of the lines)',
    group: 'computed',
    type: num,
    compute: async (_p, al) => {
      const o = await orderOf(al);
      if (typeof o?.totals?.total === 'number') return o.totals.total;
      return linesOf(o).reduce((sum, l) => sum + (typeof l.lineTotal === 'number' ? l.lineTotal : qty(l) * (l.unitPrice ?? 0)), 0);
    },
  },
  { id: 'lineCount', label: 'Number of order lines', group: 'computed', type: num, compute: async (_p, al) => linesOf(await orderOf(al)).length },
  { id: 'totalQuantity', label: 'Units over all lines', group: 'computed', type: num, compute: async (_p, al) => linesOf(await orderOf(al)).reduce((s, l) => s + qty(l), 0) },
  { id: 'maxLineQuantity', label: 'Largest line quantity', group: 'computed', type: num, compute: async (_p, al) => linesOf(await orderOf(al)).reduce((m, l) => Math.max(m, qty(l)), 0) },
  { id: 'skus', label: 'SKUs of the order', group: 'computed', type: list(str), compute: async (_p, al) => [...new Set(linesOf(await orderOf(al)).map((l) => l.sku))] },
  { id: 'today', label: 'Today (UTC, YYYY-MM-DD)', group: 'computed', type: date, compute: () => new Date().toISOString().slice(0, 10) },
  {
    id: 'daysUntilRequestedDate',
    label: 'Days from today until the requested delivery date',
    group: 'computed',
    type: num,
    compute: async (_p, al) => {
      const [o, today] = await Promise.all([orderOf(al), al.factValue<string>('today')]);
      const requested = Date.parse(o?.requestedDeliveryDate?.slice(0, 10) ?? '');
      return Number.isNaN(requested) ? undefined : Math.round((requested - Date.parse(today)) / DAY_MS);
    },
  },
  {
    id: 'customerHistory',
    label: 'The customer’s orders (stored orders, this one included)',
    group: 'computed',
    priority: 10,
    type: obj({ orderCount: num, totalSpent: num, firstOrderAt: date, lastOrderAt: date }),
    compute: async (_p, al, env) => {
      const o = await orderOf(al);
      if (!o?.customer) return undefined;
      return callSource(env, 'customerHistory', al, (s, ctx) => s.customerHistory?.(o.customer as Customer, ctx));
    },
  },
  {
    id: 'customerCredit',
    label: 'Customer credit (finance connector)',
    group: 'dynamic',
    type: obj({ limit: num, balance: num, available: num, blocked: bool, rating: str }),
    compute: async (_p, al, env) => {
      const o = await orderOf(al);
      if (!o?.customer) return undefined;
      return callSource(env, 'customerCredit', al, (s, ctx) => s.customerCredit?.(o.customer as Customer, ctx));
    },
  },
  {
    id: 'inventory',
    label: 'Stock per warehouse for the order’s SKUs (inventory connector)',
    group: 'dynamic',
    hidden: true,
    type: list(obj({ warehouse: str, country: str })),
    compute: async (_p, al, env) => {
      const skus = await al.factValue<string[]>('skus');
      return callSource(env, 'inventory', al, (s, ctx) => s.stockLevels?.(skus, ctx));
    },
  },
  {
    id: 'stock',
    label: 'Units of one SKU in stock at one warehouse',
    group: 'dynamic',
    type: num,
    params: { warehouse: { type: 'string', required: true, description: 'warehouse code' }, sku: { type: 'string', required: true, description: 'SKU' } },
    compute: async (p, al) => {
      const inv = await al.factValue<WarehouseStock[]>('inventory');
      return inv?.find((w) => w.warehouse === p.warehouse)?.levels[String(p.sku).toUpperCase()] ?? 0;
    },
  },
  {
    id: 'warehouseCovers',
    label: 'The warehouse has every line in stock',
    group: 'dynamic',
    type: bool,
    params: { warehouse: { type: 'string', required: true, description: 'warehouse code' } },
    compute: async (p, al) => {
      const [o, inv] = await Promise.all([orderOf(al), al.factValue<WarehouseStock[]>('inventory')]);
      const w = inv?.find((x) => x.warehouse === p.warehouse);
      return Boolean(o && w && coverage(o, w));
    },
  },
  {
    id: 'fulfillableWarehouses',
    label: 'Warehouses that can ship every line (shipping country first)',
    group: 'dynamic',
    type: list(str),
    compute: async (_p, al) => {
      const [o, inv] = await Promise.all([orderOf(al), al.factValue<WarehouseStock[]>('inventory')]);
      if (!o || !inv) return [];
      return countryFirst(inv, o.shippingAddress?.country)
        .filter((w) => coverage(o, w))
        .map((w) => w.warehouse);
    },
  },
  {
    id: 'shortSkus',
    label: 'SKUs that all warehouses together cannot cover',
    group: 'dynamic',
    type: list(str),
    compute: async (_p, al) => {
      const [o, inv] = await Promise.all([orderOf(al), al.factValue<WarehouseStock[]>('inventory')]);
      return [...neededOf(o)].filter(([sku, n]) => (inv ?? []).reduce((s, w) => s + (w.levels[sku] ?? 0), 0) < n).map(([sku]) => sku);
    },
  },
  {
    id: 'earliestStockShipment',
    label: 'Earliest day one warehouse has every line: stock now or after expected receipts (shipping country first)',
    group: 'dynamic',
    type: obj({ warehouse: str, date: date }),
    compute: async (_p, al) => {
      const [o, inv, today] = await Promise.all([orderOf(al), al.factValue<WarehouseStock[]>('inventory'), al.factValue<string>('today')]);
      return o && inv ? earliestStockDay(o, inv, today) : undefined;
    },
  },
  {
    id: 'splitPlan',
    label: 'A warehouse per line when no single warehouse has everything',
    group: 'dynamic',
    type: list(obj({ sku: str, quantity: num, warehouse: str })),
    compute: async (_p, al) => {
      const [o, inv] = await Promise.all([orderOf(al), al.factValue<WarehouseStock[]>('inventory')]);
      return o && inv ? splitPlanOf(o, inv) : undefined;
    },
  },
  {
    id: 'listPrices',
    label: 'List price per SKU (catalogue connector)',
    group: 'dynamic',
    hidden: true,
    type: obj({}),
    compute: async (_p, al, env) => {
      const skus = await al.factValue<string[]>('skus');
      return callSource(env, 'listPrices', al, (s, ctx) => s.listPrices?.(skus, ctx));
    },
  },
  {
    id: 'maxDiscountPercent',
    label: 'Largest discount of a line below its list price, in %',
    group: 'dynamic',
    type: num,
    compute: async (_p, al) => {
      const [o, prices] = await Promise.all([orderOf(al), al.factValue<Record<string, number> | undefined>('listPrices')]);
      let max: number | undefined;
      for (const l of linesOf(o)) {
        const list = prices?.[l.sku];
        if (typeof list !== 'number' || list <= 0 || typeof l.unitPrice !== 'number') continue;
        max = Math.max(max ?? -Infinity, Math.round(((list - l.unitPrice) / list) * 10000) / 100);
      }
      return max;
    },
  },
  {
    id: 'productionCapacity',
    label: 'Free production capacity per line and day (next 60 days)',
    group: 'dynamic',
    hidden: true,
    type: list(obj({ line: str, date: date, capacity: num })),
    compute: async (_p, al, env) => {
      const from = await al.factValue<string>('today');
      return callSource(env, 'productionCapacity', al, (s, ctx) => s.productionCapacity?.({ from, days: 60 }, ctx));
    },
  },
  {
    id: 'earliestProductionSlot',
    label: 'Earliest production line and day with capacity for the whole order',
    group: 'dynamic',
    type: obj({ line: str, date: date }),
    compute: async (_p, al) => {
      const [units, slots] = await Promise.all([al.factValue<number>('totalQuantity'), al.factValue<CapacitySlot[]>('productionCapacity')]);
      const best = (slots ?? []).filter((s) => s.capacity >= units).sort((a, b) => a.date.localeCompare(b.date) || a.line.localeCompare(b.line))[0];
      return best ? { line: best.line, date: best.date } : undefined;
    },
  },
];

const GROUP_PRIORITY: Record<FactDefinition['group'], number> = { order: 100, computed: 50, dynamic: 1 };

export const FACT_REGISTRY: ReadonlyMap<string, FactDefinition> = new Map(FACTS.map((f) => [f.id, f]));

/** Adds every computed and dynamic fact to an engine (the order and the call context are runtime facts). */
export function registerFacts(engine: Engine, env: FactEnvironment): void {
  for (const def of FACTS) {
    const compute = def.compute;
    const priority = def.priority ?? GROUP_PRIORITY[def.group];
    // the order is a runtime fact; this placeholder only gives its conditions their priority
    if (compute) engine.addFact(def.id, (params, almanac) => compute(params, almanac, env), { priority });
    else engine.addFact(def.id, undefined, { priority });
  }
  engine.addFact(PERCENT_FACT, async (params, almanac): Promise<PercentValue> => {
    const of = params.of as { fact: string; path?: string; params?: Record<string, unknown> } | number;
    const base = typeof of === 'number' ? of : await almanac.factValue(of.fact, of.params ?? {}, of.path ?? '');
    return { base, percent: params.percent, comparison: params.comparison ?? 'gt' };
  });
}

/** The type an operator sees, or undefined for an object (which no operator but exists takes). */
export function leafTypeOf(type: FieldType): LeafType {
  if (type.kind === 'enum') return { kind: 'enum', values: type.values };
  if (type.kind === 'object') return { kind: 'object' };
  if (type.kind === 'array') {
    const inner = type.of;
    if (inner.kind === 'object' || inner.kind === 'array') return { kind: 'object' };
    return { kind: 'array', of: inner.kind, values: inner.kind === 'enum' ? inner.values : undefined };
  }
  return { kind: type.kind };
}

/** Follows a parsed path through a type tree; returns the resulting type or why it does not exist. */
export function typeAtPath(type: FieldType, segments: ReadonlyArray<{ kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'each' }>): FieldType | string {
  let cur = type;
  let projected = false;
  for (const seg of segments) {
    if (seg.kind === 'key') {
      if (cur.kind === 'array' && seg.key === 'length' && !projected) cur = num;
      else if (cur.kind === 'string' && seg.key === 'length' && !projected) cur = num;
      else if (cur.kind === 'object' && Object.hasOwn(cur.fields, seg.key)) cur = cur.fields[seg.key];
      else return `has no field "${seg.key}"`;
    } else {
      if (cur.kind !== 'array') return `${seg.kind === 'each' ? '[*]' : `[${seg.index}]`} needs a list`;
      if (seg.kind === 'each') {
        if (projected) return 'only one [*] is allowed';
        projected = true;
      }
      cur = cur.of;
    }
  }
  return projected ? list(cur) : cur;
}

export interface CatalogField {
  /** what the picker shows: `order.shippingAddress.country`, `orderTotal`, `order.lines[*].sku` */
  id: string;
  fact: string;
  path?: string;
  type: string;
  values?: readonly string[];
  group: FactDefinition['group'];
  label: string;
  params?: Record<string, ParamSpec>;
}

function typeName(t: FieldType): string {
  if (t.kind === 'array') return `${typeName(t.of)}[]`;
  return t.kind;
}

/** Flattens the registry into pickable fields (every leaf, list projections and list lengths). */
export function factCatalog(): CatalogField[] {
  const out: CatalogField[] = [];
  const visit = (def: FactDefinition, type: FieldType, path: string, projected: boolean) => {
    const id = def.id + path.replace(/^\$/, '');
    const base = { fact: def.id, group: def.group, label: path ? `${def.label}: ${path.replace(/^\$\.?/, '')}` : def.label, params: def.params };
    if (type.kind === 'object') {
      for (const [k, t] of Object.entries(type.fields)) visit(def, t, `${path || '$'}.${k}`, projected);
      return;
    }
    if (type.kind === 'array') {
      if (!projected) out.push({ ...base, id: `${id}.length`, path: `${path || '$'}.length`, type: 'number' });
      if (type.of.kind === 'object' && !projected) {
        for (const [k, t] of Object.entries(type.of.fields)) {
          if (t.kind !== 'object' && t.kind !== 'array') out.push({ ...base, id: `${id}[*].${k}`, path: `${path || '$'}[*].${k}`, type: `${typeName(t)}[]`, values: t.kind === 'enum' ? t.values : undefined });
        }
        return;
      }
    }
    out.push({ ...base, id, path: path || undefined, type: typeName(type), values: type.kind === 'enum' ? type.values : type.kind === 'array' && type.of.kind === 'enum' ? type.of.values : undefined });
  };
  for (const def of FACTS) if (!def.hidden) visit(def, def.type, '', false);
  return out;
}
