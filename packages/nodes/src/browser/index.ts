export { browserNodeFactories, browserNodeHandlers } from './browser-node-handlers.js';
export { BrowserPageNotOpenError, type BrowserNodeDependencies } from './browser-step.js';
export {
  DEFAULT_PAGE_NAME,
  pageHintKey,
  PAGE_HINT_SESSION_FIELDS,
  readPageHint,
  pageHintSchema,
  PageHintInvalidError,
  HintSecretMissingError,
  type PageHint,
  type PageAction,
} from './page-hint.js';
export { ElementNotFoundError, SelectorNotUniqueError } from './selector-nodes.js';
export { TemplateNotFoundError } from './image-click-node.js';
export { TemplateImageError } from './template-matching.js';
export { readCsvNode, parseCsv, CsvFormatError } from './read-csv-node.js';
export { CaptchaTimeoutError } from './captcha-nodes.js';
export { browserContainerModule } from './browser-container-module.js';
export {
  PlaywrightBrowserSessions,
  ChromiumNotFoundError,
  CHROMIUM_ARGS,
  DEFAULT_CHROMIUM_PATH,
  type PlaywrightBrowserSessionsOptions,
} from './playwright-browser-sessions.js';
