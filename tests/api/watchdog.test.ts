/**
 * The stuck-order watchdog lists flows without progress beyond their step's limit with a reason
 * an admin can act on: an unclaimed task, a message that never came, an incident. A task's own
 * due date (its step's SLA) decides before the global limit, in both directions.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunningOrdo } from '../../server/main';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://ordo.dev/test"';
/** waits at an unclaimed user task 'Pack order' for group warehouse (process wd-task) */
const WAITING_FOR_TASK = fs.readFileSync(path.join(__dirname, '../fixtures/bpmn/pack-task.bpmn'), 'utf8');
const WAITING_FOR_MESSAGE = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS}>
  <bpmn:message id="Paid" name="payment.received" />
  <bpmn:process id="wd-message" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="awaitPayment" />
    <bpmn:receiveTask id="awaitPayment" name="Await payment" messageRef="Paid" />
    <bpmn:sequenceFlow id="f2" sourceRef="awaitPayment" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

/** a service task allowed one attempt, calling a connector that answers 404: an incident at once (process wd-incident) */
const FAILING_CALL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} xmlns:ordo="http://ordo.dev/schema/bpmn/1.0">
  <bpmn:process id="wd-incident" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="confirm" />
    <bpmn:serviceTask id="confirm" name="Confirm with carrier" ordo:retries="1"><bpmn:extensionElements><camunda:connector><camunda:connectorId>wdcarrier.confirm</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="confirm" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
/** a user task with its own due date (camunda:dueDate: an ISO date or a duration from its creation) */
const taskDue = (id: string, dueDate: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS}>
  <bpmn:process id="${id}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pack" />
    <bpmn:userTask id="pack" name="Pack order" camunda:candidateGroups="warehouse" camunda:formKey="pack-order" camunda:dueDate="${dueDate}" />
    <bpmn:sequenceFlow id="f2" sourceRef="pack" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

interface Stuck {
  businessKey: string;
  overdueMinutes: number;
  reasons: Array<Record<string, unknown>>;
}
const byBusinessKey = (list: Stuck[]) => Object.fromEntries(list.map((s) => [s.businessKey, s]));

describe('stuck-order watchdog', () => {
  let ordo: RunningOrdo;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'watchdog' });
  });
  afterAll(() => ordo.close());

  it('given flows waiting for an unclaimed task and a message, when their limit has passed, then both are listed with the reason; within the limit nothing is', async () => {
    const admin = await adminClient(ordo);
    for (const xml of [WAITING_FOR_TASK, WAITING_FOR_MESSAGE]) expect((await admin.post('/api/workflows', { xml })).status).toBe(201);
    const a = await admin.post('/api/instances', { processKey: 'wd-task', businessKey: 'SO-2026-900001' });
    const b = await admin.post('/api/instances', { processKey: 'wd-message', businessKey: 'SO-2026-900002' });
    expect([a.status, b.status]).toEqual([201, 201]);

    const fresh = await admin.get('/api/operations/stuck');
    expect(fresh.status).toBe(200);
    expect(fresh.body.filter((s: { businessKey: string }) => s.businessKey?.startsWith('SO-2026-9000'))).toEqual([]);

    // a limit of zero minutes: every wait is past its limit
    const stuck = await admin.get('/api/operations/stuck?limitMinutes=0');
    const byKey = Object.fromEntries(stuck.body.map((s: { businessKey: string }) => [s.businessKey, s]));
    expect(byKey['SO-2026-900001'].reasons).toEqual([expect.objectContaining({ kind: 'task-unclaimed', task: 'Pack order', groups: ['warehouse'] })]);
    expect(byKey['SO-2026-900002'].reasons).toEqual([expect.objectContaining({ kind: 'message', message: 'payment.received' })]);
  });

  it('given a flow whose service task opened an incident, then it is listed at once with the incident, although the global limit has not passed', async () => {
    const admin = await adminClient(ordo);
    const connector = {
      id: 'wdcarrier',
      name: 'Carrier (answers 404)',
      baseUrl: ordo.url,
      allowNetworks: ['loopback'],
      retry: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 },
      operations: [{ id: 'confirm', name: 'Confirm', method: 'POST', path: '/api/no-such-carrier-endpoint', body: '{}' }],
    };
    expect((await admin.post('/api/connectors', connector)).status).toBe(201);
    expect((await admin.post('/api/workflows', { xml: FAILING_CALL })).status).toBe(201);
    const started = await admin.post('/api/instances', { processKey: 'wd-incident', businessKey: 'SO-2026-900010' });
    expect(started.status).toBe(201);
    const instance = (await admin.get(`/api/instances/${started.body.id}`)).body;
    expect(instance).toMatchObject({ status: 'running', incident: true });

    // the default limit (hours): the instance changed a moment ago, only its incident can list it
    const stuck = byBusinessKey((await admin.get('/api/operations/stuck')).body);
    expect(stuck['SO-2026-900010']?.reasons).toEqual([{ kind: 'incident', activityId: 'confirm', message: expect.stringMatching(/404/), since: expect.any(String) }]);
  });

  it("given tasks with their own due dates, then a task past its due date is listed within the global limit, and one before it is not, even past the global limit", async () => {
    const admin = await adminClient(ordo);
    expect((await admin.post('/api/workflows', { xml: taskDue('wd-overdue', '2026-01-01T08:00:00Z') })).status).toBe(201);
    expect((await admin.post('/api/workflows', { xml: taskDue('wd-in-time', 'P2D') })).status).toBe(201);
    const overdue = await admin.post('/api/instances', { processKey: 'wd-overdue', businessKey: 'SO-2026-900020' });
    const inTime = await admin.post('/api/instances', { processKey: 'wd-in-time', businessKey: 'SO-2026-900021' });
    expect([overdue.status, inTime.status]).toEqual([201, 201]);

    // the default global limit (hours) has not passed for either: the overdue task's own SLA lists it
    const withinLimit = byBusinessKey((await admin.get('/api/operations/stuck')).body);
    expect(withinLimit['SO-2026-900020']?.reasons).toEqual([expect.objectContaining({ kind: 'task-unclaimed', task: 'Pack order', dueAt: '2026-01-01T08:00:00.000Z' })]);
    // overdue since its due date, not since the instance last moved
    expect(withinLimit['SO-2026-900020'].overdueMinutes).toBeGreaterThanOrEqual(Math.floor((Date.now() - Date.parse('2026-01-01T08:00:00Z')) / 60_000) - 1);
    expect(withinLimit['SO-2026-900021']).toBeUndefined();

    // past the global limit (zero minutes), the task due in two days is still in time: its own SLA decides
    const pastLimit = byBusinessKey((await admin.get('/api/operations/stuck?limitMinutes=0')).body);
    expect(pastLimit['SO-2026-900021']).toBeUndefined();
    expect(pastLimit['SO-2026-900020']?.reasons).toEqual([expect.objectContaining({ kind: 'task-unclaimed', dueAt: '2026-01-01T08:00:00.000Z' })]);
  });

  it('is for admins: an operator is refused', async () => {
    const admin = await adminClient(ordo);
    await admin.post('/api/users', { email: 'wd-op@test.local', name: 'Op', role: 'operator', password: 'operator-pass-1' });
    const op = await new ApiClient(ordo.url).login('wd-op@test.local', 'operator-pass-1');
    expect((await op.get('/api/operations/stuck')).status).toBe(403);
  });
});
