/** Messages to waiting instances (or message starts) and signals to every instance waiting for them. */
import { defineRoute, type AnyRoute } from '../../http/route';
import { actorOf } from '../../auth/principal';
import { messageBody, signalBody } from '../../contracts/workflows';
import type { WorkflowRuntime } from '../../../engine';
import { ForbiddenError } from '../../../workflows/model/errors';
import { assertKeyVisible, visibleKeysOf, type FactsByKeys } from '../tasks/task-actor';

/** `facts`: the channel and warehouse behind business keys: a caller with a record scope reaches only instances of orders inside it. */
export function messageRoutes(deps: { runtime: WorkflowRuntime; facts?: FactsByKeys }): AnyRoute[] {
  const { runtime } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/messages',
      tag: 'messages',
      summary: 'Correlate a message by name and business key (or instance id) to the waiting receive task or catch event, or start a process by it; 404 when nothing waits (unless timeToLiveMs buffers it for a later waiting instance), 409 when several do',
      access: { permission: 'messages.send' },
      body: messageBody,
      handler: async ({ body, principal }) => {
        if (visibleKeysOf(principal)) {
          // out of scope: the 404 of "nothing waits"; a message without an order's key is outside every scope
          const key = body.instanceId ? (await runtime.getInstance(body.instanceId).catch(() => null))?.businessKey : body.businessKey;
          await assertKeyVisible(principal, deps.facts, key, `A waiting instance or a process started by the message "${body.name}"`);
        }
        return runtime.correlateMessage({ ...body, actor: actorOf(principal) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/signals',
      tag: 'messages',
      summary: 'Broadcast a signal to every instance waiting for it',
      access: { permission: 'messages.send' },
      body: signalBody,
      handler: ({ body, principal }) => {
        // a signal reaches every waiting instance, whatever its order: not for a caller with a record scope
        if (visibleKeysOf(principal)) throw new ForbiddenError('A signal reaches instances of every order; your record scope does not allow it');
        return runtime.broadcastSignal({ ...body, actor: actorOf(principal) });
      },
    }),
  ];
}
