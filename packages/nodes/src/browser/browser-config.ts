import { nonEmptyText, number, optionalText } from '../catalog/config-schema.js';
import { DEFAULT_PAGE_NAME } from './page-hint.js';

// Field schemas browser nodes share, on top of the catalog's v1-tolerant field helpers.

/** A CSS, XPath (`//...`, `xpath=`) or Playwright selector. */
export function selector() {
  return nonEmptyText();
}

/** A timeout or delay in milliseconds (v1 saves them as numbers or numeric text). */
export function milliseconds(fallback: number) {
  return number(fallback).refine((ms) => ms >= 0, { error: 'must not be negative' });
}

/** Fields every page node has: which named page it acts on. */
export const pageFields = { page: optionalText() };

/** Fields of nodes that may also store their main output in a variable (v1 `variable_name` / `output_var`). */
export const outputVariableFields = { variable_name: optionalText(), output_var: optionalText() };

/** The page a config names, or the default page. */
export function pageOf(config: { readonly page?: string | undefined }): string {
  return config.page ?? DEFAULT_PAGE_NAME;
}

/** The variable a config asks the main output to be stored in, if any. */
export function outputVariableOf(config: { readonly variable_name?: string | undefined; readonly output_var?: string | undefined }): string | undefined {
  return config.variable_name ?? config.output_var;
}
