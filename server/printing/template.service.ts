/**
 * Print templates: a mutable draft per key (version 0) and immutable published versions 1..n.
 * Saving sanitises and compiles the GrapesJS project; publishing copies the draft into version n+1.
 * Also the uploaded images (stored in the database, inlined at render) and the reference templates
 * shipped in workflows/templates, loaded on first start.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Types } from 'mongoose';
import { z } from 'zod';
import { ConflictError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../workflows/model/errors';
import { DEFAULT_PAPER, PAPER_LIMITS, PAPER_SIZES, paperIssues, type PaperSettings } from '../../workflows/print/paper';
import { actorOf, type Principal } from '../auth/principal';
import type { AuditService } from '../audit/audit.service';
import type { Logger } from '../infra/logger';
import { compileProject } from './compile';
import { prepareTemplate, type InlineAsset, type PreparedTemplate } from './document';
import type { PrintingModels, TemplateDoc } from './printing.model';
import { assetRefs } from './sanitize';

export const TEMPLATE_KEY = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const templateKeySchema = z.string().regex(TEMPLATE_KEY, 'must be 2–63 lower-case letters, digits or dashes').refine((k) => k !== 'assets', 'is reserved');

const mm = (max: number) => z.number().finite().min(0).max(max);
export const paperSchema = z
  .strictObject({
    size: z.enum(PAPER_SIZES),
    orientation: z.enum(['portrait', 'landscape']).default('portrait'),
    width: z.number().finite().min(PAPER_LIMITS.minSide).max(PAPER_LIMITS.maxSide).optional(),
    height: z.number().finite().min(PAPER_LIMITS.minSide).max(PAPER_LIMITS.maxSide).optional(),
    margins: z.strictObject({ top: mm(PAPER_LIMITS.maxMargin), right: mm(PAPER_LIMITS.maxMargin), bottom: mm(PAPER_LIMITS.maxMargin), left: mm(PAPER_LIMITS.maxMargin) }),
  })
  .superRefine((paper, ctx) => {
    for (const [p, message] of paperIssues(paper as PaperSettings)) ctx.addIssue({ code: 'custom', path: p.split('.').slice(1), message });
  });

/** editor.getProjectData(): checked for shape here, sanitised and compiled by compileProject. */
export const projectDataSchema = z.looseObject({
  pages: z.array(z.looseObject({})).min(1, 'needs at least one page').max(20),
  styles: z.array(z.looseObject({})).max(5000).optional(),
  assets: z.array(z.unknown()).max(500).optional(),
  symbols: z.array(z.unknown()).max(500).optional(),
  dataSources: z.array(z.unknown()).optional(),
});

export const EMPTY_PROJECT = { assets: [], styles: [], pages: [{ frames: [{ component: { type: 'wrapper', components: [] } }] }], symbols: [], dataSources: [] };

/** No SVG: it can carry scripts and outside references, and is served from our own origin. */
export const ASSET_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export const MAX_ASSET_BYTES = 2 * 1024 * 1024;

export interface TemplateView {
  id: string;
  key: string;
  version: number;
  status: 'draft' | 'published';
  name: string;
  description?: string;
  paper: PaperSettings;
  projectData: Record<string, unknown>;
  compiled: { html: string; css: string };
  removed: string[];
  revision: number;
  publishedVersion?: number;
  note?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export type VersionSummary = Pick<TemplateView, 'id' | 'key' | 'version' | 'name' | 'note' | 'paper'> & { publishedAt: string; publishedBy: string };

export interface TemplateSummary {
  key: string;
  name: string;
  description?: string;
  paper: PaperSettings;
  revision: number;
  updatedAt: string;
  updatedBy: string;
  latestVersion: number | null;
  /** the draft has changes not published yet */
  dirty: boolean;
}

const toView = (d: TemplateDoc): TemplateView => ({
  id: String(d._id),
  key: d.key,
  version: d.version,
  status: d.status,
  name: d.name,
  description: d.description,
  paper: d.paper,
  projectData: JSON.parse(d.projectData),
  compiled: { html: d.compiled.html, css: d.compiled.css },
  removed: d.removed ?? [],
  revision: d.revision,
  publishedVersion: d.publishedVersion,
  note: d.note,
  createdAt: d.createdAt.toISOString(),
  createdBy: d.createdBy,
  updatedAt: d.updatedAt.toISOString(),
  updatedBy: d.updatedBy,
});

const toSummary = (d: TemplateDoc): VersionSummary => ({
  id: String(d._id),
  key: d.key,
  version: d.version,
  name: d.name,
  note: d.note,
  paper: d.paper,
  publishedAt: d.createdAt.toISOString(),
  publishedBy: d.createdBy,
});

const isDuplicateKey = (err: unknown) => (err as { code?: number }).code === 11000;

/** A reference template file: workflows/templates/<key>.template.json */
export interface TemplateFile {
  key: string;
  name: string;
  description?: string;
  paper: PaperSettings;
  projectData: Record<string, unknown>;
  compiled: { html: string; css: string };
}

/** Four-eyes publishing: returns when publishing may go ahead, else throws (409 with the approval request). */
export type PublishGate = (key: string, contentHash: string, principal: Principal, summary: string) => Promise<void>;

export class TemplateService {
  private readonly prepared = new Map<string, PreparedTemplate>();

