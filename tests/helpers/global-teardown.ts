import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__ORDO_TEST_DB__;
  if (!state?.db) return;
  await state.db.stop();
  if (state.dir) fs.rmSync(state.dir, { recursive: true, force: true });
}
