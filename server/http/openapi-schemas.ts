/**
 * Response shapes of the documented API, as zod schemas that routes declare as `response` (the
 * OpenAPI document turns them into JSON Schema). Objects are open (extra fields may appear: the
 * views grow); the fields listed are always there. tests/api/openapi.test.ts checks real answers
 * against them, so a view that drifts from its schema fails a test.
 */
import { z } from 'zod';
import { CHANNELS, ORDER_STATUSES } from '../../workflows/model/order';

const isoDateTime = z.string().describe('ISO 8601 date-time');
const nullableString = z.string().nullable();
const record = z.record(z.string(), z.unknown());

export const actorSchema = z.looseObject({ kind: z.string(), id: nullableString, label: z.string() });
const issue = z.looseObject({ path: z.string(), message: z.string() });

/* ---------- orders ---------- */
const address = z.looseObject({ line1: z.string(), city: z.string(), postcode: z.string().optional(), country: z.string() });
const orderLine = z.looseObject({ sku: z.string(), name: z.string(), quantity: z.number(), unitPrice: z.number(), lineTotal: z.number() });
const orderEvent = z.looseObject({
  at: isoDateTime,
  kind: z.enum(['status', 'action', 'flow', 'intake']),
  status: z.enum(ORDER_STATUSES).optional(),
  step: z.string().optional(),
  message: z.string(),
  actor: z.string().optional(),
  public: z.boolean(),
});
export const orderSchema = z
  .looseObject({
    id: z.string(),
    number: z.string().describe('SO-YYYY-NNNNNN'),
    channel: z.enum(CHANNELS),
    externalId: z.string().optional(),
    customer: z.looseObject({ name: z.string(), email: z.string().optional() }),
    billingAddress: address.optional(),
    shippingAddress: address,
    lines: z.array(orderLine),
    currency: z.string(),
    totals: z.looseObject({ subtotal: z.number(), total: z.number() }),
    priority: z.string(),
    type: z.string(),
    status: z.enum(ORDER_STATUSES),
    statusSince: isoDateTime,
    currentStep: z.string().optional(),
    allocation: record.optional(),
    shipment: record.optional(),
    review: z.looseObject({ hash: z.string() }),
    flow: z.looseObject({ status: z.string(), attempts: z.number() }),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    version: z.number().int().describe('send it back when editing (optimistic concurrency)'),
  })
  .describe('An order');
export const orderDetailSchema = orderSchema
  .extend({
    eta: z.looseObject({ eta: nullableString, basis: z.string(), sampleSize: z.number() }),
    timeline: z.array(orderEvent),
  })
  .describe('An order with its timeline (status changes, actions, flow steps) and ETA');
export const orderSearchSchema = z.looseObject({
  items: z.array(
    z.looseObject({
      number: z.string(),
      createdAt: z.number().describe('epoch milliseconds'),
      status: z.enum(ORDER_STATUSES),
      statusSince: z.number(),
      channel: z.enum(CHANNELS),
      warehouse: z.string().optional(),
      total: z.number(),
      currency: z.string(),
      customerName: z.string(),
    }),
  ),
  nextCursor: z.string().optional().describe('pass as `cursor` for the next page; absent on the last page'),
});

/* ---------- tasks ---------- */
export const taskSchema = z.looseObject({
  id: z.string(),
  instanceId: z.string(),
  processKey: z.string(),
  businessKey: nullableString.describe('the order number for order flows'),
  activityId: z.string(),
  name: nullableString,
  candidateGroups: z.array(z.string()),
  candidateUsers: z.array(z.string()),
  assignee: nullableString,
  claimedBy: nullableString,
  claimedByLabel: nullableString,
  formKey: nullableString,
  priority: z.number(),
  dueAt: nullableString,
  status: z.enum(['open', 'claimed', 'completed', 'cancelled']),
  version: z.number().int(),
  createdAt: isoDateTime,
  claimedAt: nullableString,
  completedAt: nullableString,
  completedBy: actorSchema.nullable(),
  data: record.nullable(),
});
export const taskListSchema = z.looseObject({ items: z.array(taskSchema), total: z.number().int() });

