/** A real OpenID provider (tests/fixtures/oidc/provider.mjs, the certified oidc-provider package) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** Starts it on `port`, accepting `redirectUri`; resolves once it listens. */
export async function startOidcProvider(port: number, redirectUri: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [path.join(__dirname, '..', 'fixtures', 'oidc', 'provider.mjs'), String(port), redirectUri], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    proc.once('exit', (c) => reject(new Error(`provider exited ${c}`)));
  });
  return proc;
}

/**
 * On the provider's development login page: signs in as `login` (any password), confirms consent
 * and waits until the browser is back on `appUrl` outside /api/.
 */
export async function passProviderScreens(page: Page, login: string, appUrl: string): Promise<void> {
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any');
  await page.click('button[type="submit"]');
  await page.waitForSelector('button[type="submit"]'); // the consent screen
  await Promise.all([page.waitForURL((u) => u.toString().startsWith(appUrl) && !u.pathname.startsWith('/api/')), page.click('button[type="submit"]')]);
}
