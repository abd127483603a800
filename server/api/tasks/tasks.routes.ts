/** The operators' task API: queues (mine, my groups, all), claim, unclaim, assign, complete with form data. */
import { taskListSchema, taskSchema } from '../../http/openapi-schemas';
import { defineRoute, type AnyRoute } from '../../http/route';
import { assignTaskBody, completeTaskBody, taskParams, taskQuery } from '../../contracts/workflows';
import type { TaskTarget, WorkflowRuntime } from '../../../engine';
import type { AuthService } from '../../auth/auth.service';
import { UnprocessableError } from '../../../workflows/model/errors';
import type { AuditService } from '../../audit/audit.service';
import { taskActorOf, type FactsByKeys } from './task-actor';

/**
 * `facts`: the orders' channel and warehouse by number, for callers with a record scope. `users`: an
 * active user by id or e-mail, whom a task may be assigned or delegated to.
 */
export function taskRoutes(deps: { runtime: WorkflowRuntime; audit: AuditService; facts?: FactsByKeys; users: Pick<AuthService, 'activeUser'> }): AnyRoute[] {
  const { runtime, audit } = deps;
  const actorOf = (p: Parameters<typeof taskActorOf>[0]) => taskActorOf(p, deps.facts);
  const tasks = runtime.tasks;
  /** 422 unless the user exists, is active and works on tasks; whether they may see the task is the engine's check */
  const targetOf = async (userId: string): Promise<TaskTarget> => {
    const user = await deps.users.activeUser(userId);
    if (!user || !user.permissions.has('tasks.work')) throw new UnprocessableError(`No active user ${userId} who works on tasks`, [{ path: 'userId', message: 'no active user who works on tasks' }]);
    return { userId: user.userId, label: user.email, actor: actorOf(user) };
  };
  const handOver = (action: 'assign' | 'delegate', summary: string, permission: 'tasks.assign' | 'tasks.work') =>
    defineRoute({
      method: 'post',
      path: `/api/tasks/:id/${action}`,
      tag: 'tasks',
      summary,
      access: { permission },
      params: taskParams,
      body: assignTaskBody,
      response: taskSchema,
      handler: async ({ params, body, principal }) => {
        const to = await targetOf(body.userId);
        const task = await tasks[action](params.id, to, actorOf(principal));
        await audit.record({ principal, action: `task.${action}`, target: { type: 'task', id: params.id, label: task.name ?? task.activityId }, after: { userId: to.userId, to: to.label, owner: task.owner ?? null }, businessKeys: [task.businessKey] });
        return task;
      },
    });
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
    handOver('assign', 'Assign a task to a user by id or e-mail (claimed on their behalf); 422 unless they are active, work on tasks and may see it', 'tasks.assign'),
    handOver('delegate', 'Delegate a claimed task: its holder (or tasks.assign) hands it to another eligible user, recorded as its owner', 'tasks.work'),
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