  constructor(
    private readonly models: PrintingModels,
    private readonly audit: AuditService,
    private readonly logger: Logger,
    private readonly gate?: PublishGate,
  ) {}

  async list(): Promise<TemplateSummary[]> {
    const drafts = await this.models.Template.find({ version: 0 }).sort({ key: 1 }).lean<TemplateDoc[]>();
    const published = await this.models.Template.find({ status: 'published' }, { key: 1, version: 1 }).lean<Pick<TemplateDoc, 'key' | 'version'>[]>();
    const latest = new Map<string, number>();
    for (const p of published) latest.set(p.key, Math.max(latest.get(p.key) ?? 0, p.version));
    return drafts.map((d) => ({
      key: d.key,
      name: d.name,
      description: d.description,
      paper: d.paper,
      revision: d.revision,
      updatedAt: d.updatedAt.toISOString(),
      updatedBy: d.updatedBy,
      latestVersion: latest.get(d.key) ?? null,
      dirty: d.publishedVersion === undefined || d.publishedVersion === null,
    }));
  }

  async create(principal: Principal, input: { key: string; name: string; description?: string; paper?: PaperSettings; projectData?: Record<string, unknown> }): Promise<TemplateView> {
    const paper = input.paper ?? DEFAULT_PAPER;
    const result = compileProject(input.projectData ?? EMPTY_PROJECT, paper);
    const who = actorOf(principal).label;
    const now = new Date();
    try {
      const doc = await this.models.Template.create({
        key: input.key,
        version: 0,
        status: 'draft',
        name: input.name,
        description: input.description,
        paper,
        projectData: JSON.stringify(result.projectData),
        compiled: result.compiled,
        removed: result.removed,
        revision: 1,
        createdAt: now,
        createdBy: who,
        updatedAt: now,
        updatedBy: who,
      });
      await this.audit.record({ principal, action: 'template.create', target: { type: 'template', id: input.key, label: input.name }, after: { paper, removed: result.removed } });
      return toView(doc.toObject());
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(`A template with the key ${input.key} exists already`);
      throw err;
    }
  }

  async draft(key: string): Promise<TemplateView> {
    return toView(await this.draftDoc(key));
  }

  private async draftDoc(key: string): Promise<TemplateDoc> {
    const doc = await this.models.Template.findOne({ key, version: 0 }).lean<TemplateDoc>();
    if (!doc) throw new NotFoundError(`Template ${key}`);
    return doc;
  }

  async versions(key: string): Promise<VersionSummary[]> {
    const docs = await this.models.Template.find({ key, status: 'published' }, { projectData: 0, compiled: 0 }).sort({ version: -1 }).lean<TemplateDoc[]>();
    return docs.map(toSummary);
  }

  async version(key: string, version: number): Promise<TemplateView> {
    const doc = await this.models.Template.findOne({ key, version, status: 'published' }).lean<TemplateDoc>();
    if (!doc) throw new NotFoundError(`Template ${key} version ${version}`);
    return toView(doc);
  }

