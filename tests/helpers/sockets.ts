/** A socket.io client signed in like the designer: it sends the session cookie. */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/contracts/realtime';
import type { ApiClient } from './server';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** `headers`: more handshake headers (e.g. the Origin a browser page would send) */
export async function connectSocket(baseUrl: string, client?: ApiClient, headers: Record<string, string> = {}): Promise<TestSocket> {
  const socket: TestSocket = io(baseUrl, {
    transports: ['websocket'],
    extraHeaders: { ...(client?.cookieHeader ? { cookie: client.cookieHeader } : {}), ...headers },
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return socket;
}

/** Resolves with the next event of that name, or rejects after `ms`. */
export function nextEvent<E extends keyof ServerToClientEvents>(socket: TestSocket, name: E, ms = 5000): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(name)} within ${ms} ms`)), ms);
    socket.once(name as any, ((payload: any) => {
      clearTimeout(timer);
      resolve(payload);
    }) as any);
  });
}

/** Collects every event of that name (to prove that one did NOT arrive). */
export function collect<E extends keyof ServerToClientEvents>(socket: TestSocket, name: E): Array<Parameters<ServerToClientEvents[E]>[0]> {
  const seen: any[] = [];
  socket.on(name as any, ((p: any) => seen.push(p)) as any);
  return seen;
}
