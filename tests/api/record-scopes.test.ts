/**
 * Record scopes end to end (SECURITY.md, "Record scopes"), over real HTTP, real socket.io clients
 * and the real database, on the shipped order-fulfilment flow. Cara is limited to the phone
 * channel, Wes to one warehouse; Ann is not limited. Orders of the api channel (and, for Wes,
 * unallocated orders and other warehouses) are invisible to them everywhere: lists, details (404),
 * edits, task queues and actions, socket events, prints, print history and reports.
 */
import nodemailer from 'nodemailer';
import type { RunningOrdo } from '../../server/main';
import type { InboxListDto } from '../../server/contracts/inbox';
import type { TaskEvent } from '../../server/contracts/realtime';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import { collect, connectSocket, type TestSocket } from '../helpers/sockets';
import { eventFor, eventually, reviewOrder, taskOf } from './tasks-live.fixtures';

const PASSWORD = 'operator-pass-1';
const GROUPS = ['reviewers', 'warehouse'];

describe('record scopes: a user limited to channels or warehouses sees only those orders, everywhere', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let ann: ApiClient;
  let cara: ApiClient;
  let wes: ApiClient;
  let eve: ApiClient;
  let wesId: string;
  const sockets: TestSocket[] = [];
  let phone: string;
  let api: string;
  let phoneReview: string;
  let apiReview: string;

  const user = async (email: string, scope?: { channels?: string[]; warehouses?: string[] }) => {
    const res = await admin.post('/api/users', { email, name: email.split('@')[0], role: 'operator', groups: GROUPS, password: PASSWORD, ...(scope ? { scope } : {}) });
    expect(res.status).toBe(201);
    return res.body as { id: string; scope: { channels: string[]; warehouses: string[] } };
  };
  const place = async (channel: 'phone' | 'api', customer: string) => {
    const res = await admin.post('/api/orders', { ...reviewOrder({ customer }), channel });
    expect(res.status).toBe(201);
    return res.body.number as string;
  };
  const task = (id: string) => `/api/tasks/${encodeURIComponent(id)}`;
  const listed = async (c: ApiClient) => ((await c.get('/api/orders?limit=100')).body.items as Array<{ number: string }>).map((r) => r.number).sort();

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'record_scopes', env: { SMTP_PORT: '0' } });
    admin = await adminClient(ordo);
    await user('ann@test.local');
    const c = await user('cara@test.local', { channels: ['phone'] });
    expect(c.scope).toEqual({ channels: ['phone'], warehouses: [] });
    const w = await user('wes@test.local', { warehouses: ['NO-WAREHOUSE-YET'] });
    wesId = w.id;
    await user('eve@test.local', { channels: ['email'] });
    [ann, cara, wes, eve] = await Promise.all(['ann', 'cara', 'wes', 'eve'].map((n) => new ApiClient(ordo.url).login(`${n}@test.local`, PASSWORD)));
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await ordo?.close();
  });

  it('given the admin sets scopes, then they are validated field by field, listed, and audited', async () => {
    const bad = await admin.post('/api/users', { email: 'bad@test.local', name: 'bad', role: 'operator', password: PASSWORD, scope: { channels: ['fax'], warehouses: [''] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['scope.channels.0', 'scope.warehouses.0']);
    const unknownField = await admin.post('/api/users', { email: 'bad@test.local', name: 'bad', role: 'operator', password: PASSWORD, scope: { regions: ['EU'] } });
    expect(unknownField.status).toBe(400);
    const users = (await admin.get('/api/users')).body as Array<{ email: string; scope: unknown }>;
    expect(users.find((u) => u.email === 'cara@test.local')?.scope).toEqual({ channels: ['phone'], warehouses: [] });
    expect(users.find((u) => u.email === 'ann@test.local')?.scope).toEqual({ channels: [], warehouses: [] });
    const audit = await admin.get('/api/audit?action=user.create&limit=50');
    expect(JSON.stringify(audit.body)).toContain('NO-WAREHOUSE-YET');
  });

  it('given an order outside Cara’s channels, when its manual review task is created, then Ann’s socket hears it and Cara’s and Wes’s do not; the phone order’s task reaches Cara only', async () => {
    const [as, cs, ws] = await Promise.all([connectSocket(ordo.url, ann), connectSocket(ordo.url, cara), connectSocket(ordo.url, wes)]);
    sockets.push(as, cs, ws);
    const caraSaw = collect(cs, 'task.created');
    const wesSaw = collect(ws, 'task.created');
    const review = (n: () => string) => (e: TaskEvent) => e.businessKey === n() && e.elementId === 'manualReview';
    // the api order first: its event is sent before the phone order's, and a socket receives in order
    const annHearsApi = eventFor(as, 'task.created', review(() => api));
    api = await place('api', 'Api Customer');
    apiReview = (await annHearsApi).taskId;
    const caraHearsPhone = eventFor(cs, 'task.created', review(() => phone));
    const annHearsPhone = eventFor(as, 'task.created', review(() => phone));
    phone = await place('phone', 'Phone Customer');
    phoneReview = (await caraHearsPhone).taskId;
    expect((await annHearsPhone).taskId).toBe(phoneReview);
    expect(caraSaw.map((e) => e.businessKey)).toEqual([phone]);
    // Wes (a warehouse-only scope) sees no unallocated order: neither event reached him
    expect(wesSaw).toEqual([]);
  });

  it('given a forged room join for the plain group room, then a scoped socket still only hears its scope', async () => {
    const cs = sockets[1];
    const ack = await new Promise<{ ok: boolean }>((resolve) => cs.emit('queue.join', 'group:reviewers', resolve));
    expect(ack.ok).toBe(true); // her own group, but joined as its scoped variant
    const ws = sockets[2];
    expect(await new Promise<{ ok: boolean }>((resolve) => ws.emit('queue.join', 'tasks:all', resolve))).toEqual({ ok: false, error: 'forbidden' });
  });

  it('given the order list, details and edits, then Cara sees only phone orders and Wes none yet; out-of-scope orders answer 404 like missing ones', async () => {
    expect(await listed(ann)).toEqual([api, phone].sort());
    expect(await listed(cara)).toEqual([phone]);
    expect(await listed(wes)).toEqual([]);
    expect((await cara.get(`/api/orders?number=${api}`)).body.items).toEqual([]);
    expect((await cara.get(`/api/orders?channel=api`)).body.items).toEqual([]);
    expect((await cara.get(`/api/orders/${phone}`)).status).toBe(200);
    const hidden = await cara.get(`/api/orders/${api}`);
    const missing = await cara.get('/api/orders/SO-2000-000001');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    // the same answer as for an order that does not exist, but for the number
    const shape = (body: Record<string, unknown>, number: string) => ({ ...body, title: String(body.title).replace(number, 'N'), requestId: undefined });
    expect(shape(hidden.body, api)).toEqual(shape(missing.body, 'SO-2000-000001'));
    expect((await wes.get(`/api/orders/${phone}`)).status).toBe(404);
    const version = (await admin.get(`/api/orders/${api}`)).body.version;
    expect((await cara.patch(`/api/orders/${api}`, { version, notes: 'mine now' })).status).toBe(404);
    expect((await cara.post(`/api/orders/${api}/hold`, {})).status).toBe(404);
    expect((await cara.post(`/api/orders/${api}/cancel`, { reason: 'nope' })).status).toBe(404);
    expect((await admin.get(`/api/orders/${api}`)).body).toMatchObject({ version, status: 'in-review' });
  });

  it('given the task queues, then Cara lists and counts only the phone order’s task, and every action on the other answers 404', async () => {
    const groups = (await cara.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body;
    expect(groups.items.map((t) => t.businessKey)).toEqual([phone]);
    expect(groups.counts).toEqual({ mine: 0, groups: 1, all: null });
    expect((await ann.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.counts.groups).toBe(2);
    expect((await wes.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.items).toEqual([]);
    expect(((await cara.get('/api/tasks?queue=groups')).body.items as Array<{ id: string }>).map((t) => t.id)).toEqual([phoneReview]);
    expect((await cara.get(`/api/inbox/scan/${api}`)).body.tasks).toEqual([]);
    expect((await cara.get(task(apiReview))).status).toBe(404);
    expect((await cara.get(`/api/inbox/tasks/${encodeURIComponent(apiReview)}/comments`)).status).toBe(404);
    expect((await cara.post(`/api/inbox/tasks/${encodeURIComponent(apiReview)}/comments`, { text: 'hello' })).status).toBe(404);
    expect((await cara.post(`${task(apiReview)}/claim`)).status).toBe(404);
    expect((await cara.post(`${task(apiReview)}/complete`, { data: { approved: true } })).status).toBe(404);
    expect((await admin.get(task(apiReview))).body).toMatchObject({ status: 'open', claimedBy: null });
    expect((await cara.get(task(phoneReview))).status).toBe(200);
  });

  it('given process instances, then Cara lists only the phone order’s and gets 404 for the other’s details, history and incidents', async () => {
    const idOf = async (n: string) => ((await admin.get(`/api/instances?businessKey=${n}`)).body.items as Array<{ id: string }>)[0].id;
    const [apiInstance, phoneInstance] = [await idOf(api), await idOf(phone)];
    const mine = (await cara.get('/api/instances')).body as { items: Array<{ businessKey: string }>; total: number };
    expect([...new Set(mine.items.map((i) => i.businessKey))]).toEqual([phone]);
    expect(mine.total).toBe(mine.items.length);
    expect((await cara.get(`/api/instances?businessKey=${api}`)).body).toEqual({ items: [], total: 0 });
    expect((await cara.get(`/api/instances/${apiInstance}`)).status).toBe(404);
    expect((await cara.get(`/api/instances/${apiInstance}/history`)).status).toBe(404);
    expect((await cara.get(`/api/instances/${phoneInstance}`)).status).toBe(200);
    expect((await cara.get(`/api/instances/${phoneInstance}/history`)).status).toBe(200);
    expect(((await cara.get('/api/incidents')).body as Array<{ businessKey: string | null }>).every((i) => i.businessKey === phone)).toBe(true);
  });

  it('given printing, then Cara cannot print, batch-print or select by filter an order outside her scope', async () => {
    expect((await cara.post(`/api/print/orders/${api}`, { templateKey: 'packing-slip' })).status).toBe(404);
    const listedBatch = await cara.post('/api/print/batches', { templateKey: 'packing-slip', orderIds: [api] });
    expect(listedBatch.status).toBe(422);
    const byFilter = await cara.post('/api/print/batches', { templateKey: 'packing-slip', filter: { channel: 'api' } });
    expect(byFilter.status).toBe(422);
    const mixed = await cara.post('/api/print/batches', { templateKey: 'packing-slip', orderIds: [api, phone] });
    expect(mixed.status).toBe(202);
    expect(mixed.body.orderIds).toEqual([phone]);
    expect(mixed.body.progress.total).toBe(1);
  });

  it('given reports and their CSV export, then Cara’s figures hold only phone orders', async () => {
    const mine = (await cara.get('/api/reports/orders')).body;
    const all = (await admin.get('/api/reports/orders')).body;
    expect(all.totals.orders).toBe(2);
    expect(mine.totals.orders).toBe(1);
    const sum = (r: { perDay: Array<{ channel: Record<string, number> }> }, ch: string) => r.perDay.reduce((s, d) => s + d.channel[ch], 0);
    expect([sum(mine, 'phone'), sum(mine, 'api')]).toEqual([1, 0]);
    expect([sum(all, 'phone'), sum(all, 'api')]).toEqual([1, 1]);
    const csv = await cara.get('/api/reports/orders.csv?kind=per-day');
    expect(csv.status).toBe(200);
    const header = String(csv.body).split('\r\n')[0].split(',');
    const totals = String(csv.body)
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','))
      .reduce((s, r) => [s[0] + Number(r[header.indexOf('channel:phone')]), s[1] + Number(r[header.indexOf('channel:api')])], [0, 0]);
    expect(totals).toEqual([1, 0]);
    // channels and a warehouse: the phone order, not allocated yet, still counts (the filter's unallocated branch on FerretDB)
    const key = await admin.post('/api/api-keys', { name: 'phone-and-zz', scopes: ['orders.read', 'reports.read'], recordScope: { channels: ['phone'], warehouses: ['ZZ-9'] } });
    const both = new ApiClient(ordo.url, key.body.key);
    expect((await both.get('/api/reports/orders')).body.totals.orders).toBe(1);
    expect(await listed(both)).toEqual([phone]);
  });

  it('given both reviews done, when the flows allocate and print, then print history, PDFs and reprints of the api order are hidden from Cara; her pack task arrives live, the other does not', async () => {
    const cs = sockets[1];
    const caraPacks = collect(cs, 'task.created');
    const annHearsApiPack = eventFor(sockets[0], 'task.created', (e) => e.businessKey === api && e.elementId === 'pack', 60_000);
    expect((await ann.post(`${task(apiReview)}/complete`, { data: { approved: true } })).status).toBe(200);
    await annHearsApiPack;
    const caraHearsPhonePack = eventFor(cs, 'task.created', (e) => e.businessKey === phone && e.elementId === 'pack', 60_000);
    expect((await cara.post(`${task(phoneReview)}/complete`, { data: { approved: true } })).status).toBe(200);
    const pack = await caraHearsPhonePack;
    expect(caraPacks.filter((e) => e.elementId === 'pack').map((e) => e.businessKey)).toEqual([phone]);
    expect(pack.fields?.warehouse).toEqual(expect.any(String));

    const apiJob = await eventually(async () => ((await admin.get(`/api/print/jobs?orderId=${api}`)).body as Array<{ id: string; status: string; kind: string }>).find((j) => j.kind === 'flow' && j.status === 'completed'), 'the api order’s slip');
    const phoneJob = await eventually(async () => ((await admin.get(`/api/print/jobs?orderId=${phone}`)).body as Array<{ id: string; status: string; kind: string }>).find((j) => j.kind === 'flow' && j.status === 'completed'), 'the phone order’s slip');
    const caraJobs = ((await cara.get('/api/print/jobs?limit=200')).body as Array<{ id: string; orderNumbers: string[] }>).map((j) => j.orderNumbers.join());
    expect(caraJobs).not.toContain(api);
    expect(caraJobs).toContain(phone);
    expect((await cara.get(`/api/print/jobs?orderId=${api}`)).body).toEqual([]);
    expect((await cara.get(`/api/print/jobs/${apiJob.id}`)).status).toBe(404);
    expect((await cara.get(`/api/print/jobs/${apiJob.id}/pdf`)).status).toBe(404);
    expect((await cara.post(`/api/print/jobs/${apiJob.id}/reprint`, { reason: 'lost it' })).status).toBe(404);
    expect((await cara.get(`/api/print/jobs/${phoneJob.id}`)).status).toBe(200);
    expect((await cara.post(`/api/print/jobs/${phoneJob.id}/reprint`, { reason: 'smudged' })).status).toBe(201);
  });

  it('given Wes’s scope changed to the api order’s warehouse, then his open socket is dropped, and after signing in again he sees exactly the orders allocated there', async () => {
    const apiWarehouse = await eventually(async () => (await admin.get(`/api/orders/${api}`)).body.allocation?.warehouse as string | undefined, 'api order allocated');
    const phoneWarehouse = await eventually(async () => (await admin.get(`/api/orders/${phone}`)).body.allocation?.warehouse as string | undefined, 'phone order allocated');
    const ws = sockets[2];
    const dropped = new Promise<string>((resolve) => ws.once('disconnect', (reason) => resolve(reason)));
    const changed = await admin.patch(`/api/users/${wesId}`, { scope: { warehouses: [apiWarehouse] } });
    expect(changed.status).toBe(200);
    expect(changed.body.scope).toEqual({ channels: [], warehouses: [apiWarehouse] });
    expect(await dropped).toBe('io server disconnect');
    expect((await wes.get('/api/orders')).status).toBe(401);
    wes = await new ApiClient(ordo.url).login('wes@test.local', PASSWORD);
    const expected = [api, ...(phoneWarehouse === apiWarehouse ? [phone] : [])].sort();
    await eventually(async () => ((await listed(wes)).join() === expected.join() ? true : undefined), 'the index rows carry the warehouse');
    expect((await wes.get(`/api/orders/${api}`)).status).toBe(200);
    const packs = ((await wes.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.items as Array<{ businessKey: string | null }>).map((t) => t.businessKey).sort();
    expect(packs).toEqual(expected);
    // a warehouse nobody ships from: nothing at all
    expect((await admin.patch(`/api/users/${wesId}`, { scope: { warehouses: ['ZZ-9'] } })).status).toBe(200);
    wes = await new ApiClient(ordo.url).login('wes@test.local', PASSWORD);
    expect(await listed(wes)).toEqual([]);
    expect((await wes.get(`/api/orders/${api}`)).status).toBe(404);
    expect((await wes.get('/api/reports/orders')).body.totals.orders).toBe(0);
  });

  it('given an API key created with a record scope, then it reads only the orders inside it', async () => {
    const created = await admin.post('/api/api-keys', { name: 'phone-desk', scopes: ['orders.read'], recordScope: { channels: ['phone'] } });
    expect(created.status).toBe(201);
    expect(created.body.recordScope).toEqual({ channels: ['phone'], warehouses: [] });
    const key = new ApiClient(ordo.url, created.body.key);
    expect(await listed(key)).toEqual([phone]);
    expect((await key.get(`/api/orders/${api}`)).status).toBe(404);
    expect((await key.get(`/api/orders/${phone}`)).status).toBe(200);
  });

  it('given order entry, then a channel scope limits the channels a person may enter orders on', async () => {
    const onApi = await cara.post('/api/orders', { ...reviewOrder({ customer: 'Not Mine' }), channel: 'api' });
    expect(onApi.status).toBe(400);
    expect(onApi.body.errors).toEqual([{ path: 'channel', message: 'must be one of phone on this endpoint' }]);
    expect((await eve.post('/api/orders', reviewOrder({ customer: 'Eve Entry' }))).status).toBe(403);
    expect((await admin.get('/api/orders?customer=Not%20Mine')).body.items).toEqual([]);
  });

  it('given an e-mail that needs data entry, then its draft and its inbox task are hidden from Cara (phone) and shown to Eve (e-mail)', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ordo.intake.smtpPort!, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ from: 'Buyer <buyer@acme.test>', to: 'orders@ordo.test', subject: 'urgent!!', text: 'Customer: Someone\nLines:\n- some screws please, the usual\nShip to: the warehouse' });
    transport.close();
    const draftId = ordo.intake.email.recent.get(info.messageId)!.draftId!;
    expect(draftId).toEqual(expect.any(String));
    const ids = async (c: ApiClient) => ((await c.get('/api/intake/drafts')).body as Array<{ id: string }>).map((d) => d.id);
    expect(await ids(eve)).toContain(draftId);
    expect(await ids(cara)).not.toContain(draftId);
    expect((await cara.get(`/api/intake/drafts/${draftId}`)).status).toBe(404);
    expect((await cara.get(`/api/intake/drafts/${draftId}/original`)).status).toBe(404);
    expect((await cara.post(`/api/intake/drafts/${draftId}/discard`)).status).toBe(404);
    expect((await eve.get(`/api/intake/drafts/${draftId}`)).body).toMatchObject({ id: draftId, status: 'open', channel: 'email' });
    const key = `mail:${draftId}`;
    const entry = await eventually(async () => ((await eve.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.items as Array<{ id: string; businessKey: string | null }>).find((t) => t.businessKey === key), 'the mail entry task in Eve’s queue');
    expect(((await ann.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.items as Array<{ businessKey: string | null }>).map((t) => t.businessKey)).toContain(key);
    expect(((await cara.get<InboxListDto>('/api/inbox/tasks?queue=groups')).body.items as Array<{ businessKey: string | null }>).map((t) => t.businessKey)).not.toContain(key);
    expect((await cara.get(task(entry.id))).status).toBe(404);
    expect((await cara.post(`${task(entry.id)}/claim`)).status).toBe(404);
  });
  it('given a phone-scoped key that may operate instances, when it retries an incident, starts an instance or sends a message for the api order, then each answers 404 and nothing moves; for the phone order they work; a signal (every order) is refused', async () => {
    const HEAD = `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:ordo="http://ordo.dev/schema/bpmn/1.0" id="d" targetNamespace="t">`;
    const failing = `${HEAD}<bpmn:process id="scopeIncident" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:sequenceFlow id="a" sourceRef="s" targetRef="x"/><bpmn:serviceTask id="x" ordo:retries="1"><bpmn:extensionElements><camunda:connector><camunda:connectorId>history.note</camunda:connectorId><camunda:inputOutput><camunda:inputParameter name="message">$` + `{variables.next}</camunda:inputParameter></camunda:inputOutput></camunda:connector></bpmn:extensionElements></bpmn:serviceTask><bpmn:sequenceFlow id="b" sourceRef="x" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>`;
    const waiting = `${HEAD}<bpmn:message id="M" name="scope.ping"/><bpmn:process id="scopeWait" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:sequenceFlow id="a" sourceRef="s" targetRef="w"/><bpmn:intermediateCatchEvent id="w"><bpmn:messageEventDefinition messageRef="M"/></bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="b" sourceRef="w" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>`;
    expect((await admin.post('/api/workflows', { xml: failing })).status).toBe(201);
    expect((await admin.post('/api/workflows', { xml: waiting })).status).toBe(201);
    const start = async (processKey: string, businessKey: string) => (await admin.post('/api/instances', { processKey, businessKey, variables: { next: '' } })).body as { id: string };
    const incidentOf = async (instanceId: string) => ((await admin.get(`/api/incidents?instanceId=${instanceId}`)).body as Array<{ id: string; status: string }>)[0];
    const [apiFailed, phoneFailed] = [await start('scopeIncident', api), await start('scopeIncident', phone)];
    const [apiIncident, phoneIncident] = [await incidentOf(apiFailed.id), await incidentOf(phoneFailed.id)];
    const [apiWaits, phoneWaits] = [await start('scopeWait', api), await start('scopeWait', phone)];
    const created = await admin.post('/api/api-keys', { name: 'phone-ops', scopes: ['instances.read', 'instances.operate', 'instances.start', 'messages.send'], recordScope: { channels: ['phone'] } });
    const ops = new ApiClient(ordo.url, created.body.key);

    // when: the api order's incident, instance and waiting message
    const retried = await ops.post(`/api/incidents/${apiIncident.id}/retry`, { variables: { next: 'not yours' } });
    expect(retried.status).toBe(404);
    expect((await ops.post('/api/incidents/no-such-incident/retry', {})).body.title).toEqual(expect.stringContaining('not found'));
    expect((await ops.post(`/api/instances/${apiFailed.id}/cancel`, { reason: 'not yours' })).status).toBe(404);
    expect((await ops.patch(`/api/instances/${apiFailed.id}/variables`, { variables: { next: 'not yours' } })).status).toBe(404);
    expect((await ops.post('/api/instances', { processKey: 'scopeWait', businessKey: api })).status).toBe(404);
    expect((await ops.post('/api/instances', { processKey: 'scopeWait' })).status).toBe(404);
    expect((await ops.post('/api/messages', { name: 'scope.ping', businessKey: api })).status).toBe(404);
    expect((await ops.post('/api/messages', { name: 'scope.ping', instanceId: apiWaits.id })).status).toBe(404);
    expect((await ops.post('/api/signals', { name: 'scope.everyone' })).status).toBe(403);
    // then: nothing moved
    expect((await incidentOf(apiFailed.id)).status).toBe('open');
    expect((await admin.get(`/api/instances/${apiFailed.id}`)).body).toMatchObject({ incident: true, variables: { next: '' } });
    expect((await admin.get(`/api/instances/${apiWaits.id}`)).body.status).toBe('waiting');
    expect((await admin.get(`/api/instances?businessKey=${api}&processKey=scopeWait`)).body.total).toBe(1);

    // the phone order: allowed
    expect((await ops.post(`/api/incidents/${phoneIncident.id}/retry`, { variables: { next: 'fixed by the phone desk' } })).body).toMatchObject({ status: 'completed', incident: false });
    expect((await ops.post('/api/messages', { name: 'scope.ping', businessKey: phone })).status).toBe(200);
    expect((await admin.get(`/api/instances/${phoneWaits.id}`)).body.status).toBe('completed');
    expect((await ops.post('/api/instances', { processKey: 'scopeWait', businessKey: phone })).status).toBe(201);
  });
  it('given file imports, when a phone-scoped operator uploads or opens another’s import, then upload is refused (403) and the import answers 404 and stays unchanged; an import-scoped operator imports and follows her own', async () => {
    const csv = ['Order No,Customer,E-mail,Street,City,ZIP,Country,Currency,Item Code,Description,Qty,Unit Price', 'SCOPE-1,Importer One,one@import.test,1 Main St,Utrecht,3511 AB,NL,EUR,CHAIR-OAK,Oak chair,1,89'].join('\n');
    const upload = (c: ApiClient) => c.post('/api/intake/imports?filename=scoped.csv', csv, { 'content-type': 'text/csv' });
    expect((await upload(cara)).status).toBe(403);
    await user('ivy@test.local', { channels: ['import'] });
    const ivy = await new ApiClient(ordo.url).login('ivy@test.local', PASSWORD);
    const up = await upload(ivy);
    expect(up.status).toBe(201);
    const id = up.body.id as string;

    // when: Cara reaches for it
    expect((await cara.get(`/api/intake/imports/${id}`)).status).toBe(404);
    expect((await cara.post(`/api/intake/imports/${id}/mapping`, { mapping: up.body.suggestedMapping })).status).toBe(404);
    expect((await ivy.post(`/api/intake/imports/${id}/mapping`, { mapping: up.body.suggestedMapping })).body).toMatchObject({ status: 'validated', orderCount: 1 });
    expect((await cara.post(`/api/intake/imports/${id}/commit`)).status).toBe(404);
    // then: nothing was committed by her
    expect((await admin.get(`/api/intake/imports/${id}`)).body).toMatchObject({ status: 'validated', numbers: [] });

    expect((await ivy.post(`/api/intake/imports/${id}/commit`)).status).toBe(202);
    const done = await eventually(async () => {
      const r = (await ivy.get(`/api/intake/imports/${id}`)).body as { status: string; numbers: string[] };
      return r.status === 'completed' ? r : undefined;
    }, 'the import committed');
    expect(done.numbers).toHaveLength(1);
    expect((await ivy.get(`/api/orders/${done.numbers[0]}`)).body).toMatchObject({ channel: 'import' });
    expect((await cara.get(`/api/intake/imports/${id}`)).status).toBe(404);
    expect((await cara.get(`/api/orders/${done.numbers[0]}`)).status).toBe(404);
    // allocation may send an imported order out of a channel + warehouse scope: the import lists it no more
    const imported = done.numbers[0];
    const warehouse = await eventually(async () => (await admin.get(`/api/orders/${imported}`)).body.allocation?.warehouse as string | undefined, 'the imported order allocated');
    const importKey = async (name: string, warehouses: string[]) => new ApiClient(ordo.url, (await admin.post('/api/api-keys', { name, scopes: ['orders.import'], recordScope: { channels: ['import'], warehouses } })).body.key);
    expect((await (await importKey('import-here', [warehouse])).get(`/api/intake/imports/${id}`)).body.numbers).toEqual([imported]);
    expect((await (await importKey('import-elsewhere', ['ZZ-9'])).get(`/api/intake/imports/${id}`)).body.numbers).toEqual([]);
  });
  it('given print batches and bulk jobs followed live, when Cara watches the api order’s print job, then she is refused and its progress never reaches her; a bulk job id reaches only the user who runs it', async () => {
    const [as, cs] = [sockets[0], sockets[1]];
    const jobOf = async (n: string) => ((await admin.get(`/api/print/jobs?orderId=${n}`)).body as Array<{ id: string }>)[0].id;
    const [apiJob, phoneJob] = [await jobOf(api), await jobOf(phone)];
    const watch = (s: TestSocket, id: string) => s.emitWithAck('job.watch', id);
    expect(await watch(cs, apiJob)).toEqual({ ok: false, error: 'not found' });
    expect(await watch(cs, phoneJob)).toEqual({ ok: true });
    expect(await watch(as, apiJob)).toEqual({ ok: true });
    // the same client-chosen bulk id: each hears only their own job's progress
    expect(await watch(cs, 'bulk-same-id')).toEqual({ ok: true });
    expect(await watch(as, 'bulk-same-id')).toEqual({ ok: true });
    const ids = async (c: ApiClient) => ((await c.get('/api/auth/me')).body.user.id as string);
    const [annId, caraId] = [await ids(ann), await ids(cara)];
    const caraHeard = collect(cs, 'progress');
    const annHeard = collect(as, 'progress');

    // when: progress of the api order's batch and of Ann's bulk job, then one of Cara's own (a socket receives in order)
    ordo.realtime.publishProgress({ jobId: apiJob, kind: 'print', done: 1, total: 1, status: 'completed' });
    ordo.realtime.publishProgress({ jobId: 'bulk-same-id', kind: 'tasks', done: 1, total: 2, status: 'running' }, annId);
    ordo.realtime.publishProgress({ jobId: phoneJob, kind: 'print', done: 1, total: 1, status: 'completed' });
    ordo.realtime.publishProgress({ jobId: 'bulk-same-id', kind: 'tasks', done: 2, total: 2, status: 'completed' }, caraId);
    await eventually(async () => (caraHeard.length === 2 ? true : undefined), 'Cara’s own progress');
    await eventually(async () => (annHeard.length === 2 ? true : undefined), 'Ann’s progress');
    // then
    expect(caraHeard.map((e) => [e.jobId, e.done])).toEqual([[phoneJob, 1], ['bulk-same-id', 2]]);
    expect(annHeard.map((e) => [e.jobId, e.done])).toEqual([[apiJob, 1], ['bulk-same-id', 1]]);
  });
  it('given the audit log, when a phone-scoped reader lists or exports it, then it holds only entries about phone orders (no entry about the api order, none about no order); an unscoped reader sees all', async () => {
    // two fresh orders (the first two have shipped): an edit of each is audited with the order as target
    const [apiEdited, phoneEdited] = [await place('api', 'Audit Api'), await place('phone', 'Audit Phone')];
    for (const n of [apiEdited, phoneEdited]) {
      // the flow may move the order on meanwhile (409 on a stale version): edit the version it has then
      await eventually(async () => {
        const { version } = (await admin.get(`/api/orders/${n}`)).body;
        return (await admin.patch(`/api/orders/${n}`, { version, notes: 'checked for the audit' })).status === 200 || undefined;
      }, `the edit of ${n}`);
    }
    // one bulk completion over both orders' pick tasks: one audit entry per task, each about its own order
    const picks = [];
    for (const n of [apiEdited, phoneEdited]) {
      expect((await admin.post('/api/instances', { processKey: 'warehouse-pick', businessKey: n })).status).toBe(201);
      picks.push(await taskOf(admin, n, 'pick'));
    }
    const [apiPick, phonePick] = picks.map((p) => p.id);
    expect((await admin.post('/api/inbox/tasks/complete', { taskIds: [apiPick, phonePick] })).body).toMatchObject({ completed: [apiPick, phonePick], failed: [] });
    const key = async (name: string, recordScope?: { channels: string[] }) => new ApiClient(ordo.url, (await admin.post('/api/api-keys', { name, scopes: ['audit.read'], ...(recordScope ? { recordScope } : {}) })).body.key);
    const [phoneAuditor, auditor] = [await key('phone-auditor', { channels: ['phone'] }), await key('auditor')];
    type Entry = { action: string; target: { type: string; id: string } };
    const entries = async (c: ApiClient, q = '') => (await c.get(`/api/audit?limit=1000${q}`)).body as Entry[];

    // when
    const mine = await entries(phoneAuditor);
    const all = await entries(auditor);
    // then: the phone order's edit, its review's completion and its slip's reprint, nothing of the api order
    const has = (list: Entry[], action: string, id: string) => list.some((e) => e.action === action && e.target.id === id);
    expect(has(mine, 'order.edit', phoneEdited)).toBe(true);
    expect(has(mine, 'task.complete', phoneReview)).toBe(true);
    expect(mine.some((e) => e.action === 'print.reprint')).toBe(true);
    expect(has(mine, 'order.edit', apiEdited)).toBe(false);
    expect(has(mine, 'task.complete', apiReview)).toBe(false);
    expect([has(mine, 'task.complete', phonePick), has(mine, 'task.complete', apiPick)]).toEqual([true, false]);
    expect([has(all, 'task.complete', phonePick), has(all, 'task.complete', apiPick)]).toEqual([true, true]);
    expect(mine.filter((e) => !['order', 'task', 'printJob', 'instance', 'incident'].includes(e.target.type))).toEqual([]);
    expect([has(all, 'order.edit', apiEdited), has(all, 'task.complete', apiReview), all.some((e) => e.action === 'user.create')]).toEqual([true, true, true]);
    expect(all.length).toBeGreaterThan(mine.length);
    expect(await entries(phoneAuditor, `&targetId=${encodeURIComponent(apiReview)}`)).toEqual([]);
    expect((await entries(auditor, `&targetId=${encodeURIComponent(apiReview)}`)).length).toBeGreaterThan(0);
    // the CSV export: the same entries
    const csv = String((await phoneAuditor.get('/api/audit?format=csv&limit=1000')).body);
    expect(csv.trim().split('\r\n')).toHaveLength(mine.length + 1);
    expect(csv).toContain(phoneEdited);
    expect(csv).not.toContain(apiEdited);
    expect(csv).not.toContain(api);
    expect(csv).not.toContain('user.create');
  });
  it('given a mail that needs data entry, when its task is created, then Eve’s socket (e-mail channel) hears it live and Cara’s (phone) does not', async () => {
    const [es, cs] = [await connectSocket(ordo.url, eve), sockets[1]];
    sockets.push(es);
    const caraSaw = collect(cs, 'task.created');
    const isMail = (e: TaskEvent) => (e.businessKey ?? '').startsWith('mail:');
    const eveHears = eventFor(es, 'task.created', isMail);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ordo.intake.smtpPort!, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ from: 'Other Buyer <other@acme.test>', to: 'orders@ordo.test', subject: 'the usual again', text: 'same as last time please' });
    transport.close();
    const draftId = ordo.intake.email.recent.get(info.messageId)!.draftId!;
    const heard = await eveHears;
    expect(heard).toMatchObject({ businessKey: `mail:${draftId}`, fields: { channel: 'email' } });
    // a phone order's task after it: Cara's socket receives in order, so the mail's event would be in before it
    const caraHearsPhone = eventFor(cs, 'task.created', (e) => e.elementId === 'manualReview' && e.businessKey !== phone);
    await place('phone', 'Later Phone Customer');
    await caraHearsPhone;
    expect(caraSaw.filter(isMail)).toEqual([]);
  });
});
