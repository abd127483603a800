/**
 * Database outage: stop the database under a running Ordo, requests fail fast with 503 and a clear
 * message, nothing is half-written, and service resumes by itself when the database is back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningOrdo } from '../../server/main';
import { ensureFerretdbBinary, freePort, startFerretdb, type EmbeddedDatabase } from '../../server/db/ferretdb';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';

const waitFor = async (check: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
};

// This suite always runs its own FerretDB (even with MONGODB_URI set): it stops and restarts it.
describe('database outage', () => {
  let db: EmbeddedDatabase;
  let ordo: RunningOrdo;
  let dir: string;
  let port: number;
  const binary = ensureFerretdbBinary({ explicit: process.env.FERRETDB_BIN });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-outage-'));
    port = await freePort();
    db = await startFerretdb({ dataDir: dir, binary, port });
    ordo = await startTestOrdo({ label: 'outage', env: { MONGODB_URI: `mongodb://127.0.0.1:${port}/outage` } });
  });
  afterAll(async () => {
    await ordo.close();
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('given the database stops, then requests answer 503 quickly, and after it restarts Ordo serves again by itself with nothing half-written', async () => {
    const admin = await adminClient(ordo);
    expect((await admin.get('/api/users')).status).toBe(200);

    await db.stop();
    // the driver notices within its heartbeat; from then on every API call is refused at once
    expect(await waitFor(async () => (await admin.get('/api/users')).status === 503, 15_000)).toBe(true);
    const during = await admin.post('/api/users', { email: 'outage@test.local', name: 'Outage', role: 'viewer', password: 'viewer-password-1' });
    expect(during.status).toBe(503);
    expect(during.body.title).toMatch(/database is not reachable/);
    expect(during.headers.get('retry-after')).toBe('5');
    expect((await new ApiClient(ordo.url).get('/readyz')).status).toBe(503);

    db = await startFerretdb({ dataDir: dir, binary, port });
    expect(await waitFor(async () => (await admin.get('/api/users')).status === 200, 30_000)).toBe(true);
    const users = await admin.get('/api/users');
    expect(users.body.some((u: { email: string }) => u.email === 'outage@test.local')).toBe(false);
    expect((await admin.post('/api/users', { email: 'after@test.local', name: 'After', role: 'viewer', password: 'viewer-password-1' })).status).toBe(201);
  });
});
