/**
 * Call activities hear about their child's failure: an error end event in the child is a BPMN
 * error of the call activity (its boundary event takes it); an uncaught error end or an incident in
 * the child opens an incident on the call activity, which resolves when the child completes after
 * its own retry, or starts the child again when retried on the parent.
 */
import { useTestConnection } from '../helpers/db';
import { ConnectorError } from '../../connectors/sdk/errors';
import { SYSTEM_ACTOR, type WorkflowRuntime } from '../../engine';
import { newRuntime, fixture, eventually, ADMIN_ACTOR, type FunctionConnectors } from './engine-harness';

describe('engine call activities: a failing child', () => {
  const db = useTestConnection('engine_call_failures');
  let runtime: WorkflowRuntime;
  let connectors: FunctionConnectors;
  let workFails = true;

  beforeAll(async () => {
    ({ runtime, connectors } = newRuntime(db.connection));
    connectors.fns.set('test.work', async () => {
      if (workFails) throw new ConnectorError('warehouse API answers 400', { retryable: false });
      return { done: true };
    });
    await runtime.start();
    for (const f of ['failing-child', 'call-catching-parent', 'call-plain-parent']) await runtime.deploy({ xml: fixture(`${f}.bpmn`), actor: SYSTEM_ACTOR });
  });
  afterAll(() => runtime.stop());

  const childOf = async (parentId: string, n = 1) =>
    eventually(async () => {
      const { items } = await runtime.listInstances({ processKey: 'failingChild' });
      const mine = [];
      for (const i of items) if ((await runtime.getInstance(i.id)).parent?.instanceId === parentId) mine.push(await runtime.getInstance(i.id));
      return mine.length >= n ? mine : null;
    });
  const parentIncident = async (parentId: string) => eventually(async () => (await runtime.listIncidents({ instanceId: parentId, status: 'open' }))[0]);

  it('given a child that ends at an error end event, when the call activity has a boundary event for that code, then the parent takes the error path', async () => {
    const parent = await runtime.startInstance({ processKey: 'catchingParent', businessKey: 'CALL-ERR-1', variables: { mode: 'error' } });
    const done = await eventually(async () => ((await runtime.getInstance(parent.id)).status === 'completed' ? runtime.getInstance(parent.id) : null));
    expect(done.variables).toMatchObject({ handled: 'rejected' });
    expect(done.path.elements).toEqual(expect.arrayContaining(['childRejected', 'markRejected', 'endRejected']));
    expect(done.path.elements).not.toContain('end');
    const [child] = await childOf(parent.id);
    expect(child).toMatchObject({ status: 'failed', error: { code: 'CHILD_REJECTED' } });
    expect(await runtime.listIncidents({ instanceId: parent.id })).toEqual([]);
  });

  it('given a child that ends at an error end event nobody catches, then the call activity gets an incident; retried on the parent with fixed variables, a new child runs and the parent completes', async () => {
    const parent = await runtime.startInstance({ processKey: 'plainParent', businessKey: 'CALL-ERR-2', variables: { mode: 'error' } });
    const incident = await parentIncident(parent.id);
    expect(incident).toMatchObject({ kind: 'call', activityId: 'callChild', status: 'open', message: expect.stringMatching(/uncaught error CHILD_REJECTED/) });
    expect(await runtime.getInstance(parent.id)).toMatchObject({ status: 'waiting', incident: true, incidentActivities: ['callChild'] });
    workFails = false;
    await runtime.retryIncident(incident.id, { variables: { mode: 'fine' }, actor: SYSTEM_ACTOR });
    const done = await eventually(async () => ((await runtime.getInstance(parent.id)).status === 'completed' ? runtime.getInstance(parent.id) : null));
    expect(done.incident).toBe(false);
    const children = await childOf(parent.id, 2);
    expect(children.map((c) => c.status).sort()).toEqual(['completed', 'failed']);
    expect((await runtime.listIncidents({ instanceId: parent.id }))[0]).toMatchObject({ status: 'resolved', resolution: 'retried' });
  });

  it('given a child whose service task opens an incident, then the call activity gets an incident that is retried in the child and resolves when the child completes', async () => {
    workFails = true;
    const parent = await runtime.startInstance({ processKey: 'plainParent', businessKey: 'CALL-INC-1', variables: { mode: 'work' } });
    const incident = await parentIncident(parent.id);
    expect(incident).toMatchObject({ kind: 'call', activityId: 'callChild', message: expect.stringMatching(/incident at work: warehouse API answers 400/) });
    const [child] = await childOf(parent.id);
    expect(child).toMatchObject({ status: 'running', incident: true });
    // retrying on the parent points to the child, which holds the real incident
    await expect(runtime.retryIncident(incident.id, { actor: SYSTEM_ACTOR })).rejects.toMatchObject({ status: 409, message: expect.stringContaining(child.id) });
    workFails = false;
    const [childIncident] = await runtime.listIncidents({ instanceId: child.id, status: 'open' });
    await runtime.retryIncident(childIncident.id, { actor: ADMIN_ACTOR });
    const done = await eventually(async () => ((await runtime.getInstance(parent.id)).status === 'completed' ? runtime.getInstance(parent.id) : null));
    expect(done).toMatchObject({ incident: false, incidentActivities: [] });
    expect(await eventually(async () => (await runtime.listIncidents({ instanceId: parent.id }))[0]?.status === 'resolved')).toBe(true);
    expect(await childOf(parent.id)).toHaveLength(1);
  });
});
