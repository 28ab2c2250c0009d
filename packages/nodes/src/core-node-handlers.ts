import type { CatalogNodeHandler } from './catalog/node-definition.js';
import { zipNodeHandlers } from './archive/zip-nodes.js';
import { controlNodeHandlers } from './control/control-nodes.js';
import { errorHandlingNodeHandlers } from './control/error-handling-nodes.js';
import { parallelNodeHandlers } from './control/parallel-nodes.js';
import { webhookNotifyNodeHandlers } from './control/webhook-notify-node.js';
import { subflowIoNodeHandlers } from './control/subflow-io-nodes.js';
import { dataCompareNodeHandlers } from './data/data-compare-node.js';
import { expressionNodeHandlers } from './data/expression-nodes.js';
import { fuzzyMatchNodeHandlers } from './data/fuzzy-match-node.js';
import { superNodeHandlers } from './data/super-nodes.js';
import { dateFormatNodeHandlers } from './utility/date-format-nodes.js';
import { validateTransformNodeHandlers } from './utility/validate-transform-nodes.js';
import { databaseNodeHandlers } from './database/database-nodes.js';
import { imageNodeHandlers } from './documents/image-nodes.js';
import { officeFileNodeHandlers } from './documents/office-file-nodes.js';
import { pdfNodeHandlers } from './documents/pdf-nodes.js';
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
import { messagingNodeHandlers } from './connectors/messaging-nodes.js';
import { getPropertyNodeHandlers } from './data/get-property-node.js';
import { oauth2CallbackNodeHandlers } from './http/oauth2-callback-node.js';
import { documentAiNodeHandlers } from './llm/document-ai-nodes.js';
import { llmNodeHandlers } from './llm/llm-nodes.js';
import { promptTemplateNodeHandlers } from './llm/prompt-template-nodes.js';
import { ragNodeHandlers } from './llm/rag-nodes.js';
import { utilitySystemNodeHandlers } from './system/utility-system-nodes.js';
import { ftpNodeHandlers } from './ftp/ftp-nodes.js';
import { scriptNodeHandlers } from './system/script-nodes.js';
import { systemNodeHandlers } from './system/system-nodes.js';
import { structuredDataSuperNode } from './files/structured-data-super-node.js';
import { structuredFileNodeHandlers } from './files/structured-file-nodes.js';
import { xmlNodeHandlers } from './xml/xml-nodes.js';
import { triggerNodeHandlers } from './triggers/trigger-nodes.js';
import { dialogNodeHandlers } from './dialogs/dialog-nodes.js';
import { dateTimeNodeHandlers } from './utility/datetime-nodes.js';
import { utilityNodeHandlers } from './utility/utility-nodes.js';

/**
 * Every handler of the catalog except the browser ones: control flow, error handling and triggers, variables
 * and data, text, lists, dicts, expressions, random values, log and wait, dates, files, structured
 * files, XML, archives, documents, SQL, HTTP, email, FTP, scripts and system, connectors,
 * LLM, RAG and document-AI nodes, dialogs (as human tasks). Desktop,
 * window and Office-automation types are unsupported on Linux on purpose.
 */
export function coreNodeHandlers(): readonly CatalogNodeHandler[] {
  return [
    ...controlNodeHandlers,
    ...parallelNodeHandlers,
    ...webhookNotifyNodeHandlers,
    ...subflowIoNodeHandlers,
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
    ...messagingNodeHandlers,
    ...llmNodeHandlers,
    ...ragNodeHandlers,
    ...promptTemplateNodeHandlers,
    ...documentAiNodeHandlers,
    ...utilitySystemNodeHandlers,
    ...getPropertyNodeHandlers,
    ...oauth2CallbackNodeHandlers,
    ...errorHandlingNodeHandlers,
    ...validateTransformNodeHandlers,
    ...expressionNodeHandlers,
    ...dataCompareNodeHandlers,
    ...dateFormatNodeHandlers,
    ...fuzzyMatchNodeHandlers,
    ...superNodeHandlers,
    ...databaseNodeHandlers,
    ...structuredFileNodeHandlers,
    ...xmlNodeHandlers,
    ...zipNodeHandlers,
    structuredDataSuperNode,
    ...officeFileNodeHandlers,
    ...pdfNodeHandlers,
    ...imageNodeHandlers,
    ...triggerNodeHandlers,
    ...dialogNodeHandlers,
  ];
}
