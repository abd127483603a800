/**
 * The scheduling board (issue #5): per warehouse and production line, per day, the allocated
 * orders still to ship, the capacity and its use; moves that re-run the allocation checks; the
 * capacity Ordo keeps itself. Shared by the routes (validation, OpenAPI) and the designer.
 */
import { z } from 'zod';
import { CHANNELS, ORDER_NUMBER, ORDER_PRIORITIES, ORDER_STATUSES } from '../../workflows/model/order';

export const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real date');

/** A warehouse or production line code, as allocation writes it. */
export const resourceCode = z.string().trim().min(1, 'must not be empty').max(100).regex(/^[^|]+$/, 'must not contain |');

export const MAX_BOARD_DAYS = 31;
export const boardQuery = z.strictObject({
  from: isoDay.optional(),
  days: z.coerce.number().int().min(1).max(MAX_BOARD_DAYS).default(7),
});

export const RESOURCE_KINDS = ['warehouse', 'productionLine'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Where a cell's capacity figure came from. */
export const CAPACITY_SOURCES = ['ordo', 'ordo-default', 'connector'] as const;
export type CapacitySource = (typeof CAPACITY_SOURCES)[number];

/** Statuses whose allocation a planner may still move: allocated, not yet printed, packed or shipped. */
export const MOVABLE_STATUSES = ['allocated'] as const;

export const boardOrderSchema = z.object({
  number: z.string(),
  customer: z.string(),
  priority: z.enum(ORDER_PRIORITIES),
  total: z.number(),
  currency: z.string(),
  status: z.enum(ORDER_STATUSES),
  channel: z.enum(CHANNELS),
  skus: z.number().int().describe('distinct SKUs'),
  units: z.number().describe('units over all lines'),
  warehouse: z.string().optional(),
  productionLine: z.string().optional(),
  plannedShipDate: z.string().optional(),
  movable: z.boolean().describe('the status still allows a move'),
});
export type BoardOrder = z.infer<typeof boardOrderSchema>;

export const boardCellSchema = z.object({
  date: z.string(),
  /** warehouses count orders, production lines count units */
  used: z.number(),
  capacity: z.number().nullable().describe('null when nothing is known for this day'),
  source: z.enum(CAPACITY_SOURCES),
  overloaded: z.boolean(),
  orders: z.array(boardOrderSchema),
});
export type BoardCell = z.infer<typeof boardCellSchema>;

export const boardResourceSchema = z.object({
  kind: z.enum(RESOURCE_KINDS),
  code: z.string(),
  unit: z.enum(['orders', 'units']),
  cells: z.array(boardCellSchema),
});
export type BoardResource = z.infer<typeof boardResourceSchema>;

export const boardSchema = z.object({
  from: z.string(),
  days: z.array(z.string()),
  today: z.string(),
  resources: z.array(boardResourceSchema),
  unscheduled: z.array(boardOrderSchema),
  /** true when production capacity comes from the production connector, with the error when it failed */
  productionConnector: z.object({ configured: z.boolean(), error: z.string().optional() }),
  generatedInMs: z.number(),
});
export type Board = z.infer<typeof boardSchema>;

export const moveBody = z
  .strictObject({
    number: z.string().regex(ORDER_NUMBER, 'must look like SO-2025-000123'),
    warehouse: resourceCode.optional(),
    productionLine: resourceCode.optional(),
    plannedShipDate: isoDay,
    note: z.string().trim().max(500).optional(),
  })
  .superRefine((b, ctx) => {
    if (Boolean(b.warehouse) === Boolean(b.productionLine)) ctx.addIssue({ code: 'custom', path: ['warehouse'], message: 'give either a warehouse or a production line' });
  });
export type MoveRequest = z.infer<typeof moveBody>;

export const MOVE_CHECKS = ['status', 'date', 'capacity', 'stock', 'production'] as const;
export type MoveCheck = (typeof MOVE_CHECKS)[number];
export const failedCheckSchema = z.object({ check: z.enum(MOVE_CHECKS), message: z.string() });
export type FailedCheck = z.infer<typeof failedCheckSchema>;

export const moveResultSchema = z.object({
  number: z.string(),
  from: z.object({ warehouse: z.string().optional(), productionLine: z.string().optional(), plannedShipDate: z.string().optional() }),
  to: z.object({ warehouse: z.string().optional(), productionLine: z.string().optional(), plannedShipDate: z.string() }),
  /** the checks that ran, with their outcome */
  checks: z.array(z.object({ check: z.enum(MOVE_CHECKS), ok: z.boolean(), message: z.string() })),
});
export type MoveResult = z.infer<typeof moveResultSchema>;

/* ---------- capacity kept in Ordo ---------- */

const perDay = z.number().int().min(0).max(100_000);
export const capacitySettingsSchema = z.strictObject({
  /** orders per day, per warehouse code */
  warehouses: z.record(resourceCode, perDay).default({}),
  /** orders per day for a warehouse not listed */
  defaultWarehouse: perDay.default(20),
  /** units per day, per production line, used when the production connector is not configured */
  productionLines: z.record(resourceCode, perDay).default({}),
  /** units per day for a production line not listed (no connector) */
  defaultProductionLine: perDay.default(100),
});
export type CapacitySettings = z.infer<typeof capacitySettingsSchema>;
export const DEFAULT_CAPACITY: CapacitySettings = { warehouses: {}, defaultWarehouse: 20, productionLines: {}, defaultProductionLine: 100 };
