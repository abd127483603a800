/**
 * Key rotation with the documented command: secrets sealed under key A are re-encrypted under B by
 * `scripts/rotate-secret-key.ts`; a node on B alone then runs connectors as before, and a node on A
 * alone refuses to start with a clear reason.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyIdOf } from '../../server/integration/secret-box';
import { testDatabaseUri } from '../helpers/db';
import { json, startCapturingOrdo, startRemote, type Remote } from '../helpers/connectors';

const ROOT = path.join(__dirname, '..', '..');
const A = crypto.randomBytes(32).toString('hex');
const B = crypto.randomBytes(32).toString('hex');
const REMOTE_KEY = 'rotating-remote-key-0c1d2e';

describe('secret key rotation (npm run rotate-secret-key)', () => {
  const uri = testDatabaseUri('rotation');
  let remote: Remote;
  beforeAll(async () => {
    remote = await startRemote((req, res) => (req.headers['x-api-key'] === REMOTE_KEY ? json(res, 200, { ok: true }) : json(res, 401, { code: 'NO' })));
  });
  afterAll(async () => {
    const h = await startCapturingOrdo({ label: 'rotation', uri, env: { SECRET_KEY: B } });
    await h.ordo.connection.dropDatabase();
    await h.close();
    await remote.close();
  });

  it('re-encrypts every credential and webhook secret, and the new key alone keeps connectors working', async () => {
    const first = await startCapturingOrdo({ label: 'rotation', uri, env: { SECRET_KEY: A } });
    const admin = await first.admin();
    expect((await admin.post('/api/credentials', { name: 'remote', type: 'apiKey', values: { value: REMOTE_KEY } })).status).toBe(201);
    const def = {
      id: 'remote',
      name: 'Remote',
      baseUrl: remote.url,
      auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: '{{secrets.remote}}' },
      allowNetworks: ['loopback'],
      operations: [{ id: 'ping', name: 'Ping', method: 'GET', path: '/ping' }],
    };
    expect((await admin.post('/api/connectors', def)).status).toBe(201);
    expect((await admin.post('/api/webhooks/subscriptions', { name: 'S', url: `${remote.url}/hook`, events: ['order.created'], allowNetworks: ['loopback'] })).status).toBe(201);
    expect((await admin.post('/api/connectors/remote/operations/ping/test', { input: {} })).body.ok).toBe(true);
    await first.close();

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-rot-'));
    const env = { ...process.env, NODE_ENV: 'test', MONGODB_URI: uri, SECRET_KEY: A, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'rotate-secret-key.ts'), '--new-key', B], { env, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Re-encrypted 2 credential\(s\), 1 webhook subscription secret\(s\)/);
    expect(run.stdout).toContain(`SECRET_KEY=${B}`);
    fs.rmSync(dataDir, { recursive: true, force: true });

    const second = await startCapturingOrdo({ label: 'rotation', uri, env: { SECRET_KEY: B } });
    try {
      const keyIds = (await second.ordo.connection.collection('credentials').find({}).toArray()).map((c) => c.sealed.keyId);
      expect(new Set(keyIds)).toEqual(new Set([keyIdOf(Buffer.from(B, 'hex'))]));
      const admin2 = await second.admin();
      expect((await admin2.post('/api/connectors/remote/operations/ping/test', { input: {} })).body).toMatchObject({ ok: true, output: { ok: true } });
    } finally {
      await second.close();
    }
    // a node still on the old key alone cannot read the secrets and says why
    await expect(startCapturingOrdo({ label: 'rotation', uri, env: { SECRET_KEY: A } })).rejects.toThrow(/SECRET_KEYS_PREVIOUS/);
    // with the old key as current and the new one as previous (mid-rollout), it works
    const mixed = await startCapturingOrdo({ label: 'rotation', uri, env: { SECRET_KEY: A, SECRET_KEYS_PREVIOUS: B } });
    await mixed.close();
  });
});
