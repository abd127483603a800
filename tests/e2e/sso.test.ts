/**
 * Single sign-on against a real OpenID provider (oidc-provider) started by the test, in chromium.
 * Ordo runs as its own process: openid-client is ESM-only and cannot load inside jest.
 */
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../../server/db/ferretdb';
import { launchChromium, type LaunchedBrowser } from '../../server/infra/chromium';
import { testDatabaseUri } from '../helpers/db';
import { startChildOrdo, type ChildOrdo } from '../helpers/child-ordo';
import { passProviderScreens, startOidcProvider } from '../helpers/oidc-provider';
import { ADMIN, ApiClient } from '../helpers/server';

describe('single sign-on with OpenID Connect', () => {
  let provider: ChildProcess;
  let ordo: ChildOrdo;
  let browser: LaunchedBrowser;

  beforeAll(async () => {
    const [providerPort, ordoPort] = [await freePort(), await freePort()];
    provider = await startOidcProvider(providerPort, `http://127.0.0.1:${ordoPort}/api/auth/oidc/callback`);
    ordo = await startChildOrdo({
      PORT: String(ordoPort),
      MONGODB_URI: testDatabaseUri('sso'),
      ORDO_ADMIN_EMAIL: ADMIN.email,
      ORDO_ADMIN_PASSWORD: ADMIN.password,
      OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
      OIDC_CLIENT_ID: 'ordo',
      OIDC_CLIENT_SECRET: 'ordo-test-secret',
      OIDC_ROLE_MAP: 'ordo-admins=admin,ordo-analysts=analyst,ordo-operators=operator',
      OIDC_ALLOW_HTTP: 'true',
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await ordo?.stop();
    provider?.kill();
  });

  async function signInThroughProvider(login: string) {
    await browser.context.clearCookies(); // a fresh visitor: no provider or Ordo session
    const page = await browser.context.newPage();
    await page.goto(`${ordo.url}/api/auth/oidc/login`);
    await passProviderScreens(page, login, ordo.url);
    return page;
  }

  it('given a provider user in ordo-analysts, when they sign in, then Ordo creates them as an analyst with their other groups as candidate groups', async () => {
    const page = await signInThroughProvider('ann');
    const me = (await page.evaluate(async () => (await fetch('/api/auth/me')).json())) as { user: Record<string, unknown>; permissions: string[] };
    expect(me.user).toMatchObject({ email: 'ann@sso.test', role: 'analyst', groups: ['reviewers'] });
    expect(me.permissions).toContain('rules.publish');
    await page.close();
  });

  it('given a provider user whose groups map to no role, then sign-in is refused with a reason', async () => {
    const page = await signInThroughProvider('nobody');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(decodeURIComponent(new URL(page.url()).search)).toMatch(/no role in Ordo/);
    const me = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    expect(me).toBe(401);
    await page.close();
  });

  it('keeps local accounts working and announces the provider on the login API', async () => {
    const local = await new ApiClient(ordo.url).login(ADMIN.email, ADMIN.password);
    expect((await local.get('/api/auth/me')).body.user.role).toBe('admin');
    const providers = await new ApiClient(ordo.url).get('/api/auth/providers');
    expect(providers.body).toEqual({ password: true, oidc: { label: 'Single sign-on', loginUrl: '/api/auth/oidc/login' } });
  });
});
