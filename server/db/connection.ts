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
 * Whether requests may go to the database. Mongoose's readyState leaves "connected" in two ways:
 * with a 'disconnected' event (the driver marked the server unknown: a known failure), and without
 * one when no heartbeat succeeded for two heartbeat intervals (its getter reports "disconnected";
 * CI saw that 30 s into an outage with no heartbeat failure reported, and it also happens on a
 * loaded node whose heartbeats are merely late). It cannot be trusted to come back either (CI saw it
 * stay "disconnected" after a restart while the database answered). So while it is not
 * "connected", the gate asks the database itself, a ping every second, and the last answer
 * decides; until the first answer, a known failure keeps the gate shut and a late heartbeat does
 * not.
 */
class DatabaseGate {
  private probeOk = false;
  private probing?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly connection: Connection) {
    connection.on('disconnected', () => {
      this.probeOk = false;
      this.startProbing();
    });
    connection.on('close', () => {
      this.closed = true;
      this.stopProbing();
    });
  }

  get open(): boolean {
    if (this.closed) return false;
    if (this.connection.readyState === 1) return true;
    if (!this.probing) {
      this.probeOk = true; // no failure known yet: only late heartbeats
      this.startProbing();
    }
    return this.probeOk;
  }

  private startProbing(): void {
    if (this.probing || this.closed) return;
    const probe = async () => {
      if (this.connection.readyState === 1 || this.closed) return this.stopProbing();
      this.probeOk = await this.ping();
      if (this.probing) this.probing = setTimeout(() => void probe(), PROBE_EVERY_MS).unref();
    };
    this.probing = setTimeout(() => void probe(), PROBE_EVERY_MS).unref();
  }

  private stopProbing(): void {
    clearTimeout(this.probing);
    this.probing = undefined;
    this.probeOk = false;
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
