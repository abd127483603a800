/**
 * Identity use cases: sign-in with sessions, API keys, users and the first admin.
 * Routes stay thin and call these.
 */
import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { ConflictError, NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError } from '../../workflows/model/errors';
import { permissionsOf, type Permission, type Role } from '../contracts/permissions';
import type { ApiKeyDto, CreateApiKeyBody, CreateUserBody, CreatedApiKeyDto, Locale, UpdateUserBody, UserDto } from '../contracts/auth';
import type { AuthModels, UserDoc, ApiKeyDoc } from './auth.models';
import { hashPassword, verifyPassword } from './password';
import type { Principal } from './principal';
import { normaliseScope } from './record-scope';
import type { AuditService } from '../audit/audit.service';
import type { Logger } from '../infra/logger';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const token = (bytes = 32) => crypto.randomBytes(bytes).toString('base64url');
const sameSet = (a: readonly string[], b: readonly string[]) => new Set(a).size === new Set(b).size && a.every((x) => b.includes(x));
export const API_KEY_PREFIX = 'ordo_';
/** Lockout: after this many failures in a row an account (existing or not) waits, doubling each time. */
export const LOCKOUT_AFTER = 5;
const LOCKOUT_BASE_MS = 30_000;
const LOCKOUT_MAX_MS = 30 * 60_000;

