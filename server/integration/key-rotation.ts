/**
 * Re-encrypts every stored secret (credentials, webhook signing secrets) with a new key. Records
 * are rewritten one by one, each update conditional on the key id it was read with, so the run can
 * be interrupted and repeated; until it completes, nodes need the old key in SECRET_KEYS_PREVIOUS.
 */
import type { Connection, Model } from 'mongoose';
import { credentialAad, credentialModel } from './credentials.service';
import { subscriptionAad } from './delivery-worker';
import { inboundAad } from './webhooks.service';
import { SecretBox, type Sealed } from './secret-box';
import { webhookModels } from './webhooks.models';

export interface RotationReport {
  newKeyId: string;
  credentials: number;
  webhookSubscriptions: number;
  inboundWebhooks: number;
  alreadyCurrent: number;
}

async function rotateCollection<T extends { _id: unknown }>(model: Model<T>, field: string, aadOf: (doc: T) => string, from: SecretBox, to: SecretBox, report: RotationReport): Promise<number> {
  let changed = 0;
  const docs = (await model.find({}, { [field]: 1, name: 1 }).lean()) as unknown as T[];
  for (const doc of docs) {
    const sealed = (doc as Record<string, unknown>)[field] as Sealed | undefined;
    if (!sealed) continue;
    if (sealed.keyId === to.currentKeyId) {
      report.alreadyCurrent++;
      continue;
    }
    const plain = from.open(sealed, aadOf(doc));
    const res = await model.updateOne({ _id: doc._id, [`${field}.keyId`]: sealed.keyId } as never, { $set: { [field]: to.seal(plain, aadOf(doc)) } } as never);
    changed += res.modifiedCount;
  }
  return changed;
}

/** `from` must open every record (current + previous keys); `to` seals with the new key. */
export async function rotateSecretKey(connection: Connection, from: SecretBox, to: SecretBox): Promise<RotationReport> {
  const report: RotationReport = { newKeyId: to.currentKeyId, credentials: 0, webhookSubscriptions: 0, inboundWebhooks: 0, alreadyCurrent: 0 };
  const m = webhookModels(connection);
  report.credentials = await rotateCollection(credentialModel(connection) as never, 'sealed', (d) => credentialAad(String((d as { name?: string }).name)), from, to, report);
  report.webhookSubscriptions = await rotateCollection(m.Subscription as never, 'secret', (d: { _id: unknown }) => subscriptionAad(String(d._id)), from, to, report);
  report.inboundWebhooks = await rotateCollection(m.InboundHook as never, 'secret', (d: { _id: unknown }) => inboundAad(String(d._id)), from, to, report);
  return report;
}
