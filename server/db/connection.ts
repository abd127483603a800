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
  return connection;
}

export async function databaseReachable(connection: Connection): Promise<boolean> {
  try {
    if (connection.readyState !== 1 || !connection.db) return false;
    await connection.db.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

/** Express middleware: while the driver knows the database is down, answer 503 at once. */
export function requireDatabase(connection: Connection) {
  return (_req: unknown, _res: unknown, next: (err?: unknown) => void) => {
    if (connection.readyState === 1) return next();
    next(new ServiceUnavailableError('The database is not reachable (the connection is down); try again shortly'));
  };
}
