/** Process instances and incidents: start, list, inspect (diagram overlay data, history), cancel, edit variables, retry incidents. */
import { defineRoute, type AnyRoute } from '../../http/route';
import { actorOf } from '../../auth/principal';
import { cancelBody, incidentQuery, instanceParams, instanceQuery, retryBody, startInstanceBody, variablesBody } from '../../contracts/workflows';
import type { WorkflowRuntime } from '../../../engine';
import type { AuditService } from '../../audit/audit.service';
import type { Principal } from '../../auth/principal';
import { assertKeyVisible, visibleKeysOf, type FactsByKeys } from '../tasks/task-actor';

/** Most instances a scoped list looks at (it filters by record scope after the query, newest first). */
const SCOPED_SCAN = 500;

/** `facts`: the orders' channel and warehouse by number: a caller with a record scope sees only instances of orders inside it. */
export function instanceRoutes(deps: { runtime: WorkflowRuntime; audit: AuditService; facts?: FactsByKeys }): AnyRoute[] {
  const { runtime, audit } = deps;
  /** 404, as for a missing instance, when its order is outside the caller's record scope. */
  const assertVisible = async (principal: Principal, id: string) => {
    if (visibleKeysOf(principal)) await assertKeyVisible(principal, deps.facts, (await runtime.getInstance(id)).businessKey, `Instance ${id}`);
  };
  const keep = async <T extends { businessKey: string | null }>(principal: Principal, items: T[]): Promise<T[]> => {
    const visible = visibleKeysOf(principal, deps.facts);
    if (!visible) return items;
    const keys = await visible([...new Set(items.flatMap((i) => (i.businessKey ? [i.businessKey] : [])))]);
    return items.filter((i) => i.businessKey && keys.has(i.businessKey));
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/instances',
      tag: 'instances',
      summary: 'Instances, newest first, filtered by process, status, business key or incident',
      access: { permission: 'instances.read' },
      query: instanceQuery,
      handler: async ({ query, principal }) => {
        if (!visibleKeysOf(principal)) return runtime.listInstances(query);
        const seen = await keep(principal, (await runtime.listInstances({ ...query, offset: 0, limit: SCOPED_SCAN })).items);
        const offset = query.offset ?? 0;
        return { items: seen.slice(offset, offset + (query.limit ?? 50)), total: seen.length };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/instances',
      tag: 'instances',
      summary: 'Start an instance of the latest (or a pinned) version; answers once it waits or ended',
      access: { permission: 'instances.start' },
      body: startInstanceBody,
      status: 201,
      handler: async ({ body, principal }) => {
        // a caller with a record scope starts instances only for orders inside it (a key that is no such order: 404)
        if (visibleKeysOf(principal)) await assertKeyVisible(principal, deps.facts, body.businessKey ?? null, `Order ${body.businessKey ?? '(no business key)'}`);
        return runtime.startInstance({ ...body, actor: actorOf(principal) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/instances/:id',
      tag: 'instances',
      summary: 'An instance: status, variables, tokens, incidents and the path taken (to paint the diagram at xmlUrl)',
      access: { permission: 'instances.read' },
      params: instanceParams,
      handler: async ({ params, principal }) => {
        await assertVisible(principal, params.id);
        return runtime.getInstance(params.id);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/instances/:id/history',
      tag: 'instances',
      summary: 'The history of an instance: elements entered and left, task events, incidents, with time and actor',
      access: { permission: 'instances.read' },
      params: instanceParams,
      handler: async ({ params, principal }) => {
        await assertVisible(principal, params.id);
        return runtime.getHistory(params.id);
      },
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
        await assertVisible(principal, params.id);
        const inst = await runtime.cancelInstance(params.id, actorOf(principal), body.reason);
        await audit.record({ principal, action: 'instance.cancel', target: { type: 'instance', id: params.id }, after: { reason: body.reason }, businessKeys: [inst.businessKey] });
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
        await assertVisible(principal, params.id);
        const before = await runtime.getInstance(params.id);
        const inst = await runtime.setVariables(params.id, body.variables, actorOf(principal));
        const changed = Object.keys(body.variables);
        await audit.record({ principal, action: 'instance.variables', target: { type: 'instance', id: params.id }, before: Object.fromEntries(changed.map((k) => [k, before.variables[k]])), after: body.variables, businessKeys: [before.businessKey] });
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
      handler: async ({ query, principal }) => keep(principal, await runtime.listIncidents(query)),
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
        // an incident of an instance outside the caller's record scope: 404 as for a missing one
        if (visibleKeysOf(principal)) await assertKeyVisible(principal, deps.facts, (await runtime.getIncident(params.id)).businessKey, `Incident ${params.id}`);
        const inst = await runtime.retryIncident(params.id, { variables: body.variables, actor: actorOf(principal) });
        await audit.record({ principal, action: 'incident.retry', target: { type: 'incident', id: params.id }, after: { variables: body.variables ? Object.keys(body.variables) : [] }, businessKeys: [inst.businessKey] });
        return inst;
      },
    }),
  ];
}
