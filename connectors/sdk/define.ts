/**
 * A connector is declared, then executed: an id, a version, a name, and operations that each carry
 * a zod input and output schema plus one execute function. The same schemas give validation,
 * the JSON Schema for forms and the modeler's element templates.
 */
import type { z, ZodType } from 'zod';
import type { HttpClient } from './http';

/** What a call knows about the flow step that made it (mirrors engine/ports CallContext). */
export interface ConnectorCallContext {
  instanceId: string;
  activityId: string;
  businessKey?: string;
  /** stable across retries of the same activity execution: send it as the idempotency key */
  idempotencyKey: string;
  attempt: number;
}

/** Structured logging for connectors; lines pass through the call's secret masker. */
export interface ConnectorLogger {
  info(data: Record<string, unknown>, message: string): void;
  warn(data: Record<string, unknown>, message: string): void;
  debug(data: Record<string, unknown>, message: string): void;
}

export interface ConnectorContext<S = Record<string, unknown>> {
  call: ConnectorCallContext;
  /** the connector's settings with every `{{secrets.…}}` already resolved */
  settings: S;
  /** egress-guarded, size- and time-bounded, retrying, traced HTTP */
  http: HttpClient;
  logger: ConnectorLogger;
  /** registers a value obtained at run time (an access token, a derived header) to be masked too */
  addSecret(value: string): void;
}

export interface OperationDefinition<I extends ZodType = ZodType, O extends ZodType = ZodType, S = any> {
  name: string;
  description?: string;
  input: I;
  output: O;
  execute(ctx: ConnectorContext<S>, input: z.output<I>): Promise<z.input<O>>;
}

export interface ConnectorDefinition<S = any> {
  id: string;
  version: number;
  name: string;
  description?: string;
  /** per-installation settings (base URL, credential references); resolved before execute */
  settings?: ZodType<S>;
  operations: Record<string, OperationDefinition<ZodType, ZodType, S>>;
}

export const CONNECTOR_ID = /^[a-z][a-z0-9-]{1,39}$/;
export const OPERATION_ID = /^[a-zA-Z][a-zA-Z0-9]{0,39}$/;

/** Typed declaration helper: checks ids once, keeps each operation's input/output inference. */
export function defineConnector<S, const Ops extends Record<string, OperationDefinition<any, any, S>>>(def: {
  id: string;
  version: number;
  name: string;
  description?: string;
  settings?: ZodType<S>;
  operations: Ops;
}): ConnectorDefinition<S> {
  if (!CONNECTOR_ID.test(def.id)) throw new Error(`connector id "${def.id}" must match ${CONNECTOR_ID}`);
  if (!Number.isInteger(def.version) || def.version < 1) throw new Error(`connector ${def.id}: version must be a positive integer`);
  for (const op of Object.keys(def.operations)) {
    if (!OPERATION_ID.test(op)) throw new Error(`connector ${def.id}: operation id "${op}" must match ${OPERATION_ID}`);
  }
  return def as ConnectorDefinition<S>;
}

/** Typed operation helper, so `execute` sees the parsed input type. */
export function defineOperation<I extends ZodType, O extends ZodType, S = any>(op: OperationDefinition<I, O, S>): OperationDefinition<I, O, S> {
  return op;
}

/** "inventory.reserve" or "erp@3.getStock" → parts; undefined when malformed. */
export function parseConnectorRef(ref: string): { connectorId: string; version?: number; operationId: string } | undefined {
  const m = /^([a-z][a-z0-9-]{1,39})(?:@(\d{1,6}))?\.([a-zA-Z][a-zA-Z0-9]{0,39})$/.exec(ref);
  if (!m) return undefined;
  return { connectorId: m[1], version: m[2] ? Number(m[2]) : undefined, operationId: m[3] };
}
