import type { ChildRuns } from '@casare-rpa/application';
import type { CatalogNodeHandler } from './catalog/node-definition.js';
import { browserNodeHandlers } from './browser/browser-node-handlers.js';
import { PlaywrightBrowserSessions } from './browser/playwright-browser-sessions.js';
import { readCsvNode } from './browser/read-csv-node.js';
import { coreNodeHandlers } from './core-node-handlers.js';
import { childWorkflowNode } from './triggers/child-workflow-node.js';

/** Child runs for a catalog that only documents: the CLI binds the real ones (`ExecuteWorkflowChildRuns`). */
const undocumentedChildRuns: ChildRuns = {
  runChild: () => Promise.reject(new Error('documentedNodeHandlers() is for documentation and counts: it runs no child workflow')),
};

/**
 * Every handler a fully wired catalog holds (core, browser, ReadCSV, the child-workflow node the
 * CLI binds through `childWorkflowContainerModule`), for documentation and type counts. The browser
 * sessions and child runs are never used, so no Chromium and no child run starts.
 */
export function documentedNodeHandlers(): readonly CatalogNodeHandler[] {
  return [...coreNodeHandlers(), ...browserNodeHandlers({ sessions: new PlaywrightBrowserSessions() }), readCsvNode, childWorkflowNode(undocumentedChildRuns)];
}
