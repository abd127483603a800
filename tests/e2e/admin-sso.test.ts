/**
 * The login page with single sign-on configured, in chromium: the "Sign in with …" button leads
 * through a real OpenID provider (oidc-provider, started here) and back signed in; a refused
 * sign-in comes back to the login page, which shows the reason. Ordo runs as its own process
 * (openid-client is ESM-only and cannot load inside jest) and serves the built designer.
 */
import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { freePort } from '../../server/db/ferretdb';
import { launchChromium, type LaunchedBrowser } from '../../server/infra/chromium';
import { ensureDesignerBuilt, navAreas, screenshot } from '../helpers/browser';
import { testDatabaseUri } from '../helpers/db';
import { startChildOrdo, type ChildOrdo } from '../helpers/child-ordo';
import { passProviderScreens, startOidcProvider } from '../helpers/oidc-provider';
import { ADMIN } from '../helpers/server';

describe('login page with single sign-on (chromium)', () => {
  let provider: ChildProcess;
  let ordo: ChildOrdo;
  let browser: LaunchedBrowser;
  /** console errors, page errors and 5xx answers of Ordo's own pages (the provider's are not ours) */
  const problems: string[] = [];

  beforeAll(async () => {
    await ensureDesignerBuilt();
    const [providerPort, ordoPort] = [await freePort(), await freePort()];
    provider = await startOidcProvider(providerPort, `http://127.0.0.1:${ordoPort}/api/auth/oidc/callback`);
    ordo = await startChildOrdo({
      PORT: String(ordoPort),
      MONGODB_URI: testDatabaseUri('admin_sso'),
      ORDO_ADMIN_EMAIL: ADMIN.email,
      ORDO_ADMIN_PASSWORD: ADMIN.password,
      OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
      OIDC_CLIENT_ID: 'ordo',
      OIDC_CLIENT_SECRET: 'ordo-test-secret',
      OIDC_LABEL: 'Company login',
      OIDC_ROLE_MAP: 'ordo-admins=admin,ordo-analysts=analyst,ordo-operators=operator',
      OIDC_ALLOW_HTTP: 'true',
    });
    browser = await launchChromium({ viewport: { width: 1360, height: 860 } });
  });
  afterAll(async () => {
    await browser?.close();
    await ordo?.stop();
    provider?.kill();
  });

  async function freshPage(): Promise<Page> {
    await browser.context.clearCookies(); // a fresh visitor: no provider or Ordo session
    const page = await browser.context.newPage();
    const ours = (url: string) => url.startsWith(ordo.url);
    page.on('console', (m) => m.type() === 'error' && ours(m.location().url) && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => ours(page.url()) && problems.push(`page error: ${e.message}`));
    page.on('response', (r) => r.status() >= 500 && problems.push(`HTTP ${r.status()} ${r.url()}`));
    return page;
  }

  /** From Ordo's login page through the provider's login and consent screens. */
  async function signInWithButton(page: Page, login: string): Promise<void> {
    await page.goto(`${ordo.url}/login`);
    const button = page.getByRole('link', { name: 'Sign in with Company login' });
    expect(await button.getAttribute('href')).toBe('/api/auth/oidc/login');
    await screenshot(page, 'admin-sso-01-login');
    await button.click();
    await page.waitForURL((u) => !u.toString().startsWith(ordo.url));
    await passProviderScreens(page, login, ordo.url);
  }

  it('given SSO is configured, when a provider user signs in with the button, then the designer opens signed in with their role', async () => {
    const page = await freshPage();
    await signInWithButton(page, 'ann');
    await page.locator('.user-menu').waitFor();
    expect(await page.locator('.user-menu-button .user-name').textContent()).toBe('Ann Analyst');
    expect(await page.locator('.user-menu-button .user-role').textContent()).toBe('Analyst');
    expect(await navAreas(page)).toEqual(['Workflows', 'Rules', 'Connectors', 'Tasks', 'Orders', 'Scheduling', 'Reports', 'Admin']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('given a provider user whose groups give no role, then the login page shows why and offers both ways again', async () => {
    const page = await freshPage();
    await signInWithButton(page, 'nobody');
    expect(new URL(page.url()).pathname).toBe('/login');
    const banner = page.getByTestId('sso-error');
    await banner.waitFor();
    expect(await banner.locator('span').first().textContent()).toBe('Single sign-on did not work.');
    expect(await banner.locator('.banner-detail').textContent()).toBe('Your groups at the identity provider give no role in Ordo');
    await page.getByRole('link', { name: 'Sign in with Company login' }).waitFor();
    await screenshot(page, 'admin-sso-02-refused');
    expect(problems).toEqual([]);
    await page.close();
  });
});
