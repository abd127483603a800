/**
 * ETA: for each remaining step on the happy path, the median of that step's last 200 durations
 * (per warehouse when at least 20 are known there), or its SLA target while history is thin.
 * The answer says which it used ("based on the last 200 orders").
 */
import { FINAL_STATUSES, ORDER_STATUS_PATH, type OrderEta, type OrderStatus } from '../../workflows/model/order';
import type { BucketStore } from './bucket-store';
import { median, STEP_SLA_MS } from './sla';
import type { OrderDoc } from './order.model';

const MIN_SAMPLES = 5;
const MIN_WAREHOUSE_SAMPLES = 20;

export class EtaService {
  private readonly cache = new Map<string, { at: number; samples: number[] }>();

  constructor(
    private readonly buckets: BucketStore,
    private readonly cacheMs = 30_000,
  ) {}

  private async samples(id: string): Promise<number[]> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.samples;
    const samples = (await this.buckets.get(id))?.samples ?? [];
    this.cache.set(id, { at: Date.now(), samples });
    return samples;
  }

  async eta(order: Pick<OrderDoc, 'status' | 'statusSince' | 'heldFrom' | 'allocation'>, now = new Date()): Promise<OrderEta> {
    if (FINAL_STATUSES.includes(order.status)) {
      return { eta: null, basis: order.status === 'delivered' ? 'delivered' : `no delivery: the order is ${order.status}`, sampleSize: 0, steps: [] };
    }
    const current: OrderStatus = order.status === 'on-hold' ? (order.heldFrom ?? 'received') : order.status;
    const start = ORDER_STATUS_PATH.indexOf(current);
    const remaining = ORDER_STATUS_PATH.slice(Math.max(start, 0), -1);
    const warehouse = order.allocation?.warehouse;
    const steps: OrderEta['steps'] = [];
    let total = 0;
    let historyCount = Infinity;
    for (const status of remaining) {
      let samples = warehouse ? await this.samples(`t:${status}|${warehouse}`) : [];
      if (samples.length < MIN_WAREHOUSE_SAMPLES) samples = await this.samples(`t:${status}`);
      const m = samples.length >= MIN_SAMPLES ? median(samples) : null;
      let expectedMs = m ?? STEP_SLA_MS[status] ?? 0;
      const source = m === null ? 'sla' : 'history';
      if (source === 'history') historyCount = Math.min(historyCount, samples.length);
      if (status === current) expectedMs = Math.max(0, expectedMs - (now.getTime() - new Date(order.statusSince).getTime()));
      steps.push({ status, expectedMs: Math.round(expectedMs), source });
      total += expectedMs;
    }
    const fromHistory = steps.filter((s) => s.source === 'history').length;
    const basis =
      fromHistory === 0
        ? 'SLA targets per step (no history yet)'
        : fromHistory === steps.length
          ? `median step durations of the last ${historyCount} orders${warehouse ? ` (warehouse ${warehouse} where known)` : ''}`
          : `median step durations of the last ${historyCount} orders, SLA targets for ${steps.length - fromHistory} step(s) without history`;
    const sampleSize = Number.isFinite(historyCount) ? historyCount : 0;
    return { eta: new Date(now.getTime() + total).toISOString(), basis, sampleSize, steps };
  }
}
