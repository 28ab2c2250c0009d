import type { JsonObject } from '@casare-rpa/domain';
import type { JSHandle, Page } from 'playwright-core';
import { z } from 'zod';
import { boolean, integer, nonEmptyText, oneOf, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { pageFields, pageOf, selector } from './browser-config.js';
import { runOnPage, type BrowserNodeDependencies } from './browser-step.js';
import {
  countedSelectors,
  elementsOf,
  findElements,
  parseDescription,
  selectorWords,
  type CountedSelector,
  type Description,
  type ElementMatch,
  type FindOptions,
} from './element-finder.js';

// SmartSelectorNode, SmartSelectorOptionsNode and RefineSelectorNode. v1 asked an AI model (with a
// screenshot) for selectors; here the element is found with deterministic heuristics on the live
// DOM (element-finder.ts) and its selectors are Playwright's own locator (role, test id, text),
// a CSS selector (@medv/finder) and an XPath, each counted on the page. `model` and
// `use_screenshot` are accepted and unused. They read the page only: `world` nodes whose outputs are
// recorded, so a replay gets the same selectors.

/** No element of the page matches the description. */
export class ElementNotFoundError extends Error {
  /** Stable code. */
  readonly code = 'ELEMENT_NOT_FOUND';
  constructor(
    /** The node. */
    readonly nodeId: string,
    /** The description looked for. */
    readonly description: string,
  ) {
    super(`nodes.${nodeId}: no element of the page matches the description ${JSON.stringify(description)}`);
    this.name = 'ElementNotFoundError';
  }
}

/** The selector found matches more than one element and the node requires a unique one. */
export class SelectorNotUniqueError extends Error {
  /** Stable code. */
  readonly code = 'SELECTOR_NOT_UNIQUE';
  constructor(
    /** The node. */
    readonly nodeId: string,
    /** The selector. */
    readonly selector: string,
    /** How many elements it matches. */
    readonly matchCount: number,
  ) {
    super(`nodes.${nodeId}: selector ${JSON.stringify(selector)} is not unique (matches ${matchCount} elements)`);
    this.name = 'SelectorNotUniqueError';
  }
}

/** v1's fields for the AI model, kept so v1 files load; the heuristics use none of them. */
const modelFields = { model: text('gpt-4o') };

/** The selector of `counted` of the preferred kind; `auto` takes Playwright's locator when it is unique, else CSS. */
function pick(counted: readonly CountedSelector[], kind: 'css' | 'xpath' | 'auto'): CountedSelector {
  const of = (type: string) => counted.find((entry) => entry.selector_type === type);
  const chosen = kind === 'auto' ? ([of('playwright')].find((entry) => entry?.match_count === 1) ?? of('css')) : of(kind);
  return chosen ?? counted[0]!;
}

function optionOf(match: ElementMatch, counted: readonly CountedSelector[]): JsonObject {
  const css = counted.find((entry) => entry.selector_type === 'css');
  return {
    css_selector: match.css,
    xpath_selector: match.xpath,
    playwright_selector: match.playwright,
    locator: match.locator,
    confidence: match.confidence,
    element_description: match.description,
    match_count: css?.match_count ?? 0,
    is_unique: css?.match_count === 1,
    selectors: counted.map((entry) => ({ ...entry })),
  };
}

/** SmartSelectorNode: finds the element `description` (+ `hints`) names on the page and outputs a selector for it, verified unique. */
export function smartSelectorNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['SmartSelectorNode'],
    config: z.looseObject({
      description: nonEmptyText(),
      hints: text(''),
      selector_type: oneOf(['css', 'xpath', 'auto'], 'css'),
      use_screenshot: boolean(true),
      validate_selector: boolean(true),
      require_unique: boolean(true),
      ...modelFields,
      ...pageFields,
    }),
    ports: {
      inputs: ['description', 'hints'],
      outputs: ['selector', 'selector_type', 'confidence', 'element_description', 'alternatives', 'is_unique', 'match_count'],
    },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const [match] = await findElements(page, parseDescription(config.description, config.hints), { limit: 1 });
        if (match === undefined) throw new ElementNotFoundError(execution.node.id, config.description);
        const counted = await countedSelectors(page, match);
        const chosen = pick(counted, config.selector_type);
        if (config.validate_selector && config.require_unique && chosen.match_count !== 1) {
          throw new SelectorNotUniqueError(execution.node.id, chosen.selector, chosen.match_count);
        }
        return {
          outputs: {
            selector: chosen.selector,
            selector_type: chosen.selector_type,
            confidence: match.confidence,
            element_description: match.description,
            alternatives: counted.filter((entry) => entry !== chosen).map((entry) => ({ ...entry })),
            is_unique: chosen.match_count === 1,
            match_count: chosen.match_count,
          },
        };
      }),
  });
}

