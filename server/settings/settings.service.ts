import { Schema, type Connection, type Model } from 'mongoose';
import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../contracts/settings';
import type { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';

interface SettingsDoc {
  _id: string;
  /** JSON string: the document stays schema-free for FerretDB and future fields */
  value: string;
}

const schema = new Schema<SettingsDoc>({ _id: String, value: String }, { collection: 'settings', versionKey: false });

/** Read on every publish, so a change applies at once on every node. */
export class SettingsService {
  private readonly Settings: Model<SettingsDoc>;

  constructor(
    connection: Connection,
    private readonly audit: AuditService,
  ) {
    this.Settings = (connection.models.Settings as Model<SettingsDoc>) ?? connection.model<SettingsDoc>('Settings', schema);
  }

  async get(): Promise<Settings> {
    const doc = await this.Settings.findById('global').lean();
    if (!doc) return DEFAULT_SETTINGS;
    const parsed = settingsSchema.safeParse(JSON.parse(doc.value));
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  async update(principal: Principal, next: Settings): Promise<Settings> {
    const before = await this.get();
    await this.Settings.updateOne({ _id: 'global' }, { $set: { value: JSON.stringify(next) } }, { upsert: true });
    await this.audit.record({ principal, action: 'settings.update', target: { type: 'settings', id: 'global' }, before, after: next });
    return next;
  }
}
