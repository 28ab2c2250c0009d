import type { JsonObject } from '@casare-rpa/domain';

/**
 * Live browser pages of runs. Pages are never checkpointed (docs/architecture.md, rule 7): after recovery the first node
 * that needs a page gets a new browser opened at the URL in its hint, with the hint's page-local
 * actions applied again. `TPage` is the adapter's page type (a Playwright `Page` in `nodes`).
 */
export interface BrowserSessions<TPage = unknown> {
  /** True when this process holds a live page `name` for the run: `loadPage` would restore nothing. */
  hasLivePage(runId: string, name: string): boolean;
  /** The run's live page `name`, recreated from `hint` when the process has none (blank without a hint). */
  loadPage(runId: string, name: string, hint: JsonObject | undefined): Promise<TPage>;
  /** A new blank page `name` for the run, replacing (and closing) any page of that name. */
  openPage(runId: string, name: string): Promise<TPage>;
  /** Closes one page of a run (its browser too when it was the last). */
  closePage(runId: string, name: string): Promise<void>;
  /** Closes everything the run holds. */
  closeRun(runId: string): Promise<void>;
  /** Closes every browser of every run. */
  closeAll(): Promise<void>;
}

/** Injection token of `BrowserSessions`. */
export const BROWSER_SESSIONS = Symbol.for('@casare-rpa/BrowserSessions');
