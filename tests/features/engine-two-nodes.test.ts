/**
 * Two runtime processes on one database complete 1,000 instances of a flow with a timer and a
 * service task: each node starts half, either node's poller fires the timers, and every instance
 * is advanced once (one service run, one timer firing, one completion).
 */
import { useTestConnection } from '../helpers/db';
import { SYSTEM_ACTOR } from '../../engine';
import { newRuntime, fixture, runEngineNode } from './engine-harness';

const TOTAL = 1000;

describe('engine: two node processes, 1,000 instances', () => {
  const db = useTestConnection('engine_two_nodes');
  const raw = (name: string) => db.connection.collection(name);

  it(`given two runtime processes on one database, when each starts ${TOTAL / 2} timer + service instances, then all ${TOTAL} complete and each step ran exactly once`, async () => {
    const { runtime, connectors } = newRuntime(db.connection);
    connectors.fns.set('test.count', async () => ({}));
    await runtime.deploy({ xml: fixture('load-flow.bpmn'), actor: SYSTEM_ACTOR });

    const common = { ENGINE_NODE_DB: db.uri, ENGINE_NODE_MODE: 'serve', ENGINE_NODE_COUNT: String(TOTAL / 2), ENGINE_NODE_LEASE_MS: '15000', ENGINE_NODE_POLL_MS: '300' };
    const nodes = [runEngineNode({ ...common, ENGINE_NODE_ID: 'node-a', ENGINE_NODE_PREFIX: 'A' }), runEngineNode({ ...common, ENGINE_NODE_ID: 'node-b', ENGINE_NODE_PREFIX: 'B' })];
    try {
      const deadline = Date.now() + 20 * 60_000;
      for (;;) {
        const completed = await raw('instances').countDocuments({ status: 'completed' });
        if (completed >= TOTAL) break;
        if (Date.now() > deadline) throw new Error(`only ${completed} of ${TOTAL} completed in time`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    } finally {
      for (const n of nodes) n.kill('SIGTERM');
    }
    const ends = await Promise.all(nodes.map((n) => n.done));
    for (const e of ends) expect(e.output).toContain(`STARTED ${TOTAL / 2}`);

    const instances = await raw('instances').find({}, { projection: { _id: 1, status: 1, businessKey: 1, rev: 1, plan: 1 } }).toArray();
    expect(instances).toHaveLength(TOTAL);
    expect(new Set(instances.map((i) => i.businessKey)).size).toBe(TOTAL);
    expect(instances.every((i) => i.status === 'completed')).toBe(true);
    // every service step once (a second run would be in duplicates), every timer fired and every instance completed once
    expect(await raw('effects').countDocuments({})).toBe(TOTAL);
    expect(await raw('duplicates').countDocuments({})).toBe(0);
    const counted = ['timer.fired', 'instance.completed', 'instance.started'];
    const rows = await raw('history').find({ type: { $in: counted } }, { projection: { instanceId: 1, type: 1 } }).toArray();
    // the last save's rows are in the instance document until a next save (AfterSavePlan.recent): counted from there too
    for (const i of instances) {
      const plan = JSON.parse(i.plan as string) as { rev: number; recent?: Array<{ instanceId: string; type: string }> };
      if (plan.rev === i.rev) rows.push(...(plan.recent ?? []).filter((r) => counted.includes(r.type)).map((r) => ({ _id: i._id, instanceId: r.instanceId, type: r.type })));
    }
    const per = new Map<string, Record<string, number>>();
    for (const r of rows) {
      const m = per.get(r.instanceId) ?? {};
      m[r.type] = (m[r.type] ?? 0) + 1;
      per.set(r.instanceId, m);
    }
    expect(per.size).toBe(TOTAL);
    for (const counts of per.values()) expect(counts).toEqual({ 'instance.started': 1, 'timer.fired': 1, 'instance.completed': 1 });
    // both nodes did part of the work
    const byNode = await raw('effects').aggregate([{ $group: { _id: '$node', n: { $sum: 1 } } }]).toArray();
    expect(byNode.map((b) => b._id).sort()).toEqual(['node-a', 'node-b']);
  }, 21 * 60_000);
});
