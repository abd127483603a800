/**
 * HTML → PDF in one warm Chromium with a small pool of reused pages (a new page per document costs
 * about 4× as much). Every page runs with JavaScript off and every network request refused, so
 * a template can only use inline markup and data: URIs. A render that exceeds its time limit loses
 * its page (it may be stuck); a crashed page or browser is replaced on the next render; pages and
 * the browser are recycled after a number of renders so leaks cannot build up.
 */
import type { Page, CDPSession } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../infra/chromium';
import type { Logger } from '../infra/logger';
import { ServiceUnavailableError, UnprocessableError } from '../../workflows/model/errors';
import { withDeadline } from '../../workflows/model/deadline';

export class RenderTimeoutError extends UnprocessableError {
  constructor(what: string, ms: number) {
    super(`Rendering ${what} exceeded the time limit of ${ms} ms`, undefined, { reason: 'render-timeout', limitMs: ms });
  }
}

export interface PdfRendererOptions {
  logger: Logger;
  /** pages rendering at the same time (about one per core) */
  poolSize?: number;
  /** default time limit of one render */
  timeoutMs?: number;
  recyclePageAfter?: number;
  recycleBrowserAfter?: number;
  launch?: () => Promise<LaunchedBrowser>;
}

interface Slot {
  page: Page;
  cdp: CDPSession;
  uses: number;
  generation: number;
  broken: boolean;
}

export interface RendererStats {
  launches: number;
  pagesCreated: number;
  renders: number;
  timeouts: number;
}

export class PdfRenderer {
  private readonly poolSize: number;
  private readonly timeoutMs: number;
  private readonly recyclePageAfter: number;
  private readonly recycleBrowserAfter: number;
  private readonly launch: () => Promise<LaunchedBrowser>;
  private readonly logger: Logger;
  private browser?: Promise<LaunchedBrowser>;
  private generation = 0;
  private rendersThisBrowser = 0;
  private idle: Slot[] = [];
  private inUse = 0;
  private waiters: Array<() => void> = [];
  private closed = false;
  readonly stats: RendererStats = { launches: 0, pagesCreated: 0, renders: 0, timeouts: 0 };

  constructor(options: PdfRendererOptions) {
    this.logger = options.logger;
    this.poolSize = Math.max(1, options.poolSize ?? 2);
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.recyclePageAfter = options.recyclePageAfter ?? 500;
    this.recycleBrowserAfter = options.recycleBrowserAfter ?? 5_000;
    this.launch = options.launch ?? (() => launchChromium());
  }

  get concurrency(): number {
    return this.poolSize;
  }

  /** Starts the browser and the page pool now, so the first print does not pay for it. */
  async warm(): Promise<void> {
    const slots: Slot[] = [];
    for (let i = 0; i < this.poolSize; i++) slots.push(await this.acquire());
    for (const s of slots) this.release(s);
  }

  /** One PDF from one HTML document. `what` names the document in errors. */
  async render(html: string, options: { timeoutMs?: number; what?: string } = {}): Promise<Buffer> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const what = options.what ?? 'the document';
    for (let attempt = 1; ; attempt++) {
      const slot = await this.acquire();
      try {
        const work = (async () => {
          await slot.page.setContent(html, { waitUntil: 'load', timeout: timeoutMs + 1000 });
          return slot.page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: false, outline: false });
        })();
        const pdf = await withDeadline(work, timeoutMs, () => new RenderTimeoutError(what, timeoutMs));
        slot.uses++;
        this.stats.renders++;
        this.rendersThisBrowser++;
        return pdf;
      } catch (err) {
        slot.broken = true;
        if (err instanceof RenderTimeoutError) {
          this.stats.timeouts++;
          throw err;
        }
        const message = (err as Error).message ?? '';
        // the page or browser died under us (crash, disconnect): one more try on a fresh one
        if (attempt === 1 && !this.closed && /closed|crash|Target|disconnected/i.test(message)) {
          this.logger.warn({ err: message }, 'render page lost; retrying on a fresh page');
          continue;
        }
        throw new ServiceUnavailableError(`The PDF renderer failed on ${what}: ${message.split('\n')[0]}`, { cause: err });
      } finally {
        this.release(slot);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const browser = this.browser;
    this.browser = undefined;
    this.idle = [];
    for (const w of this.waiters.splice(0)) w();
    if (browser) await browser.then((b) => b.close()).catch(() => undefined);
  }

  private async getBrowser(): Promise<LaunchedBrowser> {
    if (this.closed) throw new ServiceUnavailableError('The PDF renderer is shut down');
    if (!this.browser) {
      const generation = ++this.generation;
      this.rendersThisBrowser = 0;
      this.browser = (async () => {
        const launched = await this.launch();
        this.stats.launches++;
        launched.context.on('close', () => this.onBrowserGone(generation));
        // only inline content: every request (http, file, blob…) is refused; data: URIs never reach the network
        await launched.context.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort('blockedbyclient')));
        return launched;
      })();
      this.browser.catch(() => {
        if (this.generation === generation) this.browser = undefined;
      });
    }
    try {
      return await this.browser;
    } catch (err) {
      throw new ServiceUnavailableError(`Chromium could not be started: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
  }

  private onBrowserGone(generation: number): void {
    if (generation !== this.generation) return;
    if (!this.closed) this.logger.warn('chromium went away; the next render starts a new one');
    this.browser = undefined;
    this.idle = [];
  }

  private async newSlot(): Promise<Slot> {
    const browser = await this.getBrowser();
    const generation = this.generation;
    const unused = browser.context.pages().find((p) => !this.idle.some((s) => s.page === p) && p.url() === 'about:blank' && !(p as any).__ordoSlot);
    const page = unused ?? (await browser.context.newPage());
    (page as any).__ordoSlot = true;
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    const slot: Slot = { page, cdp, uses: 0, generation, broken: false };
    page.on('crash', () => {
      slot.broken = true;
    });
    this.stats.pagesCreated++;
    return slot;
  }

  private async acquire(): Promise<Slot> {
    while (this.inUse >= this.poolSize) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      if (this.closed) throw new ServiceUnavailableError('The PDF renderer is shut down');
    }
    this.inUse++;
    try {
      let slot = this.idle.pop();
      while (slot && (slot.generation !== this.generation || slot.page.isClosed())) slot = this.idle.pop();
      return slot ?? (await this.newSlot());
    } catch (err) {
      this.inUse--;
      this.waiters.shift()?.();
      throw err;
    }
  }

  private release(slot: Slot): void {
    this.inUse--;
    const stale = slot.broken || slot.generation !== this.generation || slot.uses >= this.recyclePageAfter || slot.page.isClosed();
    if (stale) void slot.page.close().catch(() => undefined);
    else this.idle.push(slot);
    if (this.inUse === 0 && this.rendersThisBrowser >= this.recycleBrowserAfter && this.browser) {
      const old = this.browser;
      this.browser = undefined;
      this.idle = [];
      this.logger.info({ renders: this.rendersThisBrowser }, 'recycling chromium');
      void old.then((b) => b.close()).catch(() => undefined);
    }
    this.waiters.shift()?.();
  }
}
