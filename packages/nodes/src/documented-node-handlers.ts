import type { CatalogNodeHandler } from './catalog/node-definition.js';
import { browserNodeHandlers } from './browser/browser-node-handlers.js';
import { PlaywrightBrowserSessions } from './browser/playwright-browser-sessions.js';
import { readCsvNode } from './browser/read-csv-node.js';
import { coreNodeHandlers } from './core-node-handlers.js';

/**
 * Every handler a fully wired catalog holds (core, browser, ReadCSV), for documentation and type
 * counts. The browser sessions are never used, so no Chromium starts.
 */
export function documentedNodeHandlers(): readonly CatalogNodeHandler[] {
  return [...coreNodeHandlers(), ...browserNodeHandlers({ sessions: new PlaywrightBrowserSessions() }), readCsvNode];
}
