/**
 * Webhook administration and the inbound endpoint. Outbound: subscriptions (URL, events, signing
 * secret shown once), the delivery log and replay. Inbound: per-connector hooks whose requests are
 * HMAC-verified (timestamp + signature, old timestamps and replays refused) and turned into a
 * message correlated to the waiting instance through the injected correlateMessage port.
 */
import compileJsonata from 'jsonata';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import { z } from 'zod';
import { NETWORK_CLASSES, urlRefusal, evaluateJsonata, ConnectorError } from '../../connectors';
import { ConflictError, NotFoundError, PayloadTooLargeError, ServiceUnavailableError, UnprocessableError, ValidationError } from '../../workflows/model/errors';
import type { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import type { SecretBox } from './secret-box';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, newWebhookSecret, verifySignature } from './signature';
import { subscriptionAad, WebhookDeliveryWorker } from './delivery-worker';
import { ORDER_EVENT_TYPES, webhookModels, type DeliveryDoc, type InboundHookDoc, type SubscriptionDoc, type WebhookModels } from './webhooks.models';
import { actorId } from './credentials.service';

/** The workflow runtime's message correlation (POST /api/messages), injected by main.ts. */
export type CorrelateMessage = (message: { name: string; businessKey: string; variables: Record<string, unknown> }) => Promise<unknown>;

const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const events = z.array(z.enum(ORDER_EVENT_TYPES)).min(1, 'subscribe to at least one event').max(ORDER_EVENT_TYPES.length);
const networks = z.array(z.enum(NETWORK_CLASSES)).max(3).default([]);

export const createSubscriptionBody = z.strictObject({ name: z.string().trim().min(1).max(120), url, events, allowNetworks: networks, active: z.boolean().default(true) });
export const updateSubscriptionBody = z.strictObject({ name: z.string().trim().min(1).max(120).optional(), url: url.optional(), events: events.optional(), allowNetworks: z.array(z.enum(NETWORK_CLASSES)).max(3).optional(), active: z.boolean().optional() });
export const deliveriesQuery = z.strictObject({
  subscriptionId: z.string().regex(/^[0-9a-f]{24}$/).optional(),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const jsonata = z.string().min(1).max(2000);
export const createInboundBody = z.strictObject({
  connectorId: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/),
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits or dashes'),
  name: z.string().trim().min(1).max(120),
  messageName: z.string().trim().min(1).max(200),
  businessKey: jsonata.describe('JSONata over {body, headers}, e.g. body.orderNumber'),
  variables: jsonata.optional().describe('JSONata over {body, headers}; default: the body'),
  toleranceSec: z.number().int().min(30).max(3600).default(300),
  active: z.boolean().default(true),
});
export const updateInboundBody = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  messageName: z.string().trim().min(1).max(200).optional(),
  businessKey: jsonata.optional(),
  variables: jsonata.optional(),
  toleranceSec: z.number().int().min(30).max(3600).optional(),
  active: z.boolean().optional(),
});

