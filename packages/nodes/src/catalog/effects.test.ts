import type { JsonObject, WorkflowNode } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { browserNodeHandlers } from '../browser/browser-node-handlers.js';
import { PlaywrightBrowserSessions } from '../browser/playwright-browser-sessions.js';
import { coreNodeHandlers } from '../core-node-handlers.js';
import { HandlerNodeCatalog } from './handler-node-catalog.js';

// Declarations only: no handler runs here, so the browser handlers need no live sessions.
const catalog = new HandlerNodeCatalog([...coreNodeHandlers(), ...browserNodeHandlers({ sessions: new PlaywrightBrowserSessions() })]);
const node = (type: string, config: JsonObject = {}): WorkflowNode => ({ id: 'n', type, config, position: [0, 0] }) as unknown as WorkflowNode;
const effectOf = (type: string, config?: JsonObject) => catalog.effectOf(node(type, config));

describe('what each node type touches', () => {
  it('counts control flow, variables, data and Log as pure', () => {
    for (const type of [
      'IfNode',
      'ForLoopStartNode',
      'ForLoopEndNode',
      'MergeNode',
      'StartNode',
      'SetVariableNode',
      'MathOperationNode',
      'TextSplitNode',
      'ListSortNode',
      'DictGetNode',
      'LogNode',
      'AssertNode',
    ]) {
      expect(effectOf(type), type).toBe('pure');
    }
  });

  it('counts the clock, randomness, waits, files, HTTP, navigation, clicks and page reads as world', () => {
    for (const type of [
      'GetTimestampNode',
      'GetCurrentDateTimeNode',
      'RandomNumberNode',
      'ShuffleListNode',
      'WaitNode',
      'FileSystemSuperNode',
      'HttpRequestNode',
      'BrowserNavigateNode',
      'BrowserClickNode',
      'BrowserGetTextNode',
      'ReadCSVNode',
    ]) {
      expect(effectOf(type), type).toBe('world');
    }
  });

  it('counts an unknown type as world', () => {
    expect(effectOf('NoSuchNode')).toBe('world');
  });

  it('counts field fills, selects and checkboxes as page, typing that appends or presses keys as world', () => {
    expect(effectOf('BrowserSelectNode')).toBe('page');
    expect(effectOf('BrowserCheckNode')).toBe('page');
    expect(effectOf('BrowserTypeNode', { selector: '#a', text: 'x' })).toBe('page');
    expect(effectOf('BrowserTypeNode', { selector: '#a', text: 'x', clear_first: false })).toBe('world');
    expect(effectOf('BrowserTypeNode', { selector: '#a', text: 'x', press_enter_after: true })).toBe('world');
    // A value only a run knows is not trusted to be harmless.
    expect(effectOf('BrowserTypeNode', { selector: '#a', text: 'x', clear_first: '{{clear}}' })).toBe('world');
  });

  it('counts date arithmetic as pure only on dates written in the file', () => {
    expect(effectOf('DateTimeAddNode', { datetime: '2026-01-01T00:00:00Z', days: 1 })).toBe('pure');
    expect(effectOf('DateTimeAddNode', { days: 1 })).toBe('world');
    expect(effectOf('DateTimeAddNode', { datetime: '{{start}}', days: 1 })).toBe('world');
    expect(effectOf('DateTimeDiffNode', { datetime_1: '2026-01-01', datetime_2: '2026-02-01' })).toBe('pure');
    expect(effectOf('DateTimeDiffNode', { datetime_1: '2026-01-01' })).toBe('world');
  });
});
