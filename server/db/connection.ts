/** One mongoose connection per process, created by the composition root and passed down. */
import { ServiceUnavailableError } from '../../workflows/model/errors';
import mongoose, { type Connection } from 'mongoose';
import { applyDriverWriteFix } from './driver-fix';

export async function connectDatabase(uri: string): Promise<Connection> {
  applyDriverWriteFix();
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 3000,
    // notice an outage within ~2 s so requests are refused at once (503) rather than hanging
    heartbeatFrequencyMS: 2000,
    // fail fast while the database is down (503) instead of queueing commands forever
    bufferCommands: false,
    autoIndex: true,
  });
  await connection.asPromise();
  gates.set(connection, new DatabaseGate(connection));
  return connection;
}

const PROBE_EVERY_MS = 1000;

/**
 * Whether requests may go to the database. Mongoose's readyState goes to "disconnected" as soon as
 * the driver marks the server unknown (a failed heartbeat or a broken pooled connection), which is
 * when the gate closes. It cannot be trusted to come back: CI saw it stay "disconnected" after a
 * restart under load while the database answered, and saw the driver's heartbeat events missing in
 * both directions (no failure reported 30 s into an outage; no success on a comeback). So while
 * mongoose says disconnected, the gate asks the database itself: a ping every second, and the
 * last answer decides.
 */
class DatabaseGate {
  private probeOk = false;
  private probing?: NodeJS.Timeout;

  constructor(private readonly connection: Connection) {
    connection.on('disconnected', () => {
      this.probeOk = false;
      this.startProbing();
    });
    connection.on('close', () => this.stopProbing());
  }

  get open(): boolean {
    return this.connection.readyState === 1 || this.probeOk;
  }

  private startProbing(): void {
    if (this.probing) return;
    const probe = async () => {
      const state = this.connection.readyState;
      if (state === 1 || state === 3 || state === 99) return this.stopProbing();
      this.probeOk = await this.ping();
      if (this.probing) this.probing = setTimeout(() => void probe(), PROBE_EVERY_MS).unref();
    };
    this.probing = setTimeout(() => void probe(), PROBE_EVERY_MS).unref();
  }

  private stopProbing(): void {
    clearTimeout(this.probing);
    this.probing = undefined;
  }

  private async ping(): Promise<boolean> {
    try {
      await this.connection.getClient().db('admin').command({ ping: 1 });
      return true;
    } catch {
      return false;
    }
  }
}

const gates = new WeakMap<Connection, DatabaseGate>();

/** The database is there as far as this process knows (mongoose's state, or its own ping while mongoose says disconnected). */
export function databaseUp(connection: Connection): boolean {
  return gates.get(connection)?.open ?? connection.readyState === 1;
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

/** Express middleware: while the database is known to be down, answer 503 at once. */
export function requireDatabase(connection: Connection) {
  return (_req: unknown, _res: unknown, next: (err?: unknown) => void) => {
    if (databaseUp(connection)) return next();
    next(new ServiceUnavailableError('The database is not reachable (the connection is down); try again shortly'));
  };
}
