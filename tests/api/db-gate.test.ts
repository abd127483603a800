/**
 * The connection gate (server/db/connection.ts) when mongoose's state and the database disagree:
 * mongoose reporting "disconnected" while the database answers must not shut Ordo out for good.
 * The full outage (database stopped and restarted under load) is tests/api/db-outage.test.ts.
 */
import { databaseUp } from '../../server/db/connection';
import { until } from '../helpers/child-ordo';
import { useTestConnection } from '../helpers/db';

describe('database gate', () => {
  const db = useTestConnection('db_gate');

  it('given mongoose reports disconnected (a known failure), then the gate shuts at once, and reopens on its own ping while mongoose still says disconnected', async () => {
    const connection = db.connection;
    // mongoose types readyState as read-only; its setter is what mongoose itself calls on a state change
    const setState = (state: 0 | 1) => ((connection as unknown as { readyState: number }).readyState = state);
    expect(databaseUp(connection)).toBe(true);
    // what mongoose does when the driver marks the server unknown: state 0 and a 'disconnected' event
    setState(0);
    expect(databaseUp(connection)).toBe(false);
    // the database itself answers: the gate's ping reopens it, mongoose's state notwithstanding
    await until('the gate to reopen', async () => databaseUp(connection), 20_000);
    expect(connection.readyState).toBe(0);
    setState(1);
    expect(databaseUp(connection)).toBe(true);
    expect(await connection.db!.admin().command({ ping: 1 })).toMatchObject({ ok: 1 });
  });
});
