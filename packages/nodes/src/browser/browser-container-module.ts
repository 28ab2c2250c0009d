import { BROWSER_SESSIONS, NODE_HANDLER, SECRET_PROVIDER, type BrowserSessions, type NodeHandler, type SecretProvider } from '@casare-rpa/application';
import { ContainerModule, type ResolutionContext } from 'inversify';
import type { Page } from 'playwright-core';
import type { BrowserNodeDependencies } from './browser-step.js';
import { browserNodeFactories } from './browser-node-handlers.js';
import { PlaywrightBrowserSessions, type PlaywrightBrowserSessionsOptions } from './playwright-browser-sessions.js';
import { readCsvNode } from './read-csv-node.js';

/**
 * Binds `BROWSER_SESSIONS` to one `PlaywrightBrowserSessions` (restoring pages with the container's
 * `SECRET_PROVIDER`) and adds the browser handlers and ReadCSVNode to the `NODE_HANDLER`s that
 * `nodesContainerModule` builds its catalog from. Load both modules.
 */
export function browserContainerModule(options: Omit<PlaywrightBrowserSessionsOptions, 'secrets'> = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<BrowserSessions<Page>>(BROWSER_SESSIONS)
      .toDynamicValue((context) => new PlaywrightBrowserSessions({ ...options, secrets: secretsOf(context) }))
      .inSingletonScope();
    for (const factory of browserNodeFactories) {
      bind<NodeHandler>(NODE_HANDLER)
        .toDynamicValue((context) => factory(dependenciesOf(context)))
        .inSingletonScope();
    }
    bind<NodeHandler>(NODE_HANDLER).toConstantValue(readCsvNode);
  });
}

function secretsOf(context: ResolutionContext): SecretProvider | undefined {
  return context.get<SecretProvider>(SECRET_PROVIDER, { optional: true });
}

function dependenciesOf(context: ResolutionContext): BrowserNodeDependencies {
  return { sessions: context.get<BrowserSessions<Page>>(BROWSER_SESSIONS), secrets: secretsOf(context) };
}
