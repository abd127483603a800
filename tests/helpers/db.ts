/** Each test file gets its own database on the run's server (never a mock). */
import crypto from 'node:crypto';
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../server/db/connection';

export function testDatabaseUri(label = 't'): string {
  const base = process.env.ORDO_TEST_MONGODB_URI;
  if (!base) throw new Error('ORDO_TEST_MONGODB_URI is not set: run the tests through jest (tests/helpers/global-setup.ts)');
  const url = new URL(base);
  const safe = label.replace(/[^a-zA-Z0-9]/g, '_').slice(0, 20);
  url.pathname = `/${safe}_${crypto.randomBytes(4).toString('hex')}`;
  return url.toString();
}

/** Connects in beforeAll, drops the database and disconnects in afterAll. */
export function useTestConnection(label?: string): { readonly connection: Connection; readonly uri: string } {
  const state: { connection?: Connection; uri: string } = { uri: testDatabaseUri(label) };
  beforeAll(async () => {
    state.connection = await connectDatabase(state.uri);
  });
  afterAll(async () => {
    if (!state.connection) return;
    await state.connection.dropDatabase().catch(() => undefined);
    await state.connection.close();
  });
  return {
    get connection() {
      if (!state.connection) throw new Error('connection used outside a test');
      return state.connection;
    },
    get uri() {
      return state.uri;
    },
  };
}
