/**
 * Graceful shutdown during a CSV import: node A is committing a file of 2,000 orders when it gets
 * SIGTERM. It stops at its next chunk of orders, gives the commit's lease back and exits 0, without
 * the file complete (no flow start recorded). Node B, started afterwards, takes it over at once (it
 * does not wait out A's minute-long lease), settles what A wrote and commits the file: every row is
 * exactly one order.
 */
import { connectDatabase } from '../../server/db/connection';
import { importFile, importFinished, TRIVIAL_ORDER_FLOW, until, useCrashNodes, validatedImport } from '../helpers/child-ordo';
import { ADMIN, ApiClient } from '../helpers/server';

jest.setTimeout(300_000);

const ORDERS = 2000;
const LEASE_MS = 60_000;

describe('a node stopped gracefully during a CSV import', () => {
  const nodes = useCrashNodes('graceful_import');

  it('given a file being committed, when its node gets SIGTERM, then that node hands the commit back part-way, and the next node settles it and commits every row once', async () => {
    const { csv, refs } = importFile(ORDERS, 1);
    const db = await connectDatabase(nodes.uri);
    try {
      const env = { LEASE_MS: String(LEASE_MS) };
      const a = await nodes.start(env);
      const admin = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
      expect((await admin.post('/api/workflows', { xml: TRIVIAL_ORDER_FLOW })).status).toBe(201);
      const { id, key } = await validatedImport(a, csv, ORDERS);
      expect((await new ApiClient(a.url, key).post(`/api/intake/imports/${id}/commit`, {})).status).toBe(202);

      // the first chunk of orders is written: stop A the way an orchestrator does
      await until('the first orders of the file to be written', async () => (await db.collection('orders').countDocuments({ importBatch: id })) > 0, 120_000, 20);
      await a.stop('SIGTERM');
      expect([a.proc.exitCode, a.output()]).toEqual([0, expect.anything()]);

      // handed back part-way: the lease free, the heartbeat stale, fewer orders than the file and no flow start recorded
      const imports = db.collection<{ _id: string; status: string; runs?: number; leaseOwner?: string | null; heartbeatAt?: Date }>('orderImports');
      expect(await imports.findOne({ _id: id })).toMatchObject({ status: 'committing', runs: 1, leaseOwner: null, heartbeatAt: new Date(0) });
      expect(await db.collection('orders').countDocuments({ importBatch: id })).toBeLessThan(ORDERS);
      expect(await db.collection('orderOutbox').countDocuments({})).toBe(0);

      // B takes it at its first look (a crashed A would have kept it for LEASE_MS)
      const b = await nodes.start(env);
      const startedAt = Date.now();
      const done = await importFinished(b, key, id, 240_000);
      expect(done).toMatchObject({ status: 'completed', runs: 2, orderCount: ORDERS, progress: { done: ORDERS, total: ORDERS } });
      const orders = await db.collection<{ externalId: string; importBatch?: string }>('orders').find({}, { projection: { externalId: 1, importBatch: 1 } }).toArray();
      expect(orders).toHaveLength(ORDERS);
      expect(orders.every((o) => o.importBatch === id)).toBe(true);
      expect(new Set(orders.map((o) => o.externalId))).toEqual(new Set(refs));
      expect(await db.collection('orderKeys').countDocuments({})).toBe(ORDERS);
      // B started committing at once: its run began before A's lease could have run out
      const run2 = await db.collection('claims').findOne({ _id: `import:${id}:2` as never });
      expect(run2!.at.getTime()).toBeLessThan(startedAt + LEASE_MS / 2);
    } finally {
      await db.close();
    }
  });
});
