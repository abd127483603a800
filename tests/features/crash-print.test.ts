/**
 * Crash during a batch print: two nodes on one database; a batch of 150 orders is printing on node
 * A (real chromium, chunks of 10) when A is killed with SIGKILL. Node B takes the batch over once
 * A's heartbeat stops: the batch completes, its one PDF holds every order exactly once and in the
 * requested order, and the takeover is counted (runs: 2).
 */
import { Types } from 'mongoose';
import { connectDatabase } from '../../server/db/connection';
import { until, useCrashNodes } from '../helpers/child-ordo';
import { BinaryClient, insertOrders, makeOrder, pdfText } from '../helpers/print';
import { ADMIN, ApiClient } from '../helpers/server';

jest.setTimeout(240_000);

const ORDERS = 150;

describe('a node killed during a batch print', () => {
  const nodes = useCrashNodes('crash_print');

  it('given a batch printing on one node, when that node is killed with SIGKILL, then the other node completes it with every document exactly once', async () => {
    const db = await connectDatabase(nodes.uri);
    try {
      const orders = Array.from({ length: ORDERS }, (_, i) => makeOrder(i));
      await insertOrders(db, orders);
      const env = { PRINT_CHUNK_SIZE: '10' };
      const [a, b] = await Promise.all([nodes.start(env), nodes.start(env)]);
      const onA = await new ApiClient(a.url).login(ADMIN.email, ADMIN.password);
      const started = await onA.post('/api/print/batches', { templateKey: 'packing-slip', orderIds: orders.map((o) => o.number) });
      expect(started.status).toBe(202);
      const id = started.body.id as string;

      // the first chunks are printed: freeze A, confirm the batch is half-way, then kill it
      await until('the first printed chunk', async () => (await onA.get(`/api/print/jobs/${id}`)).body.progress.done > 0, 120_000, 100);
      a.proc.kill('SIGSTOP');
      const frozen = await db.collection('printJobs').findOne({ _id: new Types.ObjectId(id) });
      expect(frozen).toMatchObject({ status: 'running', runs: 1 });
      expect(frozen!.progress.done).toBeGreaterThan(0);
      expect(frozen!.progress.done).toBeLessThan(ORDERS);
      await a.stop('SIGKILL');

      const onB = await new ApiClient(b.url).login(ADMIN.email, ADMIN.password);
      const job = await until(
        'the batch to finish on the other node',
        async () => {
          const res = await onB.get(`/api/print/jobs/${id}`);
          return res.status !== 200 || res.body.status === 'queued' || res.body.status === 'running' ? undefined : res.body;
        },
        180_000,
        500,
      );
      expect(job).toMatchObject({ status: 'completed', runs: 2, failures: [], progress: { done: ORDERS, total: ORDERS } });
      expect(job.orderNumbers).toEqual(orders.map((o) => o.number));

      // one PDF, every order exactly once and in order (the number on each page; a slip may run over two pages)
      const pdf = (await (await new BinaryClient(b.url).login(ADMIN.email, ADMIN.password)).bytes('GET', job.downloadUrl)).data;
      const perPage = pdfText(pdf)
        .split('\f')
        .map((page) => /SO-2026-\d{6}/.exec(page)?.[0])
        .filter((n): n is string => Boolean(n));
      const sequence = perPage.filter((n, i) => n !== perPage[i - 1]);
      expect(sequence).toEqual(orders.map((o) => o.number));

      // one job record, one stored file: the killed run left nothing behind
      expect(await db.collection('printJobs').countDocuments({ kind: 'batch' })).toBe(1);
      expect(await db.collection('printFiles.files').countDocuments({ 'metadata.jobId': id })).toBe(1);
    } finally {
      await db.close();
    }
  });
});
