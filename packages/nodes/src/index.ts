export { HandlerNodeCatalog, DuplicateNodeTypeError, UnknownNodeTypeError, type RunResources } from './catalog/handler-node-catalog.js';
export { defineNode, CONFIG_INVALID, type CatalogNodeHandler, type NodeDefinition, type NodePorts } from './catalog/node-definition.js';
export { NodeConfigError, ConfigFieldError, type ConfigIssue } from './catalog/node-config-error.js';
export { controlNodeHandlers, AssertionFailedError } from './control/control-nodes.js';
export { variableNodeHandlers } from './data/variable-nodes.js';
export { mathNodeHandlers } from './data/math-nodes.js';
export { textNodeHandlers } from './data/text-nodes.js';
export { listNodeHandlers } from './data/list-nodes.js';
export { dictNodeHandlers } from './data/dict-nodes.js';
export { randomNodeHandlers } from './data/random-nodes.js';
export { utilityNodeHandlers } from './utility/utility-nodes.js';
export { dateTimeNodeHandlers } from './utility/datetime-nodes.js';
export { fileNodeHandlers } from './files/file-nodes.js';
export { FileOperationError } from './files/file-actions.js';
export { httpNodeHandlers, HttpRequestError, IDEMPOTENCY_KEY_HEADER } from './http/http-nodes.js';
export { httpExtraNodeHandlers, JsonPathError, OAuth2Error } from './http/http-extra-nodes.js';
export { emailNodeHandlers } from './email/email-nodes.js';
export { EmailError } from './email/smtp-nodes.js';
export { ftpNodeHandlers, FtpError } from './ftp/ftp-nodes.js';
export { scriptNodeHandlers } from './system/script-nodes.js';
export { systemNodeHandlers } from './system/system-nodes.js';
export { ScriptRunError } from './system/process-runner.js';
export { connectorNodeHandlers } from './connectors/connector-nodes.js';
export { ConnectorApiError } from './connectors/connector-api.js';
export { triggerNodeHandlers, scheduleTriggerConfig, webhookTriggerConfig, ARMED_TRIGGER_TYPES } from './triggers/trigger-nodes.js';
export { TRIGGER_EVENT_VARIABLE, type TriggerEvent } from './triggers/trigger-event.js';
export { nextTickAfter, type ScheduleSpec } from './triggers/schedule.js';
export { childWorkflowContainerModule, ChildRunFailedError, CHILD_RUN_SUFFIX } from './triggers/child-workflow-node.js';
export { coreNodeHandlers } from './core-node-handlers.js';
export { nodesContainerModule, createNodeCatalog } from './nodes-container-module.js';
export {
  browserNodeHandlers,
  browserContainerModule,
  readCsvNode,
  parseCsv,
  CsvFormatError,
  PlaywrightBrowserSessions,
  BrowserPageNotOpenError,
  CaptchaTimeoutError,
  ChromiumNotFoundError,
  PageHintInvalidError,
  HintSecretMissingError,
  DEFAULT_CHROMIUM_PATH,
  PAGE_HINT_SESSION_FIELDS,
  type BrowserNodeDependencies,
  type PlaywrightBrowserSessionsOptions,
} from './browser/index.js';
// The README's catalog table is generated from these (scripts/generate-node-docs.mjs).
export { renderCatalogDocs, replaceCatalogDocs } from './catalog/catalog-docs.js';
export { documentedNodeHandlers } from './documented-node-handlers.js';
