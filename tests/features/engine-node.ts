/**
 * A workflow runtime node as its own process, for crash and multi-node engine tests
 * (tests/features/engine-crash-window.test.ts, engine-two-nodes.test.ts). Driven by env:
 *   ENGINE_NODE_DB    the test database URI        ENGINE_NODE_ID   this node's id
 *   ENGINE_NODE_LEASE_MS, ENGINE_NODE_POLL_MS  (default 3000 and 100)
 *   ENGINE_NODE_MODE  kill-after-start: start one taskCount instance (business key ENGINE_NODE_KEY, default
 *                     CRASH-1), SIGKILL itself right after its save
 *                     kill-after-complete: complete the open task of ENGINE_NODE_INSTANCE, SIGKILL right after the save
 *                     serve: run the poller; start ENGINE_NODE_COUNT loadFlow instances (ENGINE_NODE_PREFIX-n); print
 *                     "STARTED <n>" when they are started; stop on SIGTERM
 * The service handler test.count records each run in the `effects` collection (a second run of one
 * instance's step lands in `duplicates`).
 */
import { connectDatabase } from '../../server/db/connection';
import { isDuplicateKey } from '../../engine/persistence/store';
import { newRuntime, FunctionConnectors, ADMIN_ACTOR } from './engine-harness';

async function main() {
  const env = process.env;
  const connection = await connectDatabase(env.ENGINE_NODE_DB!);
  const effects = connection.collection('effects');
  const duplicates = connection.collection('duplicates');
  const connectors = new FunctionConnectors();
  connectors.fns.set('test.count', async (_input, ctx) => {
    try {
      await effects.insertOne({ _id: `${ctx.instanceId}:${ctx.activityId}` as never, node: env.ENGINE_NODE_ID, at: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await duplicates.insertOne({ key: `${ctx.instanceId}:${ctx.activityId}`, node: env.ENGINE_NODE_ID, at: new Date() });
    }
    return { counted: true };
  });
  const mode = env.ENGINE_NODE_MODE;
  const kill = mode === 'kill-after-start' ? 'start' : mode === 'kill-after-complete' ? 'completeTask' : null;
  const { runtime } = newRuntime(connection, {
    connectors,
    nodeId: env.ENGINE_NODE_ID,
    leaseMs: Number(env.ENGINE_NODE_LEASE_MS ?? 3000),
    pollIntervalMs: Number(env.ENGINE_NODE_POLL_MS ?? 100),
    faults: kill ? { afterInstanceSave: (_saved, command) => void (command.kind === kill && process.kill(process.pid, 'SIGKILL')) } : undefined,
  });
  await runtime.init();
  if (mode === 'kill-after-start') {
    await runtime.startInstance({ processKey: 'taskCount', businessKey: env.ENGINE_NODE_KEY ?? 'CRASH-1' });
  } else if (mode === 'kill-after-complete') {
    const { items } = await runtime.tasks.list({ queue: 'all', instanceId: env.ENGINE_NODE_INSTANCE }, ADMIN_ACTOR);
    await runtime.tasks.complete(items[0].id, { approved: true }, ADMIN_ACTOR);
  } else if (mode === 'serve') {
    await runtime.start();
    const count = Number(env.ENGINE_NODE_COUNT ?? 0);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) await runtime.startInstance({ processKey: 'loadFlow', businessKey: `${env.ENGINE_NODE_PREFIX}-${i}` });
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    process.stdout.write(`STARTED ${count}\n`);
    await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
    await runtime.stop();
  }
  await connection.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`engine node failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
