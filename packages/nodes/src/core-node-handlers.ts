import type { CatalogNodeHandler } from './catalog/node-definition.js';
import { controlNodeHandlers } from './control/control-nodes.js';
import { errorHandlingNodeHandlers } from './control/error-handling-nodes.js';
import { dataCompareNodeHandlers } from './data/data-compare-node.js';
import { expressionNodeHandlers } from './data/expression-nodes.js';
import { fuzzyMatchNodeHandlers } from './data/fuzzy-match-node.js';
import { superNodeHandlers } from './data/super-nodes.js';
import { dateFormatNodeHandlers } from './utility/date-format-nodes.js';
import { validateTransformNodeHandlers } from './utility/validate-transform-nodes.js';
import { dictNodeHandlers } from './data/dict-nodes.js';
import { listNodeHandlers } from './data/list-nodes.js';
import { mathNodeHandlers } from './data/math-nodes.js';
import { randomNodeHandlers } from './data/random-nodes.js';
import { textNodeHandlers } from './data/text-nodes.js';
import { variableNodeHandlers } from './data/variable-nodes.js';
import { fileNodeHandlers } from './files/file-nodes.js';
import { emailNodeHandlers } from './email/email-nodes.js';
import { httpNodeHandlers } from './http/http-nodes.js';
import { httpExtraNodeHandlers } from './http/http-extra-nodes.js';
import { connectorNodeHandlers } from './connectors/connector-nodes.js';
import { googleNodeHandlers } from './connectors/google-nodes.js';
import { ftpNodeHandlers } from './ftp/ftp-nodes.js';
import { scriptNodeHandlers } from './system/script-nodes.js';
import { systemNodeHandlers } from './system/system-nodes.js';
import { dateTimeNodeHandlers } from './utility/datetime-nodes.js';
import { utilityNodeHandlers } from './utility/utility-nodes.js';

/**
 * Every handler of the catalog except the browser ones: control flow, variables and data, text,
 * lists, dicts, random values, log and wait, dates, files and HTTP. Types not listed anywhere
 * (desktop, Google, messaging, shell, Python, triggers...) are unsupported on purpose.
 */
export function coreNodeHandlers(): readonly CatalogNodeHandler[] {
  return [
    ...controlNodeHandlers,
    ...variableNodeHandlers,
    ...mathNodeHandlers,
    ...textNodeHandlers,
    ...listNodeHandlers,
    ...dictNodeHandlers,
    ...randomNodeHandlers,
    ...utilityNodeHandlers,
    ...dateTimeNodeHandlers,
    ...fileNodeHandlers,
    ...httpNodeHandlers,
    ...httpExtraNodeHandlers,
    ...emailNodeHandlers,
    ...ftpNodeHandlers,
    ...scriptNodeHandlers,
    ...systemNodeHandlers,
    ...connectorNodeHandlers,
    ...googleNodeHandlers,
    ...errorHandlingNodeHandlers,
    ...validateTransformNodeHandlers,
    ...expressionNodeHandlers,
    ...dataCompareNodeHandlers,
    ...dateFormatNodeHandlers,
    ...fuzzyMatchNodeHandlers,
    ...superNodeHandlers,
  ];
}
