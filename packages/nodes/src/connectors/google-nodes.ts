import type { CatalogNodeHandler } from '../catalog/node-definition.js';
import { driveNodeHandlers } from './drive-nodes.js';
import { gmailNodeHandlers } from './gmail-nodes.js';
import { sheetsNodeHandlers } from './sheets-nodes.js';

// Google Workspace REST APIs with an OAuth access token from a secret: one table of operations per
// API (gmail-nodes.ts, sheets-nodes.ts, drive-nodes.ts) over the shared shape of google-api.ts.

/** Google Workspace nodes: every v1 Gmail*, Sheets* and Drive* type. */
export const googleNodeHandlers: readonly CatalogNodeHandler[] = [...gmailNodeHandlers, ...sheetsNodeHandlers, ...driveNodeHandlers];
