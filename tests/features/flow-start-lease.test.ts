/**
 * The flow start of an order is claimed with a lease. On a loaded node the start (which runs the
 * flow to its first wait: rules, connector calls, printing) can take longer than the lease; the
 * holder must keep its claim alive meanwhile, or another node takes the next attempt and starts a
 * second instance of the same order (seen in the two-node soak: 5 orders with two instances).
 */
import { useTestConnection } from '../helpers/db';
import { createLogger } from '../../server/infra/logger';
import { AuditService } from '../../server/audit/audit.service';
import { createOrdersModule, type OrdersModule } from '../../server/orders';
import { FlowStarter, type FlowStartPort } from '../../server/orders/flow-starter';
import { ANONYMOUS } from '../../server/auth/principal';

const LEASE_MS = 300;

describe('the flow start lease on a slow start', () => {
  const db = useTestConnection('flow_start_lease');
  let mod: OrdersModule;

  beforeAll(async () => {
    mod = createOrdersModule({ connection: db.connection, logger: createLogger({ level: 'silent' }), audit: new AuditService(db.connection), startLoop: false });
    // only the two starters below may start flows
    await mod.starter.stop();
  });
  afterAll(async () => {
    await mod.close();
  });

  it('given node A still starting an order’s flow after several lease lengths, when node B looks at the order, then B leaves it to A and only one flow is started', async () => {
    const { order } = await mod.orders.intake(
      { customer: { name: 'Slow Start', email: 'slow@example.com' }, shippingAddress: { line1: '1 Slow Lane', city: 'Gent', postcode: '9000', country: 'BE' }, currency: 'EUR', lines: [{ sku: 'SLOW-1', name: 'Slow part', quantity: 1, unitPrice: 5 }] },
      { principal: ANONYMOUS, channel: 'api' },
    );
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const startsA: number[] = [];
    const startsB: number[] = [];
    const portA: FlowStartPort = {
      async startFlow(_o, attempt) {
        startsA.push(attempt);
        await held;
        return { instanceId: 'instance-from-a' };
      },
    };
    const portB: FlowStartPort = {
      async startFlow(_o, attempt) {
        startsB.push(attempt);
        return { instanceId: 'instance-from-b' };
      },
    };
    const logger = createLogger({ level: 'silent' });
    const a = new FlowStarter(mod.collections, mod.orders, () => portA, logger, { leaseMs: LEASE_MS });
    const b = new FlowStarter(mod.collections, mod.orders, () => portB, logger, { leaseMs: LEASE_MS });

    const runningOnA = a.process(order.number);
    while (startsA.length === 0) await new Promise((r) => setTimeout(r, 20));
    // A's claim would have run out three times over by now if A did not keep it alive
    const claimedAt = Date.now();
    while (Date.now() - claimedAt < LEASE_MS * 3) await new Promise((r) => setTimeout(r, 50));
    await b.process(order.number);
    expect(startsB).toEqual([]);

    release();
    await runningOnA;
    expect(startsA).toEqual([1]);
    expect((await mod.orders.get(order.number)).flow).toMatchObject({ status: 'started', instanceId: 'instance-from-a', attempts: 1 });
    expect(await mod.collections.outbox.findOne({ _id: order.number })).toBeNull();
    // and once A has finished, B finds nothing left to start
    await b.process(order.number);
    expect(startsB).toEqual([]);
  });
});
