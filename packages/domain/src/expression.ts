import { ExpressionError } from './errors.js';
import { isPlainObject, type Json } from './json.js';
import { lookupReference, parseReference, renderTemplate, renderText, type TemplateScope } from './references.js';

// A small, hand-written expression language for conditions: no eval, no Function, no property access
// beyond own properties of JSON values. Grammar, loosest first:
//   or      := and (('or' | '||') and)*
//   and     := not (('and' | '&&') not)*
//   not     := ('not' | '!') not | compare
//   compare := sum ((== | != | < | <= | > | >= | in | not in) sum)*      (chained as in Python)
//   sum     := product ((+ | -) product)*
//   product := unary ((* | / | %) unary)*
//   unary   := (- | +) unary | primary
//   primary := number | 'text' | "text" | true | false | null | {{reference}} | name | [list] | ( or )

type Token =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'reference'; readonly text: string }
  | { readonly type: 'name'; readonly text: string }
  | { readonly type: 'word'; readonly value: 'and' | 'or' | 'not' | 'in' | 'true' | 'false' | 'null' }
  | { readonly type: 'symbol'; readonly value: string }
  | { readonly type: 'end' };

type Node =
  | { readonly type: 'literal'; readonly value: Json }
  | { readonly type: 'text'; readonly template: string }
  | { readonly type: 'reference'; readonly text: string }
  | { readonly type: 'name'; readonly text: string }
  | { readonly type: 'list'; readonly items: readonly Node[] }
  | { readonly type: 'not'; readonly operand: Node }
  | { readonly type: 'negate'; readonly operand: Node; readonly sign: '-' | '+' }
  | { readonly type: 'logical'; readonly operator: 'and' | 'or'; readonly left: Node; readonly right: Node }
  | { readonly type: 'arithmetic'; readonly operator: string; readonly left: Node; readonly right: Node }
  | { readonly type: 'compare'; readonly operands: readonly Node[]; readonly operators: readonly string[] };

const WORDS: Readonly<Record<string, Extract<Token, { type: 'word' }>['value']>> = {
  and: 'and',
  or: 'or',
  not: 'not',
  in: 'in',
  true: 'true',
  True: 'true',
  false: 'false',
  False: 'false',
  null: 'null',
  None: 'null',
};
const SYMBOLS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '%', '(', ')', '[', ']', ','];
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;
const NAME = /^[A-Za-z_][\w]*(?:\.[A-Za-z_\d][\w]*|\[-?\d+\])*/;
// Enough for any condition a person writes; bounds recursion so hostile input fails cleanly.
const MAX_TOKENS = 2000;
const MAX_NESTING = 64;

/**
 * Evaluates an expression of the condition language to a JSON value. `{{references}}` keep their
 * type; quoted text has its references rendered as text; bare names are variables. Throws only
 * `ExpressionError`.
 */
export function evaluateExpression(expression: string, scope: TemplateScope): Json {
  const tokens = tokenize(expression);
  const tree = new Parser(tokens, expression).parse();
  try {
    return new Evaluator(scope, expression).evaluate(tree);
  } catch (error) {
    // A value nested deep enough to exhaust the stack while comparing or rendering it.
    if (error instanceof RangeError) throw new ExpressionError(`value too deeply nested in "${expression}"`, expression);
    throw error;
  }
}

/**
 * Truthiness of a condition value: null, false, 0, '' and empty lists or objects are false; the texts
 * "true" and "false" (any case) are the booleans they spell; any other value is true.
 */
