/**
 * The engine gaps over real HTTP: a process's timer start schedule, suspend and activate, and a
 * message published with a time to live (buffered, then delivered) through POST /api/messages.
 */
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';

const timerStartXml = (key: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_${key}" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="${key}" isExecutable="true">
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>R/P1D</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="end" /><bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const receiverXml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_lateReceiver" targetNamespace="http://ordo.dev/test">
  <bpmn:message id="MsgPaid" name="invoice.paid" />
  <bpmn:process id="lateReceiver" isExecutable="true">
    <bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="paid" />
    <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="MsgPaid" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="paid" targetRef="end" /><bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

describe('engine API: schedules, suspension, buffered messages', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'engine_api' });
    admin = await adminClient(ordo);
  });
  afterAll(() => ordo.close());

  it('shows the schedule of a timer start process, suspends it (no starts, schedule paused) and activates it again', async () => {
    expect((await admin.post('/api/workflows', { xml: timerStartXml('daily') })).status).toBe(201);
    const schedule = await admin.get('/api/workflows/daily/schedule');
    expect(schedule.status).toBe(200);
    expect(schedule.body).toMatchObject({ key: 'daily', suspended: false, timerStarts: [{ eventId: 'tick', version: 1, type: 'timeCycle', value: 'R/P1D', state: 'active', fired: 0, nextAt: expect.any(String) }] });

    const suspended = await admin.post('/api/workflows/daily/suspend', {});
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ suspended: true, timerStarts: [{ state: 'paused', nextAt: null }] });
    const refused = await admin.post('/api/instances', { processKey: 'daily' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail ?? refused.body.title).toMatch(/suspended/);

    const active = await admin.post('/api/workflows/daily/activate', {});
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ suspended: false, timerStarts: [{ state: 'active', nextAt: schedule.body.timerStarts[0].nextAt }] });
    expect((await admin.post('/api/instances', { processKey: 'daily' })).body).toMatchObject({ status: 'completed' });
    expect((await admin.get('/api/workflows/nope/schedule')).status).toBe(404);
  });

  it('buffers a message sent with timeToLiveMs before its instance waits, and delivers it when the instance starts waiting', async () => {
    const bad = await admin.post('/api/messages', { name: 'invoice.paid', timeToLiveMs: 60_000 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'businessKey' })]));
    expect((await admin.post('/api/messages', { name: 'invoice.paid', businessKey: 'INV-1' })).status).toBe(404);

    const buffered = await admin.post('/api/messages', { name: 'invoice.paid', businessKey: 'INV-1', variables: { paidAmount: 42 }, timeToLiveMs: 60_000, messageId: 'bank-77' });
    expect(buffered.body).toMatchObject({ result: 'buffered', instanceId: null, expiresAt: expect.any(String) });
    expect((await admin.post('/api/messages', { name: 'invoice.paid', businessKey: 'INV-1', timeToLiveMs: 60_000, messageId: 'bank-77' })).status).toBe(409);

    expect((await admin.post('/api/workflows', { xml: receiverXml })).status).toBe(201);
    const inst = await admin.post('/api/instances', { processKey: 'lateReceiver', businessKey: 'INV-1' });
    expect(inst.body).toMatchObject({ status: 'completed', variables: { paidAmount: 42 } });
  });
});
