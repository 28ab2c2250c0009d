import { z } from 'zod';
import { boolean, integer, oneOf, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { literallyDefaultOr } from '../catalog/effects.js';
import { milliseconds, pageFields, pageOf, selector } from './browser-config.js';
import { recordField, runOnPage, type BrowserNodeDependencies } from './browser-step.js';
import { performPageAction } from './page-actions.js';

/** BrowserClickNode: clicks the first element matching `selector`; a click that loads a document resets the page-local actions. */
export function clickNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserClickNode', 'ClickElementNode', 'ClickNode'],
    config: z.looseObject({
      selector: selector(),
      button: oneOf(['left', 'right', 'middle'], 'left'),
      click_count: integer(1).refine((count) => count >= 1, { error: 'must be at least 1' }),
      delay: milliseconds(0),
      force: boolean(false),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['selector'], outputs: ['selector'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        await page.locator(config.selector).first().click({
          button: config.button,
          clickCount: config.click_count,
          delay: config.delay,
          force: config.force,
          timeout: config.timeout,
        });
        return { outputs: { selector: config.selector } };
      }),
  });
}

/**
 * BrowserTypeNode: types `text` into a field (hidden inputs included). Recorded as a page-local
 * action; a `{{$secret:...}}` in the config is recorded as its reference, never its value.
 */
export function typeNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserTypeNode', 'TypeTextNode', 'TypeNode'],
    // Filling a field the page hints set again is page-local; appending keys or pressing Enter
    // (which may submit a form) is not idempotent.
    effect: (node) =>
      literallyDefaultOr(node, 'clear_first', true) &&
      literallyDefaultOr(node, 'press_enter_after', false) &&
      literallyDefaultOr(node, 'press_tab_after', false)
        ? 'page'
        : 'world',
    config: z.looseObject({
      selector: selector(),
      text: text(''),
      clear_first: boolean(true),
      delay: milliseconds(0),
      press_enter_after: boolean(false),
      press_tab_after: boolean(false),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['selector', 'text'], outputs: ['selector'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const mode = config.clear_first ? 'fill' : 'append';
        await performPageAction(page, { kind: 'type', selector: config.selector, value: config.text, mode }, config.timeout, config.delay);
        // Keys pressed after typing are not recorded: replaying Enter could submit a form twice.
        if (config.press_enter_after) await page.locator(config.selector).first().press('Enter', { timeout: config.timeout });
        if (config.press_tab_after) await page.locator(config.selector).first().press('Tab', { timeout: config.timeout });
        const recorded = await recordField(execution, deps, 'text', config.text);
        return {
          outputs: { selector: config.selector },
          record: { kind: 'type', selector: config.selector, value: recorded.value, mode, ...(recorded.secret ? { secret: true } : {}) },
        };
      }),
  });
}

/** BrowserSelectNode: picks an option of a `<select>` by value, label or index; recorded as a page-local action. */
export function selectNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserSelectNode', 'SelectDropdownNode', 'SelectOptionNode'],
    effect: 'page',
    config: z.looseObject({
      selector: selector(),
      value: text(),
      select_by: oneOf(['value', 'label', 'index'], 'value'),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['selector', 'value'], outputs: ['selector', 'value'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        await performPageAction(page, { kind: 'select', selector: config.selector, value: config.value, by: config.select_by }, config.timeout);
        const recorded = await recordField(execution, deps, 'value', config.value);
        return {
          outputs: { selector: config.selector, value: config.value },
          record: { kind: 'select', selector: config.selector, value: recorded.value, by: config.select_by, ...(recorded.secret ? { secret: true } : {}) },
        };
      }),
  });
}

/** BrowserCheckNode: sets a checkbox or radio button to `checked`; recorded as a page-local action. */
export function checkNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserCheckNode', 'CheckboxNode', 'SetCheckboxNode'],
    effect: 'page',
    config: z.looseObject({
      selector: selector(),
      checked: boolean(true),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['selector', 'checked'], outputs: ['selector', 'checked'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        await performPageAction(page, { kind: 'check', selector: config.selector, checked: config.checked }, config.timeout);
        return {
          outputs: { selector: config.selector, checked: config.checked },
          record: { kind: 'check', selector: config.selector, checked: config.checked },
        };
      }),
  });
}