export function toUserDto(u: UserDoc): UserDto {
  return {
    id: String(u._id),
    email: u.email,
    name: u.name,
    role: u.role as Role,
    groups: [...(u.groups ?? [])],
    disabled: Boolean(u.disabled),
    locale: (u.locale as Locale | null) ?? null,
    scope: normaliseScope(u.scope),
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

/** A user as a caller: their role's permissions, groups and record scope. */
function userPrincipal(user: UserDoc, session: { sessionId: string; csrfToken: string }): Extract<Principal, { kind: 'user' }> {
  const role = user.role as Role;
  return { kind: 'user', userId: String(user._id), email: user.email, name: user.name, role, groups: [...(user.groups ?? [])], permissions: permissionsOf(role), ...session, scope: normaliseScope(user.scope) };
}

function toApiKeyDto(k: ApiKeyDoc): ApiKeyDto {
  const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
  return {
    id: String(k._id),
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes as Permission[],
    recordScope: normaliseScope(k.recordScope),
    createdAt: new Date(k.createdAt).toISOString(),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    lastUsedAt: iso(k.lastUsedAt),
  };
}

export class AuthService {
  constructor(
    private readonly models: AuthModels,
    private readonly audit: AuditService,
    private readonly logger: Logger,
    private readonly sessionTtlMs: number,
  ) {}

  /**
   * Told when a user's live sockets must end: their sessions were ended by an admin, or their groups
   * changed (the socket rooms were chosen at connect time; the gateway drops the sockets and the
   * client connects again into the rooms of its new groups).
   */
  private sessionsEnded?: (userId: string) => void;
  onSessionsEnded(listener: (userId: string) => void): void {
    this.sessionsEnded = listener;
  }

  /** Same work (one argon2 verify) whether or not the e-mail exists, so timing reveals nothing. */
  async login(email: string, password: string, meta: { ip?: string; userAgent?: string }): Promise<{ token: string; user: UserDto; expiresAt: Date }> {
    const normalized = email.trim().toLowerCase();
    const attemptId = sha256(`login:${normalized}`);
    const attempt = await this.models.LoginAttempt.findById(attemptId).lean();
    if (attempt?.lockedUntil && attempt.lockedUntil.getTime() > Date.now()) {
      throw new RateLimitedError('Too many failed sign-ins for this account; try again later', Math.ceil((attempt.lockedUntil.getTime() - Date.now()) / 1000));
    }
    const user = await this.models.User.findOne({ email: normalized }).lean<UserDoc>();
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!user || !ok || user.disabled) {
      const failed = await this.models.LoginAttempt.findOneAndUpdate(
        { _id: attemptId },
        { $inc: { failures: 1 }, $set: { lastFailureAt: new Date() } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      const failures = failed?.failures ?? 1;
      if (failures >= LOCKOUT_AFTER) {
        const wait = Math.min(LOCKOUT_MAX_MS, LOCKOUT_BASE_MS * 2 ** (failures - LOCKOUT_AFTER));
        await this.models.LoginAttempt.updateOne({ _id: attemptId }, { $set: { lockedUntil: new Date(Date.now() + wait) } });
      }
      await this.audit.record({ principal: { kind: 'anonymous' }, action: 'auth.login', target: { type: 'user', id: user ? String(user._id) : normalized.slice(0, 254) }, ip: meta.ip, outcome: 'denied' });
      throw new UnauthenticatedError('Wrong e-mail or password');
    }
    if (attempt) await this.models.LoginAttempt.deleteOne({ _id: attemptId });
    const session = await this.openSession(user, meta);
    return { token: session.token, user: toUserDto(user), expiresAt: session.expiresAt };
  }

  /** Sessions for identities verified elsewhere (single sign-on). */
  async createSessionFor(email: string, meta: { ip?: string; userAgent?: string; method: string }): Promise<{ token: string; expiresAt: Date }> {
    const user = await this.models.User.findOne({ email }).lean<UserDoc>();
    if (!user || user.disabled) throw new UnauthenticatedError('Unknown or disabled user');
    return this.openSession(user, meta);
  }

  private async openSession(user: UserDoc, meta: { ip?: string; userAgent?: string; method?: string }): Promise<{ token: string; expiresAt: Date }> {
    const sessionToken = token();
    const expiresAt = new Date(Date.now() + this.sessionTtlMs);
    await this.models.Session.create({ _id: sha256(sessionToken), userId: user._id, csrfToken: token(24), expiresAt, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 300) });
    await this.audit.record({
      principal: { kind: 'user', userId: String(user._id), email: user.email, name: user.name, role: user.role as Role, groups: [], permissions: new Set(), sessionId: '', csrfToken: '' },
      action: 'auth.login',
      target: { type: 'user', id: String(user._id), label: user.email },
      ip: meta.ip,
      after: { method: meta.method ?? 'password' },
    });
    return { token: sessionToken, expiresAt };
  }

  async logout(principal: Principal, everywhere = false): Promise<void> {
    if (principal.kind !== 'user') return;
    if (everywhere) await this.models.Session.deleteMany({ userId: principal.userId });
    else await this.models.Session.deleteOne({ _id: principal.sessionId });
  }

  /** Resolves the caller from a session cookie or an API key (Authorization: Bearer ordo_… or X-API-Key). */
  async resolve(input: { sessionToken?: string; apiKey?: string }): Promise<Principal> {
    if (input.apiKey) return this.resolveApiKey(input.apiKey);
    if (!input.sessionToken) return { kind: 'anonymous' };
    return this.resolveSession(sha256(input.sessionToken));
  }

  /**
   * An active user by id or e-mail as a principal (their role's permissions, groups, record scope),
   * for acting on their behalf (a task assigned or delegated to them); null for none or a disabled one.
   */
  async activeUser(idOrEmail: string): Promise<Extract<Principal, { kind: 'user' }> | null> {
    const user = Types.ObjectId.isValid(idOrEmail) ? await this.models.User.findById(idOrEmail).lean<UserDoc>() : await this.models.User.findOne({ email: idOrEmail.trim().toLowerCase() }).lean<UserDoc>();
    return user && !user.disabled ? userPrincipal(user, { sessionId: '', csrfToken: '' }) : null;
  }

  /** The user behind a stored session (by its id, the token's hash); anonymous when it ended. */
  async resolveSession(sessionId: string): Promise<Principal> {
    const session = await this.models.Session.findById(sessionId).lean();
    if (!session || session.expiresAt.getTime() <= Date.now()) return { kind: 'anonymous' };
    const user = await this.models.User.findById(session.userId).lean<UserDoc>();
    if (!user || user.disabled) return { kind: 'anonymous' };
    return userPrincipal(user, { sessionId, csrfToken: session.csrfToken });
  }

  private async resolveApiKey(raw: string): Promise<Principal> {
    if (!raw.startsWith(API_KEY_PREFIX)) throw new UnauthenticatedError('Malformed API key');
    const key = await this.models.ApiKey.findOne({ secretHash: sha256(raw) }).lean<ApiKeyDoc>();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) throw new UnauthenticatedError('Unknown, revoked or expired API key');
    // best effort, at most once a minute per key
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
      void this.models.ApiKey.updateOne({ _id: key._id }, { $set: { lastUsedAt: new Date() } }).catch(() => undefined);
    }
    return { kind: 'apiKey', keyId: String(key._id), name: key.name, permissions: new Set(key.scopes as Permission[]), scope: normaliseScope(key.recordScope) };
  }

  /** First run: create an admin from ORDO_ADMIN_EMAIL/PASSWORD, or with a random password printed once. */
  async ensureInitialAdmin(admin: { email?: string; password?: string }, announce: (message: string) => void): Promise<void> {
    if ((await this.models.User.estimatedDocumentCount()) > 0 && (await this.models.User.exists({}))) return;
    const email = admin.email ?? 'admin@ordo.local';
    const password = admin.password ?? `${token(12)}-7`;
    try {
      await this.models.User.create({ email, name: 'Administrator', role: 'admin', passwordHash: await hashPassword(password) });
    } catch (e) {
      if ((e as { code?: number }).code === 11000) return; // another node created it first
      throw e;
    }
    if (admin.password) announce(`Created the first admin ${email} with the password from ORDO_ADMIN_PASSWORD.`);
    else announce(`Created the first admin.\n\n    e-mail:   ${email}\n    password: ${password}\n\n  This password is shown once. Sign in and change it under Admin > Users.`);
  }

  async listUsers(): Promise<UserDto[]> {
    const users = await this.models.User.find().sort({ email: 1 }).lean<UserDoc[]>();
    return users.map(toUserDto);
  }

  async createUser(actor: Principal, body: CreateUserBody & { email: string }): Promise<UserDto> {
    if (await this.models.User.exists({ email: body.email })) throw new ConflictError(`A user with the e-mail ${body.email} already exists`);
    const user = await this.models.User.create({ email: body.email, name: body.name, role: body.role, groups: body.groups ?? [], locale: body.locale ?? null, scope: normaliseScope(body.scope), passwordHash: await hashPassword(body.password) });
    const dto = toUserDto(user.toObject() as UserDoc);
    await this.audit.record({ principal: actor, action: 'user.create', target: { type: 'user', id: dto.id, label: dto.email }, after: { email: dto.email, name: dto.name, role: dto.role, groups: dto.groups, scope: dto.scope } });
    return dto;
  }

  async updateUser(actor: Principal, id: string, body: UpdateUserBody): Promise<UserDto> {
    if (!Types.ObjectId.isValid(id)) throw new NotFoundError('User');
    const user = await this.models.User.findById(id);
    if (!user) throw new NotFoundError('User');
    const before = toUserDto(user.toObject() as UserDoc);
    if (actor.kind === 'user' && actor.userId === id && (body.disabled === true || (body.role && body.role !== 'admin' && before.role === 'admin'))) {
      throw new ValidationError('You cannot disable yourself or take away your own admin role', [{ path: body.disabled ? 'disabled' : 'role', message: 'not allowed on your own account' }]);
    }
    if (body.name !== undefined) user.name = body.name;
    if (body.role !== undefined) user.role = body.role;
    if (body.groups !== undefined) user.groups = body.groups;
    if (body.disabled !== undefined) user.disabled = body.disabled;
    if (body.locale !== undefined) user.locale = body.locale;
    if (body.scope !== undefined) user.set('scope', normaliseScope(body.scope));
    if (body.password !== undefined) user.passwordHash = await hashPassword(body.password);
    await user.save();
    // a disabled user, a role or scope change or a new password ends that user's sessions (and live sockets) at once
    if (body.disabled || body.role !== undefined || body.password !== undefined || body.scope !== undefined) {
      await this.models.Session.deleteMany({ userId: user._id });
      this.sessionsEnded?.(id);
    } else if (body.groups !== undefined && !sameSet(before.groups, body.groups)) {
      // a groups change keeps the sessions but not the sockets: their rooms are the old groups'
      this.sessionsEnded?.(id);
    }
    const after = toUserDto(user.toObject() as UserDoc);
    await this.audit.record({ principal: actor, action: 'user.update', target: { type: 'user', id, label: after.email }, before, after: { ...after, ...(body.password ? { password: '[changed]' } : {}) } });
    return after;
  }

  async setOwnLocale(principal: Principal, locale: Locale | null): Promise<void> {
    if (principal.kind !== 'user') throw new UnauthenticatedError();
    await this.models.User.updateOne({ _id: principal.userId }, { $set: { locale } });
  }

  async me(principal: Principal): Promise<{ user: UserDto; permissions: Permission[]; csrfToken: string }> {
    if (principal.kind !== 'user') throw new UnauthenticatedError();
    const user = await this.models.User.findById(principal.userId).lean<UserDoc>();
    if (!user) throw new UnauthenticatedError();
    return { user: toUserDto(user), permissions: [...principal.permissions], csrfToken: principal.csrfToken };
  }

  async listApiKeys(): Promise<ApiKeyDto[]> {
    const keys = await this.models.ApiKey.find().sort({ createdAt: -1 }).lean<ApiKeyDoc[]>();
    return keys.map(toApiKeyDto);
  }

  async createApiKey(actor: Principal, body: CreateApiKeyBody): Promise<CreatedApiKeyDto> {
    const secret = `${API_KEY_PREFIX}${token(32)}`;
    const key = await this.models.ApiKey.create({
      name: body.name,
      prefix: secret.slice(0, 12),
      secretHash: sha256(secret),
      scopes: body.scopes,
      recordScope: normaliseScope(body.recordScope),
      createdBy: actor.kind === 'user' ? actor.userId : undefined,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
    });
    const dto = toApiKeyDto(key.toObject() as ApiKeyDoc);
    await this.audit.record({ principal: actor, action: 'apiKey.create', target: { type: 'apiKey', id: dto.id, label: dto.name }, after: { name: dto.name, scopes: dto.scopes, recordScope: dto.recordScope, prefix: dto.prefix } });
    return { ...dto, key: secret };
  }

  async revokeApiKey(actor: Principal, id: string): Promise<ApiKeyDto> {
    if (!Types.ObjectId.isValid(id)) throw new NotFoundError('API key');
    const key = await this.models.ApiKey.findOneAndUpdate({ _id: id, revokedAt: null }, { $set: { revokedAt: new Date() } }, { returnDocument: 'after' }).lean<ApiKeyDoc>();
    if (!key) throw new NotFoundError('Active API key');
    await this.audit.record({ principal: actor, action: 'apiKey.revoke', target: { type: 'apiKey', id, label: key.name } });
    return toApiKeyDto(key);
  }

  /** Housekeeping: expired sessions go (FerretDB has no TTL indexes we rely on). */
  async purgeExpiredSessions(): Promise<number> {
    const r = await this.models.Session.deleteMany({ expiresAt: { $lte: new Date() } });
    if (r.deletedCount) this.logger.debug({ count: r.deletedCount }, 'purged expired sessions');
    return r.deletedCount;
  }
}
