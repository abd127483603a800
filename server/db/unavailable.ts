/** Which driver errors mean "the database is not there right now" (answered 503, retried later) rather than a fault. */

const UNREACHABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/**
 * Server answers that mean "not now" rather than "wrong": MongoDB shutting down or stepping down
 * (InterruptedAtShutdown, ShutdownInProgress, PrimarySteppedDown, NotWritablePrimary, ...). FerretDB
 * answers an operation it cancels while it stops with InternalError "context canceled".
 */
const NOT_NOW_CODES = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: number; message?: string } | undefined;
  if (!e?.name) return false;
  if (UNREACHABLE.has(e.name)) return true;
  if (e.name === 'MongoServerError') return (e.code !== undefined && NOT_NOW_CODES.has(e.code)) || /context canceled/.test(e.message ?? '');
  // mongoose with bufferCommands off, before its first connection
  return /before initial connection is complete|Client must be connected/.test(e.message ?? '');
}
