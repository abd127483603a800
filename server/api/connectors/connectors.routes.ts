/** Connectors: the catalog, the REST connector builder (versioned), "test this operation", element templates. */
import crypto from 'node:crypto';
import { z } from 'zod';
import { importOpenApi, restConnectorSchema, type OrdoConnectorInvoker, type RestConnector, type TracedResult } from '../../../connectors';
import { NotFoundError, UnprocessableError, ValidationError } from '../../../workflows/model/errors';
import { connectorListSchema, connectorSchema, connectorTestSchema } from '../../http/openapi-schemas';
import { defineRoute, type AnyRoute } from '../../http/route';
import type { ConnectorService } from '../../integration/connectors.service';

const connectorParams = z.object({ id: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be a connector id') });
const versionParams = connectorParams.extend({ version: z.coerce.number().int().min(1) });
const operationParams = connectorParams.extend({ operation: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,39}$/, 'must be an operation id') });

const testBody = z.strictObject({
  input: z.record(z.string(), z.unknown()).default({}),
  /** test a stored version other than the latest */
  version: z.number().int().min(1).optional(),
  /** sent as the idempotency key (default: a fresh one per test) */
  idempotencyKey: z.string().min(1).max(200).optional(),
});
const draftTestBody = z.strictObject({ definition: restConnectorSchema, operation: z.string().min(1), input: z.record(z.string(), z.unknown()).default({}) });
const saveBody = z.strictObject({ expectedVersion: z.number().int().min(1), definition: restConnectorSchema });
const importBody = z.strictObject({ document: z.record(z.string(), z.unknown()) });

/** The answer of "test this operation": what was sent and received, secrets masked, and the outcome. */
function testAnswer(r: TracedResult) {
  return {
    ok: r.ok,
    ...(r.ok ? { output: r.output } : { error: { message: r.error.message, retryable: r.error.retryable, bpmnErrorCode: r.error.bpmnErrorCode, details: r.error.extensions } }),
    connector: r.trace.connector,
    operation: r.trace.operation,
    durationMs: r.trace.durationMs,
    exchanges: r.trace.exchanges,
  };
}

const testContext = (key?: string) => ({ instanceId: 'connector-test', activityId: 'connector-test', idempotencyKey: key ?? `test-${crypto.randomUUID()}`, attempt: 1 });

export interface ConnectorRouteDeps {
  connectors: ConnectorService;
  invoker: OrdoConnectorInvoker;
  /** runs an operation of an unsaved definition (checked like a save first) */
  testDraft(definition: RestConnector, operation: string, input: Record<string, unknown>, ctx: ReturnType<typeof testContext>): Promise<TracedResult | undefined>;
}

export function connectorRoutes(deps: ConnectorRouteDeps): AnyRoute[] {
  const { connectors, invoker } = deps;
  const read = { permission: 'connectors.read' } as const;
  const manage = { permission: 'connectors.manage' } as const;
  return [
    defineRoute({ method: 'get', path: '/api/connectors', tag: 'connectors', summary: 'List connectors (built-in and REST) with their operations and JSON Schemas', access: read, response: connectorListSchema, handler: () => connectors.list() }),
    defineRoute({
      method: 'get',
      path: '/api/connectors/rest-schema',
      tag: 'connectors',
      summary: 'JSON Schema of a REST connector definition (the builder form is generated from it)',
      access: read,
      handler: () => z.toJSONSchema(restConnectorSchema, { io: 'input', unrepresentable: 'any' }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/connectors/element-templates',
      tag: 'connectors',
      summary: 'Camunda 7 element templates for every connector operation (for the modeler)',
      access: read,
      handler: () => connectors.elementTemplates(),
    }),
    defineRoute({
      method: 'post',
      path: '/api/connectors/import-openapi',
      tag: 'connectors',
      summary: 'Pre-fill REST operations from an OpenAPI 3 document (nothing is stored)',
      access: manage,
      body: importBody,
      handler: ({ body }) => {
        try {
          return importOpenApi(body.document);
        } catch (err) {
          throw new ValidationError('The document cannot be imported', [{ path: 'document', message: (err as Error).message }]);
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/connectors/test-draft',
      tag: 'connectors',
      summary: 'Run one operation of an unsaved REST connector definition with sample input',
      access: manage,
      body: draftTestBody,
      response: connectorTestSchema,
      handler: async ({ body }) => {
        const result = await deps.testDraft(body.definition, body.operation, body.input, testContext());
        if (!result) throw new NotFoundError(`Operation ${body.operation} in the draft`);
        return testAnswer(result);
      },
    }),
    defineRoute({ method: 'post', path: '/api/connectors', tag: 'connectors', summary: 'Create a REST connector (version 1)', access: manage, body: restConnectorSchema, status: 201, response: connectorSchema, handler: ({ principal, body }) => connectors.create(principal, body) }),
    defineRoute({ method: 'get', path: '/api/connectors/:id', tag: 'connectors', summary: 'A connector at its latest version, with its version list', access: read, params: connectorParams, response: connectorSchema, handler: ({ params }) => connectors.get(params.id) }),
    defineRoute({
      method: 'get',
      path: '/api/connectors/:id/versions/:version',
      tag: 'connectors',
      summary: 'A connector at one stored version',
      access: read,
      params: versionParams,
      response: connectorSchema,
      handler: ({ params }) => connectors.get(params.id, params.version),
    }),
    defineRoute({
      method: 'put',
      path: '/api/connectors/:id',
      tag: 'connectors',
      summary: 'Save a new version of a REST connector (expectedVersion guards concurrent edits); older versions keep running',
      access: manage,
      params: connectorParams,
      body: saveBody,
      response: connectorSchema,
      handler: ({ principal, params, body }) => connectors.saveVersion(principal, params.id, body.expectedVersion, body.definition),
    }),
    defineRoute({ method: 'delete', path: '/api/connectors/:id', tag: 'connectors', summary: 'Archive a REST connector (its operations stop resolving)', access: manage, params: connectorParams, status: 204, handler: ({ principal, params }) => connectors.archive(principal, params.id) }),
    defineRoute({
      method: 'post',
      path: '/api/connectors/:id/operations/:operation/test',
      tag: 'connectors',
      summary: 'Test this operation with sample input: the exact requests sent (secrets masked), the responses and the output',
      access: manage,
      params: operationParams,
      body: testBody,
      response: connectorTestSchema,
      handler: async ({ params, body }) => {
        const ref = body.version ? `${params.id}@${body.version}.${params.operation}` : `${params.id}.${params.operation}`;
        if (!invoker.has(ref)) throw new NotFoundError(`Connector operation ${ref}`);
        const result = await invoker.invokeTraced(ref, body.input, testContext(body.idempotencyKey));
        if (!result.ok && !result.trace.operation) throw new UnprocessableError(result.error.message);
        return testAnswer(result);
      },
    }),
  ];
}
