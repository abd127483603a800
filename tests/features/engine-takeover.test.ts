/**
 * A lease that expired while its holder was stalled: another node supersedes it and advances the
 * instance; the stalled holder, waking up, must not write its own advance over it. The instance
 * save filters by _id alone (FerretDB pushes down nothing else), so what stops it is the commit
 * marker (persistence/locks.ts commit): generation gen+1 of the revision, which is the lock of the
 * node that superseded it.
 */
import { useTestConnection } from '../helpers/db';
import { SYSTEM_ACTOR } from '../../engine';
import { ConflictError } from '../../workflows/model/errors';
import { newRuntime, fixture, eventually, ADMIN_ACTOR, FunctionConnectors } from './engine-harness';

describe('engine: a stalled lease holder after a takeover', () => {
  const db = useTestConnection('engine_takeover');

  it('given a node stalled in a service step past its lease and another node that completed the step meanwhile, when the stalled node wakes, then its save is refused and the instance advanced once', async () => {
    const connectors = new FunctionConnectors();
    let wake!: () => void;
    const stalled = new Promise<void>((resolve) => (wake = resolve));
    let runs = 0;
    connectors.fns.set('test.count', async () => {
      // the first run (on the stalled node) hangs until the test wakes it; the second one answers at once
      if (++runs === 1) await stalled;
      return { counted: runs };
    });
    // a 300 ms lease, renewed only after a second: it expires while the first node waits
    const first = newRuntime(db.connection, { connectors, nodeId: 'stalled', leaseMs: 300 }).runtime;
    const second = newRuntime(db.connection, { connectors, nodeId: 'successor', leaseMs: 300 }).runtime;
    await first.deploy({ xml: fixture('task-count.bpmn'), actor: SYSTEM_ACTOR });
    const inst = await first.startInstance({ processKey: 'taskCount', businessKey: 'TAKEOVER-1' });
    const { items } = await first.tasks.list({ queue: 'all', instanceId: inst.id }, ADMIN_ACTOR);

    const late = first.tasks.complete(items[0].id, { approved: true }, ADMIN_ACTOR).then(
      () => null,
      (err: unknown) => err,
    );
    await eventually(async () => runs === 1);
    await new Promise((r) => setTimeout(r, 500));
    await second.tasks.complete(items[0].id, { approved: false }, ADMIN_ACTOR);
    expect(await second.getInstance(inst.id)).toMatchObject({ status: 'completed' });
    wake();

    expect(await late).toBeInstanceOf(ConflictError);
    const saved = (await db.connection.collection('instances').findOne({ _id: inst.id as never }))!;
    expect(saved).toMatchObject({ status: 'completed', rev: 2 });
    expect(JSON.parse(saved.variables as string)).toMatchObject({ approved: false });
    const history = await second.getHistory(inst.id);
    for (const type of ['task.completed', 'instance.completed'] as const) expect(history.filter((h) => h.type === type)).toHaveLength(1);
    expect(runs).toBe(2);
  });
});