/* ---------- workflows ---------- */
export const definitionSummarySchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  version: z.number().int(),
  name: nullableString,
  deployedAt: isoDateTime,
  deployedBy: actorSchema,
  versions: z.number().int().optional(),
});
export const definitionSchema = definitionSummarySchema.extend({
  hash: z.string(),
  xmlUrl: z.string(),
  warnings: z.array(issue),
  messageStarts: z.array(z.string()),
  elements: record,
});
export const definitionListSchema = z.array(definitionSummarySchema);
export const deployResultSchema = z.looseObject({ definition: definitionSchema, created: z.boolean().describe('false: the XML equals the latest version') });
export const validateResultSchema = z.looseObject({ valid: z.boolean(), key: nullableString, errors: z.array(issue), warnings: z.array(issue) });

/* ---------- connectors ---------- */
const operation = z.looseObject({ id: z.string(), name: z.string(), description: z.string().optional(), inputSchema: z.unknown(), outputSchema: z.unknown() });
export const connectorSchema = z.looseObject({
  id: z.string(),
  kind: z.enum(['builtin', 'rest']),
  version: z.number().int(),
  name: z.string(),
  description: z.string().optional(),
  operations: z.array(operation),
  definition: record.optional().describe('the REST connector definition (REST connectors only)'),
  versions: z.array(z.looseObject({ version: z.number().int(), createdAt: isoDateTime, createdBy: z.string().optional() })).optional(),
});
export const connectorListSchema = z.array(connectorSchema);
export const connectorTestSchema = z.looseObject({
  ok: z.boolean(),
  output: z.unknown().optional().describe('the mapped output (when ok)'),
  error: z.looseObject({ message: z.string(), retryable: z.boolean().optional(), bpmnErrorCode: z.string().optional() }).optional().describe('why the call failed (when not ok)'),
  connector: z.looseObject({ id: z.string(), version: z.number().int() }).optional(),
  operation: z.string().optional(),
  durationMs: z.number(),
  exchanges: z.array(record).describe('every request sent (secrets masked) and its response'),
});

/* ---------- templates ---------- */
const paper = z.looseObject({ size: z.string() });
export const templateSummarySchema = z.looseObject({
  key: z.string(),
  name: z.string(),
  description: z.string().optional(),
  paper,
  revision: z.number().int(),
  updatedAt: isoDateTime,
  updatedBy: z.string(),
  latestVersion: z.number().int().nullable(),
  dirty: z.boolean().describe('the draft has changes not published yet'),
});
export const templateSchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  version: z.number().int(),
  status: z.string(),
  name: z.string(),
  paper,
  projectData: record.describe('the GrapesJS project'),
  compiled: z.looseObject({ html: z.string(), css: z.string() }),
  revision: z.number().int(),
  updatedAt: isoDateTime,
  updatedBy: z.string(),
});
export const templateVersionSchema = z.looseObject({ id: z.string(), key: z.string(), version: z.number().int(), name: z.string(), paper, publishedAt: isoDateTime, publishedBy: z.string() });
export const templateListSchema = z.array(templateSummarySchema);
export const templateVersionListSchema = z.array(templateVersionSchema);
export const templateDetailSchema = z.looseObject({ draft: templateSchema, versions: z.array(templateVersionSchema) });

/* ---------- rules ---------- */
const ruleVersion = z.looseObject({ version: z.number().int(), hash: z.string(), publishedAt: isoDateTime, publishedBy: z.string(), note: z.string().optional() });
export const ruleSetSummarySchema = z.looseObject({
  key: z.string(),
  name: z.string(),
  kind: z.string(),
  latestVersion: z.number().int().nullable(),
  draft: z.looseObject({ rev: z.number().int(), updatedAt: isoDateTime, updatedBy: z.string(), hash: z.string() }).nullable(),
  draftUnchanged: z.boolean(),
});
export const ruleSetListSchema = z.array(ruleSetSummarySchema);
export const ruleSetSavedSchema = z.looseObject({ key: z.string(), rev: z.number().int(), hash: z.string() });
export const ruleSetDetailSchema = z.looseObject({
  key: z.string(),
  draft: record.nullable(),
  latest: z.looseObject({ version: z.number().int(), hash: z.string(), doc: record }).nullable(),
  versions: z.array(ruleVersion),
  draftUnchanged: z.boolean(),
});
export const ruleSetVersionSchema = z.looseObject({ key: z.string(), version: z.number().int(), doc: record });
export const ruleValidationSchema = z.looseObject({ valid: z.boolean(), issues: z.array(issue), facts: z.array(z.string()) });
