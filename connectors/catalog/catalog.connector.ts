/** Catalog against the reference ERP API (connectors/reference-erp/API.md): list prices per SKU. */
import { z } from 'zod';
import { callJson, defineConnector, defineOperation } from '../sdk';

const settings = z.object({ baseUrl: z.url(), apiKey: z.string().min(1) });
type Settings = z.output<typeof settings>;

export const catalogConnector = defineConnector({
  id: 'catalog',
  version: 1,
  name: 'Catalog',
  description: 'List prices of the products, for price checks in review rules',
  settings,
  operations: {
    listPrices: defineOperation({
      name: 'List prices',
      description: 'The list price per SKU (SKUs the catalog does not know are left out)',
      input: z.object({ skus: z.array(z.string().trim().toUpperCase().min(2)).min(1).max(200).describe('SKUs to price') }),
      output: z.record(z.string(), z.number()),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        const res = await callJson<{ prices: Record<string, number> }>(ctx, { method: 'GET', url: `${s.baseUrl}/catalog/prices`, query: { sku: input.skus }, headers: { 'x-api-key': s.apiKey } });
        return res.prices;
      },
    }),
  },
});
