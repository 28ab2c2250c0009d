import type { CatalogNodeHandler } from '../catalog/node-definition.js';
import { smtpNodeHandlers } from './smtp-nodes.js';

/** Email nodes: SendEmailNode over SMTP. */
export const emailNodeHandlers: readonly CatalogNodeHandler[] = [...smtpNodeHandlers];
