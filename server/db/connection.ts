/** One mongoose connection per process, created by the composition root and passed down. */
import mongoose, { type Connection } from 'mongoose';

export async function connectDatabase(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 5000,
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
