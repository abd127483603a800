/**
 * Signed inbound webhooks are verified over the exact bytes received, which express.json throws
 * away. This wrapper reads the raw body of POST /api/hooks/* (bounded) before express sees the
 * request; the JSON parser then finds the stream consumed and skips it, and the route reads
 * rawBodyOf(req).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export const HOOKS_PREFIX = '/api/hooks/';
const RAW = Symbol.for('ordo.rawBody');

export interface RawBody {
  body?: Buffer;
  tooLarge?: boolean;
}

export function rawBodyOf(req: IncomingMessage): RawBody {
  return (req as unknown as Record<symbol, RawBody>)[RAW] ?? {};
}

export function withRawBodyCapture(app: RequestListener, limitBytes: number): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !req.url?.startsWith(HOOKS_PREFIX)) {
      app(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const state: RawBody = {};
    req.on('data', (chunk: Buffer) => {
      if (state.tooLarge) return;
      size += chunk.length;
      if (size > limitBytes) {
        state.tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.once('end', () => {
      if (!state.tooLarge) state.body = Buffer.concat(chunks);
      (req as unknown as Record<symbol, RawBody>)[RAW] = state;
      app(req, res);
    });
    req.once('error', () => res.destroy());
  };
}
