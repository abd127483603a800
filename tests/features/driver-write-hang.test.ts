/**
 * The database closes a connection gracefully (a restart, a step-down) while a large command is
 * still being sent on it: the operation must fail with a network error, not hang forever (it did:
 * server/db/driver-fix.ts). Played with a real FerretDB behind a loopback TCP relay that stops
 * reading, so that the driver's write of a 15 MB document stays pending, then closes its side.
 */
import net from 'node:net';
import mongoose from 'mongoose';
import { applyDriverWriteFix } from '../../server/db/driver-fix';
import { testDatabaseUri } from '../helpers/db';

jest.setTimeout(120_000);

/** A TCP relay in front of the database whose client side can be held (not read) and then closed. */
async function startRelay(upstream: URL) {
  const clients = new Set<net.Socket>();
  let holding = false;
  const server = net.createServer((client) => {
    clients.add(client);
    const db = net.connect(Number(upstream.port), upstream.hostname);
    client.on('data', (chunk) => {
      if (!holding) db.write(chunk);
    });
    db.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      db.destroy();
      clients.delete(client);
    };
    client.on('close', end).on('error', end);
    db.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** stop reading what clients send: their writes pile up in their own buffers */
    hold() {
      holding = true;
      for (const c of clients) c.pause();
    },
    /** new connections are relayed again */
    release() {
      holding = false;
    },
    /** a graceful close of every client connection (FIN), then read and drop what they still send */
    closeGracefully() {
      for (const c of clients) {
        c.end();
        c.resume();
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a connection closed by the database while a large command is being sent', () => {
  it('given a 15 MB insert stuck in the socket buffer, when the server ends the connection, then the insert fails with a network error instead of hanging', async () => {
    expect(applyDriverWriteFix()).toBeGreaterThanOrEqual(1);
    const target = new URL(testDatabaseUri('driver_write'));
    const relay = await startRelay(target);
    const relayed = new URL(target.toString());
    relayed.port = String(relay.port);
    // the driver copy mongoose uses, one pooled connection, commands observable
    const connection = mongoose.createConnection(relayed.toString(), { maxPoolSize: 1, serverSelectionTimeoutMS: 3000, heartbeatFrequencyMS: 60_000, bufferCommands: false, monitorCommands: true });
    await connection.asPromise();
    const client = connection.getClient();
    try {
      await connection.db!.collection('big').insertOne({ _id: 'warm-up' } as never);
      relay.hold();
      let started!: () => void;
      const sending = new Promise<void>((resolve) => (started = resolve));
      client.on('commandStarted', (e) => e.commandName === 'insert' && started());
      const insert = connection.db!.collection('big').insertOne({ _id: 'large', blob: 'x'.repeat(15 * 1024 * 1024) } as never).then(
        () => 'inserted',
        (err: Error) => err.name,
      );
      await sending;
      // the driver has handed the command to the socket; loopback buffers cannot take 15 MB
      await new Promise((r) => setTimeout(r, 200));
      relay.closeGracefully();
      const outcome = await Promise.race([insert, new Promise((r) => setTimeout(() => r('still pending after 30 s'), 30_000).unref())]);
      expect(outcome).toBe('MongoNetworkError');
      // and the driver recovers: the next command goes through on a new connection
      relay.release();
      await connection.db!.collection('big').insertOne({ _id: 'after' } as never);
      expect(await connection.db!.collection('big').countDocuments({ _id: { $in: ['warm-up', 'after'] } } as never)).toBe(2);
    } finally {
      await connection.close(true).catch(() => undefined);
      await relay.close();
    }
  });
});
