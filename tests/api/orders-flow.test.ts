/**
 * Orders with the real workflow runtime (engine/) on a real database: an accepted order starts its
 * flow after the answer, the flow's built-in handlers derive the order status, the instance history
 * joins the order timeline, and a cancel the flow does not wait for cancels the instance too.
 */
import { useTestConnection } from '../helpers/db';
import { newRuntime, eventually } from '../features/engine-harness';
import { createLogger } from '../../server/infra/logger';
import { AuditService } from '../../server/audit/audit.service';
import { createOrdersModule, type OrdersModule } from '../../server/orders';
import { connectOrdersToRuntime, flowVariables } from '../../server/orders/flow-runtime';
import { orderDetail, type FlowHistorySource } from '../../server/api/orders/orders.routes';
import { ANONYMOUS } from '../../server/auth/principal';
import type { WorkflowRuntime } from '../../engine';
import { BucketStore } from '../../server/orders/bucket-store';
import { ReportsService } from '../../server/orders/reports.service';
import { opsForNewOrder, opsForStatusChange, type IndexedOrder } from '../../server/orders/order-index';
import type { OrderStatus } from '../../workflows/model/order';
import type { RunningOrdo } from '../../server/main';
import { adminClient, startTestOrdo, type ApiClient } from '../helpers/server';
import { placeOrder, taskOf } from './tasks-live.fixtures';

interface TimelineEntry {
  kind: string;
  step?: string;
  message: string;
  detail?: { ruleSet?: { key: string; version: number }; outcome?: Record<string, unknown>; explanation?: { rules: Array<{ name: string; matched: boolean; decisive: boolean; conditions: ExplainNode }> } };
}
interface ExplainNode {
  type: string;
  result: boolean | null;
  children?: ExplainNode[];
  fact?: string;
  operator?: string;
  value?: unknown;
  factResult?: unknown;
}
const leaves = (n: ExplainNode): ExplainNode[] => (n.type === 'condition' ? [n] : (n.children ?? []).flatMap(leaves));
/** an order of the reference ERP's customer C-1001 ("<who> Customer"), shipped to Rotterdam */
const referenceOrder = (externalId: string, who: string, lines: Array<{ sku: string; name: string; quantity: number; unitPrice: number }>) => ({
  externalId,
  customer: { id: 'C-1001', name: `${who} Customer`, email: `${who.toLowerCase()}@example.com` },
  shippingAddress: { line1: '1 Harbour Road', city: 'Rotterdam', postcode: '3011', country: 'NL' },
  currency: 'EUR',
  lines,
});

/** places an order through the API and waits until the shipped flow has printed its slip (it then waits at packing) */
async function placedAndPrinted(admin: ApiClient, body: Record<string, unknown>) {
  const created = await admin.post('/api/orders', body);
  expect(created.status).toBe(201);
  const number: string = created.body.number;
  const order = await eventually(async () => {
    const o = (await admin.get(`/api/orders/${number}`)).body;
    if (['rejected', 'on-hold', 'cancelled'].includes(o.status)) throw new Error(`order ended as ${o.status}`);
    return o.status === 'printed' && o.flow.status === 'started' && o;
  }, 60_000, 250);
  return { number, order };
}

/** the decisions of the order's flow as its timeline (GET /api/orders/:number) shows them */
const decisionsOf = async (admin: ApiClient, number: string): Promise<TimelineEntry[]> =>
  ((await admin.get(`/api/orders/${number}`)).body.timeline as TimelineEntry[]).filter((e) => e.kind === 'flow' && e.detail?.explanation);

const status = (id: string, s: string) => `
    <bpmn:serviceTask id="${id}">
      <bpmn:extensionElements><camunda:connector><camunda:connectorId>order.setStatus</camunda:connectorId>
        <camunda:inputOutput><camunda:inputParameter name="status">${s}</camunda:inputParameter></camunda:inputOutput></camunda:connector></bpmn:extensionElements>
    </bpmn:serviceTask>`;

