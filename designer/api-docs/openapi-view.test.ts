import { curlFor, groupByTag, outline, sampleOf, type OpenApiDoc } from './openapi-view';

const doc: OpenApiDoc = {
  openapi: '3.1.0',
  info: { title: 'Ordo API', version: '1' },
  paths: {
    '/api/orders': {
      get: { operationId: 'getOrders', tags: ['orders'], summary: 'Search orders', 'x-access': 'permission', 'x-permission': 'orders.read', parameters: [{ name: 'limit', in: 'query', required: true, schema: { type: 'integer', minimum: 1 } }], responses: { '200': { description: 'Success' } } },
      post: {
        operationId: 'postOrders',
        tags: ['orders'],
        summary: "Accept an order (it's idempotent)",
        'x-access': 'permission',
        'x-permission': 'orders.write',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['customer', 'lines', 'currency'],
                properties: {
                  customer: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } } },
                  lines: { type: 'array', items: { $ref: '#/components/schemas/Line' } },
                  currency: { type: 'string', enum: ['EUR', 'CNY'] },
                  notes: { type: 'string' },
                },
              },
            },
          },
        },
        responses: { '201': { description: 'Created' } },
      },
    },
    '/api/openapi.json': { get: { operationId: 'getOpenapiJson', tags: ['meta'], 'x-access': 'public', responses: { '200': { description: 'Success' } } } },
    '/api/tasks/{id}/claim': { post: { operationId: 'claim', tags: ['tasks'], summary: 'Claim', 'x-access': 'permission', 'x-permission': 'tasks.work', responses: { '200': { description: 'Success' } } } },
  },
  components: { schemas: { Line: { type: 'object', required: ['sku', 'quantity'], properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } } } } },
};

describe('API docs view model', () => {
  it('groups operations by tag, in order, and filters by path, summary or permission', () => {
    expect(groupByTag(doc).map((g) => [g.tag, g.operations.map((o) => `${o.method} ${o.path}`)])).toEqual([
      ['meta', ['get /api/openapi.json']],
      ['orders', ['get /api/orders', 'post /api/orders']],
      ['tasks', ['post /api/tasks/{id}/claim']],
    ]);
    expect(groupByTag(doc, 'orders.write').flatMap((g) => g.operations.map((o) => o.op.operationId))).toEqual(['postOrders']);
    expect(groupByTag(doc, 'CLAIM').map((g) => g.tag)).toEqual(['tasks']);
    expect(groupByTag(doc, 'nothing like this')).toEqual([]);
  });

  it('builds sample bodies from the required fields, following $refs, enums and formats', () => {
    const body = doc.paths['/api/orders'].post.requestBody!.content!['application/json'].schema;
    expect(sampleOf(doc, body)).toEqual({ customer: { name: 'string' }, lines: [{ sku: 'string', quantity: 1 }], currency: 'EUR' });
  });

  it('writes a curl line: method, URL with required query samples, the key from the environment, a shell-quoted body', () => {
    const [orders] = groupByTag(doc, 'orders');
    const [get, post] = orders.operations;
    expect(curlFor(doc, get, 'http://127.0.0.1:8080/')).toBe(`curl 'http://127.0.0.1:8080/api/orders?limit=1' -H "Authorization: Bearer $ORDO_API_KEY"`);
    expect(curlFor(doc, post, 'http://h')).toBe(
      `curl -X POST 'http://h/api/orders' -H "Authorization: Bearer $ORDO_API_KEY" -H 'Content-Type: application/json' -d '{"customer":{"name":"string"},"lines":[{"sku":"string","quantity":1}],"currency":"EUR"}'`,
    );
    const [meta] = groupByTag(doc, 'openapi');
    expect(curlFor(doc, meta.operations[0], 'http://h')).toBe(`curl 'http://h/api/openapi.json'`);
    // a quote in a sample value cannot break out of the shell string
    const quoted: OpenApiDoc = { ...doc, paths: { '/x': { post: { operationId: 'x', 'x-access': 'public', requestBody: { content: { 'application/json': { schema: { type: 'string', default: "it's" } } } }, responses: {} } } } };
    expect(curlFor(quoted, groupByTag(quoted)[0].operations[0], 'http://h')).toContain(`-d '"it'\\''s"'`);
  });

  it('outlines a schema as indented rows with types and required marks', () => {
    const body = doc.paths['/api/orders'].post.requestBody!.content!['application/json'].schema;
    expect(outline(doc, body).rows.map((r) => `${'  '.repeat(r.depth)}${r.name}: ${r.type}${r.required ? ' *' : ''}`)).toEqual([
      'customer: object *',
      '  name: string *',
      '  email: string (email)',
      'lines: object[] *',
      '  sku: string *',
      '  quantity: integer *',
      'currency: "EUR" | "CNY" *',
      'notes: string',
    ]);
    expect(outline(doc, body, 3)).toMatchObject({ more: 3 }); // lines, currency, notes (a skipped field's own fields are not walked)
  });
});
