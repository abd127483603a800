/**
 * Crash during a CSV import: two nodes on one database; a checked file of 1,000 orders is being
 * committed on node A when A is frozen and killed with SIGKILL while it writes the orders (1,000, so
 * that some of its five chunks are still to come). Node B takes the commit over once A's heartbeat
 * stops: it removes what A wrote and commits the file again (or, when A had already recorded the flow
 * starts, completes A's run). Every row becomes exactly one order, each on its way to exactly one
 * flow, and the takeover is counted (runs: 2).
 */
import { connectDatabase } from '../../server/db/connection';
import { importFile, importFinished, TRIVIAL_ORDER_FLOW, until, useCrashNodes, validatedImport } from '../helpers/child-ordo';
import { ADMIN, ApiClient } from '../helpers/server';

jest.setTimeout(300_000);

const ORDERS = 1000;
const LINES = 1;
const { csv, refs } = importFile(ORDERS, LINES);

describe('a node killed during a CSV import', () => {
  const nodes = useCrashNodes('crash_import');

  it('given a file being committed on one node, when that node is killed with SIGKILL, then the other node completes the import with every row as exactly one order', async () => {
    const db = await connectDatabase(nodes.uri);
    try {
      const [a, b] = await Promise.all([nodes.start(), nodes.start()]);
      const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
      expect((await admin.post('/api/workflows', { xml: TRIVIAL_ORDER_FLOW })).status).toBe(201);
      const { id, key } = await validatedImport(a, csv, ORDERS);
      const onA = new ApiClient(a.url, key);
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

      const done = await importFinished(b, key, id, 180_000);
      expect(done).toMatchObject({ status: 'completed', runs: 2, orderCount: ORDERS, progress: { done: ORDERS, total: ORDERS } });

      // every row is exactly one order; nothing the killed run wrote is left over
      const orders = await db.collection<{ _id: string; externalId: string; importBatch?: string }>('orders').find({}, { projection: { externalId: 1, importBatch: 1 } }).toArray();
      expect(orders).toHaveLength(ORDERS);
      expect(orders.every((o) => o.importBatch === id)).toBe(true);
      expect(orders.map((o) => o.externalId).sort()).toEqual([...refs].sort());
      expect(await db.collection('orderKeys').countDocuments({})).toBe(ORDERS);

      // and every order is on its way to exactly one flow: started once, or its start still queued
      // (a thousand flows take minutes to start here; exactly-once starts are the flow starter's own tests)
      const instances = db.collection<{ businessKey: string; processKey: string }>('instances');
      await until('the first hundred flows', async () => (await instances.countDocuments({ processKey: 'order-fulfilment' })) >= 100, 180_000, 1000);
      const flows = (await instances.find({ processKey: 'order-fulfilment' }, { projection: { businessKey: 1 } }).toArray()).map((f) => f.businessKey);
      const queued = (await db.collection<{ _id: string }>('orderOutbox').find({}, { projection: { _id: 1 } }).toArray()).map((e) => e._id);
      expect(new Set(flows).size).toBe(flows.length);
      const numbers = new Set(orders.map((o) => o._id));
      expect(flows.every((n) => numbers.has(n))).toBe(true);
      expect(new Set([...flows, ...queued])).toEqual(numbers);
    } finally {
      await db.close();
    }
  });
});