  async saveDraft(
    principal: Principal,
    key: string,
    input: { revision: number; name?: string; description?: string; paper?: PaperSettings; projectData?: Record<string, unknown> },
  ): Promise<TemplateView> {
    const current = await this.draftDoc(key);
    if (current.revision !== input.revision) {
      throw new ConflictError(`The draft of ${key} was changed by ${current.updatedBy} (revision ${current.revision}, yours ${input.revision}); reload it`, { revision: current.revision });
    }
    const paper = input.paper ?? current.paper;
    const result = compileProject(input.projectData ?? JSON.parse(current.projectData), paper);
    const who = actorOf(principal).label;
    const updated = await this.models.Template.findOneAndUpdate(
      { key, version: 0, revision: input.revision },
      {
        $set: {
          name: input.name ?? current.name,
          description: input.description ?? current.description,
          paper,
          projectData: JSON.stringify(result.projectData),
          compiled: result.compiled,
          removed: result.removed,
          updatedAt: new Date(),
          updatedBy: who,
        },
        $unset: { publishedVersion: 1 },
        $inc: { revision: 1 },
      },
      { returnDocument: 'after' },
    ).lean<TemplateDoc>();
    if (!updated) throw new ConflictError(`The draft of ${key} was changed at the same time; reload it`);
    await this.audit.record({ principal, action: 'template.save', target: { type: 'template', id: key, label: updated.name }, after: { revision: updated.revision, removed: result.removed } });
    return toView(updated);
  }

  async publish(principal: Principal, key: string, input: { revision?: number; note?: string } = {}): Promise<VersionSummary> {
    const draft = await this.draftDoc(key);
    if (input.revision !== undefined && input.revision !== draft.revision) {
      throw new ConflictError(`The draft of ${key} changed since you saw it (revision ${draft.revision}); reload before publishing`, { revision: draft.revision });
    }
    if (this.gate) {
      const hash = crypto.createHash('sha256').update(JSON.stringify([draft.name, draft.paper, draft.projectData])).digest('hex');
      await this.gate(key, hash, principal, `${draft.name}: revision ${draft.revision}`);
    }
    const last = await this.models.Template.findOne({ key, status: 'published' }, { version: 1 }).sort({ version: -1 }).lean<Pick<TemplateDoc, 'version'>>();
    const version = (last?.version ?? 0) + 1;
    const who = actorOf(principal).label;
    const now = new Date();
    let doc;
    try {
      doc = await this.models.Template.create({
        key,
        version,
        status: 'published',
        name: draft.name,
        description: draft.description,
        paper: draft.paper,
        projectData: draft.projectData,
        compiled: draft.compiled,
        removed: draft.removed,
        revision: draft.revision,
        note: input.note,
        createdAt: now,
        createdBy: who,
        updatedAt: now,
        updatedBy: who,
      });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(`Version ${version} of ${key} was published at the same time; try again`);
      throw err;
    }
    await this.models.Template.updateOne({ key, version: 0, revision: draft.revision }, { $set: { publishedVersion: version } });
    await this.audit.record({ principal, action: 'template.publish', target: { type: 'template', id: key, label: draft.name }, after: { version, note: input.note } });
    return toSummary(doc.toObject());
  }

  /** The published version to print with: the given one, or the latest. */
  async published(key: string, version?: number): Promise<TemplateDoc> {
    const q = version === undefined ? this.models.Template.findOne({ key, status: 'published' }).sort({ version: -1 }) : this.models.Template.findOne({ key, version, status: 'published' });
    const doc = await q.lean<TemplateDoc>();
    if (!doc) {
      const exists = await this.models.Template.exists({ key });
      throw new NotFoundError(exists ? `A published version ${version ?? ''} of template ${key}`.replace('  ', ' ') : `Template ${key}`);
    }
    return doc;
  }

  async hasPublished(key: string): Promise<boolean> {
    return Boolean(await this.models.Template.exists({ key, status: 'published' }));
  }