const FLOW = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_orderTest" targetNamespace="http://ordo.dev/test">
  <bpmn:message id="MsgShipped" name="shipment.done" />
  <bpmn:process id="orderFlowTest" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    ${status('review', 'in-review')}
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="approve" />
    ${status('approve', 'approved')}
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="allocate" />
    <bpmn:serviceTask id="allocate">
      <bpmn:extensionElements><camunda:connector><camunda:connectorId>order.setAllocation</camunda:connectorId>
        <camunda:inputOutput><camunda:inputParameter name="warehouse">WH-A</camunda:inputParameter></camunda:inputOutput></camunda:connector></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f4" sourceRef="allocate" targetRef="allocated" />
    ${status('allocated', 'allocated')}
    <bpmn:sequenceFlow id="f5" sourceRef="allocated" targetRef="awaitShipment" />
    <bpmn:receiveTask id="awaitShipment" messageRef="MsgShipped" />
    <bpmn:sequenceFlow id="f6" sourceRef="awaitShipment" targetRef="shipped" />
    ${status('shipped', 'shipped')}
    <bpmn:sequenceFlow id="f7" sourceRef="shipped" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const order = (ref: string) => ({
  externalId: ref,
  customer: { name: 'Flow Customer', email: 'flow@example.com' },
  shippingAddress: { line1: '1 Flow Street', city: 'Gent', postcode: '9000', country: 'BE' },
  currency: 'EUR',
  lines: [{ sku: 'FLOW-1', name: 'Flow part', quantity: 2, unitPrice: 5 }],
});

