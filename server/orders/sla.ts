/** Service-level targets per status (how long an order may stay in it) and the cycle-time histogram. */
import type { OrderStatus } from '../../workflows/model/order';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Used for ETA when no history exists yet, and to count SLA breaches. */
export const STEP_SLA_MS: Partial<Record<OrderStatus, number>> = {
  received: 15 * MIN,
  'in-review': 4 * HOUR,
  approved: 1 * HOUR,
  allocated: 4 * HOUR,
  printed: 2 * HOUR,
  packed: 24 * HOUR,
  shipped: 72 * HOUR,
};

/** Log-scale buckets (×1.25) from one second up: ±12 % precision, about 70 buckets up to a month. */
const RATIO = 1.25;

export function durationBucket(ms: number): number {
  if (ms < 1000) return 0;
  return Math.floor(Math.log(ms / 1000) / Math.log(RATIO)) + 1;
}

/** A representative duration of a bucket (its geometric middle). */
export function bucketValue(bucket: number): number {
  if (bucket === 0) return 500;
  return 1000 * RATIO ** (bucket - 0.5);
}

/** Percentile (0..1) from a histogram {bucket: count}. */
export function histogramPercentile(hist: Record<string, number>, p: number): number | null {
  const entries = Object.entries(hist)
    .map(([b, n]) => [Number(b), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (const [b, n] of entries) {
    seen += n;
    if (seen >= rank) return Math.round(bucketValue(b));
  }
  return Math.round(bucketValue(entries[entries.length - 1][0]));
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
