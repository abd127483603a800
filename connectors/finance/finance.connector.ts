/** Finance against the reference ERP API (connectors/reference-erp/API.md): credit, invoices, payments. */
import { z } from 'zod';
import { callJson, defineConnector, defineOperation } from '../sdk';

const settings = z.object({ baseUrl: z.url(), apiKey: z.string().min(1) });
type Settings = z.output<typeof settings>;
const auth = (s: Settings) => ({ 'x-api-key': s.apiKey });

export const financeConnector = defineConnector({
  id: 'finance',
  version: 1,
  name: 'Finance',
  description: 'Customer credit, invoices and payments',
  settings,
  operations: {
    getCredit: defineOperation({
      name: 'Get customer credit',
      description: 'Credit limit, open balance and hold flag; `sufficient` compares the available credit with the amount',
      input: z.object({ customerId: z.string().min(1).describe('Customer id in the ERP'), amount: z.number().nonnegative().optional().describe('Order total to check') }),
      output: z.object({ customerId: z.string(), creditLimit: z.number(), balance: z.number(), available: z.number(), currency: z.string(), onHold: z.boolean(), sufficient: z.boolean() }),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        const c = await callJson<{ customerId: string; creditLimit: number; balance: number; available: number; currency: string; onHold: boolean }>(ctx, {
          method: 'GET',
          url: `${s.baseUrl}/finance/customers/${encodeURIComponent(input.customerId)}/credit`,
          headers: auth(s),
          businessErrors: ['UNKNOWN_CUSTOMER'],
        });
        return { customerId: c.customerId, creditLimit: c.creditLimit, balance: c.balance, available: c.available, currency: c.currency, onHold: c.onHold, sufficient: !c.onHold && c.available >= (input.amount ?? 0) };
      },
    }),
    customerCredit: defineOperation({
      name: 'Customer credit (rules fact)',
      description: 'Limit, balance, available and blocked flag; null for a customer the ERP does not know',
      input: z.object({ customerId: z.string().optional(), email: z.string().optional(), name: z.string().optional() }),
      output: z.object({ limit: z.number(), balance: z.number(), available: z.number(), blocked: z.boolean() }).nullable(),
      async execute(ctx, input) {
        if (!input.customerId) return null;
        const s = ctx.settings as Settings;
        try {
          const c = await callJson<{ creditLimit: number; balance: number; available: number; onHold: boolean }>(ctx, {
            method: 'GET',
            url: `${s.baseUrl}/finance/customers/${encodeURIComponent(input.customerId)}/credit`,
            headers: auth(s),
            businessErrors: ['UNKNOWN_CUSTOMER'],
          });
          return { limit: c.creditLimit, balance: c.balance, available: c.available, blocked: c.onHold };
        } catch (err) {
          if ((err as { bpmnErrorCode?: string }).bpmnErrorCode === 'UNKNOWN_CUSTOMER') return null;
          throw err;
        }
      },
    }),
    createInvoice: defineOperation({
      name: 'Create invoice',
      description: 'Invoices an order once (idempotent per flow step)',
      input: z.object({
        orderId: z.string().min(1).describe('Order number'),
        customerId: z.string().min(1).describe('Customer id in the ERP'),
        currency: z.string().regex(/^[A-Z]{3}$/).describe('ISO 4217 currency'),
        lines: z.array(z.object({ sku: z.string(), name: z.string().optional(), quantity: z.number().positive(), unitPrice: z.number().nonnegative() })).min(1).describe('Order lines'),
      }),
      output: z.object({ invoiceId: z.string(), number: z.string(), total: z.number(), currency: z.string(), status: z.string() }),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        const inv = await callJson<{ invoiceId: string; number: string; total: number; currency: string; status: string }>(ctx, {
          method: 'POST',
          url: `${s.baseUrl}/finance/invoices`,
          headers: auth(s),
          body: { orderId: input.orderId, customerId: input.customerId, currency: input.currency, lines: input.lines.map((l) => ({ sku: l.sku, description: l.name, quantity: l.quantity, unitPrice: l.unitPrice })) },
          idempotencyHeader: 'Idempotency-Key',
          businessErrors: ['UNKNOWN_CUSTOMER'],
        });
        return { invoiceId: inv.invoiceId, number: inv.number, total: inv.total, currency: inv.currency, status: inv.status };
      },
    }),
    recordPayment: defineOperation({
      name: 'Record payment',
      description: 'Books a payment against an invoice; throws BPMN error OVERPAYMENT when it exceeds the balance due',
      input: z.object({ invoiceId: z.string().min(1), amount: z.number().positive(), reference: z.string().min(1).describe('Bank or PSP reference') }),
      output: z.object({ paymentId: z.string(), invoiceId: z.string(), amount: z.number(), invoiceStatus: z.string(), balanceDue: z.number() }),
      async execute(ctx, input) {
        const s = ctx.settings as Settings;
        return callJson(ctx, {
          method: 'POST',
          url: `${s.baseUrl}/finance/invoices/${encodeURIComponent(input.invoiceId)}/payments`,
          headers: auth(s),
          body: { amount: input.amount, reference: input.reference },
          idempotencyHeader: 'Idempotency-Key',
          businessErrors: ['OVERPAYMENT'],
        });
      },
    }),
  },
});
