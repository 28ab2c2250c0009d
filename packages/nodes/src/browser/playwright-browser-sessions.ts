import { existsSync } from 'node:fs';
import type { BrowserSessions, SecretProvider } from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { performPageAction } from './page-actions.js';
import { pageHintSchema, replayValue, type PageHint } from './page-hint.js';

/** Where Debian installs Chromium; `CASARE_CHROMIUM_PATH` overrides it. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a server: no sandbox (we often run as root in containers), no GPU,
 * and none of the background traffic (updates, sync, safe-browsing lists) a closed network refuses.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Options of `PlaywrightBrowserSessions`. */
export interface PlaywrightBrowserSessionsOptions {
  /** Chromium binary; default `CASARE_CHROMIUM_PATH`, then `/usr/bin/chromium`. */
  readonly executablePath?: string;
  /** Extra Chromium flags, added to `CHROMIUM_ARGS`. */
  readonly extraArgs?: readonly string[];
  /** Resolves the `{{$secret:...}}` references of a hint when a page is restored. */
  readonly secrets?: SecretProvider;
  /** Default timeout of page actions and navigations, ms (default 30 000). */
  readonly timeoutMs?: number;
  /**
   * Serves URLs under a prefix from another prefix, e.g. `{ 'https://example.com': 'http://127.0.0.1:8787/example' }`:
   * the page keeps the public URL while the bytes come from a local stand-in. For machines without
   * internet access (tests, demos).
   */
  readonly standIns?: Readonly<Record<string, string>>;
}

/** No Chromium binary where we looked. */
export class ChromiumNotFoundError extends Error {
  /** Stable code. */
  readonly code = 'CHROMIUM_NOT_FOUND';
  /** Installing a browser takes an operator, not a retry. */
  readonly retryable = false;
  constructor(readonly executablePath: string) {
    super(`no Chromium at ${executablePath}: install your distribution's chromium package (Debian: apt-get install chromium) or set CASARE_CHROMIUM_PATH`);
    this.name = 'ChromiumNotFoundError';
  }
}

interface RunPages {
  readonly context: BrowserContext;
  readonly pages: Map<string, Page>;
}

/**
 * `BrowserSessions` on playwright-core and the system's Chromium. One headless Chromium per process,
 * started on first use; one browser context per run (runs never share cookies); named pages inside it.
 * A page this process does not hold (after a crash, or after `closeAll`) is reopened from its hint.
 */
export class PlaywrightBrowserSessions implements BrowserSessions<Page> {
  private browser: Promise<Browser> | undefined;
  /** Per run: its context and pages once created (`ready` settles first, then `pages` is set). */
  private readonly runs = new Map<string, { readonly ready: Promise<RunPages>; settled?: RunPages }>();
  private readonly timeoutMs: number;

