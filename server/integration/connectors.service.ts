/**
 * Connectors as the platform sees them: the built-in code connectors plus the REST connectors
 * admins build, stored as immutable versions (one document per version, the definition kept as a
 * JSON string so user-typed keys never become document keys). Also the catalog the invoker
 * resolves "connector.operation" and "connector@3.operation" against.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import {
  BUILTIN_CONNECTORS,
  OAuthTokenCache,
  checkRestConnector,
  egressPolicyOf,
  elementTemplatesFor,
  findSecretRefs,
  httpDefaultsOf,
  inputJsonSchema,
  outputJsonSchema,
  parseConnectorRef,
  restConnectorFrom,
  restConnectorSchema,
  type ConnectorCatalog,
  type ConnectorDefinition,
  type EgressPolicy,
  type ElementTemplate,
  type ResolvedOperation,
  type RestConnector,
} from '../../connectors';
import { ConflictError, NotFoundError, ValidationError } from '../../workflows/model/errors';
import type { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import type { Logger } from '../infra/logger';
import { actorId } from './credentials.service';

interface ConnectorVersionDoc {
  connectorId: string;
  version: number;
  name: string;
  operationIds: string[];
  /** the RestConnector as JSON */
  definition: string;
  archived: boolean;
  createdBy?: string;
  createdAt: Date;
}