export function truthy(value: Json | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') {
    const lowered = value.trim().toLowerCase();
    if (lowered === 'false') return false;
    return lowered === 'true' || value.length > 0;
  }
  if (Array.isArray(value)) return value.length > 0;
  return Object.keys(value).length > 0;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  const fail = (message: string): never => {
    throw new ExpressionError(`${message} at position ${position} of "${source}"`, source);
  };
  while (position < source.length) {
    if (tokens.length > MAX_TOKENS) fail(`expression longer than ${MAX_TOKENS} tokens`);
    const rest = source.slice(position);
    const space = /^\s+/.exec(rest);
    if (space) {
      position += space[0].length;
      continue;
    }
    if (rest.startsWith('{{')) {
      const close = rest.indexOf('}}');
      if (close < 0) fail('unclosed {{');
      tokens.push({ type: 'reference', text: rest.slice(2, close) });
      position += close + 2;
      continue;
    }
    const char = rest[0]!;
    if (char === "'" || char === '"') {
      let value = '';
      let index = 1;
      for (; index < rest.length && rest[index] !== char; index++) {
        if (rest[index] === '\\') {
          index++;
          const escaped = rest[index];
          if (escaped === undefined) break;
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
        } else value += rest[index];
      }
      if (index >= rest.length) fail('unterminated text');
      tokens.push({ type: 'string', value });
      position += index + 1;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]) });
      position += number[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      const word = Object.hasOwn(WORDS, name[0]) ? WORDS[name[0]] : undefined;
      tokens.push(word ? { type: 'word', value: word } : { type: 'name', text: name[0] });
      position += name[0].length;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => rest.startsWith(candidate));
    if (!symbol) fail(`unexpected "${char}"`);
    tokens.push({ type: 'symbol', value: symbol! });
    position += symbol!.length;
  }
  tokens.push({ type: 'end' });
  return tokens;
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  parse(): Node {
    const tree = this.or();
    if (this.peek().type !== 'end') this.fail(`unexpected ${describeToken(this.peek())}`);
    return tree;
  }

  private or(): Node {
    let left = this.and();
    while (this.isWord('or') || this.isSymbol('||')) {
      this.position++;
      left = { type: 'logical', operator: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.isWord('and') || this.isSymbol('&&')) {
      this.position++;
      left = { type: 'logical', operator: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Node {
    if (this.isWord('not') || this.isSymbol('!')) {
      this.position++;
      return this.nested(() => ({ type: 'not', operand: this.not() }));
    }
    return this.compare();
  }

  private compare(): Node {
    const operands = [this.sum()];
    const operators: string[] = [];
    for (;;) {
      const token = this.peek();
      let operator: string | undefined;
      if (token.type === 'symbol' && ['==', '!=', '<', '<=', '>', '>='].includes(token.value)) operator = token.value;
      else if (this.isWord('in')) operator = 'in';
      else if (this.isWord('not') && this.isWord('in', 1)) operator = 'not in';
      if (!operator) break;
      this.position += operator === 'not in' ? 2 : 1;
      operators.push(operator);
      operands.push(this.sum());
    }
    return operators.length === 0 ? operands[0]! : { type: 'compare', operands, operators };
  }

  private sum(): Node {
    let left = this.product();
    while (this.isSymbol('+') || this.isSymbol('-')) {
      const operator = (this.tokens[this.position++] as { value: string }).value;
      left = { type: 'arithmetic', operator, left, right: this.product() };
    }
    return left;
  }

  private product(): Node {
    let left = this.unary();
    while (this.isSymbol('*') || this.isSymbol('/') || this.isSymbol('%')) {
      const operator = (this.tokens[this.position++] as { value: string }).value;
      left = { type: 'arithmetic', operator, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.isSymbol('-') || this.isSymbol('+')) {
      const sign = (this.tokens[this.position++] as { value: '-' | '+' }).value;
      return this.nested(() => ({ type: 'negate', sign, operand: this.unary() }));
    }
    return this.primary();
  }

  private primary(): Node {
    const token = this.tokens[this.position++] ?? { type: 'end' };
    switch (token.type) {
      case 'number':
        return { type: 'literal', value: token.value };
      case 'string':
        return { type: 'text', template: token.value };
      case 'reference':
        return { type: 'reference', text: token.text };
      case 'name':
        return { type: 'name', text: token.text };
      case 'word':
        if (token.value === 'true' || token.value === 'false') return { type: 'literal', value: token.value === 'true' };
        if (token.value === 'null') return { type: 'literal', value: null };
        break;
      case 'symbol':
        if (token.value === '(') {
          const inner = this.nested(() => this.or());
          this.expect(')');
          return inner;
        }
        if (token.value === '[') return this.nested(() => this.list());
        break;
      case 'end':
        this.position--;
        this.fail('unexpected end of expression');
    }
    this.position--;
    return this.fail(`unexpected ${describeToken(token)}`);
  }

  private list(): Node {
    const items: Node[] = [];
    if (this.isSymbol(']')) {
      this.position++;
      return { type: 'list', items };
    }
    for (;;) {
      items.push(this.or());
      if (this.isSymbol(',')) {
        this.position++;
        continue;
      }
      this.expect(']');
      return { type: 'list', items };
    }
  }

  private nested(parse: () => Node): Node {
    if (++this.depth > MAX_NESTING) this.fail(`nested deeper than ${MAX_NESTING} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private expect(symbol: string): void {
    if (!this.isSymbol(symbol)) this.fail(`expected "${symbol}" but found ${describeToken(this.peek())}`);
    this.position++;
  }

  private peek(offset = 0): Token {
    return this.tokens[this.position + offset] ?? { type: 'end' };
  }

  private isWord(value: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === 'word' && token.value === value;
  }

  private isSymbol(value: string): boolean {
    const token = this.peek();
    return token.type === 'symbol' && token.value === value;
  }

  private fail(message: string): never {
    throw new ExpressionError(`${message} in "${this.source}"`, this.source);
  }
}

function describeToken(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'end of expression';
    case 'number':
      return `number ${token.value}`;
    case 'string':
      return `text ${JSON.stringify(token.value)}`;
    case 'reference':
      return `{{${token.text}}}`;
    case 'name':
      return `"${token.text}"`;
    default:
      return `"${token.value}"`;
  }
}

class Evaluator {
  constructor(
    private readonly scope: TemplateScope,
    private readonly source: string,
  ) {}

  evaluate(node: Node): Json {
    switch (node.type) {
      case 'literal':
        return node.value;
      case 'text':
        return renderTemplate(node.template, this.scope);
      case 'reference': {
        const reference = parseReference(node.text);
        if (!reference) return this.fail(`{{${node.text}}} is not a reference`);
        if (reference.kind === 'secret') return this.scope.secret?.(reference.name) ?? null;
        return lookupReference(this.scope, reference) ?? null;
      }
      case 'name': {
        const reference = parseReference(node.text);
        return reference?.kind === 'path' ? (lookupReference(this.scope, reference, 'variables') ?? null) : null;
      }
      case 'list':
        return node.items.map((item) => this.evaluate(item));
      case 'not':
        return !truthy(this.evaluate(node.operand));
      case 'negate': {
        const value = this.number(this.evaluate(node.operand), node.sign);
        return node.sign === '-' ? -value : value;
      }
      case 'logical': {
        const left = truthy(this.evaluate(node.left));
        if (node.operator === 'and' ? !left : left) return left;
        return truthy(this.evaluate(node.right));
      }
      case 'arithmetic':
        return this.arithmetic(node.operator, this.evaluate(node.left), this.evaluate(node.right));
      case 'compare': {
        let left = this.evaluate(node.operands[0]!);
        for (let index = 0; index < node.operators.length; index++) {
          const right = this.evaluate(node.operands[index + 1]!);
          if (!this.compare(node.operators[index]!, left, right)) return false;
          left = right;
        }
        return true;
      }
    }
  }

  private compare(operator: string, left: Json, right: Json): boolean {
    switch (operator) {
      case '==':
        return looselyEqual(left, right);
      case '!=':
        return !looselyEqual(left, right);
      case 'in':
        return this.contains(right, left);
      case 'not in':
        return !this.contains(right, left);
    }
    let order: number;
    const a = numeric(left);
    const b = numeric(right);
    if (a !== undefined && b !== undefined) order = a - b;
    else if (typeof left === 'string' && typeof right === 'string') order = left < right ? -1 : left > right ? 1 : 0;
    else return this.fail(`cannot order ${describeValue(left)} and ${describeValue(right)} with ${operator}`);
    if (operator === '<') return order < 0;
    if (operator === '<=') return order <= 0;
    if (operator === '>') return order > 0;
    return order >= 0;
  }

  private contains(container: Json, item: Json): boolean {
    if (Array.isArray(container)) return (container as readonly Json[]).some((element) => looselyEqual(element, item));
    if (typeof container === 'string') return container.includes(renderText(item));
    if (isPlainObject(container)) return Object.hasOwn(container, renderText(item));
    return this.fail(`"in" needs a list, a text or an object, got ${describeValue(container)}`);
  }

  private arithmetic(operator: string, left: Json, right: Json): Json {
    if (operator === '+') {
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      if (Array.isArray(left) && Array.isArray(right)) return [...(left as readonly Json[]), ...(right as readonly Json[])];
      const a = numeric(left);
      const b = numeric(right);
      // Two texts concatenate; a number read from text adds to a number, as `{{count}} + 1` expects.
      if (a !== undefined && b !== undefined && !(typeof left === 'string' && typeof right === 'string')) return a + b;
      if (typeof left === 'string' || typeof right === 'string') return renderText(left) + renderText(right);
      return this.fail(`cannot add ${describeValue(left)} and ${describeValue(right)}`);
    }
    const a = this.number(left, operator);
    const b = this.number(right, operator);
    if (operator === '-') return a - b;
    if (operator === '*') return a * b;
    if (b === 0) return this.fail(`division by zero (${operator})`);
    // Floor modulo as in Python: the result takes the divisor's sign.
    return operator === '/' ? a / b : a - b * Math.floor(a / b);
  }

  private number(value: Json, operator: string): number {
    const result = numeric(value);
    return result ?? this.fail(`${operator} needs numbers, got ${describeValue(value)}`);
  }

  private fail(message: string): never {
    throw new ExpressionError(`${message} in "${this.source}"`, this.source);
  }
}

const NUMERIC_TEXT = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** The number a value stands for: a number, or text that spells one; undefined otherwise. */
function numeric(value: Json): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return undefined;
}

function booleanText(value: Json): boolean | undefined {
  if (typeof value !== 'string') return undefined;
  const lowered = value.trim().toLowerCase();
  return lowered === 'true' ? true : lowered === 'false' ? false : undefined;
}

/** `==`: booleans match "true"/"false" text, numeric-like values compare as numbers, the rest structurally. */
function looselyEqual(left: Json, right: Json): boolean {
  if (typeof left === 'boolean' && booleanText(right) !== undefined) return left === booleanText(right);
  if (typeof right === 'boolean' && booleanText(left) !== undefined) return right === booleanText(left);
  const a = numeric(left);
  const b = numeric(right);
  if (a !== undefined && b !== undefined) return a === b;
  return deepEqual(left, right);
}

function deepEqual(left: Json, right: Json): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    const a = left as readonly Json[];
    const b = right as readonly Json[];
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]!));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key] as Json, right[key] as Json));
  }
  return false;
}

function describeValue(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
