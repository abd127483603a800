/**
 * Every supported BPMN element on a real .bpmn file (tests/fixtures/bpmn), run by the persisted
 * runtime on the real database: each step is a separate command on a saved state.
 */
import { useTestConnection } from '../helpers/db';
import { ConnectorError, BpmnError } from '../../connectors/sdk/errors';
import { SYSTEM_ACTOR, type WorkflowRuntime } from '../../engine';
import { newRuntime, fixture, eventually, ADMIN_ACTOR, reviewer, type FunctionConnectors } from './engine-harness';

describe('engine elements, each on a real diagram', () => {
  const db = useTestConnection('engine_elements');
  let runtime: WorkflowRuntime;
  let connectors: FunctionConnectors;

  beforeAll(async () => {
    ({ runtime, connectors } = newRuntime(db.connection));
    connectors.fns.set('crm.lookup', async (input) => ({ tier: input.customerId === 'C-gold' ? 'gold' : 'basic', fields: input.fields }));
    connectors.fns.set('mail.send', async (input) => ({ messageId: `m-${String(input.to)}` }));
    let stock = 0;
    connectors.fns.set('inventory.reserve', async () => {
      if (stock-- <= 0) throw new BpmnError('OUT_OF_STOCK', 'no stock left');
      return { reserved: true };
    });
    await runtime.start();
    for (const f of ['message-start', 'timer-start', 'error-end', 'terminate-end', 'message-end', 'message-receiver', 'service-rule', 'send-receive', 'gateways', 'event-gateway', 'catch-events', 'boundary-timers', 'boundary-error', 'subprocess', 'child-v1']) {
      await runtime.deploy({ xml: fixture(`${f}.bpmn`), actor: SYSTEM_ACTOR });
    }
  });
  afterAll(() => runtime.stop());

  const openTask = async (instanceId: string) => {
    const { items } = await runtime.tasks.list({ queue: 'all', instanceId }, ADMIN_ACTOR);
    return items;
  };
  const finished = (id: string, status = 'completed') => eventually(async () => ((await runtime.getInstance(id)).status === status ? runtime.getInstance(id) : null));

  it('none start / none end: a started instance runs to its first wait and is persisted there', async () => {
    const inst = await runtime.startInstance({ processKey: 'terminateEnd', businessKey: 'N-1' });
    expect(inst).toMatchObject({ status: 'completed' });
    expect(inst.path.elements).toEqual(expect.arrayContaining(['start', 'split', 'stop']));
  });

  it('message start: POST-ing the message creates an instance that ran its start event', async () => {
    const res = await runtime.correlateMessage({ name: 'order.received', businessKey: 'MS-1', variables: { source: 'edi' } });
    expect(res.result).toBe('started');
    const inst = await runtime.getInstance(res.instanceId!);
    expect(inst).toMatchObject({ processKey: 'msgStart', businessKey: 'MS-1', status: 'waiting', tokens: ['wait'] });
    expect(inst.variables).toMatchObject({ source: 'edi', started: 'by-message' });
    await expect(runtime.startInstance({ processKey: 'msgStart' })).rejects.toMatchObject({ status: 422 });
  });

  it('timer start: the deployed schedule starts an instance when the timer falls due; started by the API it runs at once', async () => {
    const scheduled = await eventually(async () => (await runtime.listInstances({ processKey: 'timerStart', status: 'completed' })).items[0]);
    const history = await runtime.getHistory(scheduled.id);
    expect(history.find((h) => h.type === 'instance.started')?.data).toMatchObject({ timerStart: 'start', occurrence: 1 });
    expect((await runtime.getInstance(scheduled.id)).variables).toMatchObject({ fired: 'yes' });
    expect((await runtime.getSchedule('timerStart')).timerStarts[0]).toMatchObject({ type: 'timeDuration', state: 'done', fired: 1 });
    const inst = await runtime.startInstance({ processKey: 'timerStart' });
    expect(inst.status).toBe('completed');
    expect(inst.variables).toMatchObject({ fired: 'yes' });
  });

  it('error end: the instance ends failed with the error code', async () => {
    const inst = await runtime.startInstance({ processKey: 'errorEnd' });
    expect(inst.status).toBe('failed');
    expect(inst.error).toMatchObject({ code: 'FATAL', activityId: 'end' });
  });

  it('terminate end: the parallel user task is cancelled when the terminate end event is reached', async () => {
    const inst = await runtime.startInstance({ processKey: 'terminateEnd' });
    expect(inst.status).toBe('completed');
    await eventually(async () => (await openTask(inst.id)).length === 0);
  });

  it('message end: the thrown message completes the receive task of the instance with the same business key', async () => {
    const receiver = await runtime.startInstance({ processKey: 'receiver', businessKey: 'SHIP-1' });
    expect(receiver).toMatchObject({ status: 'waiting', tokens: ['await'] });
    const sender = await runtime.startInstance({ processKey: 'messageEnd', businessKey: 'SHIP-1' });
    expect(sender.status).toBe('completed');
    await finished(receiver.id);
  });

  it('service task (connector with input/output mapping) and business-rule task (json-rules-engine) decide the exclusive gateway', async () => {
    const approved = await runtime.startInstance({ processKey: 'serviceRule', variables: { customerId: 'C-gold', total: 200 } });
    expect(approved.status).toBe('completed');
    expect(approved.variables).toMatchObject({ tier: 'gold', review: { decision: 'approve', reason: 'OK', ruleSet: { key: 'review', version: 1 } } });
    expect(approved.path.flows).toContain('fApprove');
    const call = connectors.calls.find((c) => c.id === 'crm.lookup' && c.ctx.instanceId === approved.id)!;
    expect(call.input).toEqual({ customerId: 'C-gold', fields: ['tier', 'credit'] });
    expect(call.ctx).toMatchObject({ activityId: 'lookup', attempt: 1 });

    const rejected = await runtime.startInstance({ processKey: 'serviceRule', variables: { customerId: 'C-1', total: 0 } });
    expect(rejected.path.flows).toContain('fReject');
    const manual = await runtime.startInstance({ processKey: 'serviceRule', variables: { customerId: 'C-1', total: 5000 } });
    expect(manual).toMatchObject({ status: 'waiting', tokens: ['manual'] });
    const history = await runtime.getHistory(manual.id);
    expect(history.find((h) => h.type === 'decision')).toMatchObject({ elementId: 'review', data: { outcome: { decision: 'manual', reason: 'HIGH_VALUE' } } });
  });

  it('user task: a task document with candidates, form, priority and due date; completing it merges the form data', async () => {
    await runtime.deploy({ xml: fixture('user-task.bpmn'), actor: SYSTEM_ACTOR });
    const inst = await runtime.startInstance({ processKey: 'approval', variables: { orderId: 'SO-9' } });
    const [task] = await openTask(inst.id);
    expect(task).toMatchObject({ activityId: 'approve', name: 'Approve order', candidateGroups: ['reviewers'], formKey: 'approve', priority: 70, status: 'open' });
    const dueIn = new Date(task.dueAt!).getTime() - new Date(task.createdAt).getTime();
    expect(dueIn).toBe(2 * 24 * 3600_000);
    await expect(runtime.tasks.complete(task.id, { approved: 'yes' }, reviewer('r1'))).rejects.toMatchObject({ status: 400, issues: [{ path: 'approved', message: expect.any(String) }] });
    await runtime.tasks.complete(task.id, { approved: false, comment: 'too expensive' }, reviewer('r1'));
    const done = await runtime.getInstance(inst.id);
    expect(done).toMatchObject({ status: 'completed', variables: { approved: false, comment: 'too expensive' } });
    expect(done.path.flows).toContain('fNo');
  });

  it('send task and receive task: the send task calls its connector, the receive task waits for the message', async () => {
    const inst = await runtime.startInstance({ processKey: 'sendReceive', businessKey: 'PAY-1', variables: { email: 'a@b.c' } });
    expect(inst).toMatchObject({ status: 'waiting', tokens: ['receive'], variables: { sent: { messageId: 'm-a@b.c' } } });
    const res = await runtime.correlateMessage({ name: 'payment.received', businessKey: 'PAY-1', variables: { paid: 42 } });
    expect(res).toEqual({ result: 'correlated', instanceId: inst.id });
    expect(await runtime.getInstance(inst.id)).toMatchObject({ status: 'completed', variables: { paid: 42 } });
  });

  it('parallel split and join, then an inclusive split that takes every branch whose condition holds', async () => {
    const inst = await runtime.startInstance({ processKey: 'gateways' });
    expect(inst.status).toBe('completed');
    expect(inst.variables).toMatchObject({ a: '1', b: '1' });
    expect(inst.path.flows).toEqual(expect.arrayContaining(['f2', 'f3', 'f4', 'f5', 'c1', 'c3']));
    expect(inst.path.flows).not.toContain('c2');
    expect(inst.path.elements).toEqual(expect.arrayContaining(['e1', 'e3']));
    expect(inst.path.elements).not.toContain('e2');
  });

  it('event-based gateway: the message wins in one instance, the timer in the other', async () => {
    const a = await runtime.startInstance({ processKey: 'eventGateway', businessKey: 'EG-A' });
    const b = await runtime.startInstance({ processKey: 'eventGateway', businessKey: 'EG-B' });
    expect(a.waits.map((w) => w.kind).sort()).toEqual(['message', 'timer']);
    await runtime.correlateMessage({ name: 'go', businessKey: 'EG-A' });
    const doneA = await finished(a.id);
    expect(doneA.path.elements).toContain('endMessage');
    expect(doneA.path.elements).not.toContain('endTimeout');
    const doneB = await finished(b.id);
    expect(doneB.path.elements).toContain('endTimeout');
    // the timer of A was dropped with the gateway: no job is left
    await new Promise((r) => setTimeout(r, 600));
    expect((await runtime.getHistory(a.id)).filter((h) => h.type === 'timer.fired')).toHaveLength(0);
  });

  it('intermediate timer, message and signal catch events, one after the other', async () => {
    const inst = await runtime.startInstance({ processKey: 'catchEvents', businessKey: 'CE-1' });
    expect(inst.waits).toEqual([expect.objectContaining({ kind: 'timer', activityId: 'pause' })]);
    await expect(runtime.correlateMessage({ name: 'continue', businessKey: 'CE-1' })).rejects.toMatchObject({ status: 404 });
    await eventually(async () => (await runtime.getInstance(inst.id)).tokens.includes('onMessage'));
    await runtime.correlateMessage({ name: 'continue', businessKey: 'CE-1' });
    expect((await runtime.getInstance(inst.id)).tokens).toEqual(['onSignal']);
    const sent = await runtime.broadcastSignal({ name: 'all-clear' });
    expect(sent.instanceIds).toContain(inst.id);
    expect((await runtime.getInstance(inst.id)).status).toBe('completed');
  });

  it('boundary timers: the non-interrupting one sends a reminder and the task stays; the interrupting one cancels the task', async () => {
    const inst = await runtime.startInstance({ processKey: 'boundaryTimers' });
    const [task] = await openTask(inst.id);
    const done = await finished(inst.id);
    expect(done.path.elements).toEqual(expect.arrayContaining(['remind', 'note', 'endReminded', 'escalate', 'endEscalated']));
    expect(done.path.elements).not.toContain('endDone');
    // history rows are written just after the instance save: wait until the last one is there
    const history = await eventually(async () => {
      const h = await runtime.getHistory(inst.id);
      return h.filter((e) => e.type === 'timer.fired').length >= 2 ? h : undefined;
    });
    expect(history.find((h) => h.type === 'note')).toMatchObject({ data: { message: 'reminder sent' } });
    expect(history.filter((h) => h.type === 'timer.fired').map((h) => h.elementId).sort()).toEqual(['escalate', 'remind']);
    // the task document follows the saved instance
    await eventually(async () => (await runtime.tasks.get(task.id, ADMIN_ACTOR)).status === 'cancelled');
  });

  it('boundary error: a BPMN error from the connector takes the error path, without retries', async () => {
    const inst = await runtime.startInstance({ processKey: 'boundaryError' });
    expect(inst).toMatchObject({ status: 'completed', variables: { backorder: 'true' } });
    expect(inst.path.elements).toContain('endBackorder');
    expect(connectors.calls.filter((c) => c.id === 'inventory.reserve' && c.ctx.instanceId === inst.id)).toHaveLength(1);
  });

  it('embedded sub-process: its user task waits inside it, and variables set inside are visible after it', async () => {
    const inst = await runtime.startInstance({ processKey: 'subprocess' });
    expect(inst.tokens.sort()).toEqual(['pick', 'sub']);
    const [task] = await openTask(inst.id);
    await runtime.tasks.complete(task.id, { note: 'all there' }, ADMIN_ACTOR);
    expect(await runtime.getInstance(inst.id)).toMatchObject({ status: 'completed', variables: { note: 'all there', checked: 'all there', after: 'all there' } });
  });

  it('call activity: the latest version and a pinned version of the called process run as child instances', async () => {
    await runtime.deploy({ xml: fixture('child-v2.bpmn'), actor: SYSTEM_ACTOR });
    await runtime.deploy({ xml: fixture('call-parent.bpmn'), actor: SYSTEM_ACTOR });
    const parent = await runtime.startInstance({ processKey: 'callParent', businessKey: 'CALL-1', variables: { orderId: 'SO-77' } });
    const done = await finished(parent.id);
    expect(done.variables).toMatchObject({ latestVersion: '2', pinnedVersion: '1', seenOrder: 'SO-77' });
    const children = await runtime.listInstances({ processKey: 'child', businessKey: 'CALL-1' });
    expect(children.items.map((c) => c.version).sort()).toEqual([1, 2]);
  });

  it('refuses a connector failure that is not retryable: an incident opens at once', async () => {
    connectors.fns.set('crm.lookup', async () => {
      throw new ConnectorError('customer API says 400', { retryable: false });
    });
    const inst = await runtime.startInstance({ processKey: 'serviceRule', variables: { customerId: 'X' } });
    expect(inst).toMatchObject({ status: 'running', incident: true, incidentActivities: ['lookup'] });
    const incidents = await runtime.listIncidents({ instanceId: inst.id });
    expect(incidents).toEqual([expect.objectContaining({ activityId: 'lookup', status: 'open', attempts: 1, message: 'customer API says 400' })]);
  });
});
