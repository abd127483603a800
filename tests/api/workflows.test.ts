/**
 * The workflow API over real HTTP on a real server: deploy and versions, the bad-input list of
 * issue 3 (4xx naming the element or field, nothing stored), instances, tasks, messages and
 * permissions. The reference process is deployed at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';

const FIX = path.join(__dirname, '..', 'fixtures', 'bpmn');
const fixture = (name: string) => fs.readFileSync(path.join(FIX, name), 'utf8');
const HEAD = `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:ordo="http://ordo.dev/schema/bpmn/1.0" id="d" targetNamespace="t">`;
const proc = (body: string, id = 'bad') => `${HEAD}<bpmn:process id="${id}" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`;
const line = (middle: string) =>
  proc(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="a" sourceRef="s" targetRef="x"/>${middle}<bpmn:sequenceFlow id="b" sourceRef="x" targetRef="e"/><bpmn:endEvent id="e"/>`);

describe('workflow API', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'workflows' });
    admin = await adminClient(ordo);
  });
  afterAll(() => ordo.close());

  const user = async (email: string, role: string, groups: string[] = []) => {
    const res = await admin.post('/api/users', { email, name: email.split('@')[0], role, password: 'long-password-123', groups });
    expect(res.status).toBe(201);
    return new ApiClient(ordo.url).login(email, 'long-password-123');
  };

  it('deploys the reference order-fulfilment process on first start and serves its XML', async () => {
    const list = await admin.get('/api/workflows');
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'order-fulfilment', version: 1, deployedBy: expect.objectContaining({ kind: 'system' }) })]));
    const xml = await admin.get('/api/workflows/order-fulfilment/versions/1/xml');
    expect(xml.status).toBe(200);
    expect(xml.headers.get('content-type')).toMatch(/application\/xml/);
    expect(xml.body).toContain('ordo:ruleSet="order-review"');
    // a second start on the same database deploys nothing new
    expect(await ordo.workflows.ensureDeployed(xml.body)).toEqual({ key: 'order-fulfilment', created: false });
    const catalog = await admin.get('/api/workflows/catalog');
    expect(catalog.body.connectors).toEqual(expect.arrayContaining(['order.setStatus', 'history.note', 'variables.set']));
    expect(catalog.body.forms.map((f: { key: string }) => f.key)).toEqual(expect.arrayContaining(['manual-review', 'pack-order']));
    expect(catalog.body.ruleSets).toEqual(expect.arrayContaining(['order-review', 'allocation']));
  });

  it('deploys version n+1, keeps running instances on their version, and deploys nothing for the same XML', async () => {
    const v1 = await admin.post('/api/workflows', { xml: fixture('child-v1.bpmn') });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ created: true, definition: { key: 'child', version: 1 } });
    const started = await admin.post('/api/instances', { processKey: 'child', variables: { orderId: 'A' } });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ version: 1, status: 'completed', variables: { childVersion: '1' } });
    // uploaded as a file (application/xml) this time
    const v2 = await admin.request('POST', '/api/workflows', fixture('child-v2.bpmn'), { 'content-type': 'application/xml' });
    expect(v2.status).toBe(201);
    expect(v2.body.definition.version).toBe(2);
    const again = await admin.post('/api/workflows', { xml: fixture('child-v2.bpmn') });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, definition: { version: 2 } });
    const versions = await admin.get('/api/workflows/child/versions');
    expect(versions.body.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const pinned = await admin.post('/api/instances', { processKey: 'child', version: 1 });
    expect(pinned.body.variables.childVersion).toBe('1');
  });

  describe('bad input answers 4xx naming the element or field, and stores nothing', () => {
    const cases: Array<[string, string, number, RegExp, RegExp?]> = [
      ['malformed XML', `${HEAD}<bpmn:process id="p"><bpmn:startEvent id="s"></bpmn:process>`, 400, /xml/, /./],
      ['a DOCTYPE', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${line('<bpmn:task id="x"/>').slice(21)}`, 400, /xml/, /DOCTYPE/],
      ['an entity', line('<bpmn:task id="x"/>').replace('<bpmn:definitions', '<!ENTITY x "y"><bpmn:definitions'), 400, /xml/, /ENTITY/],
      ['an unknown element type', line('<bpmn:task id="x"/><bpmn:teleportTask id="tp"/>'), 400, /\(definitions\)|x|tp|process/, /teleportTask/],
      ['a missing rule set', line('<bpmn:businessRuleTask id="x" ordo:ruleSet="no-such-rules" ordo:resultVariable="r"/>'), 400, /^x$/, /no-such-rules/],
      ['a user task without a form', line('<bpmn:userTask id="x" camunda:candidateGroups="reviewers"/>'), 400, /^x$/, /form/],
      ['a missing form', line('<bpmn:userTask id="x" camunda:formKey="nope"/>'), 400, /^x$/, /nope/],
      ['an unknown connector', line('<bpmn:serviceTask id="x"><bpmn:extensionElements><camunda:connector><camunda:connectorId>made.up</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>'), 400, /^x$/, /made\.up/],
      ['a script task', line('<bpmn:scriptTask id="x" scriptFormat="javascript"><bpmn:script>next()</bpmn:script></bpmn:scriptTask>'), 400, /^x$/, /Script tasks/],
      ['a service with an expression implementation', line('<bpmn:serviceTask id="x" implementation="${environment.services.fn}"/>'), 400, /^x$/, /implementation/],
    ];
    it.each(cases)('%s', async (_label, xml, status, pathRe, messageRe) => {
      const before = (await admin.get('/api/workflows')).body.length;
      const res = await admin.post('/api/workflows', { xml });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.errors.some((e: { path: string }) => pathRe.test(e.path))).toBe(true);
      if (messageRe) expect(res.body.errors.some((e: { message: string }) => messageRe.test(e.message))).toBe(true);
      expect((await admin.get('/api/workflows')).body.length).toBe(before);
    });

    it('refuses conditions in a script language and expressions outside the allow-list', async () => {
      const gw = (cond: string) =>
        proc(
          `<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="a" sourceRef="s" targetRef="g"/><bpmn:exclusiveGateway id="g" default="dflt"/><bpmn:sequenceFlow id="c" sourceRef="g" targetRef="e">${cond}</bpmn:sequenceFlow><bpmn:sequenceFlow id="dflt" sourceRef="g" targetRef="e"/><bpmn:endEvent id="e"/>`,
        );
      const js = await admin.post('/api/workflows', { xml: gw('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">next(null, true)</bpmn:conditionExpression>') });
      expect(js.status).toBe(400);
      expect(js.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'c', message: expect.stringMatching(/language="javascript"/) })]));
      const rce = await admin.post('/api/workflows', { xml: gw(`<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${environment.constructor.constructor('return process')()}</bpmn:conditionExpression>`) });
      expect(rce.status).toBe(400);
      expect(rce.body.errors[0]).toMatchObject({ path: 'c', message: expect.stringMatching(/expression not allowed/) });
    });

    it('refuses a converging inclusive gateway with a clear message', async () => {
      const xml = proc(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="split"/><bpmn:inclusiveGateway id="split"/>' +
          '<bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="join"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${variables.a == 1}</bpmn:conditionExpression></bpmn:sequenceFlow>' +
          '<bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="join"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${variables.b == 1}</bpmn:conditionExpression></bpmn:sequenceFlow>' +
          '<bpmn:inclusiveGateway id="join"/><bpmn:sequenceFlow id="f3" sourceRef="join" targetRef="e"/><bpmn:endEvent id="e"/>',
      );
      const res = await admin.post('/api/workflows', { xml });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'join', message: expect.stringMatching(/converging inclusive gateway/) })]);
      const check = await admin.post('/api/workflows/validate', { xml });
      expect(check.body).toMatchObject({ valid: false, errors: [expect.objectContaining({ path: 'join' })] });
    });

    it('answers 413 for a 20 MB upload, as a file or as JSON', async () => {
      const big = line('<bpmn:task id="x"/>').replace('</bpmn:definitions>', `<!--${'x'.repeat(20 * 1024 * 1024)}--></bpmn:definitions>`);
      expect((await admin.request('POST', '/api/workflows', big, { 'content-type': 'application/xml' })).status).toBe(413);
      expect((await admin.post('/api/workflows', { xml: big })).status).toBe(413);
    });
  });

  it('runs tasks over HTTP: queues by group, one of two claims wins, form errors name the field, a completed task cannot be completed again', async () => {
    // the server's forms are the shipped ones (workflows/forms)
    expect((await admin.post('/api/workflows', { xml: fixture('user-task.bpmn').replace('camunda:formKey="approve"', 'camunda:formKey="manual-review"') })).status).toBe(201);
    const ann = await user('ann@test.local', 'operator', ['reviewers']);
    const bob = await user('bob@test.local', 'operator', ['reviewers']);
    const carl = await user('carl@test.local', 'operator', ['warehouse']);
    expect((await ann.post('/api/instances', { processKey: 'approval' })).status).toBe(403);
    const inst = (await admin.post('/api/instances', { processKey: 'approval', businessKey: 'SO-100', variables: { orderId: 'SO-100' } })).body;
    const annQueue = await ann.get('/api/tasks?queue=groups');
    const task = annQueue.body.items.find((t: { instanceId: string }) => t.instanceId === inst.id);
    expect(task).toMatchObject({ activityId: 'approve', status: 'open', formKey: 'manual-review' });
    expect((await carl.get('/api/tasks?queue=groups')).body.items.some((t: { id: string }) => t.id === task.id)).toBe(false);
    expect((await carl.get('/api/tasks?queue=all')).status).toBe(403);
    const detail = await ann.get(`/api/tasks/${task.id}`);
    expect(detail.body.form).toMatchObject({ key: 'manual-review', schema: { required: ['approved'] } });

    const claims = await Promise.all([ann.post(`/api/tasks/${task.id}/claim`), bob.post(`/api/tasks/${task.id}/claim`)]);
    expect(claims.map((c) => c.status).sort()).toEqual([200, 409]);
    const winner = claims[0].status === 200 ? ann : bob;
    const loser = winner === ann ? bob : ann;
    expect((await loser.post(`/api/tasks/${task.id}/complete`, { data: { approved: true } })).status).toBe(409);

    const bad = await winner.post(`/api/tasks/${task.id}/complete`, { data: { approved: 'yes', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['approved', 'extra']);
    expect((await admin.get(`/api/instances/${inst.id}`)).body).toMatchObject({ status: 'waiting', tokens: ['approve'] });

    const ok = await winner.post(`/api/tasks/${task.id}/complete`, { data: { approved: true } });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('completed');
    expect((await winner.post(`/api/tasks/${task.id}/complete`, { data: { approved: true } })).status).toBe(409);
    const done = await admin.get(`/api/instances/${inst.id}`);
    expect(done.body).toMatchObject({ status: 'completed', variables: { approved: true }, xmlUrl: '/api/workflows/approval/versions/1/xml' });
    expect(done.body.path.flows).toContain('fYes');
    const history = await admin.get(`/api/instances/${inst.id}/history`);
    expect(history.body.find((h: { type: string }) => h.type === 'task.completed').actor.label).toMatch(/@test\.local$/);
    // the claim and the completion are in the audit log, by whom, with the fields sent (not their values)
    const trail = await admin.get(`/api/audit?targetId=${task.id}`);
    const byAction = Object.fromEntries(trail.body.map((e: { action: string; actor: { label: string } }) => [e.action, e]));
    expect(Object.keys(byAction).sort()).toEqual(['task.claim', 'task.complete']);
    expect(byAction['task.complete'].actor.label).toBe(byAction['task.claim'].actor.label);
    expect(byAction['task.complete'].after).toEqual({ businessKey: 'SO-100', fields: ['approved'] });
    // a message to the finished instance
    expect((await admin.post('/api/messages', { name: 'anything', instanceId: inst.id })).status).toBe(409);
  });

  it('correlates messages: unknown → 404, ambiguous → 409, by business key → the waiting instance', async () => {
    await admin.post('/api/workflows', { xml: fixture('message-receiver.bpmn') });
    const one = (await admin.post('/api/instances', { processKey: 'receiver', businessKey: 'M-1' })).body;
    await admin.post('/api/instances', { processKey: 'receiver', businessKey: 'M-2' });
    await admin.post('/api/instances', { processKey: 'receiver', businessKey: 'M-2' });
    expect((await admin.post('/api/messages', { name: 'no.such.message', businessKey: 'M-1' })).status).toBe(404);
    expect((await admin.post('/api/messages', { name: 'shipment.done', businessKey: 'M-404' })).status).toBe(404);
    expect((await admin.post('/api/messages', { name: 'shipment.done', businessKey: 'M-2' })).status).toBe(409);
    const ok = await admin.post('/api/messages', { name: 'shipment.done', businessKey: 'M-1', variables: { carrier: 'DHL' } });
    expect(ok.body).toEqual({ result: 'correlated', instanceId: one.id });
    expect((await admin.get(`/api/instances/${one.id}`)).body).toMatchObject({ status: 'completed', variables: { carrier: 'DHL' } });
    const both = await admin.post('/api/messages', { name: 'x', businessKey: 'a', instanceId: 'b' });
    expect(both.status).toBe(400);
  });

  it('shows an incident and lets an operator fix the variables and retry it over HTTP', async () => {
    const xml = line(
      '<bpmn:serviceTask id="x" ordo:retries="1"><bpmn:extensionElements><camunda:connector><camunda:connectorId>history.note</camunda:connectorId><camunda:inputOutput><camunda:inputParameter name="message">${variables.next}</camunda:inputParameter></camunda:inputOutput></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>',
    ).replace('id="bad"', 'id="statusFlow"');
    expect((await admin.post('/api/workflows', { xml })).status).toBe(201);
    const inst = (await admin.post('/api/instances', { processKey: 'statusFlow', variables: { next: '' } })).body;
    expect(inst).toMatchObject({ incident: true, incidentActivities: ['x'] });
    const [incident] = (await admin.get(`/api/incidents?instanceId=${inst.id}`)).body;
    expect(incident).toMatchObject({ activityId: 'x', kind: 'service', status: 'open', message: expect.stringMatching(/history\.note needs a message/) });
    const retried = await admin.post(`/api/incidents/${incident.id}/retry`, { variables: { next: 'checked by hand' } });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'completed', incident: false, variables: { next: 'checked by hand' } });
    const notes = (await admin.get(`/api/instances/${inst.id}/history`)).body.filter((h: { type: string }) => h.type === 'note');
    expect(notes.map((n: { data: { message: string } }) => n.data.message)).toContain('checked by hand');
    const viewer = await user('vic@test.local', 'viewer');
    expect((await viewer.get(`/api/instances/${inst.id}`)).status).toBe(200);
    expect((await viewer.post(`/api/instances/${inst.id}/cancel`, {})).status).toBe(403);
    expect((await viewer.post('/api/workflows', { xml })).status).toBe(403);
    expect((await new ApiClient(ordo.url).get('/api/instances')).status).toBe(401);
  });

  it('runs the reference process only for a real order: for an unknown order its first step fails and is retried later', async () => {
    const inst = await admin.post('/api/instances', { processKey: 'order-fulfilment', businessKey: 'SO-NOT-THERE', variables: { orderId: 'SO-NOT-THERE' } });
    expect(inst.status).toBe(201);
    expect(inst.body).toMatchObject({ status: 'running', tokens: ['received'], retries: [{ activityId: 'received', dueAt: expect.any(String) }] });
    const history = (await admin.get(`/api/instances/${inst.body.id}/history`)).body;
    expect(history.find((h: { type: string }) => h.type === 'service.failed')).toMatchObject({ elementId: 'received', data: { attempt: 1 } });
    expect((await admin.post(`/api/instances/${inst.body.id}/cancel`, { reason: 'no such order' })).body.status).toBe('cancelled');
  });
  it('redeploys shipped content that changed in a release while the latest version is the system one, and leaves a version someone deployed alone', async () => {
    const shipped = (name: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="shipped-demo" name="${name}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
    expect(await ordo.workflows.ensureDeployed(shipped('Release 1'))).toEqual({ key: 'shipped-demo', created: true });
    expect(await ordo.workflows.ensureDeployed(shipped('Release 1'))).toEqual({ key: 'shipped-demo', created: false });
    expect(await ordo.workflows.ensureDeployed(shipped('Release 2'))).toEqual({ key: 'shipped-demo', created: true });
    const mine = await admin.post('/api/workflows', { xml: shipped('Our own') });
    expect(mine.status).toBe(201);
    expect(await ordo.workflows.ensureDeployed(shipped('Release 3'))).toEqual({ key: 'shipped-demo', created: false });
    const versions = await admin.get('/api/workflows/shipped-demo/versions');
    expect(versions.body.map((v: { version: number; name: string; deployedBy: { kind: string } }) => [v.version, v.name, v.deployedBy.kind])).toEqual([
      [3, 'Our own', 'user'],
      [2, 'Release 2', 'system'],
      [1, 'Release 1', 'system'],
    ]);
  });
});
