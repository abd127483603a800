/**
 * `npm start` as a newcomer runs it: no MONGODB_URI, a fresh DATA_DIR, the embedded FerretDB from
 * .tools/bin. First run prints the URL and a one-time admin password; the admin creates an operator;
 * SIGTERM stops Ordo (exit 0) and its FerretDB; a restart keeps both users and prints no password.
 * A SIGKILLed Ordo leaves its FerretDB behind: the next start stops that one before its own; a
 * second Ordo on the files of a running one refuses to start.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../../server/db/connection';
import { PID_FILE } from '../../server/db/ferretdb';
import { startChildOrdo, until, type ChildOrdo } from '../helpers/child-ordo';
import { ApiClient } from '../helpers/server';

jest.setTimeout(180_000);

/** What `npm start` sees on a machine with nothing configured (the runner's own settings blanked: empty = unset). */
const embeddedEnv = (dataDir: string): Record<string, string> => ({
  DATA_DIR: dataDir,
  MONGODB_URI: '',
  FERRETDB_BIN: '',
  ORDO_ADMIN_EMAIL: '',
  ORDO_ADMIN_PASSWORD: '',
  SECRET_KEY: '',
  LOG_LEVEL: 'info',
});

/** Every live FerretDB process on the SQLite files of `dbDir`, found in /proc independently of Ordo's pid file. */
function ferretdbsOn(dbDir: string): Array<{ pid: number; port: number }> {
  const found: Array<{ pid: number; port: number }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!/ferretdb$/.test(args[0] ?? '') || !args.includes(`--sqlite-url=file:${dbDir}/`)) continue;
    const listen = args.find((a) => a.startsWith('--listen-addr='));
    found.push({ pid: Number(entry), port: Number(listen?.split(':').pop()) });
  }
  return found;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

const exited = (child: ChildOrdo) => ({ code: child.proc.exitCode, signal: child.proc.signalCode });

/** DATA_DIR/db/ferretdb.pid: "<FerretDB's pid> <its Ordo's pid>" */
const pidFileOf = (dbDir: string) => fs.readFileSync(path.join(dbDir, PID_FILE), 'utf8').trim().split(' ').map(Number);

