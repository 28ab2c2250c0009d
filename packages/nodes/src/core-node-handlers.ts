import type { CatalogNodeHandler } from './catalog/node-definition.js';
import { controlNodeHandlers } from './control/control-nodes.js';
import { dictNodeHandlers } from './data/dict-nodes.js';
import { listNodeHandlers } from './data/list-nodes.js';
import { mathNodeHandlers } from './data/math-nodes.js';
import { randomNodeHandlers } from './data/random-nodes.js';
import { textNodeHandlers } from './data/text-nodes.js';
import { variableNodeHandlers } from './data/variable-nodes.js';
import { fileNodeHandlers } from './files/file-nodes.js';
import { httpNodeHandlers } from './http/http-nodes.js';
import { triggerNodeHandlers } from './triggers/trigger-nodes.js';
import { dateTimeNodeHandlers } from './utility/datetime-nodes.js';
import { utilityNodeHandlers } from './utility/utility-nodes.js';

/**
 * Every handler of the catalog except the browser ones: control flow, variables and data, text,
 * lists, dicts, random values, log and wait, dates, files, HTTP and triggers. Types not listed anywhere
 * (desktop, Google, messaging, shell, Python...) are unsupported on purpose.
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
    ...triggerNodeHandlers,
  ];
}
