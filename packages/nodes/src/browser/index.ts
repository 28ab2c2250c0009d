import type { CatalogNodeHandler } from '../catalog/node-definition.js';
import type { BrowserNodeDependencies } from './browser-step.js';
import { evaluateNode, getAttributeNode, getTextNode, screenshotNode } from './extraction-nodes.js';
import { checkNode, clickNode, selectNode, typeNode } from './interaction-nodes.js';
import { closeNode, launchNode } from './lifecycle-nodes.js';
import { currentUrlNode, navigateNode, pageSourceNode, waitNode } from './navigation-nodes.js';

export { BrowserPageNotOpenError, type BrowserNodeDependencies } from './browser-step.js';
export {
  DEFAULT_PAGE_NAME,
  pageHintKey,
  readPageHint,
  pageHintSchema,
  PageHintInvalidError,
  HintSecretMissingError,
  type PageHint,
  type PageAction,
} from './page-hint.js';
export {
  PlaywrightBrowserSessions,
  ChromiumNotFoundError,
  CHROMIUM_ARGS,
  DEFAULT_CHROMIUM_PATH,
  type PlaywrightBrowserSessionsOptions,
} from './playwright-browser-sessions.js';

/**
 * Every browser node handler (v1 names and aliases), sharing one sessions object. The catalog also
 * needs the sessions as a `RunResources`, so a run's pages close when the run ends.
 */
export function browserNodeHandlers(deps: BrowserNodeDependencies): readonly CatalogNodeHandler[] {
  return [
    launchNode(deps),
    navigateNode(deps),
    clickNode(deps),
    typeNode(deps),
    selectNode(deps),
    checkNode(deps),
    getTextNode(deps),
    getAttributeNode(deps),
    waitNode(deps),
    screenshotNode(deps),
    currentUrlNode(deps),
    pageSourceNode(deps),
    evaluateNode(deps),
    closeNode(deps),
  ];
}
