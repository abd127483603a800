/**
 * Stored credentials: values sealed with AES-256-GCM, never returned by any method the API uses
 * (only names, type, field names and where they are used). The connectors read them through the
 * SecretsPort at execution time.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../../workflows/model/errors';
import { SECRET_NAME, type SecretsPort } from '../../connectors';
import type { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { sealedSchemaDefinition, type Sealed, type SecretBox } from './secret-box';

export const CREDENTIAL_TYPES = {
  apiKey: ['value'],
  token: ['value'],
  basic: ['username', 'password'],
  oauth2Client: ['clientId', 'clientSecret'],
  generic: [],
} as const satisfies Record<string, readonly string[]>;
export type CredentialType = keyof typeof CREDENTIAL_TYPES;

const values = z
  .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'field names hold letters, digits, _ and -'), z.string().min(1, 'must not be empty').max(8000))
  .refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= 20, 'give 1 to 20 fields');

export const createCredentialBody = z
  .strictObject({
    name: z.string().regex(SECRET_NAME, 'must be 1–64 letters, digits, _ or -; it is referenced as {{secrets.NAME}}'),
    type: z.enum(Object.keys(CREDENTIAL_TYPES) as [CredentialType, ...CredentialType[]]).default('generic'),
    description: z.string().max(500).optional(),
    values,
  })
  .superRefine((c, ctx) => {
    for (const f of CREDENTIAL_TYPES[c.type]) if (!(f in c.values)) ctx.addIssue({ code: 'custom', path: ['values', f], message: `a ${c.type} credential needs the field ${f}` });
  });
export const updateCredentialBody = z.strictObject({ description: z.string().max(500).optional(), values: values.optional() });

interface CredentialDoc {
  name: string;
  type: CredentialType;
  description?: string;
  fields: string[];
  sealed: Sealed;
  createdBy?: string;
  updatedBy?: string;
  createdAt: Date;
  updatedAt: Date;
}

const credentialSchema = new Schema<CredentialDoc>(
  {
    name: { type: String, required: true, unique: true },
    type: { type: String, required: true },
    description: String,
    fields: { type: [String], default: [] },
    sealed: sealedSchemaDefinition,
    createdBy: String,
    updatedBy: String,
  },
  { collection: 'credentials', timestamps: true, versionKey: false },
);

export const credentialModel = (c: Connection): Model<CredentialDoc> => (c.models.Credential as Model<CredentialDoc>) ?? c.model<CredentialDoc>('Credential', credentialSchema);
export const credentialAad = (name: string) => `credential:${name}`;

export interface CredentialView {
  name: string;
  type: CredentialType;
  description?: string;
  fields: string[];
  usedBy: Array<{ kind: string; id: string; name: string }>;
  createdAt: Date;
  updatedAt: Date;
}

const CACHE_MS = 5000;

export class CredentialService implements SecretsPort {
  readonly Credential: Model<CredentialDoc>;
  private readonly cache = new Map<string, { fields: Record<string, string> | undefined; at: number }>();

  constructor(
    connection: Connection,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    /** who references a credential name (connectors), computed on demand */
    private readonly usage: () => Promise<Map<string, Array<{ kind: string; id: string; name: string }>>>,
  ) {
    this.Credential = credentialModel(connection);
  }

  private view(d: CredentialDoc, usage: Map<string, Array<{ kind: string; id: string; name: string }>>): CredentialView {
    return { name: d.name, type: d.type, description: d.description, fields: d.fields, usedBy: usage.get(d.name) ?? [], createdAt: d.createdAt, updatedAt: d.updatedAt };
  }

  async list(): Promise<CredentialView[]> {
    const [docs, usage] = await Promise.all([this.Credential.find().sort({ name: 1 }).lean(), this.usage()]);
    return docs.map((d) => this.view(d, usage));
  }

  async create(principal: Principal, body: z.output<typeof createCredentialBody>): Promise<CredentialView> {
    if (await this.Credential.exists({ name: body.name })) throw new ConflictError(`A credential named ${body.name} exists already`);
    const doc = await this.Credential.create({
      name: body.name,
      type: body.type,
      description: body.description,
      fields: Object.keys(body.values).sort(),
      sealed: this.box.seal(JSON.stringify(body.values), credentialAad(body.name)),
      createdBy: actorId(principal),
      updatedBy: actorId(principal),
    });
    this.cache.delete(body.name);
    const view = this.view(doc.toObject(), await this.usage());
    await this.audit.record({ principal, action: 'credential.create', target: { type: 'credential', id: body.name }, after: { name: body.name, type: body.type, fields: view.fields } });
    return view;
  }

  async update(principal: Principal, name: string, body: z.output<typeof updateCredentialBody>): Promise<CredentialView> {
    const before = await this.Credential.findOne({ name }).lean();
    if (!before) throw new NotFoundError(`Credential ${name}`);
    const set: Record<string, unknown> = { updatedBy: actorId(principal) };
    if (body.description !== undefined) set.description = body.description;
    if (body.values) {
      for (const f of CREDENTIAL_TYPES[before.type]) {
        if (!(f in body.values)) throw new ConflictError(`A ${before.type} credential needs the field ${f}`);
      }
      set.fields = Object.keys(body.values).sort();
      set.sealed = this.box.seal(JSON.stringify(body.values), credentialAad(name));
    }
    const after = await this.Credential.findOneAndUpdate({ name }, { $set: set }, { returnDocument: 'after' }).lean();
    this.cache.delete(name);
    await this.audit.record({
      principal,
      action: 'credential.update',
      target: { type: 'credential', id: name },
      before: { fields: before.fields, description: before.description },
      after: { fields: after!.fields, description: after!.description, valuesChanged: Boolean(body.values) },
    });
    return this.view(after!, await this.usage());
  }

  async remove(principal: Principal, name: string): Promise<void> {
    const usedBy = (await this.usage()).get(name) ?? [];
    if (usedBy.length) throw new ConflictError(`Credential ${name} is used by ${usedBy.map((u) => `${u.kind} ${u.id}`).join(', ')}; change those first`, { usedBy });
    const gone = await this.Credential.findOneAndDelete({ name }).lean();
    if (!gone) throw new NotFoundError(`Credential ${name}`);
    this.cache.delete(name);
    await this.audit.record({ principal, action: 'credential.delete', target: { type: 'credential', id: name }, before: { name, type: gone.type, fields: gone.fields } });
  }

  /** SecretsPort: the decrypted fields, cached briefly (other nodes see changes within CACHE_MS). */
  async get(name: string): Promise<Readonly<Record<string, string>> | undefined> {
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.fields;
    const doc = await this.Credential.findOne({ name }, { sealed: 1 }).lean();
    const fields = doc ? (JSON.parse(this.box.open(doc.sealed, credentialAad(name))) as Record<string, string>) : undefined;
    this.cache.set(name, { fields, at: Date.now() });
    return fields;
  }

  /** Creates the credential unless it exists (used to seed the reference ERP's API key). */
  async ensure(name: string, type: CredentialType, fields: Record<string, string>, description: string): Promise<Record<string, string>> {
    const existing = await this.get(name);
    if (existing) return { ...existing };
    try {
      await this.Credential.create({ name, type, description, fields: Object.keys(fields).sort(), sealed: this.box.seal(JSON.stringify(fields), credentialAad(name)), createdBy: 'system', updatedBy: 'system' });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
    this.cache.delete(name);
    return { ...((await this.get(name)) ?? fields) };
  }
}

export const actorId = (p: Principal): string => (p.kind === 'user' ? p.email : p.kind === 'apiKey' ? `api-key:${p.name}` : 'anonymous');