/** SmartSelectorOptionsNode: the `option_count` elements that best match `description`, each with its selectors and match counts. */
export function smartSelectorOptionsNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['SmartSelectorOptionsNode'],
    config: z.looseObject({
      description: nonEmptyText(),
      option_count: integer(3).pipe(z.number().min(1, { error: 'expected 1 to 10' }).max(10, { error: 'expected 1 to 10' })),
      ...modelFields,
      ...pageFields,
    }),
    ports: { inputs: ['description'], outputs: ['options', 'best_selector'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const matches = await findElements(page, parseDescription(config.description), { limit: config.option_count });
        const options: JsonObject[] = [];
        for (const match of matches) options.push(optionOf(match, await countedSelectors(page, match)));
        return { outputs: { options, best_selector: matches[0]?.css ?? '' } };
      }),
  });
}

const ISSUES = ['not unique', 'not found', 'wrong element', 'unstable'] as const;

/** Where RefineSelectorNode looks for the element, given what is wrong with the original selector. */
async function refineTarget(
  page: Page,
  issue: (typeof ISSUES)[number],
  original: readonly JSHandle[],
  description: Description,
  originalSelector: string,
): Promise<ElementMatch | undefined> {
  const first = async (options: FindOptions, wanted = description) => (await findElements(page, wanted, options))[0];
  switch (issue) {
    case 'not unique':
      // The element is one of the selector's matches: the one the description names best.
      if (original.length === 0) return first({ limit: 1 });
      return (await first({ pool: original, limit: 1 })) ?? first({ pool: original.slice(0, 1), limit: 1, keepUnmatched: true });
    case 'wrong element':
      return first({ exclude: original, limit: 1 });
    case 'unstable':
      // The selector finds the right element, in a brittle way: keep the element, write a sturdier selector.
      return original.length > 0 ? first({ pool: original.slice(0, 1), limit: 1, keepUnmatched: true }) : first({ limit: 1 });
    case 'not found':
      // The ids, classes and texts the selector named are clues too.
      return first({ limit: 1 }, { ...description, words: [...new Set([...description.words, ...selectorWords(originalSelector)])] });
  }
}

/** RefineSelectorNode: writes a better selector for `original_selector` given its `issue` (not unique, not found, wrong element, unstable) and a `description`. */
export function refineSelectorNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['RefineSelectorNode'],
    config: z.looseObject({
      original_selector: selector(),
      description: nonEmptyText(),
      issue: oneOf(ISSUES, 'not unique'),
      ...modelFields,
      ...pageFields,
    }),
    ports: {
      inputs: ['original_selector', 'description'],
      outputs: ['selector', 'selector_type', 'confidence', 'is_unique', 'match_count', 'original_match_count'],
    },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const original = await elementsOf(page, config.original_selector);
        try {
          const match = await refineTarget(page, config.issue, original, parseDescription(config.description), config.original_selector);
          if (match === undefined) throw new ElementNotFoundError(execution.node.id, config.description);
          const chosen = pick(await countedSelectors(page, match), 'auto');
          return {
            outputs: {
              selector: chosen.selector,
              selector_type: chosen.selector_type,
              confidence: match.confidence,
              is_unique: chosen.match_count === 1,
              match_count: chosen.match_count,
              original_match_count: original.length,
            },
          };
        } finally {
          await Promise.all(original.map((handle) => handle.dispose()));
        }
      }),
  });
}
