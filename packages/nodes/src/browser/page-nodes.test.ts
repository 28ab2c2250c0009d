import type { JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { HandlerNodeCatalog } from '../catalog/handler-node-catalog.js';
import { aWorkflowNode } from '../testing/node-execution-builder.js';
import { PlaywrightBrowserSessions, browserNodeHandlers } from './index.js';

// Static validation needs no browser: the sessions object is never used.
const catalog = new HandlerNodeCatalog(browserNodeHandlers({ sessions: new PlaywrightBrowserSessions() }));
// No data connection: a required field missing from the config is an issue.
const issues = (type: string, config: JsonObject) => catalog.validate([{ id: 'b1', type, config, position: [0, 0] } as never], () => []);

describe('config validation of the tab, history, script, dialog, cookie, download, table, image and form nodes', () => {
  it.each<[string, JsonObject, string]>([
    ['NewTabNode', { wait_until: 'never' }, 'wait_until'],
    ['GoBackNode', { timeout: 'soon' }, 'timeout'],
    ['RefreshPageNode', { wait_until: 'idle' }, 'wait_until'],
    ['PressKeyNode', { delay: 'x' }, 'delay'],
    ['RunJavaScriptNode', {}, 'script'],
    ['BrowserAlertHandleNode', { action: 'ignore' }, 'action'],
    ['CookieManagementNode', { operation: 'eat' }, 'operation'],
    ['DownloadFileNode', {}, 'url'],
    ['DownloadFileNode', { url: 'http://x', save_path: '../../etc/passwd' }, 'save_path'],
    ['TableScraperNode', { max_rows: 'all' }, 'max_rows'],
    ['GetAllImagesNode', { min_width: 'wide' }, 'min_width'],
    ['FormFieldNode', { selector: '#a', field_type: 'slider' }, 'field_type'],
    ['FormFillerNode', { wait_between_fields: 9000 }, 'wait_between_fields'],
    ['WaitForNavigationNode', { wait_until: 'forever' }, 'wait_until'],
  ])('%s %j names node and field', (type, config, field) => {
    expect(issues(type, config)).toMatchObject([{ path: `nodes.b1.config.${field}`, nodeId: 'b1' }]);
  });

  it('accepts the v1 defaults', () => {
    for (const type of [
      'NewTabNode',
      'GoBackNode',
      'GoForwardNode',
      'RefreshPageNode',
      'PressKeyNode',
      'BrowserAlertHandleNode',
      'CookieManagementNode',
      'TableScraperNode',
      'GetAllImagesNode',
      'DetectFormsNode',
    ]) {
      expect(issues(type, {})).toEqual([]);
    }
  });

  it('declares effects: FormFieldNode is pure (it only chains definitions), the others world', () => {
    expect(catalog.effectOf(aWorkflowNode('FormFieldNode'))).toBe('pure');
    expect(catalog.effectOf(aWorkflowNode('FormFillerNode'))).toBe('world');
    for (const type of ['NewTabNode', 'GoBackNode', 'PressKeyNode', 'RunJavaScriptNode', 'CookieManagementNode', 'DownloadFileNode', 'TableScraperNode'])
      expect(catalog.effectOf(aWorkflowNode(type))).toBe('world');
  });
});

describe('FormFieldNode', () => {
  it('chains a secret value as its reference, never the value', async () => {
    const { aNodeExecution } = await import('../testing/node-execution-builder.js');
    const secrets = { loadSecret: (name: string) => Promise.resolve(name === 'PW' ? 's3cret' : undefined) };
    const withSecrets = new HandlerNodeCatalog(browserNodeHandlers({ sessions: new PlaywrightBrowserSessions(), secrets }));
    const outcome = await withSecrets.execute(
      aNodeExecution('FormFieldNode').withConfig({ selector: '#pw', value: 's3cret' }).withRawConfig({ selector: '#pw', value: '{{$secret:PW}}' }).build(),
    );
    expect(outcome.outputs['field']).toEqual({ selector: '#pw', value: '{{$secret:PW}}', type: 'text', clear_first: true, secret: true });
    expect(JSON.stringify(outcome)).not.toContain('s3cret');
  });
});
