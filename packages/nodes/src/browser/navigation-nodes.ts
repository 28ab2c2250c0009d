import type { JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { nonEmptyText, oneOf, optionalText } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { milliseconds, outputVariableFields, outputVariableOf, pageFields, pageOf } from './browser-config.js';
import { closePageOnAbort, describePage, pageResources, runOnPage, type BrowserNodeDependencies } from './browser-step.js';
import { readPageHint } from './page-hint.js';

/** A URL without a scheme (`example.com/x`) means https, as a browser's address bar does. */
function absoluteUrl(url: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`;
}

/** BrowserNavigateNode: opens `url` in the page (a new page when the run has none yet). */
export function navigateNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserNavigateNode', 'GoToURLNode', 'NavigateNode'],
    config: z.looseObject({
      url: nonEmptyText(),
      wait_until: oneOf(['load', 'domcontentloaded', 'networkidle', 'commit'], 'load'),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['url'], outputs: ['url', 'status'] },
    run: async (config, execution) => {
      const pageName = pageOf(config);
      const hint = readPageHint(execution.resources, pageName);
      // The page is about to leave its document: of a recorded page only the cookies still matter.
      const cookiesOnly: JsonObject | undefined = hint ? { url: 'about:blank', actions: [], ...(hint.cookies ? { cookies: hint.cookies } : {}) } : undefined;
      const page = await deps.sessions.loadPage(execution.runId, pageName, cookiesOnly);
      const release = closePageOnAbort(execution, deps, pageName);
      const response = await page.goto(absoluteUrl(config.url.trim()), { waitUntil: config.wait_until, timeout: config.timeout }).finally(release);
      return {
        outputs: { url: page.url(), status: response?.status() ?? null },
        resources: pageResources(pageName, await describePage(page, [])),
      };
    },
  });
}

/** BrowserWaitNode: waits for a selector state, for the page to load, or for a time (a durable sleep). */
export function waitNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserWaitNode', 'WaitForElementNode'],
    config: z
      .looseObject({
        wait_type: oneOf(['selector', 'timeout', 'load']).optional(),
        selector: optionalText(),
        state: oneOf(['visible', 'hidden', 'attached', 'detached'], 'visible'),
        timeout: milliseconds(30_000),
        ...pageFields,
      })
      .refine((config) => config.wait_type !== 'selector' || config.selector !== undefined, {
        error: 'required when wait_type is "selector"',
        path: ['selector'],
      }),
    ports: { inputs: ['selector'], outputs: ['found'] },
    run: (config, execution) => {
      const waitType = config.wait_type ?? (config.selector ? 'selector' : 'timeout');
      // A pause needs no page: the runner sleeps durably, so a crash mid-wait resumes with the time left.
      if (waitType === 'timeout') return { outputs: {}, sleepMs: config.timeout };
      return runOnPage(execution, deps, pageOf(config), async (page) => {
        if (waitType === 'load') await page.waitForLoadState('load', { timeout: config.timeout });
        else
          await page
            .locator(config.selector ?? '')
            .first()
            .waitFor({ state: config.state, timeout: config.timeout });
        return { outputs: { found: true } };
      });
    },
  });
}

/** GetCurrentUrlNode: the page's URL on `url`. */
export function currentUrlNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['GetCurrentUrlNode', 'BrowserGetUrlNode'],
    config: z.looseObject({ ...pageFields, ...outputVariableFields }),
    ports: { outputs: ['url'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), (page) => {
        const url = page.url();
        const variable = outputVariableOf(config);
        return Promise.resolve({ outputs: { url }, ...(variable ? { variables: { [variable]: url } } : {}) });
      }),
  });
}

/** GetPageSourceNode: the page's HTML on `html` (and `source`). */
export function pageSourceNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['GetPageSourceNode', 'BrowserGetPageSourceNode'],
    config: z.looseObject({ ...pageFields, ...outputVariableFields }),
    ports: { outputs: ['html', 'source', 'length'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const html = await page.content();
        const variable = outputVariableOf(config);
        return { outputs: { html, source: html, length: html.length }, ...(variable ? { variables: { [variable]: html } } : {}) };
      }),
  });
}
