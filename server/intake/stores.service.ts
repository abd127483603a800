/**
 * Store webhooks: one endpoint per store (POST /api/hooks/stores/<key>/orders). The request's raw
 * bytes must carry a valid HMAC-SHA256 signature with the store's secret (else 401, nothing
 * stored); a JSONata mapping turns the store's payload into the order schema. The store's own order
 * id (externalId, prefixed with the store key) makes a redelivery the same order.
 */
import crypto from 'node:crypto';
import jsonata from 'jsonata';
import { z } from 'zod';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { ConflictError, NotFoundError, PayloadTooLargeError, UnauthenticatedError, UnprocessableError, ValidationError } from '../../workflows/model/errors';
import { ConnectorError } from '../../connectors/sdk/errors';
import { evaluateJsonata } from '../../connectors/rest/rest.connector';
import type { Logger } from '../infra/logger';
import type { AuditService } from '../audit/audit.service';
import { ANONYMOUS, type Principal } from '../auth/principal';
import type { SecretBox, Sealed } from '../integration/secret-box';
import type { RawBody } from '../integration/raw-body';
import type { IntakeResult, OrdersService, PreparedOrder } from '../orders/orders.service';

const signature = z
  .strictObject({
    header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name').default('x-ordo-store-signature'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    prefix: z.string().max(20).default('sha256='),
  })
  .default({ header: 'x-ordo-store-signature', encoding: 'hex', prefix: 'sha256=' });

export const createStoreBody = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'must be 2–40 lower-case letters, digits or dashes'),
  name: z.string().trim().min(1).max(120),
  mapping: z.string().min(1).max(20_000),
  signature,
  /** omitted: a random secret is generated and shown once */
  secret: z.string().min(16, 'must be at least 16 characters').max(200).optional(),
});
export const updateStoreBody = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  mapping: z.string().min(1).max(20_000).optional(),
  active: z.boolean().optional(),
});

interface StoreDoc {
  _id: string;
  name: string;
  mapping: string;
  signature: z.output<typeof signature>;
  secret: Sealed;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoreView {
  key: string;
  name: string;
  mapping: string;
  signature: z.output<typeof signature>;
  active: boolean;
  endpoint: string;
}

const view = (d: StoreDoc): StoreView => ({ key: d._id, name: d.name, mapping: d.mapping, signature: d.signature, active: d.active, endpoint: `/api/hooks/stores/${d._id}/orders` });
const aad = (key: string) => `store-webhook:${key}`;

function compiles(expression: string): void {
  try {
    jsonata(expression);
  } catch (err) {
    const e = err as { message: string; position?: number };
    throw new ValidationError('The mapping is not a valid JSONata expression', [{ path: 'mapping', message: `${e.message}${e.position !== undefined ? ` (at character ${e.position})` : ''}` }]);
  }
}

export class StoresService {
  private readonly stores: Collection<StoreDoc>;

  constructor(
    connection: Connection,
    private readonly box: SecretBox,
    private readonly orders: OrdersService,
    private readonly audit: AuditService,
    private readonly logger: Logger,
  ) {
    this.stores = connection.collection('intakeStores') as unknown as Collection<StoreDoc>;
  }

  async list(): Promise<StoreView[]> {
    return (await this.stores.find({}).sort({ _id: 1 }).toArray()).map(view);
  }

  async create(principal: Principal, body: z.output<typeof createStoreBody>): Promise<StoreView & { secret: string }> {
    compiles(body.mapping);
    const secret = body.secret ?? `whsec_${crypto.randomBytes(24).toString('base64url')}`;
    const now = new Date();
    const doc: StoreDoc = { _id: body.key, name: body.name, mapping: body.mapping, signature: body.signature, secret: this.box.seal(secret, aad(body.key)), active: true, createdAt: now, updatedAt: now };
    try {
      await this.stores.insertOne(doc);
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new ConflictError(`A store with the key ${body.key} exists`);
      throw err;
    }
    await this.audit.record({ principal, action: 'store.create', target: { type: 'store', id: body.key, label: body.name }, after: { mapping: body.mapping, signature: body.signature } });
    return { ...view(doc), secret };
  }

  async update(principal: Principal, key: string, body: z.output<typeof updateStoreBody>): Promise<StoreView> {
    if (body.mapping) compiles(body.mapping);
    const before = await this.stores.findOne({ _id: key });
    if (!before) throw new NotFoundError(`Store ${key}`);
    const after: StoreDoc = { ...before, ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)), updatedAt: new Date() };
    await this.stores.replaceOne({ _id: key }, after);
    await this.audit.record({ principal, action: 'store.update', target: { type: 'store', id: key }, before: view(before), after: view(after) });
    return view(after);
  }

  private async mapPayload(store: StoreDoc, payload: unknown): Promise<PreparedOrder> {
    let mapped: unknown;
    try {
      mapped = await evaluateJsonata(store.mapping, payload, 'store mapping');
    } catch (err) {
      throw new UnprocessableError(err instanceof ConnectorError ? err.message : String(err));
    }
    if (!mapped || typeof mapped !== 'object' || Array.isArray(mapped)) throw new UnprocessableError('The store mapping did not produce an order object for this payload');
    const order = JSON.parse(JSON.stringify(mapped)) as Record<string, unknown>;
    const ref = order.externalId;
    if (typeof ref !== 'string' && typeof ref !== 'number') throw new UnprocessableError('The store mapping must produce externalId (the store’s own order id), so a redelivery stays one order', [{ path: 'externalId', message: 'is required' }]);
    return this.orders.prepare({ ...order, externalId: `${store._id}:${String(ref)}`.slice(0, 128) }, { channel: 'store' });
  }

  /** Dry run of a mapping on a sample payload (nothing is stored). */
  async test(key: string, payload: unknown): Promise<PreparedOrder['input']> {
    const store = await this.stores.findOne({ _id: key });
    if (!store) throw new NotFoundError(`Store ${key}`);
    return (await this.mapPayload(store, payload)).input;
  }

  async receive(key: string, raw: RawBody, headers: Record<string, string | string[] | undefined>): Promise<IntakeResult> {
    const store = await this.stores.findOne({ _id: key });
    if (!store || !store.active) throw new NotFoundError(`Store ${key}`);
    if (raw.tooLarge) throw new PayloadTooLargeError();
    const body = raw.body ?? Buffer.alloc(0);
    const given = headers[store.signature.header.toLowerCase()];
    const value = Array.isArray(given) ? given[0] : given;
    const mac = crypto.createHmac('sha256', this.box.open(store.secret, aad(key))).update(body).digest(store.signature.encoding);
    const expected = Buffer.from(`${store.signature.prefix}${mac}`);
    const actual = Buffer.from(value ?? '');
    if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected)) {
      this.logger.warn({ store: key }, 'store webhook refused: missing or wrong signature');
      throw new UnauthenticatedError(`Missing or wrong ${store.signature.header} signature`);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ValidationError('The webhook body is not valid JSON', [{ path: '(body)', message: 'malformed JSON' }]);
    }
    const prepared = await this.mapPayload(store, payload);
    return this.orders.accept(prepared, { principal: ANONYMOUS, channel: 'store', actorLabel: `store:${key}`, intakeNote: store.name });
  }
}
