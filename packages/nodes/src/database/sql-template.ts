import { resolveTemplates, type Json, type TemplateScope } from '@casare-rpa/domain';
import { ConfigFieldError } from '../catalog/node-config-error.js';

/** How a driver spells its positional parameters. */
export type PlaceholderStyle = 'dollar' | 'question';

/** SQL text with every `{{template}}` replaced by a placeholder, and the values to bind, in order. */
export interface BoundSql {
  /** SQL text sent to the server: no template value ever appears in it. */
  readonly text: string;
  /** Bound parameter values, one per placeholder written for a template. */
  readonly values: readonly Json[];
}

const TEMPLATE = /\{\{((?:(?!\{\{)[\s\S])*?)\}\}/y;

/**
 * Turns each `{{reference}}` in raw SQL into a bound parameter, never into SQL text: the value of
 * `{{name}}` goes to the driver next to the statement, so `'; DROP TABLE x; --` stays a string.
 * A template written as a whole quoted literal (`'{{name}}'`) binds the same way, quotes dropped;
 * a template inside a longer literal (`'%{{name}}%'`) is refused, since binding it would change the
 * text and splicing it would be an injection: write `'%' || {{name}} || '%'` instead.
 * `offset` is how many placeholders the statement already uses (`$1`... written by hand).
 */
export function bindSqlTemplates(raw: string, scope: TemplateScope, style: PlaceholderStyle, field = 'query', offset = 0): BoundSql {
  const values: Json[] = [];
  let text = '';
  let quote: "'" | '"' | '`' | undefined;
  let literalStart = -1;
  const placeholder = () => (style === 'dollar' ? `$${offset + values.length}` : '?');
  for (let i = 0; i < raw.length;) {
    const char = raw[i]!;
    if (quote === undefined && (char === "'" || char === '"' || char === '`')) {
      quote = char;
      literalStart = text.length;
      text += char;
      i += 1;
      continue;
    }
    if (quote !== undefined && char === quote) {
      if (raw[i + 1] === quote) {
        text += char + char;
        i += 2;
        continue;
      }
      quote = undefined;
      text += char;
      i += 1;
      continue;
    }
    TEMPLATE.lastIndex = i;
    const match = char === '{' ? TEMPLATE.exec(raw) : null;
    if (!match) {
      text += char;
      i += 1;
      continue;
    }
    const value = resolveTemplates(match[0], scope);
    const end = i + match[0].length;
    if (value === match[0]) {
      // Not a reference (`{{ a + b }}`): it stays SQL text, as the template language leaves it.
      text += match[0];
      i = end;
      continue;
    }
    if (quote === undefined) {
      values.push(value);
      text += placeholder();
      i = end;
      continue;
    }
    if (quote === "'" && text.length === literalStart + 1 && raw[end] === "'" && raw[end + 1] !== "'") {
      // `'{{x}}'`: the whole literal is the value.
      text = text.slice(0, literalStart);
      values.push(value);
      text += placeholder();
      quote = undefined;
      i = end + 1;
      continue;
    }
    throw new ConfigFieldError(
      field,
      `the template ${match[0]} sits inside a quoted SQL text; templates become bound parameters, so write it outside quotes (e.g. '%' || ${match[0]} || '%')`,
    );
  }
  return { text, values };
}
