/**
 * Following a long job's progress over socket.io (print batches, bulk completion): the socket asks to
 * join the job's room (`job.watch`, refused when the record scope does not cover the job) and hands
 * that job's `progress` events to a callback until stop().
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ProgressEvent, ServerToClientEvents } from '../../server/contracts/realtime';

export type OrdoSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket of the signed-in user (same session cookie as the page). */
export const openSocket = (): OrdoSocket => io({ withCredentials: true });

/** Resolves once the room is joined (or the server did not answer in 5 s: the job runs anyway); returns stop(). */
export async function followJob(socket: OrdoSocket, jobId: string, onProgress: (e: ProgressEvent) => void): Promise<() => void> {
  const handler = (e: ProgressEvent) => {
    if (e.jobId === jobId) onProgress(e);
  };
  socket.on('progress', handler);
  await socket
    .timeout(5000)
    .emitWithAck('job.watch', jobId)
    .catch(() => undefined);
  return () => socket.off('progress', handler);
}
