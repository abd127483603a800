/**
 * The one way connectors reach the network: egress policy on the URL and on the resolved address,
 * a time bound per try, a response size limit, in-call retries on network faults and 5xx/429
 * (Retry-After honoured), and a trace of every exchange with secrets masked.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import { ConnectorError } from './errors';
import { addressRefusal, urlRefusal, type EgressPolicy } from './egress';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep, type RetryPolicy } from './retry';
import type { SecretMasker } from './secrets';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  durationMs: number;
  attempts: number;
  text(): string;
  /** the body parsed as JSON; undefined for an empty body; a non-retryable ConnectorError when malformed */
  json(): unknown;
}

/** One try as it happened: the exact request sent and the response (secrets masked). */
export interface HttpExchange {
  attempt: number;
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body: string; truncated: boolean };
  error?: string;
  durationMs: number;
  /** the wait before the next try, when there is one */
  retryInMs?: number;
}

export interface SendOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  retry?: RetryPolicy;
  /** Retry-After above this ends the in-call retries (the engine's job retry takes over). */
  maxRetryAfterMs?: number;
}

export interface HttpClient {
  send(request: HttpRequest, options?: SendOptions): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  policy: EgressPolicy;
  masker?: SecretMasker;
  /** exchanges are appended here when given ("test this operation", debugging) */
  trace?: HttpExchange[];
  defaults?: SendOptions;
}

const TRACE_BODY_LIMIT = 16 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Long-lived keep-alive agents; one per process, handed to every per-call client. */
export class HttpTransport {
  readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  client(options: HttpClientOptions): HttpClient {
    return new GuardedHttpClient(this, options);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

class NetworkFault extends Error {}

function headersOf(res: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

class GuardedHttpClient implements HttpClient {
  constructor(
    private readonly transport: HttpTransport,
    private readonly options: HttpClientOptions,
  ) {}

  private mask(text: string): string {
    return this.options.masker ? this.options.masker.mask(text) : text;
  }

  private maskHeaders(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, this.mask(v)]));
  }

  /** Resolves the host once, refuses forbidden addresses, and pins the socket to the checked address. */
  private async pinnedLookup(url: URL): Promise<LookupFunction | undefined> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host)) return undefined;
    let addresses: dns.LookupAddress[];
    try {
      addresses = await dns.promises.lookup(host, { all: true });
    } catch (err) {
      throw new NetworkFault(`cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const a of addresses) {
      const refusal = addressRefusal(a.address, this.options.policy);
      if (refusal) throw new ConnectorError(`Refused to call ${host}: ${refusal}`, { retryable: false });
    }
    const chosen = addresses[0];
    return (_hostname, opts, callback) => {
      if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [chosen]);
      else callback(null, chosen.address, chosen.family);
    };
  }

  private async once(request: HttpRequest, url: URL, timeoutMs: number, maxBytes: number): Promise<Omit<HttpResponse, 'attempts'>> {
    const lookup = await this.pinnedLookup(url);
    const started = performance.now();
    const lib = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.transport.httpsAgent : this.transport.httpAgent;
    const headers: Record<string, string> = { ...(request.headers ?? {}) };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method: request.method.toUpperCase(), headers, agent, lookup }, (res) => {
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > maxBytes) {
          req.destroy();
          reject(new ConnectorError(`The response is larger than the limit of ${maxBytes} bytes (${declared} declared)`, { retryable: false }));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy();
            reject(new ConnectorError(`The response is larger than the limit of ${maxBytes} bytes`, { retryable: false }));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: headersOf(res),
            body,
            durationMs: performance.now() - started,
            text: () => body.toString('utf8'),
            json: () => {
              if (body.length === 0) return undefined;
              try {
                return JSON.parse(body.toString('utf8'));
              } catch {
                throw new ConnectorError(`The response of ${request.method.toUpperCase()} ${url.pathname} is not valid JSON`, { retryable: false });
              }
            },
          });
        });
        res.on('error', (err) => reject(new NetworkFault(err.message)));
      });
      const timer = setTimeout(() => req.destroy(new NetworkFault(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof NetworkFault || err instanceof ConnectorError ? err : new NetworkFault(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim()));
      });
      if (request.body !== undefined) req.write(request.body);
      req.end();
    });
  }

  async send(request: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const opts = { ...this.options.defaults, ...options };
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const retry = opts.retry ?? { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    const maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new ConnectorError(`Not a valid URL: ${this.mask(request.url)}`, { retryable: false });
    }
    const refusal = urlRefusal(url, this.options.policy);
    if (refusal) throw new ConnectorError(`Refused to call ${this.mask(url.origin)}: ${refusal}`, { retryable: false });

    for (let attempt = 1; ; attempt++) {
      const exchange: HttpExchange = {
        attempt,
        request: { method: request.method.toUpperCase(), url: this.mask(url.toString()), headers: this.maskHeaders(request.headers ?? {}), body: request.body === undefined ? undefined : this.mask(request.body) },
        durationMs: 0,
      };
      this.options.trace?.push(exchange);
      const started = performance.now();
      let waitMs: number | undefined;
      try {
        const res = await this.once(request, url, timeoutMs, maxBytes);
        exchange.durationMs = Math.round(res.durationMs * 100) / 100;
        const text = res.body.toString('utf8');
        exchange.response = { status: res.status, headers: this.maskHeaders(res.headers), body: this.mask(text.slice(0, TRACE_BODY_LIMIT)), truncated: text.length > TRACE_BODY_LIMIT };
        if (!isRetryableStatus(res.status) || attempt >= retry.maxAttempts) return { ...res, attempts: attempt };
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) return { ...res, attempts: attempt };
        waitMs = retryAfter ?? backoffDelay(attempt, retry);
      } catch (err) {
        exchange.durationMs = Math.round((performance.now() - started) * 100) / 100;
        if (!(err instanceof NetworkFault)) {
          exchange.error = this.mask((err as Error).message);
          throw err;
        }
        exchange.error = this.mask(err.message);
        if (attempt >= retry.maxAttempts) {
          throw new ConnectorError(`${request.method.toUpperCase()} ${this.mask(url.origin + url.pathname)} failed after ${attempt} ${attempt === 1 ? 'try' : 'tries'}: ${this.mask(err.message)}`, { retryable: true });
        }
        waitMs = backoffDelay(attempt, retry);
      }
      exchange.retryInMs = waitMs;
      await sleep(waitMs);
    }
  }
}
