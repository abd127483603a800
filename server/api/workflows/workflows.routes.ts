/**
 * Process definitions: deploy (version n+1, four-eyes when enabled), validate without storing,
 * versions, XML download, and the catalog the modeler lints against.
 */
import type { Request } from 'express';
import { definitionListSchema, definitionSchema, deployResultSchema, validateResultSchema } from '../../http/openapi-schemas';
import { defineRoute, type AnyRoute } from '../../http/route';
import { actorOf } from '../../auth/principal';
import { bpmnBody, processParams, versionParams } from '../../contracts/workflows';
import { MAX_BPMN_BYTES, type WorkflowRuntime } from '../../../engine';
import { PayloadTooLargeError, ValidationError } from '../../../workflows/model/errors';
import type { AuditService } from '../../audit/audit.service';
import type { ApprovalService } from '../../approvals/approval.service';

/** The BPMN of a request: `{ "xml": "…" }` as JSON, or the file itself as application/xml (at most 2 MB). */
async function bpmnOf(req: Request, body: { xml?: string }): Promise<string> {
  if (body.xml !== undefined) return body.xml;
  if (!req.is(['application/xml', 'text/xml', 'application/bpmn+xml'])) {
    throw new ValidationError('Send the BPMN as {"xml": "..."} or as an application/xml body', [{ path: 'xml', message: 'is required' }]);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BPMN_BYTES) throw new PayloadTooLargeError(`A BPMN file may be at most ${MAX_BPMN_BYTES / 1024 / 1024} MB`);
    chunks.push(chunk);
  }
  const xml = Buffer.concat(chunks).toString('utf8');
  if (!xml.trim()) throw new ValidationError('The BPMN XML is empty', [{ path: 'xml', message: 'is empty' }]);
  return xml;
}

export interface WorkflowRouteDeps {
  runtime: WorkflowRuntime;
  audit: AuditService;
  approvals?: ApprovalService;
  /** published rule-set keys and print-template keys for the modeler's pick lists */
  catalogExtras?: () => Promise<{ ruleSets?: string[]; templates?: string[]; connectors?: string[]; candidateGroups?: string[] }>;
}

export function workflowRoutes(deps: WorkflowRouteDeps): AnyRoute[] {
  const { runtime, audit, approvals } = deps;
  return [
    defineRoute({ method: 'get', path: '/api/workflows', tag: 'workflows', summary: 'Latest version of every process', access: { permission: 'workflows.read' }, response: definitionListSchema, handler: () => runtime.listDefinitions() }),
    defineRoute({
      method: 'get',
      path: '/api/workflows/catalog',
      tag: 'workflows',
      summary: 'What a diagram may reference: connectors and handlers, rule sets, forms, processes, print templates',
      access: { permission: 'workflows.read' },
      handler: async () => runtime.catalog((await deps.catalogExtras?.()) ?? {}),
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows/validate',
      tag: 'workflows',
      summary: 'Lint and check references of a diagram without deploying it (errors per element id)',
      access: { permission: 'workflows.edit' },
      body: bpmnBody,
      response: validateResultSchema,
      handler: async ({ req, body }) => runtime.validate(await bpmnOf(req, body)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows',
      tag: 'workflows',
      summary: 'Deploy a diagram as version n+1 of its process (the same XML as the latest version deploys nothing)',
      access: { permission: 'workflows.deploy' },
      body: bpmnBody,
      status: 201,
      raw: true,
      produces: 'application/json',
      response: deployResultSchema,
      handler: async ({ req, res, body, principal }) => {
        const xml = await bpmnOf(req, body);
        const result = await runtime.deploy({
          xml,
          actor: actorOf(principal),
          gate: approvals ? (key, hash) => approvals.gatePublish('workflow', key, hash, principal, `deploy ${key}`) : undefined,
        });
        if (result.created) {
          await audit.record({ principal, action: 'workflow.deploy', target: { type: 'workflow', id: result.definition.id, label: result.definition.name ?? result.definition.key }, after: { hash: result.definition.hash } });
        }
        res.status(result.created ? 201 : 200).json(result);
      },
    }),
    defineRoute({ method: 'get', path: '/api/workflows/:key', tag: 'workflows', summary: 'The latest version of a process', access: { permission: 'workflows.read' }, params: processParams, response: definitionSchema, handler: ({ params }) => runtime.getDefinition(params.key) }),
    defineRoute({
      method: 'get',
      path: '/api/workflows/:key/schedule',
      tag: 'workflows',
      summary: 'Whether the process is suspended, and when each timer start event fires next',
      access: { permission: 'workflows.read' },
      params: processParams,
      handler: ({ params }) => runtime.getSchedule(params.key),
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows/:key/suspend',
      tag: 'workflows',
      summary: 'Suspend a process: no new instances (API, message or timer start) and its timer start schedules pause; running instances go on',
      access: { permission: 'workflows.deploy' },
      params: processParams,
      handler: async ({ params, principal }) => {
        const view = await runtime.suspendProcess(params.key, actorOf(principal));
        await audit.record({ principal, action: 'workflow.suspend', target: { type: 'workflow', id: params.key, label: params.key }, before: { suspended: false }, after: { suspended: true } });
        return view;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows/:key/activate',
      tag: 'workflows',
      summary: 'Activate a suspended process: it starts instances again and its timer start schedules resume with their next future occurrence',
      access: { permission: 'workflows.deploy' },
      params: processParams,
      handler: async ({ params, principal }) => {
        const view = await runtime.activateProcess(params.key, actorOf(principal));
        await audit.record({ principal, action: 'workflow.activate', target: { type: 'workflow', id: params.key, label: params.key }, before: { suspended: true }, after: { suspended: false } });
        return view;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflows/:key/versions',
      tag: 'workflows',
      summary: 'Every version of a process: who deployed it and when',
      access: { permission: 'workflows.read' },
      params: processParams,
      response: definitionListSchema,
      handler: ({ params }) => runtime.listVersions(params.key),
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflows/:key/versions/:version',
      tag: 'workflows',
      summary: 'One version of a process',
      access: { permission: 'workflows.read' },
      params: versionParams,
      response: definitionSchema,
      handler: ({ params }) => runtime.getDefinition(params.key, params.version),
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflows/:key/versions/:version/xml',
      tag: 'workflows',
      summary: 'Download the BPMN XML of a version',
      access: { permission: 'workflows.read' },
      params: versionParams,
      raw: true,
      produces: 'application/xml',
      handler: async ({ params, res }) => {
        const d = await runtime.getDefinitionXml(params.key, params.version);
        res.setHeader('content-type', 'application/xml; charset=utf-8');
        res.setHeader('content-disposition', `attachment; filename="${d.key}-v${d.version}.bpmn"`);
        res.send(d.xml);
      },
    }),
  ];
}
