import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { boolean, nonEmptyText, optionalText } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { milliseconds, outputVariableFields, outputVariableOf, pageFields, pageOf, selector } from './browser-config.js';
import { runOnPage, type BrowserNodeDependencies, type PageStepResult } from './browser-step.js';

function withVariable(outputs: JsonObject, value: Json, config: { variable_name?: string | undefined; output_var?: string | undefined }): PageStepResult {
  const variable = outputVariableOf(config);
  return { outputs, ...(variable ? { variables: { [variable]: value } } : {}) };
}

/** BrowserGetTextNode: text content of the first element matching `selector`, on `text`. */
export function getTextNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserGetTextNode', 'GetTextNode', 'ExtractTextNode', 'GetElementTextNode'],
    config: z.looseObject({ selector: selector(), trim: boolean(true), timeout: milliseconds(30_000), ...pageFields, ...outputVariableFields }),
    ports: { inputs: ['selector'], outputs: ['text'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const content = (await page.locator(config.selector).first().textContent({ timeout: config.timeout })) ?? '';
        const text = config.trim ? content.trim() : content;
        return withVariable({ text }, text, config);
      }),
  });
}

/** BrowserGetAttributeNode: an attribute of the first element matching `selector`, on `value` (null when absent). */
export function getAttributeNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserGetAttributeNode', 'GetAttributeNode', 'GetElementAttributeNode'],
    config: z.looseObject({
      selector: selector(),
      attribute: nonEmptyText(),
      timeout: milliseconds(30_000),
      ...pageFields,
      ...outputVariableFields,
    }),
    ports: { inputs: ['selector', 'attribute'], outputs: ['value', 'attribute'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const value = await page.locator(config.selector).first().getAttribute(config.attribute, { timeout: config.timeout });
        return withVariable({ value, attribute: config.attribute }, value, config);
      }),
  });
}

/** BrowserScreenshotNode: a PNG (JPEG by extension) of the page or of one element; relative paths resolve against the working directory. */
export function screenshotNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserScreenshotNode', 'ScreenshotNode', 'TakeScreenshotNode'],
    config: z.looseObject({
      path: optionalText(),
      file_path: optionalText(),
      selector: optionalText(),
      full_page: boolean(false),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['path'], outputs: ['path'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const requested = config.path ?? config.file_path ?? `screenshots/${execution.node.id}.png`;
        const path = isAbsolute(requested) ? requested : resolve(execution.workingDirectory, requested);
        await mkdir(dirname(path), { recursive: true });
        const type = /\.jpe?g$/i.test(path) ? 'jpeg' : 'png';
        if (config.selector) await page.locator(config.selector).first().screenshot({ path, type, timeout: config.timeout });
        else await page.screenshot({ path, type, fullPage: config.full_page, timeout: config.timeout });
        return { outputs: { path } };
      }),
  });
}

/** Makes a page value JSON (undefined becomes null; dates and the like become their JSON form). */
function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value) ?? 'null') as Json;
}

/** BrowserEvaluateNode: runs JavaScript in the page (`expression`, or `script`: a function body when it says `return`); its awaited value on `result`. */
export function evaluateNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserEvaluateNode', 'RunScriptNode', 'EvaluateJavaScriptNode', 'ExecuteScriptNode'],
    config: z
      .looseObject({ expression: optionalText(), script: optionalText(), code: optionalText(), ...pageFields, ...outputVariableFields })
      .refine((config) => Boolean(config.expression ?? config.script ?? config.code), { error: 'required (or script)', path: ['expression'] }),
    ports: { inputs: ['expression', 'script'], outputs: ['result'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const source = config.expression ?? config.script ?? config.code ?? '';
        const isBody = config.expression === undefined && /(^|[\s;{}])return\b/.test(source);
        const value: unknown = await page.evaluate(isBody ? `(async () => {\n${source}\n})()` : source);
        const result = toJson(value);
        return withVariable({ result }, result, config);
      }),
  });
}
