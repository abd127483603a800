/**
 * Demo data for a newcomer: a month of historical orders across channels and states (so reports,
 * ETAs and the timeline have substance) plus a few dozen live orders that go through the real
 * intake paths and start the real flow. Refuses a database that already holds orders.
 */
import { ConflictError } from '../../workflows/model/errors';
import { ANONYMOUS } from '../auth/principal';
import type { EmailIntake } from '../intake/email-intake';
import type { OrdersModule } from './index';
import { rng, SAMPLE_CHANNELS, sampleInput, simulateHistory } from './sample-orders';

export interface DemoDataResult {
  historical: number;
  live: number;
  numbers: string[];
}

export async function hasOrders(mod: OrdersModule): Promise<boolean> {
  return (await mod.collections.orders.findOne({}, { projection: { _id: 1 } })) !== null;
}

function demoMail(i: number, input: ReturnType<typeof sampleInput>): Buffer {
  const a = input.shippingAddress;
  const lines = input.lines.map((l) => `- ${l.quantity} x ${l.sku} ${l.name} @ ${l.unitPrice}`);
  return Buffer.from(
    [
      `From: ${input.customer.name} <demo-buyer${i}@demo.example>`,
      'To: orders@ordo.local',
      `Subject: Order DEMO-MAIL-${i}`,
      `Message-ID: <demo-mail-${i}@demo.example>`,
      `Date: ${new Date().toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Reference: DEMO-MAIL-${i}`,
      `Customer: ${input.customer.name}`,
      `Ship to: ${a.line1}, ${a.city}, ${a.postcode}, ${a.country}`,
      `Currency: ${input.currency}`,
      'Lines:',
      ...lines,
      '',
    ].join('\r\n'),
    'utf8',
  );
}

export async function loadDemoData(mod: OrdersModule, opts: { email?: EmailIntake; historical?: number; live?: number; seed?: number; now?: Date } = {}): Promise<DemoDataResult> {
  if (await hasOrders(mod)) throw new ConflictError('The database already holds orders; demo data is only loaded into an empty one');
  const now = opts.now ?? new Date();
  const r = rng(opts.seed ?? 7);
  const historical = opts.historical ?? 260;
  const live = opts.live ?? 40;
  // history: created over the last 30 days, each with its status events
  const prepared = Array.from({ length: historical }, (_, i) => mod.orders.prepare({ ...sampleInput(i, r), externalId: `DEMO-H${i + 1}` }, { channel: SAMPLE_CHANNELS[i % SAMPLE_CHANNELS.length] }));
  const at = Array.from({ length: historical }, () => new Date(now.getTime() - (0.05 + r() * 29.9) * 86_400_000)).sort((a, b) => a.getTime() - b.getTime());
  const numbers = await mod.orders.allocateNumbers(now.getUTCFullYear(), historical);
  const docs = mod.orders.draftDocs(prepared, { principal: ANONYMOUS, actorLabel: 'demo data' }, numbers, at).map((d) => simulateHistory(d, r, now));
  await mod.orders.insertHistorical(docs);
  await mod.rebuildIndex();
  // live: through the real intake paths; their flows start now
  const created: string[] = [];
  for (let i = 0; i < live; i++) {
    const input = sampleInput(historical + i, r);
    const channel = SAMPLE_CHANNELS[i % SAMPLE_CHANNELS.length];
    if (channel === 'email' && opts.email) {
      const res = await opts.email.receive(demoMail(i + 1, input));
      created.push(...res.orders);
      continue;
    }
    const res = await mod.orders.intake({ ...input, externalId: `DEMO-L${i + 1}` }, { principal: ANONYMOUS, channel, actorLabel: 'demo data' });
    created.push(res.order.number);
  }
  await mod.buckets.drain();
  return { historical, live: created.length, numbers: [...numbers, ...created] };
}
