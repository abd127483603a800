/** One mongoose connection per process, created by the composition root and passed down. */
import { ServiceUnavailableError } from '../../workflows/model/errors';
import mongoose, { type Connection } from 'mongoose';

export async function connectDatabase(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 3000,
    // notice an outage within ~2 s so requests are refused at once (503) rather than hanging
    heartbeatFrequencyMS: 2000,
    // fail fast while the database is down (503) instead of queueing commands forever
    bufferCommands: false,
    autoIndex: true,
  });
  await connection.asPromise();
  followHeartbeats(connection);
  return connection;
}

/**
 * The driver's own view of the server, from its heartbeats (every 2 s). Mongoose's readyState can
 * stay "disconnected" after the database comes back (seen once in CI after a restart under load:
 * every request refused 90 s later while the database answered), so the gate also trusts a heartbeat
 * that succeeded since the last one that failed.
 */
const heartbeatUp = new WeakMap<Connection, boolean>();

function followHeartbeats(connection: Connection): void {
  const client = connection.getClient();
  heartbeatUp.set(connection, true);
  client.on('serverHeartbeatSucceeded', () => heartbeatUp.set(connection, true));
  client.on('serverHeartbeatFailed', () => heartbeatUp.set(connection, false));
}

/** The database is there as far as this process knows (mongoose's state or the driver's last heartbeat). */
export function databaseUp(connection: Connection): boolean {
  return connection.readyState === 1 || heartbeatUp.get(connection) === true;
}

export async function databaseReachable(connection: Connection): Promise<boolean> {
  try {
    if (!databaseUp(connection) || !connection.db) return false;
    await connection.db.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

/** Express middleware: while the driver knows the database is down, answer 503 at once. */
export function requireDatabase(connection: Connection) {
  return (_req: unknown, _res: unknown, next: (err?: unknown) => void) => {
    if (databaseUp(connection)) return next();
    next(new ServiceUnavailableError('The database is not reachable (the connection is down); try again shortly'));
  };
}