describe('npm start with the embedded database', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-embedded-'));
  const dbDir = path.join(dataDir, 'db');
  const operator = { email: 'op@ordo.local', password: 'operator-pass-1' };
  let admin: { email: string; password: string };
  let ordo: ChildOrdo | undefined;

  afterAll(async () => {
    await ordo?.stop();
    for (const { pid } of ferretdbsOn(dbDir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('given an empty DATA_DIR, when started, then it prints the URL and a one-time admin password, and the admin creates an operator', async () => {
    ordo = await startChildOrdo(embeddedEnv(dataDir));
    const out = ordo.output();
    expect(out).toMatch(/Ordo is running at http:\/\/127\.0\.0\.1:\d+/);
    const printed = out.match(/e-mail:\s+(\S+)\s+password:\s+(\S+)/);
    expect(printed).not.toBeNull();
    admin = { email: printed![1], password: printed![2] };
    expect(admin.email).toBe('admin@ordo.local');
    expect(admin.password.length).toBeGreaterThanOrEqual(16);
    expect(out).toMatch(/shown once/);
    // the embedded database and the generated secret key live in DATA_DIR
    expect(ferretdbsOn(dbDir)).toHaveLength(1);
    expect(fs.existsSync(path.join(dataDir, 'secret.key'))).toBe(true);

    const adminClient = await new ApiClient(ordo.url).login(admin.email, admin.password);
    const created = await adminClient.post('/api/users', { email: operator.email, name: 'Operator', role: 'operator', password: operator.password });
    expect(created.status).toBe(201);
    await new ApiClient(ordo.url).login(operator.email, operator.password);
  });

  it('given a request, then its answer carries a request id that its log line carries too, and stored passwords are argon2id hashes', async () => {
    const res = await new ApiClient(ordo!.url).get('/api/users'); // a 401 is logged at info
    expect(res.status).toBe(401);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await until('the log line of that request', async () =>
      ordo!
        .output()
        .split('\n')
        .some((line) => line.includes(id!) && (JSON.parse(line) as { req?: { id?: string } }).req?.id === id),
    );

    const [db] = ferretdbsOn(dbDir);
    const connection = await connectDatabase(`mongodb://127.0.0.1:${db.port}/ordo`);
    try {
      const users = await connection.collection<{ email: string; passwordHash: string }>('users').find({}).toArray();
      expect(users.map((u) => u.email).sort()).toEqual([admin.email, operator.email]);
      for (const u of users) expect(u.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,/);
    } finally {
      await connection.close();
    }
  });

  it('given a running Ordo, when a second one starts on its DATA_DIR, then the second refuses naming the first, which runs on', async () => {
    const [db] = ferretdbsOn(dbDir);
    expect(pidFileOf(dbDir)).toEqual([db.pid, ordo!.proc.pid]);
    await expect(startChildOrdo(embeddedEnv(dataDir))).rejects.toThrow(new RegExp(`exited with 1:[\\s\\S]*Ordo cannot start: The embedded database in \\S+ is in use by another running Ordo \\(pid ${ordo!.proc.pid}\\)`));
    expect(ferretdbsOn(dbDir)).toEqual([db]);
    await new ApiClient(ordo!.url).login(admin.email, admin.password);
  });

  it('given a running Ordo, when sent SIGTERM, then it exits 0 and its FerretDB is gone', async () => {
    const [db] = ferretdbsOn(dbDir);
    await ordo!.stop('SIGTERM');
    expect(exited(ordo!)).toEqual({ code: 0, signal: null });
    // Ordo waited for FerretDB before exiting: no polling needed
    expect(ferretdbsOn(dbDir)).toEqual([]);
    expect(await accepts(db.port)).toBe(false);
    expect(fs.existsSync(path.join(dbDir, PID_FILE))).toBe(false);
  });

  it('given the same DATA_DIR, when started again, then both users sign in and no password is printed', async () => {
    ordo = await startChildOrdo(embeddedEnv(dataDir));
    expect(ordo.output()).not.toMatch(/password:|Created the first admin/);
    expect(ordo.output()).not.toContain(admin.password);
    await new ApiClient(ordo.url).login(admin.email, admin.password);
    await new ApiClient(ordo.url).login(operator.email, operator.password);
  });

  it('given an Ordo killed with SIGKILL, when started again, then it stops the orphaned FerretDB and runs with exactly one', async () => {
    const [orphan] = ferretdbsOn(dbDir);
    await ordo!.stop('SIGKILL');
    expect(exited(ordo!).signal).toBe('SIGKILL');
    // what the fix is for: the killed Ordo could not stop its FerretDB
    expect(ferretdbsOn(dbDir)).toEqual([orphan]);
    expect(await accepts(orphan.port)).toBe(true);

    ordo = await startChildOrdo(embeddedEnv(dataDir));
    const running = ferretdbsOn(dbDir);
    expect(running).toHaveLength(1);
    expect(running[0].pid).not.toBe(orphan.pid);
    expect(pidFileOf(dbDir)).toEqual([running[0].pid, ordo.proc.pid]);
    await new ApiClient(ordo.url).login(admin.email, admin.password);
    await new ApiClient(ordo.url).login(operator.email, operator.password);
  });
});

describe('npm start with a malformed setting', () => {
  it('given MONGODB_URI and PORT that are not valid, when started, then it exits 78 naming each variable and why', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-badcfg-'));
    try {
      const start = startChildOrdo({ DATA_DIR: dataDir, MONGODB_URI: 'http://db.example:27017/ordo', PORT: 'eighty' });
      await expect(start).rejects.toThrow(/child Ordo exited with 78:\s*Ordo cannot start: Invalid configuration: .*PORT .+; .*MONGODB_URI must start with mongodb:\/\/ or mongodb\+srv:\/\//);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