describe('orders on the real workflow runtime', () => {
  const db = useTestConnection('orders_flow');
  let mod: OrdersModule;
  let runtime: WorkflowRuntime;
  let history: FlowHistorySource;
  const events: Array<{ type: string; id: string; data: Record<string, unknown> }> = [];

  beforeAll(async () => {
    const logger = createLogger({ level: 'silent' });
    mod = createOrdersModule({ connection: db.connection, logger, audit: new AuditService(db.connection), starter: { pollMs: 200 } });
    runtime = newRuntime(db.connection).runtime;
    history = connectOrdersToRuntime(mod, runtime, 'orderFlowTest');
    mod.setEventSink(async (e) => {
      events.push(e);
    });
    await runtime.start();
    await runtime.deploy({ xml: FLOW, actor: { kind: 'user', id: null, label: 'test' } });
  });
  afterAll(async () => {
    await mod.close();
    await runtime.stop();
  });

  it('given an accepted order, then its flow starts after the answer, the flow derives its status, and the instance history joins the timeline', async () => {
    const { order: accepted } = await mod.orders.intake(order('FLOW-A'), { principal: ANONYMOUS, channel: 'api' });
    expect(accepted.status).toBe('received');
    expect(accepted.flow.status).toBe('pending');
    const allocated = await eventually(async () => {
      const o = await mod.orders.get(accepted.number);
      return o.status === 'allocated' && o.flow.status === 'started' && o;
    });
    expect(allocated.flow).toMatchObject({ status: 'started', instanceId: expect.any(String), attempts: 1 });
    expect(allocated.allocation?.warehouse).toBe('WH-A');
    expect(allocated.review.approvedHash).toBe(allocated.review.hash);
    await runtime.correlateMessage({ name: 'shipment.done', businessKey: accepted.number });
    const shipped = await eventually(async () => {
      const o = await mod.orders.get(accepted.number);
      return o.status === 'shipped' && o;
    });
    expect(shipped.status).toBe('shipped');
    const detail = await orderDetail(mod, accepted.number, history);
    const statuses = detail.timeline.filter((e) => e.kind === 'status').map((e) => e.status);
    expect(statuses).toEqual(['in-review', 'approved', 'allocated', 'shipped']);
    expect(detail.timeline.some((e) => e.kind === 'flow' && e.step === 'awaitShipment')).toBe(true);
    expect(detail.eta.steps.map((s) => s.status)).toEqual(['shipped']);
    const instance = await runtime.getInstance(allocated.flow.instanceId!);
    expect(instance).toMatchObject({ businessKey: accepted.number, status: 'completed' });
    const mine = events.filter((e) => e.data.number === accepted.number);
    expect(mine.map((e) => e.type)).toEqual(['order.created', 'order.approved', 'order.allocated', 'order.shipped']);
    expect(new Set(mine.map((e) => e.id)).size).toBe(4);
    expect(mine[0].id).toBe(`${accepted.number}:1:order.created`);
  });

  it('given a cancel that the flow does not wait for, then the order is cancelled and so is its instance', async () => {
    const { order: accepted } = await mod.orders.intake(order('FLOW-B'), { principal: ANONYMOUS, channel: 'api' });
    const waiting = await eventually(async () => {
      const o = await mod.orders.get(accepted.number);
      return o.status === 'allocated' && o.flow.status === 'started' && o;
    });
    const cancelled = await mod.orders.act(accepted.number, 'cancel', ANONYMOUS, 'customer changed their mind');
    expect(cancelled.status).toBe('cancelled');
    const instance = await runtime.getInstance(waiting.flow.instanceId!);
    expect(instance.status).toBe('cancelled');
  });

  it('given an order cancelled before its flow is recorded as started, then the flow is cancelled as soon as it is', async () => {
    const { order: accepted } = await mod.orders.intake(order('FLOW-C'), { principal: ANONYMOUS, channel: 'api' });
    await mod.orders.act(accepted.number, 'cancel', ANONYMOUS, 'right away');
    const started = await eventually(async () => {
      const o = await mod.orders.get(accepted.number);
      return o.flow.status === 'started' && o;
    });
    expect(started.status).toBe('cancelled');
    const instance = await eventually(async () => {
      const i = await runtime.getInstance(started.flow.instanceId!);
      return i.status === 'cancelled' && i;
    });
    expect(instance.status).toBe('cancelled');
  });

  it('given an order whose flow started but whose start is found pending again (a node died before clearing it), when it is retried, then it gets the same instance and no second one', async () => {
    const { order: accepted } = await mod.orders.intake(order('FLOW-D'), { principal: ANONYMOUS, channel: 'api' });
    const started = await eventually(async () => {
      const o = await mod.orders.get(accepted.number);
      return o.status === 'allocated' && o.flow.status === 'started' && o;
    });
    // the instance id comes from the order number: a retry finds it by _id on any node
    expect(started.flow.instanceId).toBe(`order:${accepted.number}`);
    const instancesOf = async (n: string) => (await runtime.listInstances({ processKey: 'orderFlowTest', businessKey: n })).items.map((i) => i.id);

    // the claim was given back (attempt 1 again): the start is looked up by its id
    await mod.collections.outbox.insertOne({ _id: accepted.number, state: 'pending', attempts: 0, nextAttemptAt: new Date(), createdAt: new Date() });
    await mod.starter.process(accepted.number);
    await mod.starter.idle(); // (its sweep may have claimed it first)
    expect(await mod.collections.outbox.findOne({ _id: accepted.number })).toBeNull();
    expect((await mod.orders.get(accepted.number)).flow).toMatchObject({ status: 'started', instanceId: `order:${accepted.number}` });
    expect(await instancesOf(accepted.number)).toEqual([`order:${accepted.number}`]);

    // a flow started before instance ids came from the order number (a random id) by a node that died
    // before recording it: the retry (attempt 2, the dead node's lease ran out) finds it by business key
    await mod.starter.stop();
    try {
      const { order: older } = await mod.orders.intake(order('FLOW-E'), { principal: ANONYMOUS, channel: 'api' });
      const legacy = await runtime.startInstance({ processKey: 'orderFlowTest', businessKey: older.number, variables: flowVariables(older) });
      await mod.collections.leases.insertOne({ _id: `${older.number}#1`, owner: 'a-dead-node', until: new Date(Date.now() - 1000) });
      await mod.starter.process(older.number);
      expect((await mod.orders.get(older.number)).flow).toMatchObject({ status: 'started', instanceId: legacy.id, attempts: 2 });
      expect(await instancesOf(older.number)).toEqual([legacy.id]);
      expect(await mod.collections.outbox.findOne({ _id: older.number })).toBeNull();
      expect(await mod.collections.leases.findOne({ _id: `${older.number}#1` })).toBeNull();
    } finally {
      mod.starter.start();
    }
  });
});

