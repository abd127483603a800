/**
 * Crash during a CSV import: two nodes on one database; a checked file of 100 orders (300 rows) is
 * being committed on node A when A is killed with SIGKILL while it writes the orders. Node B takes
 * the commit over once A's heartbeat stops: it removes what A wrote and commits the file again (or,
 * when A had already recorded the flow starts, completes A's run). Every row becomes exactly one
 * order with exactly one flow, and the takeover is counted (runs: 2).
 */
import { connectDatabase } from '../../server/db/connection';
import { until, useCrashNodes } from '../helpers/child-ordo';
import { ADMIN, ApiClient } from '../helpers/server';

jest.setTimeout(300_000);

const ORDERS = 100;
const LINES = 3;
const HEADER = ['Order No', 'Customer', 'E-mail', 'Street', 'City', 'ZIP', 'Country', 'Currency', 'Item Code', 'Description', 'Qty', 'Unit Price'];
const refs = Array.from({ length: ORDERS }, (_, i) => `IMP-${i}`);
// three lines per order: one row per line, the order columns repeated
const rows = refs.flatMap((ref, i) => Array.from({ length: LINES }, (_, j) => [ref, `Customer ${i}`, `c${i}@import.test`, `${i} Main St`, 'Utrecht', '3511 AB', 'NL', 'EUR', `SKU-${j}`, `Part ${j}`, String(1 + ((i + j) % 3)), '2.50']));
const csv = [HEADER, ...rows].map((r) => r.join(',')).join('\n');

// the order flow reduced to start → end, so that the flows start quickly on a loaded machine
const TRIVIAL_ORDER_FLOW = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_crash_import" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="order-fulfilment" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

describe('a node killed during a CSV import', () => {
  const nodes = useCrashNodes('crash_import');

  it('given a file being committed on one node, when that node is killed with SIGKILL, then the other node completes the import with every row as exactly one order', async () => {
    const db = await connectDatabase(nodes.uri);
    try {
      const [a, b] = await Promise.all([nodes.start(), nodes.start()]);
      const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
      expect((await admin.post('/api/workflows', { xml: TRIVIAL_ORDER_FLOW })).status).toBe(201);
      const key = (await admin.post('/api/api-keys', { name: 'erp', scopes: ['orders.import', 'orders.read'] })).body.key as string;
      const up = await fetch(`${a.url}/api/intake/imports?filename=orders.csv`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: csv });
      expect(up.status).toBe(201);
      const uploaded = (await up.json()) as { id: string; suggestedMapping: Record<string, string> };
      const id = uploaded.id;
      const onA = new ApiClient(a.url, key);
      expect((await onA.post(`/api/intake/imports/${id}/mapping`, { mapping: uploaded.suggestedMapping })).body).toMatchObject({ status: 'validated', errorCount: 0, orderCount: ORDERS });
      expect((await onA.post(`/api/intake/imports/${id}/commit`, {})).status).toBe(202);

      // orders are being written: freeze A, confirm the commit is under way and not complete, then kill it
      const imports = db.collection<{ _id: string; status: string; progress: { done: number }; runs?: number }>('orderImports');
      await until('the first orders of the file to be written', async () => (await db.collection('orders').countDocuments({ importBatch: id })) > 0, 120_000, 20);
      a.proc.kill('SIGSTOP');
      // (a write A sent just before it froze may still land: the database finishes it)
      const frozen = await imports.findOne({ _id: id });
      expect(frozen).toMatchObject({ status: 'committing', runs: 1 });
      // usually no flow start is recorded yet (B undoes A's orders and commits again); if A got that far, B completes A's run
      await a.stop('SIGKILL');

      const onB = new ApiClient(b.url, key);
      const done = await until(
        'the import to finish on the other node',
        async () => {
          const res = await onB.get(`/api/intake/imports/${id}`);
          return res.status !== 200 || res.body.status === 'committing' ? undefined : res.body;
        },
        180_000,
        500,
      );
      expect(done).toMatchObject({ status: 'completed', runs: 2, orderCount: ORDERS, progress: { done: ORDERS, total: ORDERS } });

      // every row is exactly one order; nothing the killed run wrote is left over
      const orders = await db.collection<{ _id: string; externalId: string; importBatch?: string }>('orders').find({}, { projection: { externalId: 1, importBatch: 1 } }).toArray();
      expect(orders).toHaveLength(ORDERS);
      expect(orders.every((o) => o.importBatch === id)).toBe(true);
      expect(orders.map((o) => o.externalId).sort()).toEqual([...refs].sort());
      expect(await db.collection('orderKeys').countDocuments({})).toBe(ORDERS);

      // and every order gets exactly one flow
      const instances = db.collection<{ businessKey: string; processKey: string }>('instances');
      await until('a flow for every order', async () => (await instances.countDocuments({ processKey: 'order-fulfilment' })) >= ORDERS, 180_000, 1000);
      const flows = await instances.find({ processKey: 'order-fulfilment' }, { projection: { businessKey: 1 } }).toArray();
      expect(new Set(flows.map((f) => f.businessKey)).size).toBe(flows.length);
      expect(flows.map((f) => f.businessKey).sort()).toEqual(orders.map((o) => o._id).sort());
    } finally {
      await db.close();
    }
  });
});
