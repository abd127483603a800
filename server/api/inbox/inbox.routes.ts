import { z } from 'zod';
import { INBOX_QUEUES } from '../../contracts/inbox';
import type { AuditService } from '../../audit/audit.service';
import { defineRoute, type AnyRoute } from '../../http/route';
import { orderNumberParams } from '../orders/orders.routes';
import { taskActorOf, type FactsByKeys } from '../tasks/task-actor';
import type { InboxService } from './inbox.service';

const taskParams = z.object({ id: z.string().regex(/^[\w:.-]{1,200}$/, 'is not a task id') });
const formParams = z.object({ key: z.string().regex(/^[A-Za-z0-9][\w.-]{0,99}$/, 'is not a form key') });

/** `facts`: the orders' channel and warehouse by number, for callers with a record scope. */
export function inboxRoutes(deps: { inbox: InboxService; audit: AuditService; facts?: FactsByKeys }): AnyRoute[] {
  const { inbox } = deps;
  const actorOf = (p: Parameters<typeof taskActorOf>[0]) => taskActorOf(p, deps.facts);
  return [
    defineRoute({
      method: 'get',
      path: '/api/inbox/tasks',
      tag: 'inbox',
      summary: 'One queue of the caller (mine, groups, all) with the order fields as columns, and the count of every queue',
      access: { permission: 'tasks.read' },
      query: z.strictObject({ queue: z.enum(INBOX_QUEUES).default('groups'), limit: z.coerce.number().int().min(1).max(500).default(200) }),
      handler: ({ query, principal }) => inbox.list(query.queue, query.limit, actorOf(principal)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/inbox/counts',
      tag: 'inbox',
      summary: 'How many tasks wait in each of the caller’s queues',
      access: { permission: 'tasks.read' },
      handler: ({ principal }) => inbox.counts(actorOf(principal)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/inbox/scan/:number',
      tag: 'inbox',
      summary: 'Scan to work: the active tasks of a scanned order number the caller may see, open ones first',
      access: { permission: 'tasks.read' },
      params: orderNumberParams,
      handler: ({ params, principal }) => inbox.scan(params.number, actorOf(principal)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/inbox/tasks/:id/comments',
      tag: 'inbox',
      summary: 'Comments on a task (404 for a task the caller may not see)',
      access: { permission: 'tasks.read' },
      params: taskParams,
      handler: ({ params, principal }) => inbox.listComments(params.id, actorOf(principal)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/inbox/tasks/:id/comments',
      tag: 'inbox',
      summary: 'Comment on a task',
      access: { permission: 'tasks.read' },
      params: taskParams,
      body: z.strictObject({ text: z.string().trim().min(1, 'must not be empty').max(2000) }),
      status: 201,
      handler: ({ params, body, principal }) => inbox.addComment(params.id, body.text, actorOf(principal)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/inbox/tasks/complete',
      tag: 'inbox',
      summary: 'Bulk complete: completes the selected tasks whose form needs no input (400 naming each task that needs input or is not visible; then nothing is completed); progress goes to the caller’s own sockets that watch jobId (job.watch)',
      access: { permission: 'tasks.work' },
      body: z.strictObject({
        taskIds: z
          .array(taskParams.shape.id)
          .min(1, 'select at least one task')
          .max(100)
          .refine((ids) => new Set(ids).size === ids.length, 'lists a task twice'),
        jobId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a job id').optional(),
      }),
      handler: async ({ body, principal }) => {
        const { businessKeys, ...result } = await inbox.bulkComplete(body.taskIds, actorOf(principal), body.jobId);
        for (const id of result.completed) await deps.audit.record({ principal, action: 'task.complete', target: { type: 'task', id }, after: { bulk: true, businessKey: businessKeys[id] }, businessKeys: [businessKeys[id]] });
        return result;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/inbox/forms/:key/validator.js',
      tag: 'inbox',
      summary: 'The form’s validators precompiled from its JSON Schema, as a same-origin ES module (the browser’s CSP forbids compiling them)',
      access: { permission: 'tasks.read' },
      params: formParams,
      raw: true,
      async handler({ params, req, res }) {
        const { hash, code } = await inbox.validatorModule(params.key);
        const etag = `"${hash}"`;
        res.setHeader('ETag', etag);
        res.setHeader('Cache-Control', 'private, no-cache');
        if (req.get('if-none-match') === etag) return void res.status(304).end();
        res.type('text/javascript; charset=utf-8').send(code);
      },
    }),
  ];
}
