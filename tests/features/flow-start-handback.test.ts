/**
 * A node that stops gracefully hands an order's flow start back at once: its runtime ends the start
 * (held in a service call) unsaved, and its flow starter gives the claim back without counting a
 * failed attempt, so another node starts the flow now, at the same attempt, not after the lease.
 * Two nodes (orders module + workflow runtime each) on one database, in this process.
 */
import { useTestConnection } from '../helpers/db';
import { FunctionConnectors, newRuntime } from './engine-harness';
import { createLogger } from '../../server/infra/logger';
import { AuditService } from '../../server/audit/audit.service';
import { createOrdersModule } from '../../server/orders';
import { connectOrdersToRuntime } from '../../server/orders/flow-runtime';
import { ANONYMOUS } from '../../server/auth/principal';

// far longer than the test may take: only the hand-back lets node B start the flow
const LEASE_MS = 600_000;

const FLOW = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_handback" targetNamespace="http://ordo.dev/test">
  <bpmn:message id="MsgPacked" name="order.packed" />
  <bpmn:process id="handBackFlow" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="confirm" />
    <bpmn:serviceTask id="confirm"><bpmn:extensionElements><camunda:connector><camunda:connectorId>carrier.confirm</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="confirm" targetRef="awaitPacking" />
    <bpmn:receiveTask id="awaitPacking" messageRef="MsgPacked" />
    <bpmn:sequenceFlow id="f3" sourceRef="awaitPacking" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

describe('an order flow start handed back by a stopping node', () => {
  const db = useTestConnection('flow_start_handback');
  let release!: () => void;
  afterAll(() => release?.());

  it('given node A starting an order’s flow held in a service call, when A hands its work back, then its claim is gone, no failed attempt is counted, and node B starts the flow at attempt 1', async () => {
    const logger = createLogger({ level: 'silent' });
    const node = (nodeId: string, confirm: () => Promise<unknown>) => {
      const connectors = new FunctionConnectors();
      connectors.fns.set('carrier.confirm', confirm);
      const mod = createOrdersModule({ connection: db.connection, logger, audit: new AuditService(db.connection), starter: { leaseMs: LEASE_MS }, startLoop: false });
      const { runtime } = newRuntime(db.connection, { connectors, nodeId, leaseMs: LEASE_MS });
      connectOrdersToRuntime(mod, runtime, 'handBackFlow');
      return { mod, runtime, connectors };
    };
    const held = new Promise<void>((r) => (release = r));
    const a = node('node-a', async () => {
      await held;
      return { confirmed: 'by A' };
    });
    const b = node('node-b', async () => ({ confirmed: 'by B' }));
    try {
      await a.runtime.deploy({ xml: FLOW, actor: { kind: 'user', id: null, label: 'test' } });

      // accepted on A: A's starter claims the start and its flow waits on the carrier
      const { order } = await a.mod.orders.intake(
        { customer: { name: 'Hand Back', email: 'handback@example.com' }, shippingAddress: { line1: '1 Quay', city: 'Gent', postcode: '9000', country: 'BE' }, currency: 'EUR', lines: [{ sku: 'HB-1', name: 'Part', quantity: 1, unitPrice: 5 }] },
        { principal: ANONYMOUS, channel: 'api' },
      );
      while (a.connectors.calls.length === 0) await new Promise((r) => setTimeout(r, 20));
      const leaseId = `${order.number}#1`;
      expect(await a.mod.collections.leases.findOne({ _id: leaseId })).toMatchObject({ owner: a.mod.starter.nodeId });

      // A stops gracefully, as its drain does: the runtime hands back, the starter stops
      await Promise.all([a.runtime.handBack(), a.mod.starter.stop()]);
      expect(await a.mod.collections.leases.findOne({ _id: leaseId })).toBeNull();
      expect(await a.mod.collections.outbox.findOne({ _id: order.number })).toMatchObject({ state: 'pending', attempts: 0 });
      expect((await a.mod.orders.get(order.number)).flow).toMatchObject({ status: 'pending', attempts: 0 });
      expect((await b.runtime.listInstances({ businessKey: order.number })).total).toBe(0);

      // B's starter finds the order due and unclaimed: it starts the flow now
      await b.mod.starter.process(order.number);
      const instances = await b.runtime.listInstances({ businessKey: order.number });
      expect(instances.total).toBe(1);
      expect((await b.mod.orders.get(order.number)).flow).toMatchObject({ status: 'started', instanceId: instances.items[0].id, attempts: 1 });
      expect(await b.runtime.getInstance(instances.items[0].id)).toMatchObject({ status: 'waiting', tokens: ['awaitPacking'] });
      expect(b.connectors.calls).toHaveLength(1);
      // A runs nothing any more: a command sent to it is refused
      await expect(a.runtime.startInstance({ processKey: 'handBackFlow', businessKey: 'ANOTHER' })).rejects.toThrow(/node is stopping/);
    } finally {
      release();
      await Promise.all([a.mod.close(), b.mod.close(), a.runtime.stop(), b.runtime.stop()]);
    }
  });
});
