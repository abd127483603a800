/**
 * The workflow API contract: request bodies and queries (zod) and the answers (the views the
 * engine builds, from workflows/bpmn/views.ts). Shared with the designer.
 */
import { z } from 'zod';

export type * from '../../workflows/bpmn/views';

const name = z.string().trim().min(1).max(200);
const processKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'a process key: letters, digits, _ . - (max 64)');
const variables = z.record(z.string(), z.unknown());
const id = z.string().regex(/^[A-Za-z0-9:_.-]{1,200}$/, 'not a valid id');

export const bpmnBody = z.strictObject({ xml: z.string().min(1, 'the BPMN XML is empty').optional() });
export const processParams = z.object({ key: processKey });
export const versionParams = z.object({ key: processKey, version: z.coerce.number().int().positive() });

export const startInstanceBody = z.strictObject({
  processKey,
  version: z.number().int().positive().optional(),
  businessKey: z.string().trim().min(1).max(200).optional(),
  variables: variables.optional(),
});
export const instanceParams = z.object({ id });
export const instanceQuery = z.object({
  processKey: processKey.optional(),
  status: z.enum(['running', 'waiting', 'completed', 'failed', 'cancelled']).optional(),
  businessKey: z.string().max(200).optional(),
  incident: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});
export const cancelBody = z.strictObject({ reason: z.string().trim().max(500).optional() });
export const variablesBody = z.strictObject({ variables });
export const incidentQuery = z.object({ status: z.enum(['open', 'resolved']).optional(), instanceId: id.optional(), limit: z.coerce.number().int().min(1).max(1000).optional() });
export const retryBody = z.strictObject({ variables: variables.optional() });

export const taskQuery = z.object({
  queue: z.enum(['mine', 'groups', 'all']).optional(),
  status: z.enum(['open', 'claimed', 'completed', 'cancelled']).optional(),
  processKey: processKey.optional(),
  businessKey: z.string().max(200).optional(),
  instanceId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});
export const taskParams = z.object({ id });
export const completeTaskBody = z.strictObject({ data: variables.default({}) });
export const assignTaskBody = z.strictObject({ userId: z.string().trim().min(1).max(200), label: z.string().trim().min(1).max(200).optional() });

export const messageBody = z
  .strictObject({
    name,
    businessKey: z.string().trim().min(1).max(200).optional(),
    instanceId: id.optional(),
    variables: variables.optional(),
    /** Camunda 8 style: when nothing waits yet, keep the message this long for an instance with the business key (ms, at most 30 days) */
    timeToLiveMs: z.number().int().min(0).max(30 * 24 * 3600_000).optional(),
    /** with timeToLiveMs: a second publish with the same id is refused (409) while the first is buffered */
    messageId: z.string().trim().min(1).max(200).optional(),
  })
  .refine((b) => !(b.businessKey && b.instanceId), { message: 'give businessKey or instanceId, not both', path: ['instanceId'] })
  .refine((b) => !b.timeToLiveMs || b.businessKey, { message: 'a message with a time to live is correlated by businessKey', path: ['businessKey'] })
  .refine((b) => !b.messageId || b.timeToLiveMs, { message: 'messageId goes with timeToLiveMs', path: ['messageId'] });
export const signalBody = z.strictObject({ name, variables: variables.optional() });
