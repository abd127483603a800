/** Messages to waiting instances (or message starts) and signals to every instance waiting for them. */
import { defineRoute, type AnyRoute } from '../../http/route';
import { actorOf } from '../../auth/principal';
import { messageBody, signalBody } from '../../contracts/workflows';
import type { WorkflowRuntime } from '../../../engine';

export function messageRoutes(deps: { runtime: WorkflowRuntime }): AnyRoute[] {
  const { runtime } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/messages',
      tag: 'messages',
      summary: 'Correlate a message by name and business key (or instance id) to the waiting receive task or catch event, or start a process by it; 404 when nothing waits (unless timeToLiveMs buffers it for a later waiting instance), 409 when several do',
      access: { permission: 'messages.send' },
      body: messageBody,
      handler: ({ body, principal }) => runtime.correlateMessage({ ...body, actor: actorOf(principal) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/signals',
      tag: 'messages',
      summary: 'Broadcast a signal to every instance waiting for it',
      access: { permission: 'messages.send' },
      body: signalBody,
      handler: ({ body, principal }) => runtime.broadcastSignal({ ...body, actor: actorOf(principal) }),
    }),
  ];
}
