/** Process instances and incidents: start, list, inspect (diagram overlay data, history), cancel, edit variables, retry incidents. */
import { defineRoute, type AnyRoute } from '../../http/route';
import { actorOf } from '../../auth/principal';
import { cancelBody, incidentQuery, instanceParams, instanceQuery, retryBody, startInstanceBody, variablesBody } from '../../contracts/workflows';
import type { WorkflowRuntime } from '../../../engine';
import type { AuditService } from '../../audit/audit.service';

export function instanceRoutes(deps: { runtime: WorkflowRuntime; audit: AuditService }): AnyRoute[] {
  const { runtime, audit } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/instances',
      tag: 'instances',
      summary: 'Instances, newest first, filtered by process, status, business key or incident',
      access: { permission: 'instances.read' },
      query: instanceQuery,
      handler: ({ query }) => runtime.listInstances(query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/instances',
      tag: 'instances',
      summary: 'Start an instance of the latest (or a pinned) version; answers once it waits or ended',
      access: { permission: 'instances.start' },
      body: startInstanceBody,
      status: 201,
      handler: ({ body, principal }) => runtime.startInstance({ ...body, actor: actorOf(principal) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/instances/:id',
      tag: 'instances',
      summary: 'An instance: status, variables, tokens, incidents and the path taken (to paint the diagram at xmlUrl)',
      access: { permission: 'instances.read' },
      params: instanceParams,
      handler: ({ params }) => runtime.getInstance(params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/instances/:id/history',
      tag: 'instances',
      summary: 'The history of an instance: elements entered and left, task events, incidents, with time and actor',
      access: { permission: 'instances.read' },
      params: instanceParams,
      handler: ({ params }) => runtime.getHistory(params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/instances/:id/cancel',
      tag: 'instances',
      summary: 'Cancel an instance (its tasks, timers and child instances too)',
      access: { permission: 'instances.operate' },
      params: instanceParams,
      body: cancelBody,
      handler: async ({ params, body, principal }) => {
        const inst = await runtime.cancelInstance(params.id, actorOf(principal), body.reason);
        await audit.record({ principal, action: 'instance.cancel', target: { type: 'instance', id: params.id }, after: { reason: body.reason } });
        return inst;
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/instances/:id/variables',
      tag: 'instances',
      summary: 'Change process variables of a running instance',
      access: { permission: 'instances.operate' },
      params: instanceParams,
      body: variablesBody,
      handler: async ({ params, body, principal }) => {
        const before = await runtime.getInstance(params.id);
        const inst = await runtime.setVariables(params.id, body.variables, actorOf(principal));
        const changed = Object.keys(body.variables);
        await audit.record({ principal, action: 'instance.variables', target: { type: 'instance', id: params.id }, before: Object.fromEntries(changed.map((k) => [k, before.variables[k]])), after: body.variables });
        return inst;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/incidents',
      tag: 'instances',
      summary: 'Incidents (failed service tasks after their retries, engine failures), newest first',
      access: { permission: 'instances.read' },
      query: incidentQuery,
      handler: ({ query }) => runtime.listIncidents(query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/incidents/:id/retry',
      tag: 'instances',
      summary: 'Retry the failed step with fresh attempts, optionally after changing variables',
      access: { permission: 'instances.operate' },
      params: instanceParams,
      body: retryBody,
      handler: async ({ params, body, principal }) => {
        const inst = await runtime.retryIncident(params.id, { variables: body.variables, actor: actorOf(principal) });
        await audit.record({ principal, action: 'incident.retry', target: { type: 'incident', id: params.id }, after: { variables: body.variables ? Object.keys(body.variables) : [] } });
        return inst;
      },
    }),
  ];
}
