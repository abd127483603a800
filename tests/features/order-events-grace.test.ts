/**
 * The order event dispatcher of one node leaves fresh marks to the node that wrote them: that node
 * hands the events over itself right after its write. If a poller on another node acked the same
 * order meanwhile, its update of the order document would run beside the writer's next update, and
 * on FerretDB 1.24 one of two concurrent updates of a document is lost (the two-node soak and
 * cluster benches left orders at "printed" whose flow had completed). A mark older than the grace
 * (a dead or failed writer) is taken over as before.
 */
import { createLogger } from '../../server/infra/logger';
import { AuditService } from '../../server/audit/audit.service';
import { ANONYMOUS } from '../../server/auth/principal';
import { OrderEventDispatcher } from '../../server/integration/order-events';
import { createOrdersModule } from '../../server/orders';
import { ORDER_EVENT_QUEUE } from '../../server/orders/orders.service';
import { startCapturingOrdo, type CapturingOrdo } from '../helpers/connectors';

jest.setTimeout(90_000);

describe('order event dispatcher: fresh marks belong to their writer', () => {
  let h: CapturingOrdo;
  const silent = createLogger({ level: 'silent' });

  beforeAll(async () => {
    // no background dispatcher: the test runs one by hand
    h = await startCapturingOrdo({ label: 'order_events_grace', env: { WEBHOOK_WORKER: 'false' } });
    await h.ordo.orders.starter.stop();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('given a mark younger than the grace, then another node’s dispatcher leaves the order alone; once older, it hands the event over', async () => {
    // a writer whose own hand-over failed: the event stays in the order, the mark stays queued
    const writer = createOrdersModule({ connection: h.ordo.connection, logger: silent, audit: new AuditService(h.ordo.connection), startLoop: false });
    writer.setEventSink(() => Promise.reject(new Error('hand-over failed on the writing node')));
    const { order } = await writer.orders.intake(
      { customer: { name: 'Grace Customer', email: 'grace@example.com' }, shippingAddress: { line1: '1 Grace Lane', city: 'Gent', postcode: '9000', country: 'BE' }, currency: 'EUR', lines: [{ sku: 'GRACE-1', name: 'Grace part', quantity: 1, unitPrice: 10 }] },
      { principal: ANONYMOUS, channel: 'api' },
    );
    await writer.close();
    const queue = h.ordo.connection.collection(ORDER_EVENT_QUEUE);
    const orders = h.ordo.connection.collection('orders');
    const before = await orders.findOne({ _id: order.number as never });
    expect(Object.keys(before?.outboundEvents ?? {})).toHaveLength(1);

    const other = new OrderEventDispatcher({ connection: h.ordo.connection, source: h.ordo.orders.orders, logger: silent, owner: 'other-node', graceMs: 60_000 });
    expect(await other.runOnce()).toEqual({ orders: 0, events: 0 });
    expect(await queue.findOne({ _id: order.number as never })).not.toBeNull();
    const untouched = await orders.findOne({ _id: order.number as never });
    expect(untouched?.version).toBe(before?.version);
    expect(untouched?.outboundEvents).toEqual(before?.outboundEvents);

    // the writer is gone for longer than the grace: its mark is an orphan now
    await queue.updateOne({ _id: order.number as never }, { $set: { at: new Date(Date.now() - 120_000) } });
    expect(await other.runOnce()).toEqual({ orders: 1, events: 1 });
    expect(await queue.findOne({ _id: order.number as never })).toBeNull();
    expect((await orders.findOne({ _id: order.number as never }))?.outboundEvents).toBeUndefined();
    expect(await h.ordo.connection.collection('webhookOutbox').countDocuments({ eventId: `${order.number}:1:order.created` })).toBe(1);
  });
});
