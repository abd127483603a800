/**
 * Service failures: retries with growing, never-zero delays counted in the database, then an
 * incident an admin fixes (variables) and retries, or cancels; refused commands on finished
 * instances and stale task executions.
 */
import { useTestConnection } from '../helpers/db';
import { ConnectorError } from '../../connectors/sdk/errors';
import { SYSTEM_ACTOR, type WorkflowRuntime } from '../../engine';
import { newRuntime, fixture, eventually, ADMIN_ACTOR, FunctionConnectors } from './engine-harness';

describe('engine retries, incidents and operations', () => {
  const db = useTestConnection('engine_retries');
  const connectors = new FunctionConnectors();
  const attempts: Array<{ at: number; attempt: number; instanceId: string; key: string }> = [];
  let failUntil = new Map<string, number>();
  connectors.fns.set('flaky.call', async (input, ctx) => {
    attempts.push({ at: Date.now(), attempt: ctx.attempt, instanceId: ctx.instanceId, key: ctx.idempotencyKey });
    if (input.fixed === true) return { ok: 'fixed' };
    const limit = failUntil.get(ctx.instanceId) ?? Infinity;
    if (ctx.attempt < limit) throw new ConnectorError('upstream 503', { retryable: true });
    return { ok: ctx.attempt };
  });
  connectors.fns.set('test.count', async () => ({ counted: true }));
  let runtime: WorkflowRuntime;
  beforeAll(async () => {
    ({ runtime } = newRuntime(db.connection, { connectors, retry: { baseMs: 150, maxMs: 2000 } }));
    await runtime.start();
    await runtime.deploy({ xml: fixture('retry.bpmn'), actor: SYSTEM_ACTOR });
    await runtime.deploy({ xml: fixture('task-count.bpmn'), actor: SYSTEM_ACTOR });
  });
  afterAll(() => runtime.stop());

  it('given a connector that fails twice, then it is retried with growing delays and the instance completes on the third attempt', async () => {
    const inst = await runtime.startInstance({ processKey: 'retry' });
    failUntil.set(inst.id, 3);
    // the first attempt already failed inside startInstance: the instance waits for its retry job
    expect(inst).toMatchObject({ status: 'running', incident: false, retries: [{ activityId: 'call', dueAt: expect.any(String) }] });
    const done = await eventually(async () => ((await runtime.getInstance(inst.id)).status === 'completed' ? runtime.getInstance(inst.id) : null));
    expect(done.variables).toMatchObject({ answer: { ok: 3 } });
    const mine = attempts.filter((a) => a.instanceId === inst.id);
    expect(mine.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // one idempotency key for all attempts of the same task execution
    expect(new Set(mine.map((a) => a.key)).size).toBe(1);
    const gap1 = mine[1].at - mine[0].at;
    const gap2 = mine[2].at - mine[1].at;
    expect(gap1).toBeGreaterThanOrEqual(150 * 0.8);
    expect(gap2).toBeGreaterThanOrEqual(300 * 0.8);
    const history = await runtime.getHistory(inst.id);
    expect(history.filter((h) => h.type === 'service.failed')).toHaveLength(2);
  });

  it('given a connector that keeps failing, then after ordo:retries attempts an incident opens; an admin fixes a variable and retries, and the instance completes', async () => {
    const inst = await runtime.startInstance({ processKey: 'retry' });
    const withIncident = await eventually(async () => ((await runtime.getInstance(inst.id)).incident ? runtime.getInstance(inst.id) : null));
    expect(withIncident).toMatchObject({ status: 'running', incidentActivities: ['call'], tokens: ['call'] });
    expect(attempts.filter((a) => a.instanceId === inst.id)).toHaveLength(3);
    // the incident document follows the saved instance
    const [incident] = await eventually(async () => {
      const open = await runtime.listIncidents({ instanceId: inst.id, status: 'open' });
      return open.length ? open : null;
    });
    expect(incident).toMatchObject({ activityId: 'call', kind: 'service', attempts: 3, message: 'upstream 503' });
    // no further attempts while the incident is open
    await new Promise((r) => setTimeout(r, 500));
    expect(attempts.filter((a) => a.instanceId === inst.id)).toHaveLength(3);

    const after = await runtime.retryIncident(incident.id, { variables: { fixed: true }, actor: ADMIN_ACTOR });
    expect(after).toMatchObject({ status: 'completed', incident: false, variables: { fixed: true, answer: { ok: 'fixed' } } });
    expect((await runtime.listIncidents({ instanceId: inst.id }))[0]).toMatchObject({ status: 'resolved', resolution: 'retried' });
    await expect(runtime.retryIncident(incident.id, { actor: ADMIN_ACTOR })).rejects.toMatchObject({ status: 409 });
  });

  it('given an instance with an incident, when the admin cancels it, then it is cancelled, its jobs are gone and further commands answer 409', async () => {
    const inst = await runtime.startInstance({ processKey: 'retry' });
    await eventually(async () => (await runtime.getInstance(inst.id)).incident);
    const cancelled = await runtime.cancelInstance(inst.id, ADMIN_ACTOR, 'customer withdrew');
    expect(cancelled).toMatchObject({ status: 'cancelled', incident: false, tokens: [] });
    expect(await db.connection.db!.collection('jobs').countDocuments({ instanceId: inst.id })).toBe(0);
    expect((await runtime.listIncidents({ instanceId: inst.id }))[0]).toMatchObject({ status: 'resolved', resolution: 'cancelled' });
    await expect(runtime.cancelInstance(inst.id, ADMIN_ACTOR)).rejects.toMatchObject({ status: 409 });
    await expect(runtime.setVariables(inst.id, { x: 1 }, ADMIN_ACTOR)).rejects.toMatchObject({ status: 409 });
  });

  it('refuses to signal a finished instance, to complete a task twice, and rejects a stale execution id', async () => {
    const inst = await runtime.startInstance({ processKey: 'taskCount' });
    const [task] = (await runtime.tasks.list({ queue: 'all', instanceId: inst.id }, ADMIN_ACTOR)).items;
    await expect(runtime.command(inst.id, { kind: 'completeTask', activityId: 'approve', executionId: 'approve_stale', data: {}, actor: SYSTEM_ACTOR })).rejects.toMatchObject({ status: 409 });
    await expect(runtime.command(inst.id, { kind: 'completeTask', activityId: 'count', executionId: task.id.split(':')[1], data: {}, actor: SYSTEM_ACTOR })).rejects.toMatchObject({ status: 409 });
    await runtime.tasks.complete(task.id, { approved: true }, ADMIN_ACTOR);
    await expect(runtime.tasks.complete(task.id, { approved: true }, ADMIN_ACTOR)).rejects.toMatchObject({ status: 409 });
    await expect(runtime.correlateMessage({ name: 'anything', instanceId: inst.id })).rejects.toMatchObject({ status: 409 });
    await expect(runtime.command(inst.id, { kind: 'signal', name: 'x', variables: {}, actor: SYSTEM_ACTOR })).rejects.toMatchObject({ status: 409 });
  });

  it('lets an admin change variables of a waiting instance: they reach the engine state and the next steps', async () => {
    const inst = await runtime.startInstance({ processKey: 'taskCount', variables: { priority: 'low' } });
    const changed = await runtime.setVariables(inst.id, { priority: 'high' }, ADMIN_ACTOR);
    expect(changed.variables).toMatchObject({ priority: 'high' });
    const [task] = (await runtime.tasks.list({ queue: 'all', instanceId: inst.id }, ADMIN_ACTOR)).items;
    await runtime.tasks.complete(task.id, { approved: true }, ADMIN_ACTOR);
    expect((await runtime.getInstance(inst.id)).variables).toMatchObject({ priority: 'high', approved: true });
    expect((await runtime.getHistory(inst.id)).some((h) => h.type === 'variables.changed' && h.actor?.label === ADMIN_ACTOR.label)).toBe(true);
  });

  afterAll(() => {
    failUntil = new Map();
  });
});
