/** The open API document is generated from the route table: every route, its zod schemas as JSON Schema 2020-12, its access rule. */
import Ajv2020 from 'ajv/dist/2020';
import { ApiClient, startTestOrdo } from '../helpers/server';
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

  it('contains only valid JSON Schema 2020-12 (each request body and parameter schema compiles)', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const failures: string[] = [];
    for (const [p, item] of Object.entries<any>(doc.paths)) {
      for (const [m, op] of Object.entries<any>(item)) {
        const schemas = [op.requestBody?.content?.['application/json']?.schema, ...(op.parameters ?? []).map((x: { schema: unknown }) => x.schema)].filter(Boolean);
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
  });
});
