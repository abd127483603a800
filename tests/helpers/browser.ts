/**
 * End-to-end harness: the built designer served by a real Ordo (real database, port 0) and driven in
 * Debian's chromium (server/infra/chromium.ts). Every page is watched: console errors, uncaught
 * exceptions, CSP violations and 5xx answers are collected as `problems`, which a test expects empty.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../../server/infra/chromium';
import { buildDesigner, DESIGNER_DIST } from '../../server/static/designer';
import type { RunningOrdo } from '../../server/main';
import { startTestOrdo } from './server';

const BUILD_LOCK = path.join(os.tmpdir(), `ordo-designer-build-${crypto.createHash('sha256').update(DESIGNER_DIST).digest('hex').slice(0, 12)}.lock`);

/**
 * Builds designer/dist when its sources changed (startTestOrdo never builds: DESIGNER_AUTOBUILD=false).
 * Test files run in parallel workers, so builds are serialised with a lock directory: the first
 * worker builds, the others find the build fresh.
 */
export async function ensureDesignerBuilt(): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (fs.statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(BUILD_LOCK, { recursive: true, force: true }); // left by a killed run
      if (Date.now() > deadline) throw new Error(`waited 3 minutes for ${BUILD_LOCK}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    buildDesigner({ onlyIfStale: true, log: (m) => process.stdout.write(`${m}\n`) });
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export interface TestBrowser {
  /** every console error, page error, CSP violation and 5xx seen so far, as readable lines */
  readonly problems: string[];
  page: Page;
  /** opens a path of the designer, e.g. '/admin/users' */
  open(pathname: string): Promise<Page>;
  close(): Promise<void>;
}

// chromium logs every 4xx fetch as "Failed to load resource"; expected API answers (401 before
// sign-in, 400 field errors) are the app working, not a defect
const API_CLIENT_ERROR = /^Failed to load resource: the server responded with a status of 4\d\d/;

// runs in every page before its own scripts (injected by the browser, so the CSP does not apply to it)
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (e) => {
  window.__ordoReportViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`;

export class DesignerHarness {
  private constructor(readonly ordo: RunningOrdo) {}
  private readonly browsers: LaunchedBrowser[] = [];

  /** `env`: settings of this Ordo (e.g. a small PRINT_CHUNK_SIZE so a batch reports progress often) */
  static async start(label = 'e2e', env?: Record<string, string>): Promise<DesignerHarness> {
    await ensureDesignerBuilt();
    return new DesignerHarness(await startTestOrdo({ serveDesigner: true, label, env }));
  }

  get url(): string {
    return this.ordo.url;
  }

  /** A fresh chromium profile (its own cookies and localStorage): one per simulated person. */
  /** `args`: extra chromium flags (e.g. a fake camera playing a file) */
  async browser(options: { locale?: string; args?: string[] } = {}): Promise<TestBrowser> {
    const launched = await launchChromium({ locale: options.locale ?? 'en-US', viewport: { width: 1360, height: 860 }, args: options.args });
    this.browsers.push(launched);
    const { context } = launched;
    const problems: string[] = [];
    await context.exposeBinding('__ordoReportViolation', (_source, text: string) => {
      problems.push(`CSP violation: ${text}`);
    });
    await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
    const watch = (page: Page) => {
      page.on('console', (msg) => {
        if (msg.type() !== 'error' && msg.type() !== 'warning') return;
        const where = msg.location().url;
        if (API_CLIENT_ERROR.test(msg.text()) && where.startsWith(`${this.url}/api/`)) return;
        if (msg.type() === 'warning' && !/Content.Security.Policy|CSP/i.test(msg.text())) return;
        problems.push(`console ${msg.type()}: ${msg.text()} (${where})`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('response', (res) => {
        if (res.status() >= 500) problems.push(`HTTP ${res.status()} ${res.request().method()} ${res.url()}`);
      });
      page.on('requestfailed', (req) => {
        // a navigation that replaces an in-flight fetch aborts it; anything else is a real failure
        if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`);
      });
    };
    context.on('page', watch);
    const page = context.pages()[0] ?? (await context.newPage());
    watch(page);
    const base = this.url;
    return {
      problems,
      page,
      async open(pathname: string) {
        await page.goto(base + pathname, { waitUntil: 'domcontentloaded' });
        return page;
      },
      close: () => launched.close(),
    };
  }

  async close(): Promise<void> {
    for (const b of this.browsers.splice(0)) await b.close();
    await this.ordo.close();
  }
}

/** Signs in through the login page and waits for the signed-in layout. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.locator('form.login-card button[type=submit]').click();
  await page.locator('.user-menu').waitFor();
}

/** The labels of the areas in the main navigation, in order. */
export async function navAreas(page: Page): Promise<string[]> {
  await page.locator('nav.sidebar').waitFor();
  return page.locator('nav.sidebar a[data-area]').evaluateAll((links) => links.map((l) => l.textContent ?? ''));
}

/**
 * Saves a full-page screenshot when ORDO_E2E_SCREENSHOTS names a folder (for looking at the
 * layout); otherwise does nothing.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.ORDO_E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/**
 * Starts recording, frame by frame, every value ("done/max") a <progress> bar shows until `doneSelector`
 * matches; the returned function reads what was seen. Shows that a bar moved live, not only its end.
 */
export async function recordProgress(page: Page, barSelector: string, doneSelector: string): Promise<() => Promise<string[]>> {
  // runs in the page (the tests are compiled without the DOM types)
  await page.evaluate(`(() => {
    const seen = [];
    window.__ordoProgress = seen;
    const tick = () => {
      const bar = document.querySelector(${JSON.stringify(barSelector)});
      if (bar) {
        const v = bar.value + '/' + bar.max;
        if (seen[seen.length - 1] !== v) seen.push(v);
        if (document.querySelector(${JSON.stringify(doneSelector)})) return;
      }
      requestAnimationFrame(tick);
    };
    tick();
  })()`);
  return () => page.evaluate('window.__ordoProgress') as Promise<string[]>;
}
