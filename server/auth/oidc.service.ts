/**
 * Optional single sign-on with OpenID Connect (authorization code + PKCE) through openid-client.
 * The provider's groups map to an Ordo role (OIDC_ROLE_MAP, first match in the order given);
 * the user is created or updated on each sign-in; local accounts keep working.
 *
 * openid-client is ESM-only: it is imported lazily, so nothing loads it unless SSO is configured.
 */
import crypto from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { ForbiddenError, UnauthenticatedError } from '../../workflows/model/errors';
import type { Config } from '../config';
import type { Role } from '../contracts/permissions';
import { ROLES } from '../contracts/permissions';
import type { AuthModels } from './auth.models';
import type { AuthService } from './auth.service';
import type { AuditService } from '../audit/audit.service';
import type { Logger } from '../infra/logger';

type OidcConfig = NonNullable<Config['oidc']>;
type Client = typeof import('openid-client');

interface PendingLogin {
  _id: string; // state
  nonce: string;
  codeVerifier: string;
  expiresAt: Date;
}
const pendingSchema = new Schema<PendingLogin>({ _id: String, nonce: String, codeVerifier: String, expiresAt: Date }, { collection: 'oidcLogins', versionKey: false });

/** Highest-ranked role among the user's mapped groups. */
export function roleForGroups(groups: readonly string[], roleMap: Record<string, Role>): Role | undefined {
  const mapped = groups.map((g) => roleMap[g]).filter((r): r is Role => Boolean(r));
  return ROLES.find((r) => mapped.includes(r));
}

export class OidcService {
  private client?: Promise<{ lib: Client; config: import('openid-client').Configuration }>;
  private readonly Pending: Model<PendingLogin>;

  constructor(
    private readonly oidc: OidcConfig,
    private readonly redirectUri: () => string,
    connection: Connection,
    private readonly models: AuthModels,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly logger: Logger,
  ) {
    this.Pending = (connection.models.OidcLogin as Model<PendingLogin>) ?? connection.model<PendingLogin>('OidcLogin', pendingSchema);
  }

  get label(): string {
    return this.oidc.label;
  }

  private discover() {
    this.client ??= (async () => {
      const lib: Client = await import('openid-client');
      const config = await lib.discovery(new URL(this.oidc.issuer), this.oidc.clientId, this.oidc.clientSecret, undefined, this.oidc.allowHttp ? { execute: [lib.allowInsecureRequests] } : undefined);
      return { lib, config };
    })();
    this.client.catch(() => (this.client = undefined)); // retry discovery on the next sign-in
    return this.client;
  }

  async authorizationUrl(): Promise<string> {
    const { lib, config } = await this.discover();
    const codeVerifier = lib.randomPKCECodeVerifier();
    const state = lib.randomState();
    const nonce = lib.randomNonce();
    await this.Pending.create({ _id: state, nonce, codeVerifier, expiresAt: new Date(Date.now() + 10 * 60_000) });
    return lib
      .buildAuthorizationUrl(config, {
        redirect_uri: this.redirectUri(),
        scope: 'openid email profile groups',
        code_challenge: await lib.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      .toString();
  }

  /** Finishes the code flow and returns a session like a password sign-in. */
  async callback(currentUrl: URL, meta: { ip?: string; userAgent?: string }): Promise<{ token: string; expiresAt: Date }> {
    const { lib, config } = await this.discover();
    const state = currentUrl.searchParams.get('state') ?? '';
    const pending = await this.Pending.findOneAndDelete({ _id: state }).lean();
    if (!pending || pending.expiresAt.getTime() < Date.now()) throw new UnauthenticatedError('The sign-in attempt expired or is unknown; start again');
    const tokens = await lib.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: pending.codeVerifier, expectedState: state, expectedNonce: pending.nonce });
    const idClaims = tokens.claims();
    if (!idClaims) throw new UnauthenticatedError('The provider sent no ID token');
    const info = await lib.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    const claims: Record<string, unknown> = { ...idClaims, ...info };
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email || claims.email_verified === false) throw new ForbiddenError('The provider did not give a verified e-mail address');
    const rawGroups = claims[this.oidc.groupsClaim];
    const groups = Array.isArray(rawGroups) ? rawGroups.filter((g): g is string => typeof g === 'string') : [];
    const role = roleForGroups(groups, this.oidc.roleMap);
    if (!role) {
      await this.audit.record({ principal: { kind: 'anonymous' }, action: 'auth.sso', target: { type: 'user', id: email }, ip: meta.ip, outcome: 'denied', after: { groups } });
      throw new ForbiddenError('Your groups at the identity provider give no role in Ordo');
    }
    const candidateGroups = groups.map((g) => g.toLowerCase()).filter((g) => /^[a-z0-9][a-z0-9_-]{0,63}$/.test(g) && !(g in this.oidc.roleMap));
    const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 120) : email;
    const existing = await this.models.User.findOne({ email });
    if (existing?.disabled) throw new ForbiddenError('This account is disabled in Ordo');
    if (existing) {
      existing.role = role;
      existing.groups = candidateGroups;
      existing.name = name;
      await existing.save();
    } else {
      // an unusable password: SSO users sign in only through the provider
      await this.models.User.create({ email, name, role, groups: candidateGroups, passwordHash: `!sso:${crypto.randomBytes(16).toString('hex')}` });
    }
    this.logger.info({ email, role }, 'SSO sign-in');
    return this.auth.createSessionFor(email, { ...meta, method: 'sso' });
  }
}