  /** Handlebars compiled and images inlined, cached per template version (and draft revision). */
  async prepare(doc: TemplateDoc): Promise<PreparedTemplate> {
    const cacheKey = `${String(doc._id)}:${doc.revision}`;
    const hit = this.prepared.get(cacheKey);
    if (hit) return hit;
    const ids = assetRefs(doc.compiled.html + doc.compiled.css);
    const assets = new Map<string, InlineAsset>();
    if (ids.length) {
      const found = await this.models.Asset.find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }).lean();
      for (const a of found) assets.set(String(a._id), { contentType: a.contentType, data: Buffer.from(a.data.buffer ?? a.data) });
    }
    const prepared = prepareTemplate(doc.compiled, assets);
    if (this.prepared.size >= 100) this.prepared.delete(this.prepared.keys().next().value!);
    this.prepared.set(cacheKey, prepared);
    return prepared;
  }

  /* ---------- images ---------- */

  async uploadAsset(principal: Principal, input: { name: string; contentType: string; data: Buffer }) {
    if (!(ASSET_TYPES as readonly string[]).includes(input.contentType)) {
      throw new ValidationError('This image type is not supported', [{ path: 'content-type', message: `must be one of ${ASSET_TYPES.join(', ')}` }]);
    }
    if (input.data.length === 0) throw new ValidationError('The image is empty', [{ path: 'body', message: 'no bytes received' }]);
    if (input.data.length > MAX_ASSET_BYTES) throw new PayloadTooLargeError(`Images may be at most ${MAX_ASSET_BYTES / 1024 / 1024} MB`);
    if (!looksLike(input.contentType, input.data)) {
      throw new ValidationError('The file is not the image its type says', [{ path: 'body', message: `content is not ${input.contentType}` }]);
    }
    const sha256 = crypto.createHash('sha256').update(input.data).digest('hex');
    const existing = await this.models.Asset.findOne({ sha256, contentType: input.contentType }, { data: 0 }).lean();
    const doc =
      existing ??
      (await this.models.Asset.create({ name: input.name, contentType: input.contentType, size: input.data.length, sha256, data: input.data, createdAt: new Date(), createdBy: actorOf(principal).label })).toObject();
    if (!existing) await this.audit.record({ principal, action: 'template.asset.upload', target: { type: 'printAsset', id: String(doc._id), label: input.name }, after: { size: input.data.length, contentType: input.contentType } });
    return assetView(doc);
  }

  async listAssets() {
    const docs = await this.models.Asset.find({}, { data: 0 }).sort({ createdAt: -1 }).limit(500).lean();
    return docs.map(assetView);
  }

  async asset(id: string): Promise<{ contentType: string; data: Buffer; name: string }> {
    if (!/^[a-f0-9]{24}$/.test(id)) throw new NotFoundError(`Image ${id}`);
    const doc = await this.models.Asset.findById(id).lean();
    if (!doc) throw new NotFoundError(`Image ${id}`);
    return { contentType: doc.contentType, name: doc.name, data: Buffer.from((doc.data as any).buffer ?? doc.data) };
  }

  /* ---------- reference templates ---------- */

  /** Loads every workflows/templates/*.template.json whose key is not in the database yet, published as version 1. */
  async ensureReferenceTemplates(dir: string): Promise<string[]> {
    if (!fs.existsSync(dir)) return [];
    const loaded: string[] = [];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort()) {
      const t = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as TemplateFile;
      if (await this.models.Template.exists({ key: t.key })) continue;
      const result = compileProject(t.projectData, t.paper);
      const now = new Date();
      const base = {
        key: t.key,
        name: t.name,
        description: t.description,
        paper: t.paper,
        projectData: JSON.stringify(result.projectData),
        compiled: result.compiled,
        removed: result.removed,
        revision: 1,
        createdAt: now,
        createdBy: 'system',
        updatedAt: now,
        updatedBy: 'system',
      };
      try {
        await this.models.Template.create({ ...base, version: 0, status: 'draft', publishedVersion: 1 });
        await this.models.Template.create({ ...base, version: 1, status: 'published', note: 'Reference template shipped with Ordo' });
        loaded.push(t.key);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // another node loaded it at the same moment
      }
    }
    if (loaded.length) this.logger.info({ templates: loaded }, 'reference print templates loaded');
    return loaded;
  }
}

function assetView(d: { _id: unknown; name: string; contentType: string; size: number; createdAt: Date; createdBy: string }) {
  const id = String(d._id);
  return { id, name: d.name, contentType: d.contentType, size: d.size, url: `/api/templates/assets/${id}`, createdAt: d.createdAt.toISOString(), createdBy: d.createdBy };
}

/** Magic numbers, so a renamed file cannot pass as an image. */
function looksLike(contentType: string, data: Buffer): boolean {
  const head = data.subarray(0, 16);
  switch (contentType) {
    case 'image/png':
      return head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case 'image/jpeg':
      return head[0] === 0xff && head[1] === 0xd8;
    case 'image/gif':
      return head.subarray(0, 4).toString('latin1') === 'GIF8';
    case 'image/webp':
      return head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP';
    default:
      return false;
  }
}
