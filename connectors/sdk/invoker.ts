/**
 * Implements the engine's ConnectorInvoker port (engine/ports.ts, matched structurally so the sdk
 * stays below the engine): resolve "connector.operation", validate the input, resolve secrets,
 * execute, validate the output, and make sure no secret leaves in a result, an error or a log line.
 */
import { toFieldIssues } from '../../workflows/model/zod-issues';
import { ConnectorError } from './errors';
import type { ConnectorCallContext, ConnectorDefinition, ConnectorLogger, OperationDefinition } from './define';
import type { EgressPolicy } from './egress';
import type { HttpExchange, HttpTransport, SendOptions } from './http';
import { SecretMasker, resolveSecrets, type SecretsPort } from './secrets';

export interface ResolvedOperation {
  connector: ConnectorDefinition;
  operationId: string;
  operation: OperationDefinition;
  /** settings as stored: may hold `{{secrets.…}}` references */
  settings?: unknown;
  policy: EgressPolicy;
  /** defaults for every HTTP call of this connector (timeout, size limit, retries) */
  http?: SendOptions;
}

/** Where connector operations are found: code connectors and stored REST connectors alike. */
export interface ConnectorCatalog {
  has(ref: string): boolean;
  resolve(ref: string): Promise<ResolvedOperation | undefined>;
}

export interface InvokeTrace {
  connector?: { id: string; version: number };
  operation?: string;
  exchanges: HttpExchange[];
  durationMs: number;
}

export type TracedResult = { ok: true; output: unknown; trace: InvokeTrace } | { ok: false; error: ConnectorError; trace: InvokeTrace };

export interface OrdoConnectorInvoker {
  has(connectorId: string): boolean;
  invoke(connectorId: string, input: Record<string, unknown>, ctx: ConnectorCallContext): Promise<unknown>;
  /** the same call, answering with the exact requests sent (secrets masked): "test this operation" */
  invokeTraced(connectorId: string, input: Record<string, unknown>, ctx: ConnectorCallContext): Promise<TracedResult>;
}

export interface InvokerDeps {
  catalog: ConnectorCatalog;
  secrets: SecretsPort;
  transport: HttpTransport;
  logger?: ConnectorLogger;
}

const SILENT: ConnectorLogger = { info() {}, warn() {}, debug() {} };

function maskedLogger(base: ConnectorLogger, masker: SecretMasker, fields: Record<string, unknown>): ConnectorLogger {
  const wrap = (fn: ConnectorLogger['info']) => (data: Record<string, unknown>, message: string) => fn({ ...fields, ...masker.maskDeep(data) }, masker.mask(message));
  return { info: wrap(base.info.bind(base)), warn: wrap(base.warn.bind(base)), debug: wrap(base.debug.bind(base)) };
}

/** Any failure → a ConnectorError whose message and details carry no secret. */
function toMaskedError(err: unknown, masker: SecretMasker): ConnectorError {
  if (err instanceof ConnectorError) {
    if (masker.size === 0) return err;
    return new ConnectorError(masker.mask(err.message), {
      retryable: err.retryable,
      bpmnErrorCode: err.bpmnErrorCode,
      retryAfterMs: err.retryAfterMs,
      details: err.extensions ? masker.maskDeep(err.extensions) : undefined,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ConnectorError(masker.mask(`Connector failed unexpectedly: ${message}`), { retryable: true });
}

export function createConnectorInvoker(deps: InvokerDeps): OrdoConnectorInvoker {
  const baseLogger = deps.logger ?? SILENT;

  async function run(ref: string, input: Record<string, unknown>, call: ConnectorCallContext): Promise<TracedResult> {
    const started = performance.now();
    const masker = new SecretMasker();
    const trace: InvokeTrace = { exchanges: [], durationMs: 0 };
    const finish = <T extends TracedResult>(r: T): T => {
      trace.durationMs = Math.round((performance.now() - started) * 100) / 100;
      // secrets learnt mid-call (an OAuth token) are masked in the exchanges recorded before
      trace.exchanges = masker.maskDeep(trace.exchanges);
      return r;
    };
    let logger = baseLogger;
    try {
      const resolved = await deps.catalog.resolve(ref);
      if (!resolved) throw new ConnectorError(`Unknown connector operation "${ref}"`, { retryable: false });
      const { connector, operation, operationId } = resolved;
      trace.connector = { id: connector.id, version: connector.version };
      trace.operation = operationId;
      logger = maskedLogger(baseLogger, masker, { connector: connector.id, version: connector.version, operation: operationId, instanceId: call.instanceId, activityId: call.activityId, attempt: call.attempt });

      // Secrets are resolved in the connector's settings only, never in inputs: an input carries
      // order data, and a customer typing "{{secrets.X}}" must not make Ordo send the secret.
      const parsed = operation.input.safeParse(input);
      if (!parsed.success) {
        const errors = masker.maskDeep(toFieldIssues(parsed.error.issues, 'input'));
        throw new ConnectorError(`The input of ${connector.id}.${operationId} is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { retryable: false, details: { errors } });
      }
      let settings: unknown = resolved.settings ?? {};
      if (connector.settings) {
        const s = connector.settings.safeParse(await resolveSecrets(settings, deps.secrets, masker));
        if (!s.success) throw new ConnectorError(`The settings of connector ${connector.id} are invalid: ${toFieldIssues(s.error.issues).map((e) => `${e.path} ${e.message}`).join('; ')}`, { retryable: false });
        settings = s.data;
      } else {
        settings = await resolveSecrets(settings, deps.secrets, masker);
      }
      const http = deps.transport.client({ policy: resolved.policy, masker, trace: trace.exchanges, defaults: resolved.http });
      const result = await operation.execute({ call, settings: settings as Record<string, unknown>, http, logger, addSecret: (v) => masker.add(v) }, parsed.data);
      const out = operation.output.safeParse(result);
      if (!out.success) {
        throw new ConnectorError(`${connector.id}.${operationId} returned an output that does not match its schema: ${toFieldIssues(out.error.issues, 'output').map((e) => `${e.path} ${e.message}`).join('; ')}`, { retryable: false });
      }
      const output = masker.maskDeep(out.data);
      logger.info({ durationMs: Math.round(performance.now() - started), calls: trace.exchanges.length }, 'connector call done');
      return finish({ ok: true, output, trace });
    } catch (err) {
      const error = toMaskedError(err, masker);
      logger.warn({ retryable: error.retryable, bpmnErrorCode: error.bpmnErrorCode, durationMs: Math.round(performance.now() - started) }, `connector call failed: ${error.message}`);
      return finish({ ok: false, error, trace });
    }
  }

  return {
    has: (ref) => deps.catalog.has(ref),
    async invoke(ref, input, ctx) {
      const r = await run(ref, input, ctx);
      if (!r.ok) throw r.error;
      return r.output;
    },
    invokeTraced: run,
  };
}