  constructor(private readonly options: PlaywrightBrowserSessionsOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** True when this process holds a live page `name` for the run (no restore would happen). */
  hasLivePage(runId: string, name: string): boolean {
    return this.livePage(runId, name) !== undefined;
  }

  /**
   * The run's live page `name`; when this process has none, a new page restored from `hint`:
   * cookies set, URL opened, page-local actions applied again (secrets resolved again).
   * Without a hint the new page is blank.
   */
  async loadPage(runId: string, name: string, hint: JsonObject | undefined): Promise<Page> {
    const live = this.livePage(runId, name);
    if (live) return live;
    const page = await this.openPage(runId, name);
    if (hint) await this.restore(page, pageHintSchema.parse(hint));
    return page;
  }

  /** A new blank page `name` for the run, replacing (and closing) any page of that name. */
  async openPage(runId: string, name: string): Promise<Page> {
    const run = await this.runPages(runId);
    const previous = run.pages.get(name);
    run.pages.delete(name);
    if (previous && !previous.isClosed()) await previous.close();
    const page = await run.context.newPage();
    run.pages.set(name, page);
    return page;
  }

  /** Closes one page of a run; the run's context when it was its last page; Chromium when no run is left. */
  async closePage(runId: string, name: string): Promise<void> {
    const run = await this.runs.get(runId)?.ready.catch(() => undefined);
    if (!run) return;
    const page = run.pages.get(name);
    run.pages.delete(name);
    if (page && !page.isClosed()) await page.close();
    if (run.pages.size === 0) await this.closeRun(runId);
  }

  /** Closes every page of the run and its context; Chromium when no run is left. */
  async closeRun(runId: string): Promise<void> {
    const entry = this.runs.get(runId);
    this.runs.delete(runId);
    const run = await entry?.ready.catch(() => undefined);
    await run?.context.close().catch(() => undefined);
    if (this.runs.size === 0) await this.closeBrowser();
  }

  /** Lets a `HandlerNodeCatalog` take these sessions as `RunResources`: a run's pages close when it ends. */
  releaseRun(runId: string): Promise<void> {
    return this.closeRun(runId);
  }

  /** Closes every run's pages and Chromium itself. */
  async closeAll(): Promise<void> {
    const entries = [...this.runs.values()];
    this.runs.clear();
    for (const entry of entries) {
      const run = await entry.ready.catch(() => undefined);
      await run?.context.close().catch(() => undefined);
    }
    await this.closeBrowser();
  }

  private livePage(runId: string, name: string): Page | undefined {
    const page = this.runs.get(runId)?.settled?.pages.get(name);
    return page && !page.isClosed() ? page : undefined;
  }

  private runPages(runId: string): Promise<RunPages> {
    const existing = this.runs.get(runId);
    if (existing) return existing.ready;
    const ready = this.createRun();
    const entry: { readonly ready: Promise<RunPages>; settled?: RunPages } = { ready };
    this.runs.set(runId, entry);
    ready.then(
      (run) => {
        entry.settled = run;
      },
      () => {
        if (this.runs.get(runId) === entry) this.runs.delete(runId);
      },
    );
    return ready;
  }

  private async createRun(): Promise<RunPages> {
    const browser = await this.launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(this.timeoutMs);
    context.setDefaultNavigationTimeout(this.timeoutMs);
    for (const [from, to] of Object.entries(this.options.standIns ?? {})) {
      await context.route(
        (url) => url.href.startsWith(from),
        async (route) => {
          const response = await route.fetch({ url: to + route.request().url().slice(from.length) });
          await route.fulfill({ response });
        },
      );
    }
    return { context, pages: new Map() };
  }

  private launchBrowser(): Promise<Browser> {
    if (!this.browser) {
      const executablePath = this.options.executablePath ?? process.env['CASARE_CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
      const launching = existsSync(executablePath)
        ? // Loaded on first launch: playwright-core costs ~0.7 s of CPU to import, and most commands
          // (validate, runs list, flows without a browser) never need it.
          import('playwright-core').then(({ chromium }) =>
            chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...(this.options.extraArgs ?? [])] }),
          )
        : Promise.reject(new ChromiumNotFoundError(executablePath));
      this.browser = launching;
      launching.then(
        (browser) =>
          browser.on('disconnected', () => {
            // Chromium died under us: forget it and its runs, so the next page is restored from hints.
            if (this.browser !== launching) return;
            this.browser = undefined;
            this.runs.clear();
          }),
        () => {
          if (this.browser === launching) this.browser = undefined;
        },
      );
    }
    return this.browser;
  }

  private async closeBrowser(): Promise<void> {
    const launching = this.browser;
    this.browser = undefined;
    const browser = await launching?.catch(() => undefined);
    await browser?.close().catch(() => undefined);
  }

  private async restore(page: Page, hint: PageHint): Promise<void> {
    if (hint.cookies && hint.cookies.length > 0) await page.context().addCookies(hint.cookies);
    if (hint.url !== 'about:blank') await page.goto(hint.url, { waitUntil: 'load' });
    for (const action of hint.actions) {
      const replayed = action.kind === 'check' ? action : { ...action, value: await replayValue(action.value, action.secret, this.options.secrets) };
      await performPageAction(page, replayed, this.timeoutMs);
    }
  }
}
