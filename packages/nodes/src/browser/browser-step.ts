import type { BrowserSessions, NodeExecution, SecretProvider } from '@casare-rpa/application';
import type { Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import type { Page } from 'playwright-core';
import { pageHintJson, pageHintKey, readPageHint, recordValue, type HintCookie, type PageAction, type PageHint } from './page-hint.js';

/** What browser handlers are built from. */
export interface BrowserNodeDependencies {
  /** Live Playwright pages of runs; restores a page from its hint after recovery (`PlaywrightBrowserSessions`). */
  readonly sessions: BrowserSessions<Page>;
  /** Lets a node recognise secret values it must not record in a hint. */
  readonly secrets?: SecretProvider;
}

/** A browser node asked for a page the run never opened (no launch or navigate before it). */
export class BrowserPageNotOpenError extends Error {
  /** Stable code. */
  readonly code = 'BROWSER_PAGE_NOT_OPEN';
  /** The workflow is wrong, not the world: a retry fails the same way. */
  readonly retryable = false;
  constructor(
    readonly nodeId: string,
    readonly pageName: string,
  ) {
    super(`node "${nodeId}": browser page "${pageName}" is not open; put a BrowserLaunchNode or BrowserNavigateNode before it`);
    this.name = 'BrowserPageNotOpenError';
  }
}

/** What a page action body returns; `record` is the page-local action to remember, if any. */
export interface PageStepResult {
  readonly outputs?: JsonObject;
  readonly variables?: JsonObject;
  readonly logs?: readonly string[];
  readonly record?: PageAction | readonly PageAction[];
}

/** Builds the hint of a page as it is now: URL, the given actions, and the cookies its URL sends. */
export async function describePage(page: Page, actions: readonly PageAction[]): Promise<PageHint> {
  const url = page.url();
  const cookies: HintCookie[] = /^https?:/.test(url) ? await page.context().cookies(url) : [];
  return { url, actions: [...actions], ...(cookies.length > 0 ? { cookies } : {}) };
}

/** The outcome resources entry that records `hint` for `pageName`. */
export function pageResources(pageName: string, hint: PageHint | null): JsonObject {
  return { [pageHintKey(pageName)]: hint === null ? null : pageHintJson(hint) };
}

/**
 * Runs `body` on the run's page `pageName` and records the page's hint after it. The page is the live
 * one, or (after recovery) a new one restored from the state's hint. A document load during the body
 * wipes form state, so it resets the recorded actions; otherwise `record` is appended to them.
 */
export async function runOnPage(
  execution: NodeExecution,
  deps: BrowserNodeDependencies,
  pageName: string,
  body: (page: Page) => Promise<PageStepResult>,
): Promise<NodeOutcome> {
  const { sessions } = deps;
  const hint = readPageHint(execution.resources, pageName);
  const live = sessions.hasLivePage(execution.runId, pageName);
  if (!live && !hint) throw new BrowserPageNotOpenError(execution.node.id, pageName);
  if (!live) {
    execution.logger.debug(`restoring browser page "${pageName}" at ${hint?.url ?? ''} with ${hint?.actions.length ?? 0} page action(s)`);
  }
  const page = await sessions.loadPage(execution.runId, pageName, hint);
  const release = closePageOnAbort(execution, deps, pageName);
  let loaded = false;
  const onLoad = (): void => {
    loaded = true;
  };
  page.on('domcontentloaded', onLoad);
  let result: PageStepResult;
  try {
    result = await body(page);
    // A click that submits a form returns once the navigation started; the hint must name where it lands.
    await page.waitForLoadState('domcontentloaded');
  } finally {
    page.off('domcontentloaded', onLoad);
    release();
  }
  const recorded: readonly PageAction[] = result.record === undefined ? [] : isActionList(result.record) ? result.record : [result.record];
  const actions = loaded ? [] : [...(hint?.actions ?? []), ...recorded];
  return {
    outputs: result.outputs ?? {},
    ...(result.variables ? { variables: result.variables } : {}),
    ...(result.logs ? { logs: result.logs } : {}),
    resources: pageResources(pageName, await describePage(page, actions)),
  };
}

/**
 * When the step is aborted (its timeout expired, the run was cancelled) the page is closed: the
 * action still running on it fails at once instead of racing the next attempt, and that attempt
 * gets a fresh page restored from the hint. Returns the function that stops listening.
 */
export function closePageOnAbort(execution: NodeExecution, deps: BrowserNodeDependencies, pageName: string): () => void {
  const onAbort = (): void => {
    execution.logger.warn(`step aborted: closing browser page "${pageName}"; the next attempt reopens it from its recorded state`);
    deps.sessions.closePage(execution.runId, pageName).catch(() => undefined);
  };
  if (execution.signal.aborted) onAbort();
  else execution.signal.addEventListener('abort', onAbort, { once: true });
  return () => execution.signal.removeEventListener('abort', onAbort);
}

/** A recorded value for a config field: plain, or with its secret values replaced by references. */
export function recordField(execution: NodeExecution, deps: BrowserNodeDependencies, field: string, resolved: string): ReturnType<typeof recordValue> {
  // A value fed by a data connection never came from a config template.
  const raw: Json | undefined = field in execution.inputs ? undefined : execution.node.config[field];
  return recordValue(raw, resolved, deps.secrets, execution.variables);
}

function isActionList(record: PageAction | readonly PageAction[]): record is readonly PageAction[] {
  return Array.isArray(record);
}
