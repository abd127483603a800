/**
 * Connectors end to end over real HTTP: credentials encrypted at rest, the REST connector builder
 * (auth kinds, path / query / header / body templating, JSONata mapping, error mapping, retries
 * on 5xx, 429 and network errors, limits, egress guard, versions), "test this operation", the
 * engine's ConnectorInvoker port, element templates, and the reference connectors against the
 * reference ERP. Remote systems are real local HTTP servers; a flow whose call fails with an answer
 * repeating the key leaves it in no history or incident, and a final check proves no secret
 * reached any API answer or log line.
 */
import { ConnectorError } from '../../connectors';
import { expectNoSecretIn, json, startCapturingOrdo, startRemote, type CapturingOrdo, type RecordingClient, type Remote } from '../helpers/connectors';

const API_KEY = 'remote-api-key-7f3a9c51';
const CLIENT_SECRET = 'oauth-client-secret-91b2e7';
const BASIC_PASSWORD = 'basic-password-55d0c3';
const BEARER = 'static-bearer-token-0a9e11';
const issuedTokens: string[] = [];
const SECRETS = () => [API_KEY, CLIENT_SECRET, BASIC_PASSWORD, BEARER, ...issuedTokens];

const ctx = (key = 'idem-1', attempt = 1) => ({ instanceId: 'inst-1', activityId: 'task-1', idempotencyKey: key, attempt });

