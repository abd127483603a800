/** The operators' task API: queues (mine, my groups, all), claim, unclaim, assign, complete with form data. */
import { taskListSchema, taskSchema } from '../../http/openapi-schemas';
import { defineRoute, type AnyRoute } from '../../http/route';
import { assignTaskBody, completeTaskBody, taskParams, taskQuery } from '../../contracts/workflows';
import type { WorkflowRuntime } from '../../../engine';
import type { AuditService } from '../../audit/audit.service';
import { taskActorOf, type FactsByKeys } from './task-actor';

/** `facts`: the orders' channel and warehouse by number, for callers with a record scope. */
export function taskRoutes(deps: { runtime: WorkflowRuntime; audit: AuditService; facts?: FactsByKeys }): AnyRoute[] {
  const { runtime, audit } = deps;
  const actorOf = (p: Parameters<typeof taskActorOf>[0]) => taskActorOf(p, deps.facts);
  const tasks = runtime.tasks;
  return [
    defineRoute({
      method: 'get',
      path: '/api/tasks',
      tag: 'tasks',
      summary: 'A task queue: mine (claimed by me), groups (open tasks I am a candidate for, the default) or all (tasks.all)',
      access: { permission: 'tasks.read' },
      query: taskQuery,
      response: taskListSchema,
      handler: ({ query, principal }) => tasks.list(query, actorOf(principal)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks/:id',
      tag: 'tasks',
      summary: 'A task with its form (JSON Schema + UI schema)',
      access: { permission: 'tasks.read' },
      params: taskParams,
      response: taskSchema,
      handler: ({ params, principal }) => tasks.get(params.id, actorOf(principal)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/claim',
      tag: 'tasks',
      summary: 'Claim an open task (of two claims at once exactly one wins; the other gets 409)',
      access: { permission: 'tasks.work' },
      params: taskParams,
      response: taskSchema,
      handler: async ({ params, principal }) => {
        const task = await tasks.claim(params.id, actorOf(principal));
        await audit.record({ principal, action: 'task.claim', target: { type: 'task', id: params.id, label: task.name ?? task.activityId }, after: { businessKey: task.businessKey }, businessKeys: [task.businessKey] });
        return task;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/unclaim',
      tag: 'tasks',
      summary: 'Give a claimed task back to its queue',
      access: { permission: 'tasks.work' },
      params: taskParams,
      response: taskSchema,
      handler: async ({ params, principal }) => {
        const task = await tasks.unclaim(params.id, actorOf(principal));
        await audit.record({ principal, action: 'task.unclaim', target: { type: 'task', id: params.id, label: task.name ?? task.activityId }, after: { businessKey: task.businessKey }, businessKeys: [task.businessKey] });
        return task;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/assign',
      tag: 'tasks',
      summary: 'Assign a task to a user (claimed on their behalf)',
      access: { permission: 'tasks.assign' },
      params: taskParams,
      body: assignTaskBody,
      response: taskSchema,
      handler: async ({ params, body, principal }) => {
        const task = await tasks.assign(params.id, { userId: body.userId, label: body.label ?? body.userId }, actorOf(principal));
        await audit.record({ principal, action: 'task.assign', target: { type: 'task', id: params.id }, after: { userId: body.userId }, businessKeys: [task.businessKey] });
        return task;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/complete',
      tag: 'tasks',
      summary: 'Complete a task: the data is validated against its form (400 with field paths, nothing saved), then merged into the instance variables',
      access: { permission: 'tasks.work' },
      params: taskParams,
      body: completeTaskBody,
      response: taskSchema,
      handler: async ({ params, body, principal }) => {
        const task = await tasks.complete(params.id, body.data, actorOf(principal));
        // the field names, not the values: form data can be large and personal; the instance history keeps it
        await audit.record({ principal, action: 'task.complete', target: { type: 'task', id: params.id, label: task.name ?? task.activityId }, after: { businessKey: task.businessKey, fields: Object.keys(body.data ?? {}) }, businessKeys: [task.businessKey] });
        return task;
      },
    }),
  ];
}
