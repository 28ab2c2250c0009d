export { HandlerNodeCatalog, DuplicateNodeTypeError, UnknownNodeTypeError, type RunResources } from './catalog/handler-node-catalog.js';
export { defineNode, CONFIG_INVALID, type CatalogNodeHandler, type NodeDefinition, type NodePorts } from './catalog/node-definition.js';
export { NodeConfigError, ConfigFieldError, configPath, type ConfigIssue } from './catalog/node-config-error.js';
export { controlNodeHandlers, AssertionFailedError } from './control/control-nodes.js';
export {
  browserNodeHandlers,
  PlaywrightBrowserSessions,
  BrowserPageNotOpenError,
  ChromiumNotFoundError,
  PageHintInvalidError,
  HintSecretMissingError,
  DEFAULT_PAGE_NAME,
  DEFAULT_CHROMIUM_PATH,
  CHROMIUM_ARGS,
  pageHintKey,
  readPageHint,
  type BrowserNodeDependencies,
  type PlaywrightBrowserSessionsOptions,
  type PageHint,
  type PageAction,
} from './browser/index.js';
