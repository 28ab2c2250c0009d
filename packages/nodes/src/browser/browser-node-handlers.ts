import type { CatalogNodeHandler } from '../catalog/node-definition.js';
import type { BrowserNodeDependencies } from './browser-step.js';
import { solveCaptchaAiNode } from './captcha-ai-node.js';
import { detectCaptchaNode, solveCaptchaNode } from './captcha-nodes.js';
import { evaluateNode, getAttributeNode, getTextNode, screenshotNode } from './extraction-nodes.js';
import { imageClickNode } from './image-click-node.js';
import { checkNode, clickNode, selectNode, typeNode } from './interaction-nodes.js';
import { closeNode, launchNode } from './lifecycle-nodes.js';
import { currentUrlNode, navigateNode, pageSourceNode, waitNode } from './navigation-nodes.js';
import {
  alertHandleNode,
  cookieManagementNode,
  goBackNode,
  goForwardNode,
  newTabNode,
  pressKeyNode,
  refreshPageNode,
  runScriptNode,
  waitForNavigationNode,
} from './page-control-nodes.js';
import { detectFormsNode, downloadFileNode, formFieldNode, formFillerNode, getAllImagesNode, tableScraperNode } from './page-data-nodes.js';
import { refineSelectorNode, smartSelectorNode, smartSelectorOptionsNode } from './selector-nodes.js';

/** Builders of the browser node handlers, one per node type family (v1 names and aliases). */
export const browserNodeFactories: ReadonlyArray<(deps: BrowserNodeDependencies) => CatalogNodeHandler> = [
  launchNode,
  navigateNode,
  clickNode,
  typeNode,
  selectNode,
  checkNode,
  getTextNode,
  getAttributeNode,
  waitNode,
  screenshotNode,
  currentUrlNode,
  pageSourceNode,
  evaluateNode,
  closeNode,
  newTabNode,
  goBackNode,
  goForwardNode,
  refreshPageNode,
  pressKeyNode,
  runScriptNode,
  alertHandleNode,
  cookieManagementNode,
  downloadFileNode,
  tableScraperNode,
  getAllImagesNode,
  detectFormsNode,
  formFieldNode,
  formFillerNode,
  waitForNavigationNode,
  detectCaptchaNode,
  solveCaptchaNode,
  solveCaptchaAiNode,
  smartSelectorNode,
  smartSelectorOptionsNode,
  refineSelectorNode,
  imageClickNode,
];

/**
 * Every browser node handler, sharing one sessions object. The catalog also needs the sessions as
 * a `RunResources` (`releaseRun`), so a run's pages close when the run ends.
 */
export function browserNodeHandlers(deps: BrowserNodeDependencies): readonly CatalogNodeHandler[] {
  return browserNodeFactories.map((factory) => factory(deps));
}