const connectorSchema = new Schema<ConnectorVersionDoc>(
  {
    connectorId: { type: String, required: true },
    version: { type: Number, required: true },
    name: { type: String, required: true },
    operationIds: { type: [String], default: [] },
    definition: { type: String, required: true },
    archived: { type: Boolean, default: false },
    createdBy: String,
  },
  { collection: 'connectors', timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
connectorSchema.index({ connectorId: 1, version: 1 }, { unique: true });

/** How the server runs a built-in connector: its settings (with secret references) and egress policy. */
export interface BuiltinBinding {
  settings: Record<string, unknown>;
  policy: EgressPolicy;
}

export interface OperationView {
  id: string;
  name: string;
  description?: string;
  inputSchema: unknown;
  outputSchema: unknown;
}

export interface ConnectorView {
  id: string;
  kind: 'builtin' | 'rest';
  version: number;
  name: string;
  description?: string;
  operations: OperationView[];
  definition?: RestConnector;
  versions?: Array<{ version: number; createdAt: Date; createdBy?: string }>;
  createdAt?: Date;
  createdBy?: string;
}

const REFRESH_MS = 10_000;

export class ConnectorService implements ConnectorCatalog {
  readonly Connector: Model<ConnectorVersionDoc>;
  readonly tokens = new OAuthTokenCache();
  private readonly builtins = new Map<string, ConnectorDefinition>(BUILTIN_CONNECTORS.map((c) => [c.id, c]));
  /** connectorId → version → operation ids, for the synchronous has() */
  private index = new Map<string, Map<number, Set<string>>>();
  private readonly definitions = new Map<string, RestConnector>();
  private timer?: NodeJS.Timeout;

  constructor(
    connection: Connection,
    private readonly audit: AuditService,
    private readonly builtinBinding: (connectorId: string) => BuiltinBinding,
    private readonly logger: Logger,
  ) {
    this.Connector = (connection.models.ConnectorVersion as Model<ConnectorVersionDoc>) ?? connection.model<ConnectorVersionDoc>('ConnectorVersion', connectorSchema);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch((err) => this.logger.warn({ err }, 'connector index refresh failed')), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Rebuilds the in-memory index (other nodes' saves arrive within REFRESH_MS). */
  async refresh(): Promise<void> {
    const rows = await this.Connector.find({ archived: false }, { connectorId: 1, version: 1, operationIds: 1 }).lean();
    const next = new Map<string, Map<number, Set<string>>>();
    for (const r of rows) {
      if (!next.has(r.connectorId)) next.set(r.connectorId, new Map());
      next.get(r.connectorId)!.set(r.version, new Set(r.operationIds));
    }
    this.index = next;
  }

  private latestVersion(connectorId: string): number | undefined {
    const versions = this.index.get(connectorId);
    return versions ? Math.max(...versions.keys()) : undefined;
  }

  has(ref: string): boolean {
    const p = parseConnectorRef(ref);
    if (!p) return false;
    const builtin = this.builtins.get(p.connectorId);
    if (builtin) return (p.version === undefined || p.version === builtin.version) && p.operationId in builtin.operations;
    const version = p.version ?? this.latestVersion(p.connectorId);
    return version !== undefined && Boolean(this.index.get(p.connectorId)?.get(version)?.has(p.operationId));
  }

  private async definitionAt(connectorId: string, version: number): Promise<RestConnector | undefined> {
    const key = `${connectorId}@${version}`;
    const cached = this.definitions.get(key);
    if (cached) return cached;
    const doc = await this.Connector.findOne({ connectorId, version, archived: false }).lean();
    if (!doc) return undefined;
    const def = restConnectorSchema.parse(JSON.parse(doc.definition));
    this.definitions.set(key, def); // versions are immutable
    return def;
  }

  async resolve(ref: string): Promise<ResolvedOperation | undefined> {
    const p = parseConnectorRef(ref);
    if (!p) return undefined;
    const builtin = this.builtins.get(p.connectorId);
    if (builtin) {
      const operation = builtin.operations[p.operationId];
      if (!operation || (p.version !== undefined && p.version !== builtin.version)) return undefined;
      const binding = this.builtinBinding(builtin.id);
      return { connector: builtin, operationId: p.operationId, operation, settings: binding.settings, policy: binding.policy };
    }
    if (!this.index.has(p.connectorId)) await this.refresh();
    const version = p.version ?? this.latestVersion(p.connectorId);
    if (version === undefined) return undefined;
    const def = await this.definitionAt(p.connectorId, version);
    if (!def) return undefined;
    return this.resolveDefinition(def, version, p.operationId);
  }

  /** A definition (stored or a draft under test) as a runnable operation. */
  resolveDefinition(def: RestConnector, version: number, operationId: string): ResolvedOperation | undefined {
    const connector = restConnectorFrom(def, version, this.tokens);
    const operation = connector.operations[operationId];
    if (!operation) return undefined;
    return { connector, operationId, operation, settings: def, policy: egressPolicyOf(def), http: httpDefaultsOf(def) };
  }

  private viewOf(connector: ConnectorDefinition, kind: ConnectorView['kind']): ConnectorView {
    return {
      id: connector.id,
      kind,
      version: connector.version,
      name: connector.name,
      description: connector.description,
      operations: Object.entries(connector.operations).map(([id, op]) => ({ id, name: op.name, description: op.description, inputSchema: inputJsonSchema(op.input), outputSchema: outputJsonSchema(op.output) })),
    };
  }

  async list(): Promise<ConnectorView[]> {
    const rest = await this.Connector.find({ archived: false }).sort({ connectorId: 1, version: -1 }).lean();
    const latest = new Map<string, ConnectorVersionDoc>();
    for (const r of rest) if (!latest.has(r.connectorId)) latest.set(r.connectorId, r);
    return [
      ...[...this.builtins.values()].map((c) => this.viewOf(c, 'builtin')),
      ...[...latest.values()].map((d) => {
        const def = restConnectorSchema.parse(JSON.parse(d.definition));
        return { ...this.viewOf(restConnectorFrom(def, d.version, this.tokens), 'rest'), createdAt: d.createdAt, createdBy: d.createdBy };
      }),
    ];
  }

  async get(connectorId: string, version?: number): Promise<ConnectorView> {
    const builtin = this.builtins.get(connectorId);
    if (builtin) {
      if (version !== undefined && version !== builtin.version) throw new NotFoundError(`Connector ${connectorId} version ${version}`);
      return this.viewOf(builtin, 'builtin');
    }
    const versions = await this.Connector.find({ connectorId, archived: false }, { version: 1, createdAt: 1, createdBy: 1 }).sort({ version: -1 }).lean();
    if (versions.length === 0) throw new NotFoundError(`Connector ${connectorId}`);
    const at = version ?? versions[0].version;
    const def = await this.definitionAt(connectorId, at);
    if (!def) throw new NotFoundError(`Connector ${connectorId} version ${at}`);
    const meta = versions.find((v) => v.version === at)!;
    return {
      ...this.viewOf(restConnectorFrom(def, at, this.tokens), 'rest'),
      definition: def,
      versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, createdBy: v.createdBy })),
      createdAt: meta.createdAt,
      createdBy: meta.createdBy,
    };
  }

  /** Schema-valid input → semantic checks, refused as a whole with every failing field. */
  private check(def: RestConnector): void {
    const issues = checkRestConnector(def);
    if (issues.length) throw new ValidationError('The connector definition is invalid', issues);
  }

  async create(principal: Principal, def: RestConnector): Promise<ConnectorView> {
    if (this.builtins.has(def.id)) throw new ConflictError(`${def.id} is a built-in connector id`);
    this.check(def);
    if (await this.Connector.exists({ connectorId: def.id })) throw new ConflictError(`A connector with id ${def.id} exists already; save a new version instead`);
    await this.insertVersion(principal, def, 1);
    await this.audit.record({ principal, action: 'connector.create', target: { type: 'connector', id: def.id, label: def.name }, after: summary(def, 1) });
    return this.get(def.id);
  }

  async saveVersion(principal: Principal, connectorId: string, expectedVersion: number, def: RestConnector): Promise<ConnectorView> {
    if (def.id !== connectorId) throw new ValidationError('The definition id must match the URL', [{ path: 'definition.id', message: `must be ${connectorId}` }]);
    this.check(def);
    const latest = await this.Connector.findOne({ connectorId, archived: false }).sort({ version: -1 }).lean();
    if (!latest) throw new NotFoundError(`Connector ${connectorId}`);
    if (latest.version !== expectedVersion) throw new ConflictError(`Connector ${connectorId} is at version ${latest.version}, not ${expectedVersion}; reload and apply your change again`, { currentVersion: latest.version });
    await this.insertVersion(principal, def, latest.version + 1);
    await this.audit.record({
      principal,
      action: 'connector.update',
      target: { type: 'connector', id: def.id, label: def.name },
      before: summary(JSON.parse(latest.definition) as RestConnector, latest.version),
      after: summary(def, latest.version + 1),
    });
    return this.get(connectorId);
  }

  private async insertVersion(principal: Principal, def: RestConnector, version: number): Promise<void> {
    try {
      await this.Connector.create({ connectorId: def.id, version, name: def.name, operationIds: def.operations.map((o) => o.id), definition: JSON.stringify(def), createdBy: actorId(principal) });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new ConflictError(`Connector ${def.id} version ${version} was saved by someone else just now; reload`);
      throw err;
    }
    await this.refresh();
  }

  async archive(principal: Principal, connectorId: string): Promise<void> {
    if (this.builtins.has(connectorId)) throw new ConflictError('Built-in connectors cannot be archived');
    const res = await this.Connector.updateMany({ connectorId, archived: false }, { $set: { archived: true } });
    if (res.matchedCount === 0) throw new NotFoundError(`Connector ${connectorId}`);
    for (const key of [...this.definitions.keys()]) if (key.startsWith(`${connectorId}@`)) this.definitions.delete(key);
    await this.refresh();
    await this.audit.record({ principal, action: 'connector.archive', target: { type: 'connector', id: connectorId } });
  }

  /** Templates for the modeler: built-ins (unpinned) and each stored version (pinned to it). */
  async elementTemplates(): Promise<ElementTemplate[]> {
    const out = [...this.builtins.values()].flatMap((c) => elementTemplatesFor(c));
    const rows = await this.Connector.find({ archived: false }).sort({ connectorId: 1, version: 1 }).lean();
    for (const r of rows) {
      const def = restConnectorSchema.parse(JSON.parse(r.definition));
      out.push(...elementTemplatesFor(restConnectorFrom(def, r.version, this.tokens), { pinVersion: true }));
    }
    return out;
  }

  /** credential name → connectors referencing it (latest versions and built-in settings). */
  async secretUsage(): Promise<Map<string, Array<{ kind: string; id: string; name: string }>>> {
    const usage = new Map<string, Array<{ kind: string; id: string; name: string }>>();
    const add = (secret: string, entry: { kind: string; id: string; name: string }) => {
      const list = usage.get(secret) ?? [];
      if (!list.some((e) => e.kind === entry.kind && e.id === entry.id)) list.push(entry);
      usage.set(secret, list);
    };
    for (const c of this.builtins.values()) for (const ref of findSecretRefs(this.builtinBinding(c.id).settings)) add(ref.name, { kind: 'connector', id: c.id, name: c.name });
    const rows = await this.Connector.find({ archived: false }, { connectorId: 1, version: 1, name: 1, definition: 1 }).sort({ version: -1 }).lean();
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.connectorId)) continue;
      seen.add(r.connectorId);
      for (const ref of findSecretRefs(JSON.parse(r.definition))) add(ref.name, { kind: 'connector', id: r.connectorId, name: r.name });
    }
    return usage;
  }
}

function summary(def: RestConnector, version: number) {
  return { version, name: def.name, baseUrl: def.baseUrl, auth: def.auth.type, operations: def.operations.map((o) => `${o.method} ${o.id}`) };
}
