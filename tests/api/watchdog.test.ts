/**
 * The stuck-order watchdog lists flows without progress beyond their step's limit with a reason
 * an admin can act on: an unclaimed task, a message that never came.
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

  it('is for admins: an operator is refused', async () => {
    const admin = await adminClient(ordo);
    await admin.post('/api/users', { email: 'wd-op@test.local', name: 'Op', role: 'operator', password: 'operator-pass-1' });
    const op = await new ApiClient(ordo.url).login('wd-op@test.local', 'operator-pass-1');
    expect((await op.get('/api/operations/stuck')).status).toBe(403);
  });
});
