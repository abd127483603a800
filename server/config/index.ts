/**
 * The only reader of process.env. Every setting is validated at start; a bad value stops Ordo
 * with the variable's name and the reason (ConfigError), before anything listens.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../../workflows/model/errors';
import { toFieldIssues } from '../../workflows/model/zod-issues';
import type { Role } from '../contracts/permissions';

const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z.string().trim().min(1).optional();

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().trim().min(1).default('127.0.0.1'),
    PORT: port.default(8080),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    MONGODB_URI: z
      .string()
      .trim()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
    DATA_DIR: z.string().trim().min(1).default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SECRET_KEY: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes); generate one with `openssl rand -hex 32`')
      .optional(),
    TLS_CERT: optionalString,
    TLS_KEY: optionalString,
    FERRETDB_BIN: optionalString,
    ORDO_ADMIN_EMAIL: z.email().optional(),
    ORDO_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/i, 'must look like 1mb or 512kb').default('1mb'),
    SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 90).default(12),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
    DESIGNER_AUTOBUILD: z.enum(['true', 'false']).default('true'),
    PRINT_BATCH_MAX: z.coerce.number().int().min(1).max(100_000).default(1000),
    PRINT_DOCUMENT_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(20_000),
    PRINT_POOL_SIZE: z.coerce.number().int().min(1).max(16).default(2),
    /** orders per HTML document handed to chromium (a batch reports progress per chunk) */
    PRINT_CHUNK_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
    /** renders before a chromium page, and before the whole browser, is replaced (so leaks cannot build up) */
    PRINT_RECYCLE_PAGE_AFTER: z.coerce.number().int().min(1).max(1_000_000).default(500),
    PRINT_RECYCLE_BROWSER_AFTER: z.coerce.number().int().min(1).max(1_000_000).default(5000),
    /** e-mail order intake: the SMTP listener's port (unset = no listener; 0 = any free port) */
    SMTP_PORT: port.optional(),
    SMTP_HOST: z.string().trim().min(1).optional(),
    /** public endpoints (web order form, tracking): requests per minute per client */
    PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
    IMPORT_MAX_MB: z.coerce.number().positive().max(200).default(20),
    /** a flow step without its own due date counts as stuck after this long (watchdog) */
    STUCK_AFTER_MINUTES: z.coerce.number().positive().max(60 * 24 * 90).default(240),
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: optionalString,
    OIDC_CLIENT_SECRET: optionalString,
    OIDC_LABEL: z.string().trim().min(1).max(60).default('Single sign-on'),
    /** provider group → Ordo role, e.g. "ordo-admins=admin,ordo-analysts=analyst" */
    OIDC_ROLE_MAP: z
      .string()
      .regex(/^\s*[^=,\s]+\s*=\s*(admin|analyst|operator|viewer)\s*(,\s*[^=,\s]+\s*=\s*(admin|analyst|operator|viewer)\s*)*$/, 'must look like group=role,group=role with roles admin, analyst, operator, viewer')
      .optional(),
    OIDC_GROUPS_CLAIM: z.string().trim().min(1).default('groups'),
    /** plain-HTTP issuer, allowed only on loopback (development and tests) */
    OIDC_ALLOW_HTTP: z.enum(['true', 'false']).default('false'),
    /** old keys, comma-separated 64-hex, that can still open secrets sealed before a rotation */
    SECRET_KEYS_PREVIOUS: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}(\s*,\s*[0-9a-fA-F]{64})*$/, 'must be comma-separated 64-hex-character keys')
      .optional(),
    /** the ERP the reference connectors call; unset = start the reference ERP on loopback */
    ERP_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** seeds the credential "erp" on first start (the reference ERP gets a random key otherwise) */
    ERP_API_KEY: z.string().trim().min(8, 'must be at least 8 characters').optional(),
    /** network classes the ERP may sit in (loopback, private, link-local); the local reference ERP implies loopback */
    ERP_ALLOW_NETWORKS: z
      .string()
      .trim()
      .regex(/^(loopback|private|link-local)(\s*,\s*(loopback|private|link-local))*$/, 'must be a comma list of loopback, private, link-local')
      .optional(),
    REFERENCE_ERP: z.enum(['auto', 'off']).default('auto'),
    REFERENCE_ERP_PORT: port.default(0),
    /** outbound webhook delivery on this node */
    WEBHOOK_WORKER: z.enum(['true', 'false']).default('true'),
    WEBHOOK_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
    /** how long a node's claim on shared work (flow commands, jobs, webhook deliveries, print batches, imports) lasts without renewal: a killed node's work moves on after this */
    LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    /** on SIGTERM: how long a node that handed its work back keeps serving with /readyz at 503 before it closes (the load balancer's notice) */
    SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(5000),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TLS_CERT) !== Boolean(env.TLS_KEY)) {
      ctx.addIssue({ code: 'custom', path: [env.TLS_CERT ? 'TLS_KEY' : 'TLS_CERT'], message: 'TLS_CERT and TLS_KEY must be set together' });
    }
    if (env.OIDC_ISSUER && !(env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET && env.OIDC_ROLE_MAP)) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'needs OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_ROLE_MAP as well' });
    }
    if (env.OIDC_ISSUER?.startsWith('http:') && !(env.OIDC_ALLOW_HTTP === 'true' && /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:|\/|$)/.test(env.OIDC_ISSUER))) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'must be https (plain http only on loopback with OIDC_ALLOW_HTTP=true)' });
    }
    for (const key of ['TLS_CERT', 'TLS_KEY'] as const) {
      const file = env[key];
      if (file && !fs.existsSync(file)) ctx.addIssue({ code: 'custom', path: [key], message: `file ${file} does not exist` });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  publicUrl?: string;
  mongodbUri?: string;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  /** 32 bytes: encrypts secrets at rest and signs tokens. */
  secretKey: Buffer;
  tls?: { cert: string; key: string };
  ferretdbBin?: string;
  admin: { email?: string; password?: string };
  bodyLimit: string;
  sessionTtlMs: number;
  redisUrl?: string;
  designerAutobuild: boolean;
  stuckAfterMinutes: number;
  /** lease of shared work (LEASE_MS) */
  leaseMs: number;
  /** SHUTDOWN_DRAIN_MS */
  shutdownDrainMs: number;
  intake: { smtpPort?: number; smtpHost: string; publicPerMinute: number; importMaxBytes: number };
  oidc?: { issuer: string; clientId: string; clientSecret: string; label: string; roleMap: Record<string, Role>; groupsClaim: string; allowHttp: boolean };
  /** keys that may still open secrets sealed before a key rotation */
  previousSecretKeys: Buffer[];
  erp: { url?: string; apiKey?: string; allowNetworks: Array<'loopback' | 'private' | 'link-local'>; reference: 'auto' | 'off'; referencePort: number };
  webhooks: { worker: boolean; pollMs: number };
  /** printing: most orders per batch, time limit per document, chromium pages rendering at once */
  print: { batchMax: number; documentTimeoutMs: number; poolSize: number; chunkSize: number; recyclePageAfter: number; recycleBrowserAfter: number };
}

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  // empty strings count as unset, as in most .env tooling
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const issues = toFieldIssues(result.error.issues);
    throw new ConfigError(`Invalid configuration: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
  }
  return result.data;
}

/** SECRET_KEYS_PREVIOUS plus DATA_DIR/secret.key.previous (written by scripts/rotate-secret-key.ts). */
export function resolvePreviousSecretKeys(env: Pick<Env, 'SECRET_KEYS_PREVIOUS'>, dataDir: string): Buffer[] {
  const hex = (env.SECRET_KEYS_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  const file = path.join(dataDir, 'secret.key.previous');
  if (fs.existsSync(file)) hex.push(...fs.readFileSync(file, 'utf8').split(/\s+/).filter((k) => /^[0-9a-fA-F]{64}$/.test(k)));
  return hex.map((k) => Buffer.from(k, 'hex'));
}

/** Reads the secret key from SECRET_KEY or DATA_DIR/secret.key, generating that file on first run. */
export function resolveSecretKey(env: Pick<Env, 'SECRET_KEY'>, dataDir: string): Buffer {
  if (env.SECRET_KEY) return Buffer.from(env.SECRET_KEY, 'hex');
  const file = path.join(dataDir, 'secret.key');
  if (fs.existsSync(file)) {
    const hex = fs.readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new ConfigError(`${file} is not a 64-hex-character key`, [{ path: 'SECRET_KEY', message: `${file} is corrupt` }]);
    return Buffer.from(hex, 'hex');
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = parseEnv(source);
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl: env.PUBLIC_URL,
    mongodbUri: env.MONGODB_URI,
    dataDir,
    logLevel: env.LOG_LEVEL,
    secretKey: resolveSecretKey(env, dataDir),
    tls: env.TLS_CERT && env.TLS_KEY ? { cert: env.TLS_CERT, key: env.TLS_KEY } : undefined,
    ferretdbBin: env.FERRETDB_BIN,
    admin: { email: env.ORDO_ADMIN_EMAIL, password: env.ORDO_ADMIN_PASSWORD },
    bodyLimit: env.BODY_LIMIT,
    sessionTtlMs: env.SESSION_TTL_HOURS * 3600_000,
    redisUrl: env.REDIS_URL,
    designerAutobuild: env.DESIGNER_AUTOBUILD === 'true',
    stuckAfterMinutes: env.STUCK_AFTER_MINUTES,
    leaseMs: env.LEASE_MS,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    print: { batchMax: env.PRINT_BATCH_MAX, documentTimeoutMs: env.PRINT_DOCUMENT_TIMEOUT_MS, poolSize: env.PRINT_POOL_SIZE, chunkSize: env.PRINT_CHUNK_SIZE, recyclePageAfter: env.PRINT_RECYCLE_PAGE_AFTER, recycleBrowserAfter: env.PRINT_RECYCLE_BROWSER_AFTER },
    intake: { smtpPort: env.SMTP_PORT, smtpHost: env.SMTP_HOST ?? env.HOST, publicPerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE, importMaxBytes: Math.round(env.IMPORT_MAX_MB * 1024 * 1024) },
    oidc:
      env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET && env.OIDC_ROLE_MAP
        ? {
            issuer: env.OIDC_ISSUER,
            clientId: env.OIDC_CLIENT_ID,
            clientSecret: env.OIDC_CLIENT_SECRET,
            label: env.OIDC_LABEL,
            roleMap: Object.fromEntries(env.OIDC_ROLE_MAP.split(',').map((pair) => pair.split('=').map((x) => x.trim()) as [string, Role])),
            groupsClaim: env.OIDC_GROUPS_CLAIM,
            allowHttp: env.OIDC_ALLOW_HTTP === 'true',
          }
        : undefined,
    previousSecretKeys: resolvePreviousSecretKeys(env, dataDir),
    erp: {
      url: env.ERP_URL?.replace(/\/+$/, ''),
      apiKey: env.ERP_API_KEY,
      allowNetworks: (env.ERP_ALLOW_NETWORKS ?? '').split(',').map((n) => n.trim()).filter(Boolean) as Config['erp']['allowNetworks'],
      reference: env.REFERENCE_ERP,
      referencePort: env.REFERENCE_ERP_PORT,
    },
    webhooks: { worker: env.WEBHOOK_WORKER === 'true', pollMs: env.WEBHOOK_POLL_MS },
  };
}