describe('connectors: the REST builder, credentials and the invoker over real HTTP', () => {
  let h: CapturingOrdo;
  let admin: RecordingClient;
  let remote: Remote;
  const valid = new Set<string>();
  let flakyCalls = 0;
  let rateLimitedCalls = 0;
  let resetCalls = 0;

  beforeAll(async () => {
    remote = await startRemote((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/oauth/token') {
        const form = new URLSearchParams(req.body);
        if (form.get('client_secret') !== CLIENT_SECRET || form.get('grant_type') !== 'client_credentials') return json(res, 401, { error: 'invalid_client' });
        const token = `access-token-${issuedTokens.length + 1}-q9w8e7`;
        issuedTokens.push(token);
        valid.add(token);
        return json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      }
      if (u.pathname.startsWith('/oauth-api/')) {
        const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
        if (!valid.has(token)) return json(res, 401, { error: 'invalid_token' });
        return json(res, 200, { ok: true, path: u.pathname });
      }
      if (u.pathname.startsWith('/basic/')) {
        const expected = `Basic ${Buffer.from(`acme:${BASIC_PASSWORD}`).toString('base64')}`;
        return req.headers.authorization === expected ? json(res, 200, { ok: true }) : json(res, 401, { error: 'no' });
      }
      if (u.pathname.startsWith('/bearer/')) return req.headers.authorization === `Bearer ${BEARER}` ? json(res, 200, { ok: true }) : json(res, 401, { error: 'no' });
      if (u.pathname.startsWith('/query/')) return u.searchParams.get('api_key') === API_KEY ? json(res, 200, { ok: true }) : json(res, 401, { error: 'no' });
      if (req.headers['x-api-key'] !== API_KEY) return json(res, 401, { code: 'UNAUTHENTICATED' });
      switch (u.pathname) {
        case '/api/items/CHAIR-1':
          return json(res, 200, { sku: 'CHAIR-1', warehouses: [{ id: 'A', qty: 2 }, { id: 'B', qty: 3 }] });
        case '/api/echo':
          return json(res, 200, { youSent: req.headers });
        case '/api/flaky':
          flakyCalls++;
          return flakyCalls <= 2 ? json(res, 503, { code: 'BUSY' }, flakyCalls === 1 ? { 'retry-after': '0' } : {}) : json(res, 200, { ok: true, calls: flakyCalls });
        case '/api/down':
          return json(res, 503, { code: 'DOWN' });
        case '/api/rate-limited':
          rateLimitedCalls++;
          return rateLimitedCalls === 1 ? json(res, 429, { code: 'SLOW_DOWN' }, { 'retry-after': '1' }) : json(res, 200, { ok: true, calls: rateLimitedCalls });
        case '/api/reset-once':
          // the connection drops without an answer once, then the remote answers
          resetCalls++;
          return resetCalls === 1 ? void res.socket?.destroy() : json(res, 200, { ok: true, calls: resetCalls });
        case '/api/reset-always':
          return void res.socket?.destroy();
        case '/api/search':
          return json(res, 200, { query: [...u.searchParams.entries()], tenant: req.headers['x-tenant'], trace: req.headers['x-trace'] });
        case '/api/leak':
          // a remote whose error message repeats the key it was sent
          return json(res, 400, { error: `key ${req.headers['x-api-key']} may not call this` });
        case '/api/slow':
          return void setTimeout(() => json(res, 200, { late: true }), 1500).unref();
        case '/api/big':
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ blob: 'x'.repeat(300 * 1024) }));
        case '/api/orders':
          return json(res, 201, { id: 'o-1', idempotencyKey: req.headers['idempotency-key'], received: JSON.parse(req.body) });
        case '/api/stock-out':
          return json(res, 409, { code: 'OUT_OF_STOCK' });
        default:
          return json(res, 404, { code: 'NOPE' });
      }
    });
    h = await startCapturingOrdo({ label: 'connectors' });
    admin = await h.admin();
  });
  afterAll(async () => {
    await h?.close();
    await remote?.close();
  });

  const acme = () => ({
    id: 'acme',
    name: 'Acme API',
    baseUrl: `${remote.url}/api`,
    auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: '{{secrets.acme-key}}' },
    allowNetworks: ['loopback'],
    timeoutMs: 500,
    maxResponseBytes: 64 * 1024,
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 40 },
    operations: [
      { id: 'getItem', name: 'Get item', method: 'GET', path: '/items/{{input.sku}}', inputs: [{ name: 'sku', required: true }], responseMapping: '{"sku": body.sku, "total": $sum(body.warehouses.qty)}' },
      { id: 'echo', name: 'Echo', method: 'GET', path: '/echo' },
      { id: 'flaky', name: 'Flaky', method: 'GET', path: '/flaky' },
      { id: 'down', name: 'Down', method: 'GET', path: '/down' },
      { id: 'slow', name: 'Slow', method: 'GET', path: '/slow', retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } },
      { id: 'big', name: 'Big', method: 'GET', path: '/big' },
      {
        id: 'createOrder',
        name: 'Create order',
        method: 'POST',
        path: '/orders',
        inputs: [
          { name: 'ref', required: true },
          { name: 'qty', type: 'integer', required: true },
          { name: 'lines', type: 'array' },
        ],
        body: '{"reference": "{{input.ref}}", "quantity": "{{input.qty}}", "lines": "{{input.lines}}", "note": "ref {{input.ref}}"}',
        idempotencyHeader: 'Idempotency-Key',
      },
      { id: 'stockOut', name: 'Stock out', method: 'GET', path: '/stock-out', errorMapping: [{ when: 'status = 409 and body.code = "OUT_OF_STOCK"', bpmnErrorCode: 'OUT_OF_STOCK' }] },
      { id: 'missing', name: 'Missing', method: 'GET', path: '/missing' },
      { id: 'heavy', name: 'Heavy mapping', method: 'GET', path: '/items/CHAIR-1', responseMapping: '( $f := function($n){ $n <= 1 ? 1 : $f($n-1) + $f($n-2) }; $f(40) )' },
    ],
  });

  it('given a credential, when it is listed, then only its name, type and fields come back — never the value — and the stored form is ciphertext', async () => {
    const created = await admin.post('/api/credentials', { name: 'acme-key', type: 'apiKey', values: { value: API_KEY } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'acme-key', type: 'apiKey', fields: ['value'] });
    const list = await admin.get('/api/credentials');
    expect(list.body.find((c: { name: string }) => c.name === 'acme-key')).toMatchObject({ fields: ['value'], usedBy: [] });
    const raw = await h.ordo.connection.collection('credentials').findOne({ name: 'acme-key' });
    expect(raw?.sealed).toMatchObject({ keyId: expect.stringMatching(/^[0-9a-f]{16}$/), iv: expect.any(String), tag: expect.any(String) });
    expect(JSON.stringify(raw)).not.toContain(API_KEY);
    // the reference ERP's key was seeded as a credential used by the built-in connectors
    expect(list.body.find((c: { name: string }) => c.name === 'erp').usedBy.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining(['inventory', 'finance', 'production']));
    for (const c of [
      { name: 'oauth', type: 'oauth2Client', values: { clientId: 'ordo', clientSecret: CLIENT_SECRET } },
      { name: 'basic', type: 'basic', values: { username: 'acme', password: BASIC_PASSWORD } },
      { name: 'bearer', type: 'token', values: { value: BEARER } },
    ]) {
      expect((await admin.post('/api/credentials', c)).status).toBe(201);
    }
  });

  it('refuses bad credentials with field paths: a bad name, a missing field for the type, an unknown property', async () => {
    const res = await admin.post('/api/credentials', { name: 'bad name', type: 'basic', values: { username: 'x' }, extra: 1 });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'values.password']));
    expect((await admin.post('/api/credentials', { name: 'acme-key', type: 'apiKey', values: { value: 'again' } })).status).toBe(409);
  });

  it('refuses a connector definition that fails its schema or its checks, naming every field, and stores nothing', async () => {
    const bad = acme();
    Object.assign(bad, { id: 'acme-bad', allowNetworks: [] });
    bad.auth = { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: 'literal-key-in-clear' } as never;
    bad.operations = [
      { id: 'a', name: 'A', method: 'GET', path: '/x/{{input.sku}}', responseMapping: '$sum(' } as never,
      { id: 'b', name: 'B', method: 'POST', path: '/y', body: '{"q": {{input.qty}}}', inputs: [{ name: 'qty', type: 'integer' }], errorMapping: [{ when: 'status =' }] } as never,
    ];
    const res = await admin.post('/api/connectors', bad);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('auth.value');
    // once the schema passes, the semantic checks report every problem at once
    const fixed = { ...bad, auth: acme().auth };
    const res2 = await admin.post('/api/connectors', fixed);
    expect(res2.status).toBe(400);
    const byPath = Object.fromEntries(res2.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]));
    expect(byPath.baseUrl).toMatch(/loopback/);
    expect(byPath['operations.0.responseMapping']).toMatch(/JSONata does not compile/);
    expect(byPath['operations.0.inputs']).toMatch(/input\.sku/);
    expect(byPath['operations.1.body']).toMatch(/must be JSON/);
    expect(byPath['operations.1.errorMapping.0.when']).toMatch(/JSONata/);
    for (const target of ['http://169.254.169.254/latest', 'http://10.0.0.7/api']) {
      const r = await admin.post('/api/connectors', { ...acme(), id: 'acme-net', baseUrl: target, allowNetworks: [] });
      expect(r.status).toBe(400);
      expect(r.body.errors[0]).toMatchObject({ path: 'baseUrl', message: expect.stringMatching(/link-local|private/) });
    }
    expect((await admin.get('/api/connectors/acme-bad')).status).toBe(404);
  });

  it('given a valid REST connector, when an admin tests an operation, then the exact request (secret masked), the response and the JSONata output come back', async () => {
    const created = await admin.post('/api/connectors', acme());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'acme', kind: 'rest', version: 1 });
    const test = await admin.post('/api/connectors/acme/operations/getItem/test', { input: { sku: 'CHAIR-1' } });
    expect(test.status).toBe(200);
    expect(test.body.ok).toBe(true);
    expect(test.body.output).toEqual({ sku: 'CHAIR-1', total: 5 });
    const [ex] = test.body.exchanges;
    expect(ex.request).toMatchObject({ method: 'GET', url: `${remote.url}/api/items/CHAIR-1` });
    expect(ex.request.headers['x-api-key']).toBe('****');
    expect(ex.response.status).toBe(200);
    // the remote did receive the real key
    expect(remote.seen.at(-1)?.headers['x-api-key']).toBe(API_KEY);
    // a response echoing the secret is masked in output and trace alike
    const echo = await admin.post('/api/connectors/acme/operations/echo/test', { input: {} });
    expect(echo.body.output.youSent['x-api-key']).toBe('****');
    expect(echo.body.exchanges[0].response.body).not.toContain(API_KEY);
    // the credential now shows who uses it
    const creds = await admin.get('/api/credentials');
    expect(creds.body.find((c: { name: string }) => c.name === 'acme-key').usedBy).toEqual([{ kind: 'connector', id: 'acme', name: 'Acme API' }]);
    expect((await admin.delete('/api/credentials/acme-key')).status).toBe(409);
  });

  it('sends the body template with typed inputs and the call’s idempotency key through the engine port', async () => {
    const invoker = h.ordo.integration.invoker;
    expect(invoker.has('acme.createOrder')).toBe(true);
    expect(invoker.has('acme@1.createOrder')).toBe(true);
    expect(invoker.has('acme.nothing')).toBe(false);
    const out = (await invoker.invoke('acme.createOrder', { ref: 'SO-1', qty: '3', lines: [{ sku: 'A' }] }, ctx('flow-step-42'))) as Record<string, any>;
    expect(out.idempotencyKey).toBe('flow-step-42');
    expect(out.received).toEqual({ reference: 'SO-1', quantity: 3, lines: [{ sku: 'A' }], note: 'ref SO-1' });
    await expect(invoker.invoke('acme.createOrder', { qty: 'many' }, ctx())).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/input\.ref.*|input\.qty/) });
  });

  it('retries 5xx with backoff (honouring Retry-After) and succeeds; exhausted retries are retryable for the engine; 4xx are not', async () => {
    const invoker = h.ordo.integration.invoker;
    const traced = await invoker.invokeTraced('acme.flaky', {}, ctx());
    expect(traced.ok).toBe(true);
    expect(traced.trace.exchanges.map((e) => e.response?.status)).toEqual([503, 503, 200]);
    expect(traced.trace.exchanges[0].retryInMs).toBe(0);
    expect(traced.trace.exchanges[1].retryInMs).toBeGreaterThan(0);
    const down = await invoker.invokeTraced('acme.down', {}, ctx());
    expect(down.ok).toBe(false);
    if (!down.ok) {
      expect(down.error).toBeInstanceOf(ConnectorError);
      expect(down.error.retryable).toBe(true);
      expect(down.trace.exchanges).toHaveLength(3);
    }
    await expect(invoker.invoke('acme.missing', {}, ctx())).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/404/) });
    await expect(invoker.invoke('acme.stockOut', {}, ctx())).rejects.toMatchObject({ bpmnErrorCode: 'OUT_OF_STOCK', retryable: false });
  });

  it('bounds every call: a slow answer times out, a big answer is refused, a runaway mapping is stopped', async () => {
    const invoker = h.ordo.integration.invoker;
    await expect(invoker.invoke('acme.slow', {}, ctx())).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/within 500 ms/) });
    await expect(invoker.invoke('acme.big', {}, ctx())).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/larger than the limit/) });
    const started = Date.now();
    await expect(invoker.invoke('acme.heavy', {}, ctx())).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/ran longer than 1000 ms/) });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  const acmeNet = () => ({
    id: 'acme-net',
    name: 'Acme API (network cases)',
    baseUrl: `${remote.url}/api`,
    auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: '{{secrets.acme-key}}' },
    allowNetworks: ['loopback'],
    timeoutMs: 2000,
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 40 },
    operations: [
      { id: 'rateLimited', name: 'Rate limited', method: 'GET', path: '/rate-limited' },
      { id: 'resetOnce', name: 'Reset once', method: 'GET', path: '/reset-once' },
      { id: 'resetAlways', name: 'Reset always', method: 'GET', path: '/reset-always' },
      {
        id: 'search',
        name: 'Search',
        method: 'GET',
        path: '/search',
        inputs: [{ name: 'sku', required: true }, { name: 'limit', type: 'integer' }, { name: 'tenant', required: true }],
        query: [
          { name: 'sku', value: '{{input.sku}}' },
          { name: 'limit', value: '{{input.limit}}' },
          { name: 'q', value: 'sku:{{input.sku}} in {{input.tenant}}' },
        ],
        headers: [
          { name: 'X-Tenant', value: '{{input.tenant}}' },
          { name: 'X-Trace', value: 'ordo-{{input.sku}}' },
        ],
      },
      { id: 'leak', name: 'Leak', method: 'GET', path: '/leak' },
    ],
  });

  it('retries a 429 after its Retry-After and a dropped connection with backoff; a refused or always dropped connection ends retryable after the last attempt', async () => {
    const closed = await startRemote((_req, res) => json(res, 200, {}));
    const goneUrl = closed.url;
    await closed.close();
    for (const body of [acmeNet(), { ...acmeNet(), id: 'acme-gone', name: 'Acme API, nobody listening', baseUrl: goneUrl, operations: [{ id: 'gone', name: 'Gone', method: 'GET', path: '/anything' }] }]) {
      const saved = await admin.post('/api/connectors', body);
      expect([saved.status, saved.body.errors]).toEqual([201, undefined]);
    }
    const invoker = h.ordo.integration.invoker;

    const limited = await invoker.invokeTraced('acme-net.rateLimited', {}, ctx());
    expect(limited.ok).toBe(true);
    expect(limited.trace.exchanges.map((e) => e.response?.status)).toEqual([429, 200]);
    expect(limited.trace.exchanges[0].retryInMs).toBe(1000);
    expect(rateLimitedCalls).toBe(2);

    const reset = await invoker.invokeTraced('acme-net.resetOnce', {}, ctx());
    expect(reset.ok).toBe(true);
    expect(reset.trace.exchanges.map((e) => [e.response?.status, Boolean(e.error)])).toEqual([
      [undefined, true],
      [200, false],
    ]);
    expect(reset.trace.exchanges[0].retryInMs).toBeGreaterThan(0);

    for (const op of ['acme-net.resetAlways', 'acme-gone.gone']) {
      const failed = await invoker.invokeTraced(op, {}, ctx());
      expect(failed.ok).toBe(false);
      if (!failed.ok) {
        expect(failed.error).toBeInstanceOf(ConnectorError);
        expect(failed.error.retryable).toBe(true);
        expect(failed.error.message).toMatch(/failed after 3 tries/);
        expect(failed.trace.exchanges.map((e) => Boolean(e.error && !e.response))).toEqual([true, true, true]);
      }
    }
  });

  it('fills the operation’s query and header templates from the inputs, and takes a structured input as JSON text (as a diagram writes it)', async () => {
    const invoker = h.ordo.integration.invoker;
    const out = (await invoker.invoke('acme-net.search', { sku: 'CHAIR 1&2', limit: '5', tenant: 'north' }, ctx())) as Record<string, any>;
    expect(out).toEqual({
      query: [
        ['sku', 'CHAIR 1&2'],
        ['limit', '5'],
        ['q', 'sku:CHAIR 1&2 in north'],
      ],
      tenant: 'north',
      trace: 'ordo-CHAIR 1&2',
    });
    const created = (await invoker.invoke('acme.createOrder', { ref: 'SO-2', qty: '1', lines: '[{"sku": "B", "quantity": 2}]' }, ctx('flow-step-43'))) as Record<string, any>;
    expect(created.received.lines).toEqual([{ sku: 'B', quantity: 2 }]);
    await expect(invoker.invoke('acme.createOrder', { ref: 'SO-3', qty: '1', lines: '[{"sku": ' }, ctx())).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/input\.lines/) });
  });

  it('given a flow whose REST call fails with an answer that repeats the API key, then neither the instance history nor the incident holds the key', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:ordo="http://ordo.dev/schema/bpmn/1.0" id="defs_leak" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="leaky-call" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="echo" />
    <bpmn:serviceTask id="echo" name="Echo" ordo:outputVariable="echoed"><bpmn:extensionElements><camunda:connector><camunda:connectorId>acme.echo</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="echo" targetRef="leak" />
    <bpmn:serviceTask id="leak" name="Leak" ordo:retries="1"><bpmn:extensionElements><camunda:connector><camunda:connectorId>acme-net.leak</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="leak" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
    const deployed = await admin.post('/api/workflows', { xml });
    expect([deployed.status, deployed.body.issues ?? deployed.body.errors]).toEqual([201, undefined]);
    const started = await admin.post('/api/instances', { processKey: 'leaky-call', businessKey: 'LEAK-1' });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const incidents = (await admin.get(`/api/incidents?instanceId=${id}`)).body as Array<{ activityId: string; message: string }>;
    expect(incidents).toHaveLength(1);
    // the remote's answer is in the message, its key masked
    expect(incidents[0]).toMatchObject({ activityId: 'leak', message: expect.stringMatching(/answered 400: .*key \*{4}/) });
    const history = (await admin.get(`/api/instances/${id}/history`)).body as Array<{ type: string }>;
    expect(history.map((e) => e.type)).toEqual(expect.arrayContaining(['incident.opened']));
    const instance = (await admin.get(`/api/instances/${id}`)).body;
    // the echo's answer (the request headers, key included) was stored as a variable: masked there too
    expect(instance.variables.echoed.youSent['x-api-key']).toMatch(/^\*{4}/);
    const stored = [JSON.stringify(incidents), JSON.stringify(history), JSON.stringify(instance)];
    expectNoSecretIn(stored, [API_KEY], 'the instance, its history or its incidents');
    const raw = await Promise.all(['instances', 'incidents', 'history'].map(async (c) => JSON.stringify(await h.ordo.connection.collection(c).find({}).toArray())));
    expectNoSecretIn(raw, [API_KEY], 'the stored instances and incidents');
  });

  it('OAuth2 client credentials: one token for many calls, a new one after the remote revokes it; basic, bearer and query keys too', async () => {
    const base = { allowNetworks: ['loopback'], retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } };
    const oauth = {
      ...base,
      id: 'acme-oauth',
      name: 'Acme OAuth',
      baseUrl: `${remote.url}/oauth-api`,
      auth: { type: 'oauth2', tokenUrl: `${remote.url}/oauth/token`, clientId: 'ordo', clientSecret: '{{secrets.oauth.clientSecret}}' },
      operations: [{ id: 'ping', name: 'Ping', method: 'GET', path: '/ping' }],
    };
    expect((await admin.post('/api/connectors', oauth)).status).toBe(201);
    const invoker = h.ordo.integration.invoker;
    await invoker.invoke('acme-oauth.ping', {}, ctx());
    await invoker.invoke('acme-oauth.ping', {}, ctx());
    expect(issuedTokens).toHaveLength(1);
    valid.clear(); // the remote revokes every token
    const r = await invoker.invokeTraced('acme-oauth.ping', {}, ctx());
    expect(r.ok).toBe(true);
    expect(issuedTokens).toHaveLength(2);
    expect(r.trace.exchanges.map((e) => e.response?.status)).toEqual([401, 200, 200]);
    expect(JSON.stringify(r.trace)).not.toContain(issuedTokens[1]);

    const others = [
      { id: 'acme-basic', path: 'basic', auth: { type: 'basic', username: 'acme', password: '{{secrets.basic.password}}' } },
      { id: 'acme-bearer', path: 'bearer', auth: { type: 'bearer', token: '{{secrets.bearer}}' } },
      { id: 'acme-query', path: 'query', auth: { type: 'apiKey', in: 'query', name: 'api_key', value: '{{secrets.acme-key}}' } },
    ];
    for (const o of others) {
      expect((await admin.post('/api/connectors', { ...base, id: o.id, name: o.id, baseUrl: `${remote.url}/${o.path}`, auth: o.auth, operations: [{ id: 'ping', name: 'Ping', method: 'GET', path: '/ping' }] })).status).toBe(201);
      const t = await admin.post(`/api/connectors/${o.id}/operations/ping/test`, { input: {} });
      expect(t.body).toMatchObject({ ok: true, output: { ok: true } });
      if (o.path === 'query') expect(t.body.exchanges[0].request.url).toMatch(/api_key=\*\*\*\*/);
      else expect(t.body.exchanges[0].request.headers.authorization).toMatch(/^(Basic|Bearer) \*\*\*\*$/);
    }
  });

  it('keeps versions: a new version changes the mapping, diagrams pinned to the old version keep the old behaviour, stale saves conflict', async () => {
    const v2 = acme();
    v2.operations[0].responseMapping = '{"sku": body.sku, "warehouses": $count(body.warehouses)}';
    const saved = await admin.put('/api/connectors/acme', { expectedVersion: 1, definition: v2 });
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(2);
    expect(saved.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const invoker = h.ordo.integration.invoker;
    expect(await invoker.invoke('acme.getItem', { sku: 'CHAIR-1' }, ctx())).toEqual({ sku: 'CHAIR-1', warehouses: 2 });
    expect(await invoker.invoke('acme@1.getItem', { sku: 'CHAIR-1' }, ctx())).toEqual({ sku: 'CHAIR-1', total: 5 });
    const stale = await admin.put('/api/connectors/acme', { expectedVersion: 1, definition: v2 });
    expect(stale.status).toBe(409);
    const audit = await h.ordo.connection.collection('auditLog').find({ action: { $in: ['connector.create', 'connector.update', 'credential.create'] } }).toArray();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['connector.create', 'connector.update', 'credential.create']));
  });

  it('tests an unsaved draft, and pre-fills operations from the reference ERP’s OpenAPI document', async () => {
    const erpUrl = h.ordo.integration.erpUrl!;
    const doc = await (await fetch(`${erpUrl}/openapi.json`)).json();
    const imported = await admin.post('/api/connectors/import-openapi', { document: doc });
    expect(imported.status).toBe(200);
    const ops = imported.body.operations as Array<{ id: string; path: string; inputs: Array<{ name: string }>; idempotencyHeader?: string; body?: string }>;
    expect(ops.map((o) => o.id)).toEqual(expect.arrayContaining(['getStock', 'reserveStock', 'getCustomerCredit', 'createInvoice', 'getCapacity', 'createWorkOrder']));
    const reserve = ops.find((o) => o.id === 'reserveStock')!;
    expect(reserve.idempotencyHeader).toBe('Idempotency-Key');
    expect(JSON.parse(reserve.body!)).toEqual({ orderId: '{{input.orderId}}', warehouse: '{{input.warehouse}}', lines: '{{input.lines}}' });
    expect(ops.find((o) => o.id === 'getCustomerCredit')!.path).toBe('/finance/customers/{{input.id}}/credit');

    const draft = {
      id: 'erp-rest',
      name: 'ERP (REST builder)',
      baseUrl: erpUrl,
      auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: '{{secrets.erp}}' },
      allowNetworks: ['loopback'],
      operations: ops,
    };
    const t = await admin.post('/api/connectors/test-draft', { definition: draft, operation: 'getCustomerCredit', input: { id: 'C-1001' } });
    expect(t.status).toBe(200);
    expect(t.body.output).toMatchObject({ customerId: 'C-1001', available: 38000 });
    expect((await admin.post('/api/connectors/test-draft', { definition: { ...draft, allowNetworks: [] }, operation: 'getStock', input: {} })).status).toBe(400);
    expect((await admin.post('/api/connectors/import-openapi', { document: { swagger: '2.0' } })).status).toBe(400);
  });

  it('serves element templates for every operation: built-ins unpinned, stored versions pinned', async () => {
    const res = await admin.get('/api/connectors/element-templates');
    expect(res.status).toBe(200);
    const byId = (id: string, version?: number) => res.body.find((t: { id: string; version: number }) => t.id === id && (version === undefined || t.version === version));
    const reserve = byId('ordo.connector.inventory.reserve');
    expect(reserve.scopes[0].type).toBe('camunda:Connector');
    expect(reserve.scopes[0].properties[0]).toMatchObject({ type: 'Hidden', value: 'inventory.reserve' });
    expect(reserve.scopes[0].properties.map((p: { binding: { name?: string } }) => p.binding.name)).toEqual(expect.arrayContaining(['orderId', 'lines', 'warehouse']));
    expect(byId('ordo.connector.acme.getItem', 1).scopes[0].properties[0].value).toBe('acme@1.getItem');
    expect(byId('ordo.connector.acme.getItem', 2).scopes[0].properties[0].value).toBe('acme@2.getItem');
  });

  it('runs the reference connectors against the reference ERP: stock, idempotent reservation, release, credit, invoice, payment, capacity, work order', async () => {
    const inv = h.ordo.integration.invoker;
    const stock = (await inv.invoke('inventory.getStock', { skus: ['chair-oak', 'SOFA-LINEN'], lines: [{ sku: 'CHAIR-OAK', quantity: 50 }] }, ctx())) as any;
    expect(stock.items).toHaveLength(4);
    expect(stock).toMatchObject({ sufficient: true, warehouses: ['WH-NORTH'] });
    const lines = [{ sku: 'CHAIR-OAK', quantity: 10 }];
    const r1 = (await inv.invoke('inventory.reserve', { orderId: 'SO-100', lines }, ctx('reserve-SO-100'))) as any;
    const r2 = (await inv.invoke('inventory.reserve', { orderId: 'SO-100', lines }, ctx('reserve-SO-100', 2))) as any;
    expect(r2.reservationId).toBe(r1.reservationId);
    const levels = (await inv.invoke('inventory.stockLevels', { skus: ['CHAIR-OAK'] }, ctx())) as any[];
    expect(levels.find((l) => l.warehouse === 'WH-NORTH').levels['CHAIR-OAK']).toBe(110);
    await expect(inv.invoke('inventory.reserve', { orderId: 'SO-101', lines: [{ sku: 'SOFA-LINEN', quantity: 99 }] }, ctx('reserve-SO-101'))).rejects.toMatchObject({ bpmnErrorCode: 'INSUFFICIENT_STOCK' });
    expect(await inv.invoke('inventory.release', { reservationId: r1.reservationId }, ctx())).toEqual({ reservationId: r1.reservationId, status: 'released' });

    expect(await inv.invoke('finance.getCredit', { customerId: 'C-1002', amount: 1000 }, ctx())).toMatchObject({ available: 500, sufficient: false });
    expect(await inv.invoke('finance.customerCredit', { customerId: 'C-1003' }, ctx())).toMatchObject({ blocked: true });
    expect(await inv.invoke('finance.customerCredit', { customerId: 'C-404' }, ctx())).toBeNull();
    const invoiceInput = { orderId: 'SO-100', customerId: 'C-1001', currency: 'EUR', lines: [{ sku: 'CHAIR-OAK', quantity: 10, unitPrice: 89 }] };
    const i1 = (await inv.invoke('finance.createInvoice', invoiceInput, ctx('invoice-SO-100'))) as any;
    const i2 = (await inv.invoke('finance.createInvoice', invoiceInput, ctx('invoice-SO-100'))) as any;
    expect(i1).toMatchObject({ total: 890, status: 'open' });
    expect(i2.invoiceId).toBe(i1.invoiceId);
    expect(await inv.invoke('finance.recordPayment', { invoiceId: i1.invoiceId, amount: 890, reference: 'BANK-1' }, ctx('pay-1'))).toMatchObject({ invoiceStatus: 'paid', balanceDue: 0 });

    const from = new Date().toISOString().slice(0, 10);
    const cap = (await inv.invoke('production.getCapacity', { from, days: 3 }, ctx())) as any;
    expect(cap.days).toHaveLength(6);
    const wo = (await inv.invoke('production.createWorkOrder', { orderId: 'SO-102', sku: 'SOFA-LINEN', quantity: 30, dueDate: from, line: 'LINE-B' }, ctx('wo-1'))) as any;
    expect(wo).toMatchObject({ line: 'LINE-B', scheduledDate: from, status: 'planned' });
    await expect(inv.invoke('production.createWorkOrder', { orderId: 'SO-103', sku: 'SOFA-LINEN', quantity: 30, dueDate: from, line: 'LINE-B' }, ctx('wo-2'))).rejects.toMatchObject({ bpmnErrorCode: 'NO_CAPACITY' });
    const capAfter = (await inv.invoke('production.capacity', { from, days: 1 }, ctx())) as any[];
    expect(capAfter.find((c) => c.line === 'LINE-B').capacity).toBe(10);
  });

  it('lets viewers read connectors but not change them, and keeps credentials to credentials.manage', async () => {
    await admin.post('/api/users', { email: 'viewer@conn.test', name: 'V', role: 'viewer', password: 'viewer-password-1' });
    const viewer = await h.client('viewer@conn.test', 'viewer-password-1');
    expect((await viewer.get('/api/connectors')).status).toBe(200);
    expect((await viewer.get('/api/connectors/element-templates')).status).toBe(200);
    expect((await viewer.post('/api/connectors', acme())).status).toBe(403);
    expect((await viewer.post('/api/connectors/acme/operations/getItem/test', { input: { sku: 'CHAIR-1' } })).status).toBe(403);
    expect((await viewer.get('/api/credentials')).status).toBe(403);
  });

  it('never let a secret into any API answer or log line of this suite', async () => {
    const erp = await h.ordo.integration.credentials.get('erp');
    const secrets = [...SECRETS(), erp!.value];
    expect(h.answers.length).toBeGreaterThan(20);
    expect(h.logs.length).toBeGreaterThan(20);
    expectNoSecretIn(h.answers, secrets, 'an API answer');
    expectNoSecretIn(h.logs, secrets, 'a log line');
    const audit = (await h.ordo.connection.collection('auditLog').find({}).toArray()).map((a) => JSON.stringify(a));
    expectNoSecretIn(audit, secrets, 'the audit log');
  });
});
