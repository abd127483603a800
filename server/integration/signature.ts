/**
 * Webhook signatures, one scheme both ways: X-Ordo-Timestamp (unix seconds) and
 * X-Ordo-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>. Several v1 values may
 * be sent (during a secret rotation); any one matching is enough. Old timestamps are refused.
 */
import crypto from 'node:crypto';
import { UnauthenticatedError } from '../../workflows/model/errors';

export const TIMESTAMP_HEADER = 'x-ordo-timestamp';
export const SIGNATURE_HEADER = 'x-ordo-signature';
export const DEFAULT_TOLERANCE_SEC = 300;

export function signPayload(secret: string, timestampSec: number, body: string | Buffer): string {
  return `v1=${crypto.createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest('hex')}`;
}

export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64url')}`;
}

export function verifySignature(args: { secret: string; timestamp: string | undefined; signature: string | undefined; body: Buffer; toleranceSec?: number; nowMs?: number }): void {
  const tolerance = args.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  if (!args.timestamp || !args.signature) throw new UnauthenticatedError('Missing X-Ordo-Timestamp or X-Ordo-Signature header');
  if (!/^\d{1,12}$/.test(args.timestamp)) throw new UnauthenticatedError('X-Ordo-Timestamp must be unix seconds');
  const ts = Number(args.timestamp);
  const skew = Math.abs((args.nowMs ?? Date.now()) / 1000 - ts);
  if (skew > tolerance) throw new UnauthenticatedError(`The signature timestamp is ${Math.round(skew)} s away from now (tolerance ${tolerance} s): refused as a possible replay`);
  const expected = Buffer.from(signPayload(args.secret, ts, args.body));
  const given = args.signature.split(/[\s,]+/).filter((s) => s.startsWith('v1='));
  const ok = given.some((g) => {
    const b = Buffer.from(g);
    return b.length === expected.length && crypto.timingSafeEqual(b, expected);
  });
  if (!ok) throw new UnauthenticatedError('The webhook signature does not match');
}