function subscriptionView(s: SubscriptionDoc) {
  return { id: String(s._id), name: s.name, url: s.url, events: s.events, allowNetworks: s.allowNetworks, active: s.active, createdBy: s.createdBy, createdAt: s.createdAt, updatedAt: s.updatedAt };
}
function inboundView(h: InboundHookDoc) {
  return {
    id: String(h._id),
    connectorId: h.connectorId,
    key: h.key,
    path: `/api/hooks/${h.connectorId}/${h.key}`,
    name: h.name,
    messageName: h.messageName,
    businessKey: h.businessKey,
    variables: h.variables,
    toleranceSec: h.toleranceSec,
    active: h.active,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}
function deliveryView(d: DeliveryDoc) {
  return { id: String(d._id), eventId: d.eventId, eventType: d.eventType, subscriptionId: String(d.subscriptionId), status: d.status, attempts: d.attempts, nextAttemptAt: d.nextAttemptAt, deliveredAt: d.deliveredAt, lastStatus: d.lastStatus, log: d.log, createdAt: d.createdAt };
}

function checkUrl(target: string, allowNetworks: readonly string[]): void {
  const refusal = urlRefusal(new URL(target), { allowHosts: [], allowNetworks: allowNetworks as never });
  if (refusal) throw new ValidationError('The webhook URL cannot be called', [{ path: 'url', message: refusal }]);
}

function compiles(expr: string | undefined, path: string): void {
  if (!expr) return;
  try {
    compileJsonata(expr);
  } catch (err) {
    throw new ValidationError('A JSONata expression does not compile', [{ path, message: (err as Error).message }]);
  }
}

export class WebhookService {
  private readonly m: WebhookModels;
  constructor(
    private readonly connection: Connection,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly correlate: () => CorrelateMessage | undefined,
    private readonly connectorExists: (id: string) => Promise<boolean>,
  ) {
    this.m = webhookModels(connection);
  }

  // --- outbound ---------------------------------------------------------------------------
  async listSubscriptions() {
    return (await this.m.Subscription.find().sort({ createdAt: 1 }).lean()).map(subscriptionView);
  }

  async createSubscription(principal: Principal, body: z.output<typeof createSubscriptionBody>) {
    checkUrl(body.url, body.allowNetworks);
    const secret = newWebhookSecret();
    const _id = new Types.ObjectId();
    const doc = await this.m.Subscription.create({ _id, ...body, secret: this.box.seal(secret, subscriptionAad(String(_id))), createdBy: actorId(principal) });
    await this.audit.record({ principal, action: 'webhook.subscribe', target: { type: 'webhook', id: String(_id), label: body.name }, after: { url: body.url, events: body.events, allowNetworks: body.allowNetworks } });
    return { ...subscriptionView(doc.toObject()), secret };
  }

  async updateSubscription(principal: Principal, id: string, body: z.output<typeof updateSubscriptionBody>) {
    const before = await this.m.Subscription.findById(id).lean();
    if (!before) throw new NotFoundError(`Webhook subscription ${id}`);
    checkUrl(body.url ?? before.url, body.allowNetworks ?? before.allowNetworks);
    const after = await this.m.Subscription.findByIdAndUpdate(id, { $set: body }, { returnDocument: 'after' }).lean();
    await this.audit.record({ principal, action: 'webhook.update', target: { type: 'webhook', id, label: after!.name }, before: subscriptionView(before), after: subscriptionView(after!) });
    return subscriptionView(after!);
  }

  async rotateSubscriptionSecret(principal: Principal, id: string) {
    const secret = newWebhookSecret();
    const after = await this.m.Subscription.findByIdAndUpdate(id, { $set: { secret: this.box.seal(secret, subscriptionAad(id)) } }, { returnDocument: 'after' }).lean();
    if (!after) throw new NotFoundError(`Webhook subscription ${id}`);
    await this.audit.record({ principal, action: 'webhook.rotate-secret', target: { type: 'webhook', id, label: after.name } });
    return { ...subscriptionView(after), secret };
  }

  async deleteSubscription(principal: Principal, id: string) {
    const gone = await this.m.Subscription.findByIdAndDelete(id).lean();
    if (!gone) throw new NotFoundError(`Webhook subscription ${id}`);
    await this.audit.record({ principal, action: 'webhook.unsubscribe', target: { type: 'webhook', id, label: gone.name }, before: subscriptionView(gone) });
  }

  async listDeliveries(q: z.output<typeof deliveriesQuery>) {
    const filter: Record<string, unknown> = {};
    if (q.subscriptionId) filter.subscriptionId = new Types.ObjectId(q.subscriptionId);
    if (q.status) filter.status = q.status;
    return (await this.m.Delivery.find(filter).sort({ createdAt: -1 }).limit(q.limit).lean()).map(deliveryView);
  }

  async replay(principal: Principal, id: string) {
    const d = await WebhookDeliveryWorker.replay(this.connection, id);
    if (!d) throw new NotFoundError(`Webhook delivery ${id}`);
    await this.audit.record({ principal, action: 'webhook.replay', target: { type: 'webhookDelivery', id, label: d.eventType } });
    return deliveryView(d);
  }

  // --- inbound ----------------------------------------------------------------------------
  async listInbound() {
    return (await this.m.InboundHook.find().sort({ connectorId: 1, key: 1 }).lean()).map(inboundView);
  }

  async createInbound(principal: Principal, body: z.output<typeof createInboundBody>) {
    if (!(await this.connectorExists(body.connectorId))) throw new ValidationError('Unknown connector', [{ path: 'connectorId', message: `no connector ${body.connectorId}` }]);
    compiles(body.businessKey, 'businessKey');
    compiles(body.variables, 'variables');
    if (await this.m.InboundHook.exists({ connectorId: body.connectorId, key: body.key })) throw new ConflictError(`Connector ${body.connectorId} already has a hook ${body.key}`);
    const secret = newWebhookSecret();
    const _id = new Types.ObjectId();
    const doc = await this.m.InboundHook.create({ _id, ...body, secret: this.box.seal(secret, inboundAad(String(_id))) });
    await this.audit.record({ principal, action: 'inbound-webhook.create', target: { type: 'inboundWebhook', id: String(_id), label: `${body.connectorId}/${body.key}` }, after: { ...body } });
    return { ...inboundView(doc.toObject()), secret };
  }

  async updateInbound(principal: Principal, id: string, body: z.output<typeof updateInboundBody>) {
    compiles(body.businessKey, 'businessKey');
    compiles(body.variables, 'variables');
    const before = await this.m.InboundHook.findById(id).lean();
    if (!before) throw new NotFoundError(`Inbound webhook ${id}`);
    const after = await this.m.InboundHook.findByIdAndUpdate(id, { $set: body }, { returnDocument: 'after' }).lean();
    await this.audit.record({ principal, action: 'inbound-webhook.update', target: { type: 'inboundWebhook', id }, before: inboundView(before), after: inboundView(after!) });
    return inboundView(after!);
  }

  async rotateInboundSecret(principal: Principal, id: string) {
    const secret = newWebhookSecret();
    const after = await this.m.InboundHook.findByIdAndUpdate(id, { $set: { secret: this.box.seal(secret, inboundAad(id)) } }, { returnDocument: 'after' }).lean();
    if (!after) throw new NotFoundError(`Inbound webhook ${id}`);
    await this.audit.record({ principal, action: 'inbound-webhook.rotate-secret', target: { type: 'inboundWebhook', id } });
    return { ...inboundView(after), secret };
  }

  async deleteInbound(principal: Principal, id: string) {
    const gone = await this.m.InboundHook.findByIdAndDelete(id).lean();
    if (!gone) throw new NotFoundError(`Inbound webhook ${id}`);
    await this.audit.record({ principal, action: 'inbound-webhook.delete', target: { type: 'inboundWebhook', id, label: `${gone.connectorId}/${gone.key}` } });
  }

  /** POST /api/hooks/:connectorId/:key — verify, dedupe, map, correlate. */
  async receive(connectorId: string, key: string, raw: { body?: Buffer; tooLarge?: boolean }, headers: Record<string, string | string[] | undefined>) {
    if (raw.tooLarge) throw new PayloadTooLargeError();
    const hook = await this.m.InboundHook.findOne({ connectorId, key, active: true }).lean();
    if (!hook) throw new NotFoundError(`Webhook ${connectorId}/${key}`);
    const body = raw.body ?? Buffer.alloc(0);
    const header = (n: string) => {
      const v = headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    verifySignature({ secret: this.box.open(hook.secret, inboundAad(String(hook._id))), timestamp: header(TIMESTAMP_HEADER), signature: header(SIGNATURE_HEADER), body, toleranceSec: hook.toleranceSec });
    let parsed: unknown;
    try {
      parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      throw new ValidationError('The webhook body is not valid JSON', [{ path: '(body)', message: 'malformed JSON' }]);
    }
    const correlate = this.correlate();
    if (!correlate) throw new ServiceUnavailableError('Message correlation is not available on this node (the workflow runtime is not running)');
    const signature = String(header(SIGNATURE_HEADER));
    try {
      await this.m.Receipt.create({ hookId: hook._id, signature, receivedAt: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return { duplicate: true, messageName: hook.messageName };
      throw err;
    }
    const env = { body: parsed, headers };
    let businessKey: unknown;
    let variables: unknown;
    try {
      businessKey = await evaluateJsonata(hook.businessKey, env, 'business key expression');
      variables = hook.variables ? await evaluateJsonata(hook.variables, env, 'variables expression') : parsed;
    } catch (err) {
      await this.m.Receipt.deleteOne({ hookId: hook._id, signature });
      throw new UnprocessableError(err instanceof ConnectorError ? err.message : String(err));
    }
    if (typeof businessKey !== 'string' && typeof businessKey !== 'number') {
      await this.m.Receipt.deleteOne({ hookId: hook._id, signature });
      throw new UnprocessableError(`The business key expression "${hook.businessKey}" gave no string for this payload`);
    }
    const vars = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : { payload: variables };
    try {
      const result = await correlate({ name: hook.messageName, businessKey: String(businessKey), variables: vars });
      await this.m.Receipt.updateOne({ hookId: hook._id, signature }, { $set: { result: JSON.stringify(result ?? null).slice(0, 2000) } });
      return { duplicate: false, messageName: hook.messageName, businessKey: String(businessKey), result: result ?? null };
    } catch (err) {
      // not correlated: the sender may retry the same request
      await this.m.Receipt.deleteOne({ hookId: hook._id, signature });
      throw err;
    }
  }
}

export const inboundAad = (id: string) => `inbound-webhook:${id}`;
