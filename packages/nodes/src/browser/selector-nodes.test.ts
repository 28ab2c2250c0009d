import type { JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { HandlerNodeCatalog } from '../catalog/handler-node-catalog.js';
import { aWorkflowNode } from '../testing/node-execution-builder.js';
import { parseDescription, selectorWords } from './element-finder.js';
import { PlaywrightBrowserSessions, browserNodeHandlers } from './index.js';

// Static validation needs no browser: the sessions object is never used.
const catalog = new HandlerNodeCatalog(browserNodeHandlers({ sessions: new PlaywrightBrowserSessions() }));
// No data connection: a required field missing from the config is an issue.
const issues = (type: string, config: JsonObject) => catalog.validate([{ id: 's1', type, config, position: [0, 0] } as never], () => []);

describe('config validation of the selector and image click nodes', () => {
  it.each<[string, JsonObject, string]>([
    ['SmartSelectorNode', {}, 'description'],
    ['SmartSelectorNode', { description: 'ok', selector_type: 'regex' }, 'selector_type'],
    ['SmartSelectorNode', { description: 'ok', require_unique: 'maybe' }, 'require_unique'],
    ['SmartSelectorOptionsNode', { description: 'ok', option_count: 11 }, 'option_count'],
    ['SmartSelectorOptionsNode', { description: 'ok', option_count: 0 }, 'option_count'],
    ['RefineSelectorNode', { description: 'ok' }, 'original_selector'],
    ['RefineSelectorNode', { original_selector: '#a' }, 'description'],
    ['RefineSelectorNode', { original_selector: '#a', description: 'ok', issue: 'ugly' }, 'issue'],
    ['ImageClickNode', {}, 'image_template'],
    ['ImageClickNode', { selector_healing_context: { cv_template: {} } }, 'image_template'],
    ['ImageClickNode', { image_template: 'iVBOR', similarity_threshold: 0.3 }, 'similarity_threshold'],
    ['ImageClickNode', { image_template: 'iVBOR', button: 'side' }, 'button'],
    ['ImageClickNode', { image_template: 'iVBOR', click_count: 0 }, 'click_count'],
    ['ImageClickNode', { image_template: 'iVBOR', click_offset_x: 'left' }, 'click_offset_x'],
    ['ImageClickNode', { image_template: 'iVBOR', timeout: -1 }, 'timeout'],
  ])('%s %j names node and field', (type, config, field) => {
    expect(issues(type, config)).toMatchObject([{ path: `nodes.s1.config.${field}`, nodeId: 's1' }]);
  });

  it("accepts v1's saved configs, AI model fields included", () => {
    expect(
      issues('SmartSelectorNode', {
        description: 'the blue submit button',
        model: 'gpt-4o',
        selector_type: 'auto',
        use_screenshot: true,
        validate_selector: 'true',
      }),
    ).toEqual([]);
    expect(issues('SmartSelectorOptionsNode', { description: 'search input', option_count: '5', model: 'gpt-4o' })).toEqual([]);
    expect(issues('RefineSelectorNode', { original_selector: 'div > a', description: 'home link', issue: 'Not Found' })).toEqual([]);
    expect(issues('ImageClickNode', { selector_healing_context: { cv_template: { image_base64: 'iVBOR' } }, retry_count: 2, retry_interval: 500 })).toEqual([]);
    expect(issues('ImageClickNode', { image_template: '{{template}}' })).toEqual([]);
  });

  it('declares them world nodes: they read the live page (selectors) or click it', () => {
    for (const type of ['SmartSelectorNode', 'SmartSelectorOptionsNode', 'RefineSelectorNode', 'ImageClickNode']) {
      expect(catalog.effectOf(aWorkflowNode(type))).toBe('world');
    }
  });
});

describe('descriptions', () => {
  it('splits words, quoted phrases and role words', () => {
    expect(parseDescription('the blue "Sign in" button of the login form', 'near the top')).toEqual({
      words: ['blue', 'login', 'form', 'top'],
      phrases: ['sign in'],
      roles: ['button'],
    });
    expect(parseDescription('Search field').roles).toEqual(['textbox']);
  });

  it('takes the words of a selector as clues', () => {
    expect(selectorWords('#cancel-button')).toEqual(['cancel', 'button']);
    expect(selectorWords('div.main > span:nth-child(2)')).toEqual(['main']);
  });
});