describe('the shipped order-fulfilment flow writes its allocation onto the order', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'orders_flow_reference' });
  });
  afterAll(() => ordo.close());

  it('given an order the review rules approve, when the allocation rule picks a warehouse, then the order carries it and the report counts it per warehouse', async () => {
    const admin = await adminClient(ordo);
    const { number, order } = await placedAndPrinted(admin, referenceOrder('REF-ALLOC-1', 'Alloc', [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 2, unitPrice: 89 }]));
    const instance = (await admin.get(`/api/instances/${order.flow.instanceId}`)).body;
    const decided = instance.variables.allocation as { decision: string; warehouse: string; strategy: string; plannedShipDate?: string };
    expect(decided.decision).toBe('warehouse');
    expect(order.allocation).toMatchObject({ warehouse: decided.warehouse, strategy: decided.strategy });
    expect(order.allocation.warehouse).toMatch(/^\S+$/); // the reference ERP's warehouses (WH-NORTH, …)
    if (decided.plannedShipDate) expect(order.allocation.plannedShipDate).toBe(decided.plannedShipDate);
    expect(order.timeline.some((e: { message: string }) => e.message === `Allocated to ${decided.warehouse}${decided.plannedShipDate ? `, planned ship date ${decided.plannedShipDate}` : ''}`)).toBe(true);

    // both decisions of the flow are on the order's timeline with their explanation
    const decisions = await decisionsOf(admin, number);
    expect(decisions.map((e) => [e.step, e.message])).toEqual([
      ['review', 'decision review: approve (order-review version 1)'],
      ['allocate', `decision allocate: warehouse (allocation version 1)`],
    ]);
    const review = decisions[0].detail!;
    expect(review.outcome).toMatchObject({ decision: 'approve', rules: [] });
    expect(review.explanation!.rules.map((r) => r.name)).toEqual(['embargo-country', 'test-order', 'blocked-customer', 'price-below-list', 'quantity-limit', 'over-credit-limit', 'high-value-new-customer', 'stock-shortage', 'requested-date-past']);
    expect(review.explanation!.rules.every((r) => !r.matched)).toBe(true);
    const highValue = review.explanation!.rules.find((r) => r.name === 'high-value-new-customer')!;
    expect(leaves(highValue.conditions)[0]).toMatchObject({ fact: 'orderTotal', operator: 'greaterThan', value: 10000, factResult: order.totals.total, result: false });
    const allocation = decisions[1].detail!;
    const decisive = allocation.explanation!.rules.filter((r) => r.decisive);
    expect(decisive.map((r) => [r.name, r.matched])).toEqual([[(decided as unknown as { rules: string[] }).rules[0], true]]);
    expect(leaves(decisive[0].conditions).every((c) => c.result === true && 'factResult' in c && c.operator)).toBe(true);

    const found = await admin.get(`/api/orders?warehouse=${encodeURIComponent(decided.warehouse)}`);
    expect(found.body.items.map((r: { number: string }) => r.number)).toEqual([number]);
    const today = new Date().toISOString().slice(0, 10);
    const report = (await admin.get(`/api/reports/orders?from=${today}&to=${today}`)).body;
    expect(report.allocationByWarehouse).toEqual([{ warehouse: decided.warehouse, orders: 1 }]);
  });

  it('given an order no single warehouse of the reference ERP can serve, then the order names the warehouse of each line', async () => {
    const admin = await adminClient(ordo);
    // WH-NORTH has 120 chairs and no rugs, WH-SOUTH 40 chairs and 15 rugs
    const { order } = await placedAndPrinted(
      admin,
      referenceOrder('REF-SPLIT-1', 'Split', [
        { sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 50, unitPrice: 89 },
        { sku: 'RUG-WOOL', name: 'Wool rug', quantity: 2, unitPrice: 310 },
      ]),
    );
    const today = new Date().toISOString().slice(0, 10);
    expect(order.allocation).toEqual({
      strategy: 'SPLIT',
      plannedShipDate: today,
      lines: [
        { sku: 'CHAIR-OAK', quantity: 50, warehouse: 'WH-NORTH' },
        { sku: 'RUG-WOOL', quantity: 2, warehouse: 'WH-SOUTH' },
      ],
    });
    expect(order.timeline.map((e: { message: string }) => e.message)).toContain(`Split over WH-NORTH (CHAIR-OAK ×50), WH-SOUTH (RUG-WOOL ×2), planned ship date ${today}`);
  });
});

