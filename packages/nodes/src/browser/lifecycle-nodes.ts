import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { boolean, optionalText, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { milliseconds, pageFields, pageOf } from './browser-config.js';
import { describePage, pageResources, type BrowserNodeDependencies } from './browser-step.js';
import { pageHintKey } from './page-hint.js';

const SUPPORTED_BROWSERS = ['chromium', 'chrome'];

/** BrowserLaunchNode: a fresh page (the process's Chromium starts on first use), optionally at `url`. */
export function launchNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserLaunchNode', 'LaunchBrowserNode'],
    config: z.looseObject({
      browser_type: text('chromium').refine((type) => SUPPORTED_BROWSERS.includes(type.toLowerCase()), {
        error: 'must be "chromium" (the only browser this engine drives)',
      }),
      headless: boolean(true),
      url: optionalText(),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['url'], outputs: ['page', 'url'] },
    run: async (config, execution) => {
      if (!config.headless) execution.logger.warn('headless: false is ignored; browsers run headless on servers');
      const pageName = pageOf(config);
      const page = await deps.sessions.openPage(execution.runId, pageName);
      if (config.url) await page.goto(config.url, { waitUntil: 'load', timeout: config.timeout });
      return {
        outputs: { page: pageName, url: page.url() },
        resources: pageResources(pageName, await describePage(page, [])),
      };
    },
  });
}

/** BrowserCloseNode: closes one named page, or (no `page`) every page of the run; their hints are dropped. */
export function closeNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserCloseNode', 'CloseBrowserNode'],
    config: z.looseObject({ ...pageFields }),
    run: async (config, execution) => {
      const resources: Record<string, Json> = {};
      if (config.page) {
        await deps.sessions.closePage(execution.runId, config.page);
        resources[pageHintKey(config.page)] = null;
      } else {
        await deps.sessions.closeRun(execution.runId);
        for (const key of Object.keys(execution.resources)) if (key.startsWith(pageHintKey(''))) resources[key] = null;
      }
      return { outputs: {}, resources };
    },
  });
}
