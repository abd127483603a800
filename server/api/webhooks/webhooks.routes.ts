/** Webhooks: outbound subscriptions, delivery log and replay; inbound hooks and their signed endpoint. */
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../../http/route';
import { idParams } from '../../http/params';
import { rawBodyOf } from '../../integration/raw-body';
import { ORDER_EVENT_TYPES } from '../../integration/webhooks.models';
import { createInboundBody, createSubscriptionBody, deliveriesQuery, updateInboundBody, updateSubscriptionBody, type WebhookService } from '../../integration/webhooks.service';

const hookParams = z.object({ connectorId: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/), key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/) });

export function webhookRoutes(deps: { webhooks: WebhookService }): AnyRoute[] {
  const { webhooks } = deps;
  const manage = { permission: 'connectors.manage' } as const;
  const read = { permission: 'connectors.read' } as const;
  return [
    defineRoute({ method: 'get', path: '/api/webhooks/event-types', tag: 'webhooks', summary: 'Order events a URL can subscribe to', access: read, handler: () => ORDER_EVENT_TYPES }),
    defineRoute({ method: 'get', path: '/api/webhooks/subscriptions', tag: 'webhooks', summary: 'List outbound webhook subscriptions', access: read, handler: () => webhooks.listSubscriptions() }),
    defineRoute({
      method: 'post',
      path: '/api/webhooks/subscriptions',
      tag: 'webhooks',
      summary: 'Subscribe a URL to order events; the signing secret is shown once in this answer',
      access: manage,
      body: createSubscriptionBody,
      status: 201,
      handler: ({ principal, body }) => webhooks.createSubscription(principal, body),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/webhooks/subscriptions/:id',
      tag: 'webhooks',
      summary: 'Change a subscription (URL, events, networks, pause)',
      access: manage,
      params: idParams,
      body: updateSubscriptionBody,
      handler: ({ principal, params, body }) => webhooks.updateSubscription(principal, params.id, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/webhooks/subscriptions/:id/rotate-secret',
      tag: 'webhooks',
      summary: 'New signing secret for a subscription (shown once)',
      access: manage,
      params: idParams,
      handler: ({ principal, params }) => webhooks.rotateSubscriptionSecret(principal, params.id),
    }),
    defineRoute({ method: 'delete', path: '/api/webhooks/subscriptions/:id', tag: 'webhooks', summary: 'Unsubscribe', access: manage, params: idParams, status: 204, handler: ({ principal, params }) => webhooks.deleteSubscription(principal, params.id) }),
    defineRoute({ method: 'get', path: '/api/webhooks/deliveries', tag: 'webhooks', summary: 'Delivery log: attempts, response status and body', access: read, query: deliveriesQuery, handler: ({ query }) => webhooks.listDeliveries(query) }),
    defineRoute({
      method: 'post',
      path: '/api/webhooks/deliveries/:id/replay',
      tag: 'webhooks',
      summary: 'Send a delivery again (queued now, log kept)',
      access: manage,
      params: idParams,
      handler: ({ principal, params }) => webhooks.replay(principal, params.id),
    }),
    defineRoute({ method: 'get', path: '/api/webhooks/inbound', tag: 'webhooks', summary: 'List inbound webhook endpoints', access: read, handler: () => webhooks.listInbound() }),
    defineRoute({
      method: 'post',
      path: '/api/webhooks/inbound',
      tag: 'webhooks',
      summary: 'Create an inbound endpoint for a connector that correlates a message; the secret is shown once',
      access: manage,
      body: createInboundBody,
      status: 201,
      handler: ({ principal, body }) => webhooks.createInbound(principal, body),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/webhooks/inbound/:id',
      tag: 'webhooks',
      summary: 'Change an inbound endpoint',
      access: manage,
      params: idParams,
      body: updateInboundBody,
      handler: ({ principal, params, body }) => webhooks.updateInbound(principal, params.id, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/webhooks/inbound/:id/rotate-secret',
      tag: 'webhooks',
      summary: 'New signing secret for an inbound endpoint (shown once)',
      access: manage,
      params: idParams,
      handler: ({ principal, params }) => webhooks.rotateInboundSecret(principal, params.id),
    }),
    defineRoute({ method: 'delete', path: '/api/webhooks/inbound/:id', tag: 'webhooks', summary: 'Delete an inbound endpoint', access: manage, params: idParams, status: 204, handler: ({ principal, params }) => webhooks.deleteInbound(principal, params.id) }),
    defineRoute({
      method: 'post',
      path: '/api/hooks/:connectorId/:key',
      tag: 'webhooks',
      summary: 'Inbound webhook: HMAC-signed (X-Ordo-Timestamp, X-Ordo-Signature: v1=HMAC-SHA256(secret, "ts.body")); correlates a message to the waiting instance',
      access: 'public',
      params: hookParams,
      handler: ({ params, req }) => webhooks.receive(params.connectorId, params.key, rawBodyOf(req), req.headers),
    }),
  ];
}