describe('a running order flow and a newly published rule-set version', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'orders_flow_rule_version' });
  });
  afterAll(() => ordo.close());

  it('given an order waiting in manual review, when allocation version 2 is published, then its next business-rule task decides with version 2', async () => {
    const admin = await adminClient(ordo);
    const number = await placeOrder(admin, { customer: 'Version Two' });
    const review = await taskOf(admin, number, 'manualReview');
    const [before] = await decisionsOf(admin, number);
    expect(before).toMatchObject({ step: 'review', detail: { ruleSet: { key: 'order-review', version: 1 }, outcome: { decision: 'manual', reason: 'CREDIT_LIMIT' } } });
    expect((await decisionsOf(admin, number)).map((e) => e.step)).toEqual(['review']);

    // version 2: every allocation outcome also names its revision (the test cases check only their own keys)
    const current = (await admin.get('/api/rule-sets/allocation')).body;
    const draft = JSON.parse(JSON.stringify(current.draft.doc));
    for (const rule of draft.rules) rule.event.params = { ...rule.event.params, revision: 'v2' };
    draft.defaultOutcome.params = { ...draft.defaultOutcome.params, revision: 'v2' };
    expect((await admin.put(`/api/rule-sets/allocation/draft?rev=${current.draft.rev}`, draft)).status).toBe(200);
    const published = await admin.post('/api/rule-sets/allocation/publish', { note: 'revision in every outcome' });
    expect(published.body).toMatchObject({ key: 'allocation', version: 2 });

    const done = await admin.post(`/api/tasks/${encodeURIComponent(review.id)}/complete`, { data: { approved: true, reviewNote: 'credit checked by phone' } });
    expect(done.status).toBe(200);
    const allocate = await eventually(async () => (await decisionsOf(admin, number)).find((e) => e.step === 'allocate'), 60_000, 250);
    expect(allocate.detail!.ruleSet).toEqual({ key: 'allocation', version: 2 });
    expect(allocate.detail!.outcome).toMatchObject({ revision: 'v2' });
    expect(allocate.message).toMatch(/ \(allocation version 2\)$/);
    const instance = (await admin.get(`/api/instances/${review.instanceId}`)).body;
    expect(instance.variables.allocation).toMatchObject({ revision: 'v2', ruleSet: { key: 'allocation', version: 2 } });
    // the review decision taken before the publish keeps its version
    expect(instance.variables.review.ruleSet).toEqual({ key: 'order-review', version: 1 });
  });

  it('given orders whose flows took review decisions, when an analyst backtests a draft that sends every unmatched order to manual review, then each row shows the decision taken in the flow and the orders it would now decide differently are counted', async () => {
    const admin = await adminClient(ordo);
    const { number } = await placedAndPrinted(admin, referenceOrder('REF-BACKTEST-1', 'Backtest', [{ sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 1, unitPrice: 89 }]));
    const current = (await admin.get('/api/rule-sets/order-review')).body;
    const draft = JSON.parse(JSON.stringify(current.draft.doc));
    draft.defaultOutcome = { type: 'manual', params: { reason: 'ALL_MANUAL' } };
    const res = await admin.post('/api/rule-sets/order-review/backtest', { ruleSet: draft, limit: 50 });
    expect(res.status).toBe(200);
    const rows = res.body.orders as Array<{ number: string; after: { decision: string }; recorded?: { version: number; at: string; outcome: { decision: string } } }>;
    const mine = rows.find((r) => r.number === number)!;
    expect(mine.recorded).toMatchObject({ version: 1, outcome: { decision: 'approve' } });
    expect(Date.parse(mine.recorded!.at)).not.toBeNaN();
    expect(mine.after).toMatchObject({ decision: 'manual', reason: 'ALL_MANUAL' });
    // orders approved at the time would go to manual review now; those sent to manual review then keep their outcome
    const approvedThen = rows.filter((r) => r.recorded?.outcome.decision === 'approve');
    const manualThen = rows.filter((r) => r.recorded?.outcome.decision === 'manual');
    expect(manualThen.length).toBeGreaterThan(0);
    expect(manualThen.every((r) => r.after.decision === 'manual')).toBe(true);
    expect(res.body.differFromRecorded).toBe(approvedThen.length + manualThen.filter((r) => JSON.stringify(r.recorded!.outcome) !== JSON.stringify(r.after)).length);
    expect(res.body.differFromRecorded).toBeGreaterThanOrEqual(1);
  });
});

