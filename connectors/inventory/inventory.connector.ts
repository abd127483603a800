/** Inventory against the reference ERP API (connectors/reference-erp/API.md): stock, reserve, release. */
import { z } from 'zod';
import { callJson, defineConnector, defineOperation } from '../sdk';

const settings = z.object({ baseUrl: z.url(), apiKey: z.string().min(1) });
type Settings = z.output<typeof settings>;
const auth = (s: Settings) => ({ 'x-api-key': s.apiKey });
const sku = z.string().trim().toUpperCase().min(2).describe('Stock-keeping unit');

const receipt = z.object({ date: z.string(), quantity: z.number() });
const stockItem = z.object({ sku: z.string(), warehouse: z.string(), country: z.string().optional(), onHand: z.number(), reserved: z.number(), available: z.number(), incoming: z.array(receipt).optional() });

export const inventoryConnector = defineConnector({
  id: 'inventory',
  version: 1,
  name: 'Inventory',
  description: 'Stock per SKU and warehouse, reservations for orders',
  settings,
  operations: {
    getStock: defineOperation({
      name: 'Get stock',
      description: 'Available quantity per SKU and warehouse; `sufficient` tells whether one warehouse can serve every requested line',
      input: z.object({
        skus: z.array(sku).min(1).max(200).describe('SKUs to look up'),
        warehouse: z.string().optional().describe('Only this warehouse'),
        lines: z.array(z.object({ sku, quantity: z.number().positive() })).optional().describe('Order lines to check for sufficiency'),
      }),
      output: z.object({ items: z.array(stockItem), unknownSkus: z.array(z.string()), sufficient: z.boolean(), warehouses: z.array(z.string()) }),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        const res = await callJson<{ items: z.output<typeof stockItem>[]; unknownSkus: string[] }>(ctx, { method: 'GET', url: `${s.baseUrl}/inventory/stock`, query: { sku: input.skus, warehouse: input.warehouse }, headers: auth(s) });
        const lines = input.lines ?? input.skus.map((k) => ({ sku: k, quantity: 1 }));
        const warehouses = [...new Set(res.items.map((i) => i.warehouse))].filter((wh) =>
          lines.every((l) => (res.items.find((i) => i.sku === l.sku && i.warehouse === wh)?.available ?? 0) >= l.quantity),
        );
        return { items: res.items, unknownSkus: res.unknownSkus, sufficient: warehouses.length > 0, warehouses };
      },
    }),
    stockLevels: defineOperation({
      name: 'Stock levels per warehouse',
      description: 'Available units per SKU, grouped by warehouse, with the expected receipts (the shape the rules’ stock facts use)',
      input: z.object({ skus: z.array(sku).min(1).max(200).describe('SKUs to look up') }),
      output: z.array(
        z.object({
          warehouse: z.string(),
          country: z.string().optional(),
          levels: z.record(z.string(), z.number()),
          incoming: z.array(z.object({ sku: z.string(), date: z.string(), quantity: z.number() })).optional(),
        }),
      ),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        const res = await callJson<{ items: z.output<typeof stockItem>[] }>(ctx, { method: 'GET', url: `${s.baseUrl}/inventory/stock`, query: { sku: input.skus }, headers: auth(s) });
        const byWarehouse = new Map<string, { warehouse: string; country?: string; levels: Record<string, number>; incoming?: Array<{ sku: string; date: string; quantity: number }> }>();
        for (const i of res.items) {
          const w = byWarehouse.get(i.warehouse) ?? { warehouse: i.warehouse, country: i.country, levels: {} };
          w.levels[i.sku] = i.available;
          for (const r of i.incoming ?? []) (w.incoming ??= []).push({ sku: i.sku, date: r.date, quantity: r.quantity });
          byWarehouse.set(i.warehouse, w);
        }
        return [...byWarehouse.values()];
      },
    }),
    reserve: defineOperation({
      name: 'Reserve stock',
      description: 'Reserves every line in one warehouse; throws BPMN error INSUFFICIENT_STOCK when none can serve the order',
      input: z.object({
        orderId: z.string().min(1).describe('Order number'),
        lines: z.array(z.object({ sku, quantity: z.number().int().positive() })).min(1).describe('Lines to reserve'),
        warehouse: z.string().optional().describe('Reserve in this warehouse only'),
      }),
      output: z.object({ reservationId: z.string(), warehouse: z.string(), lines: z.array(z.object({ sku: z.string(), quantity: z.number() })), status: z.string() }),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        return callJson(ctx, {
          method: 'POST',
          url: `${s.baseUrl}/inventory/reservations`,
          headers: auth(s),
          body: { orderId: input.orderId, lines: input.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })), ...(input.warehouse ? { warehouse: input.warehouse } : {}) },
          idempotencyHeader: 'Idempotency-Key',
          businessErrors: ['INSUFFICIENT_STOCK'],
        });
      },
    }),
    release: defineOperation({
      name: 'Release reservation',
      description: 'Gives reserved stock back (cancellation); releasing twice is harmless',
      input: z.object({ reservationId: z.string().min(1).describe('Reservation to release') }),
      output: z.object({ reservationId: z.string(), status: z.string() }),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        return callJson(ctx, { method: 'POST', url: `${s.baseUrl}/inventory/reservations/${encodeURIComponent(input.reservationId)}/release`, headers: auth(s) });
      },
    }),
  },
});
