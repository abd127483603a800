/** Bench harness: a throw-away FerretDB and Ordo nodes in this process, loopback only. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { startOrdo, type RunningOrdo } from '../../server/main';
import { ensureFerretdbBinary, startFerretdb, type EmbeddedDatabase } from '../../server/db/ferretdb';

export const BENCH_ADMIN = { email: 'bench-admin@ordo.local', password: 'bench-admin-password-1' };
/** nodes of one bench deployment share the key that seals credentials */
const BENCH_SECRET_KEY = crypto.randomBytes(32).toString('hex');

export async function startBenchDatabase(): Promise<EmbeddedDatabase & { dir: string; restart(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-bench-db-'));
  const binary = ensureFerretdbBinary({ explicit: process.env.FERRETDB_BIN });
  let db = await startFerretdb({ dataDir: dir, binary, database: 'bench' });
  return {
    ...db,
    dir,
    /**
     * Stops and starts FerretDB on the same port and files, as a restarted Ordo would: the collections
     * created meanwhile get their _id index (server/db/ferretdb.ts addIdIndexes). Connections reconnect.
     */
    async restart() {
      await db.stop();
      db = await startFerretdb({ dataDir: dir, binary, database: 'bench', port: db.port });
    },
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBenchOrdo(uri: string, env: Record<string, string> = {}): Promise<RunningOrdo> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    MONGODB_URI: uri,
    ORDO_ADMIN_EMAIL: BENCH_ADMIN.email,
    ORDO_ADMIN_PASSWORD: BENCH_ADMIN.password,
    SECRET_KEY: BENCH_SECRET_KEY,
    DESIGNER_AUTOBUILD: 'false',
    ...env,
  });
  const ordo = await startOrdo(config, { serveDesigner: false });
  return {
    ...ordo,
    async close() {
      await ordo.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A plain text table: the readable part of every bench's output. */
export function table(rows: Array<Record<string, string | number>>): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i])).join('  ');
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}
