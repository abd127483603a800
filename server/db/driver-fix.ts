/**
 * A fix for a hang in the MongoDB Node driver (7.8 under mongoose 9, and 7.9): a command larger than
 * the socket's buffer (16 KB: an instance document, a batch of tasks) is sent, then the driver waits
 * for the socket's 'drain' event. When the server closes the connection gracefully meanwhile (a
 * restart, a replica set step-down), Node ends the socket and never emits 'drain' on an ending
 * socket; the driver closes the connection but does not tell the waiting writer. The operation then
 * never settles: it held a flow start and the node's shutdown forever in the database outage test
 * (found by inspecting the hung process: a closed connection still checked out, its 'drain'
 * listener waiting). Here a pending write also ends when its connection closes, with the
 * connection's own network error, so the caller sees an ordinary MongoNetworkError (503, retried);
 * the same for a write that fails on a socket the server already ended (the driver passed on the
 * raw EPIPE, which answered 500).
 */
import path from 'node:path';

interface DriverConnection {
  closed: boolean;
  error?: Error | null;
  id: number | string;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  writeCommand(command: unknown, options: unknown): Promise<void>;
}

const PATCHED = Symbol.for('ordo.driverWriteFix');

function patch(proto: DriverConnection & { [PATCHED]?: boolean }): void {
  if (proto[PATCHED]) return;
  const original = proto.writeCommand;
  proto.writeCommand = function writeCommand(this: DriverConnection, command: unknown, options: unknown): Promise<void> {
    const closedError = () => this.error ?? new Error(`connection ${this.id} closed while a command was being sent`);
    if (this.closed) return Promise.reject(closedError());
    return new Promise<void>((resolve, reject) => {
      const onClose = () => reject(closedError());
      this.once('close', onClose);
      // a raw socket error (EPIPE after the server's FIN) closed the connection first: its network error is the one to report
      original.call(this, command, options).then(resolve, (err: unknown) => reject(this.closed && this.error ? this.error : err)).finally(() => this.off('close', onClose));
    });
  };
  proto[PATCHED] = true;
}

/** The driver's Connection class of the mongodb package resolved from `from` (its lib/cmap/connection.js). */
function connectionPrototype(from: string): DriverConnection | undefined {
  try {
    const main = require.resolve('mongodb', { paths: [from] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(path.dirname(main), 'cmap', 'connection.js')) as { Connection?: { prototype: DriverConnection } };
    return typeof mod.Connection?.prototype.writeCommand === 'function' ? mod.Connection.prototype : undefined;
  } catch {
    return undefined;
  }
}

/** Applies the fix to the driver mongoose uses and to the project's own copy (idempotent). Returns how many copies it patched. */
export function applyDriverWriteFix(): number {
  const mongooseDir = path.dirname(require.resolve('mongoose/package.json'));
  const protos = new Set([connectionPrototype(mongooseDir), connectionPrototype(__dirname)].filter((p): p is DriverConnection => p !== undefined));
  for (const proto of protos) patch(proto);
  return protos.size;
}
