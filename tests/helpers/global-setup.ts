/**
 * One database server for the whole run: MONGODB_URI when given, else an embedded FerretDB in a
 * temporary folder. Each test file then takes its own database on it (tests/helpers/db.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureFerretdbBinary, startFerretdb, type EmbeddedDatabase } from '../../server/db/ferretdb';

declare global {
  var __ORDO_TEST_DB__: { db?: EmbeddedDatabase; dir?: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.ORDO_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const binary = ensureFerretdbBinary({ explicit: process.env.FERRETDB_BIN, progress: (m) => process.stdout.write(`${m}\n`) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-test-db-'));
  const db = await startFerretdb({ dataDir: dir, binary, database: 'ordo_test' });
  globalThis.__ORDO_TEST_DB__ = { db, dir };
  process.env.ORDO_TEST_MONGODB_URI = db.uri;
}