describe('SLA breaches per warehouse in the orders report', () => {
  const db = useTestConnection('orders_sla_report');
  const HOUR = 3_600_000;

  it('given steps that ran over their targets before and after allocation, then the report splits finished and open breaches by warehouse and step, and the CSV lists them', async () => {
    const buckets = new BucketStore(db.connection, createLogger({ level: 'silent' }));
    const reports = new ReportsService(buckets);
    const t0 = new Date(Date.parse('2026-03-02T08:00:00Z'));
    const at = (h: number) => new Date(t0.getTime() + h * HOUR);
    const base = (number: string): IndexedOrder => ({ number, createdAt: t0, status: 'received', statusSince: t0, channel: 'api', total: 10, currency: 'EUR', customerName: 'SLA', lines: [{ sku: 'S-1', quantity: 1, lineTotal: 10 }] });
    // walks an order through its statuses; each step lasts the hours given (received 15 min, in-review 4 h, allocated 4 h, printed 2 h are the targets)
    const walk = (number: string, steps: Array<[OrderStatus, number, string?]>) => {
      let o = base(number);
      buckets.applyMany(opsForNewOrder(o));
      let h = 0;
      for (const [status, hours, warehouse] of steps) {
        h += hours;
        const next = { ...o, status, statusSince: at(h), warehouse: warehouse ?? o.warehouse };
        buckets.applyMany(opsForStatusChange(o, next, at(h)));
        o = next;
      }
    };
    // A: review ran over (no warehouse yet), then 6 h allocated at NORTH → a breach at NORTH; printed for 1.7 h at "now" (in time)
    walk('SO-2026-000001', [['in-review', 0.1], ['approved', 5], ['approved', 0.1, 'WH-NORTH'], ['allocated', 0.1], ['printed', 6]]);
    // B: everything in time at SOUTH, then sits in printed (target 2 h) until the report's "now"
    walk('SO-2026-000002', [['in-review', 0.1], ['approved', 1], ['approved', 0.1, 'WH-SOUTH'], ['allocated', 0.1], ['printed', 1]]);
    // C: received ran over (1 h), then 12 h in review at "now" (target 4 h), never allocated
    walk('SO-2026-000003', [['in-review', 1]]);
    await buckets.drain();

    const report = await reports.orders('2026-03-02', '2026-03-03', at(13));
    expect(report.slaBreaches).toMatchObject({ total: 3, open: 2, openByStep: { printed: 1, 'in-review': 1 } });
    expect(report.slaBreachesByWarehouse).toEqual([
      { warehouse: 'WH-NORTH', breaches: 1, open: 0, byStep: { allocated: 1 }, openByStep: {} },
      { warehouse: 'WH-SOUTH', breaches: 0, open: 1, byStep: {}, openByStep: { printed: 1 } },
      { warehouse: null, breaches: 2, open: 1, byStep: { 'in-review': 1, received: 1 }, openByStep: { 'in-review': 1 } },
    ]);
    const csv = reports.csv(report, 'sla-warehouses').trim().split('\r\n');
    expect(csv[0]).toBe('warehouse,step,sla_breaches,open_breaches');
    expect(csv.slice(1).sort()).toEqual([',in-review,1,1', ',received,1,0', 'WH-NORTH,allocated,1,0', 'WH-SOUTH,printed,0,1']);
  });
});
