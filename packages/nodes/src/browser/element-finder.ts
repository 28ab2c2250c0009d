import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { JSHandle, Page } from 'playwright-core';

// Finding an element from a description and writing selectors for it, with deterministic
// heuristics on the live DOM (no AI model, unlike v1): the description's words are matched against
// each element's accessible text and attributes, in the page; the CSS selector comes from
// @medv/finder, the robust one from Playwright's own locator generator (`locator.normalize()`:
// test id, role and name, text, the way codegen writes them). Every selector is counted on the page.

/** What a description asks for: plain words, "quoted phrases" and element roles (button, link...). */
export interface Description {
  readonly words: readonly string[];
  readonly phrases: readonly string[];
  readonly roles: readonly string[];
}

/** One element of the page that matches a description, with the selectors found for it. */
export interface ElementMatch {
  /** `button "Sign in"`: role (or tag) and accessible text. */
  readonly description: string;
  /** Share of the description the element matches, 0 to 1, lowered when other elements match as well. */
  readonly confidence: number;
  /** Unique CSS selector (@medv/finder). */
  readonly css: string;
  /** XPath from the nearest ancestor with a unique id (or from `//html`). */
  readonly xpath: string;
  /** Playwright's locator for it (role, test id, text...), as a selector the browser nodes accept. */
  readonly playwright: string;
  /** The same, as Playwright code (`getByRole('button', { name: 'Sign in' })`). */
  readonly locator: string;
}

/** Kind of a generated selector. */
export type SelectorKind = 'playwright' | 'css' | 'xpath';

/** A selector and how many elements of the live page it matches. */
export interface CountedSelector {
  readonly selector: string;
  readonly selector_type: SelectorKind;
  readonly match_count: number;
}

// Words that say which kind of element is meant, by ARIA role.
const ROLE_WORDS: Readonly<Record<string, string>> = {
  button: 'button',
  btn: 'button',
  link: 'link',
  anchor: 'link',
  input: 'textbox',
  field: 'textbox',
  textbox: 'textbox',
  textarea: 'textbox',
  box: 'textbox',
  checkbox: 'checkbox',
  tickbox: 'checkbox',
  radio: 'radio',
  dropdown: 'combobox',
  select: 'combobox',
  combobox: 'combobox',
  heading: 'heading',
  header: 'heading',
  title: 'heading',
  image: 'img',
  img: 'img',
  icon: 'img',
  logo: 'img',
  picture: 'img',
  tab: 'tab',
  menuitem: 'menuitem',
};
const STOP_WORDS = new Set(
  'a an the this that of in on at to for with by from and or is it its element which where near inside under above below labeled labelled called named says saying text'.split(
    ' ',
  ),
);

/** Splits a description into words, quoted phrases and role words (lower case). */
export function parseDescription(...texts: readonly string[]): Description {
  const phrases: string[] = [];
  const rest = texts
    .join(' ')
    .replace(/["“”'‘’`]([^"“”'‘’`]+)["“”'‘’`]/g, (_, phrase: string) => {
      phrases.push(phrase.trim().toLowerCase());
      return ' ';
    })
    .toLowerCase();
  const words: string[] = [];
  const roles = new Set<string>();
  for (const word of rest.split(/[^\p{L}\p{N}]+/u)) {
    if (word === '' || STOP_WORDS.has(word)) continue;
    const role = ROLE_WORDS[word];
    if (role !== undefined) roles.add(role);
    else if (!words.includes(word)) words.push(word);
  }
  return { words, phrases: phrases.filter((phrase) => phrase !== ''), roles: [...roles] };
}

/** Words a selector carries (ids, classes, attribute values, text), to look for its element by them. */
export function selectorWords(selector: string): string[] {
  return selector
    .replace(/^(css|xpath|text|id)=/, '')
    .split(/[^\p{L}\p{N}]+/u)
    .map((word) => word.toLowerCase())
    .filter((word) => word.length >= 3 && !/^\d+$/.test(word) && !['nth', 'child', 'type', 'internal', 'div', 'span', 'html', 'body'].includes(word));
}

let finderSource: Promise<string> | undefined;

/** @medv/finder's source, as a script whose value is its `finder` function (it runs in the page). */
async function loadFinderScript(): Promise<string> {
  finderSource ??= readFile(createRequire(import.meta.url).resolve('@medv/finder'), 'utf8');
  // An ES module of plain function declarations: without `export` they are a script's functions.
  return `(() => {\n${(await finderSource).replace(/^export /gm, '')}\nreturn finder;\n})()`;
}

interface Scored {
  readonly description: string;
  readonly score: number;
  readonly css: string;
  readonly xpath: string;
}

interface ScoreRequest {
  readonly words: readonly string[];
  readonly phrases: readonly string[];
  readonly roles: readonly string[];
  readonly limit: number;
  /** Keep elements that match nothing (scoring the pool, not searching it). */
  readonly keepUnmatched: boolean;
}

interface ScoreArgs {
  readonly finder: (element: Element, options?: object) => string;
  readonly request: ScoreRequest;
  readonly pool: readonly Element[] | null;
  readonly excluded: readonly Element[];
}

interface ScoreResult {
  readonly scored: Scored[];
  /** The score of an element that matches the whole description. */
  readonly best: number;
  /** How many unrelated elements score as high as the first. */
  readonly tied: number;
}

// Runs in the page: scores the pool (or every element of the body) against the description and
// returns the best ones, with a CSS selector (finder) and an XPath each.
function scoreElements({ finder, request, pool, excluded }: ScoreArgs): ScoreResult {
  const implicitRole = (element: Element): string => {
    const explicit = element.getAttribute('role');
    if (explicit) return explicit.split(' ')[0] ?? '';
    const tag = element.tagName.toLowerCase();
    const type = (element.getAttribute('type') ?? 'text').toLowerCase();
    if (tag === 'a' && element.hasAttribute('href')) return 'link';
    if (tag === 'button' || (tag === 'input' && ['button', 'submit', 'reset', 'image'].includes(type))) return 'button';
    if (tag === 'input' && (type === 'checkbox' || type === 'radio')) return type;
    if (tag === 'input' || tag === 'textarea') return 'textbox';
    if (tag === 'select') return 'combobox';
    if (/^h[1-6]$/.test(tag)) return 'heading';
    if (tag === 'img' || tag === 'svg') return 'img';
    return '';
  };
  const tokens = (value: string): string[] =>
    value
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((token) => token !== '');
  const ownText = (element: Element): string => {
    const html = element as HTMLElement;
    const labels = 'labels' in html ? [...((html as HTMLInputElement).labels ?? [])].map((label) => label.innerText) : [];
    const value =
      element.tagName === 'INPUT' && ['button', 'submit', 'reset'].includes((element as HTMLInputElement).type) ? (element as HTMLInputElement).value : '';
    const attributes = ['aria-label', 'placeholder', 'title', 'alt'].map((name) => element.getAttribute(name) ?? '');
    return [html.innerText ?? '', value, ...labels, ...attributes].join(' ').replace(/\s+/g, ' ').trim();
  };
  const xpathOf = (element: Element): string => {
    const steps: string[] = [];
    for (let node: Element | null = element; node && node.nodeType === Node.ELEMENT_NODE; node = node.parentElement) {
      if (node.id && document.querySelectorAll(`#${CSS.escape(node.id)}`).length === 1) {
        steps.unshift(`//*[@id=${JSON.stringify(node.id)}]`);
        return steps.join('/');
      }
      const tag = node.tagName.toLowerCase();
      const same = node.parentElement ? [...node.parentElement.children].filter((sibling) => sibling.tagName === node?.tagName) : [node];
      steps.unshift(same.length > 1 ? `${tag}[${same.indexOf(node) + 1}]` : tag);
    }
    // `//html/...`, not `/html/...`: Playwright takes a selector for XPath when it starts with `//`.
    return `//${steps.join('/')}`;
  };
  const candidates = (pool ?? [...document.body.querySelectorAll('*')]).filter(
    (element) => !excluded.includes(element) && !['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(element.tagName) && element.getClientRects().length > 0,
  );
  const best = request.words.length * 2 + request.phrases.length * 3 + (request.roles.length > 0 ? 3 : 0);
  const rows = candidates.map((element, order) => {
    const text = ownText(element);
    const primary = new Set(tokens(text));
    const secondary = new Set(
      ['id', 'name', 'data-testid', 'data-test', 'data-qa', 'class', 'href', 'for', 'value'].flatMap((name) => tokens(element.getAttribute(name) ?? '')),
    );
    const context = new Set<string>();
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      for (const token of [
        node.tagName.toLowerCase(),
        ...['id', 'class', 'name', 'aria-label', 'role'].flatMap((name) => tokens(node?.getAttribute(name) ?? '')),
      ])
        context.add(token);
    }
    const role = implicitRole(element);
    // A word on the element's own text counts most; one in its attributes or in its ancestors'
    // (`the sign in button of the login form`) less; a word that only starts a token least.
    let score = 0;
    for (const word of request.words) {
      if (primary.has(word)) score += 2;
      else if (secondary.has(word) || context.has(word)) score += 1.5;
      else if (word.length >= 4 && [...primary, ...secondary].some((token) => token.length >= 3 && (token.startsWith(word) || word.startsWith(token))))
        score += 1;
    }
    const lower = text.toLowerCase();
    for (const phrase of request.phrases) if (lower.includes(phrase)) score += lower === phrase ? 3 : 2;
    if (request.roles.includes(role)) score += 3;
    let depth = 0;
    for (let node = element.parentElement; node; node = node.parentElement) depth += 1;
    return { element, order, text, role, score, depth };
  });
  // The smallest element that says it wins: a button over the form holding it, an element with a
  // role over a plain wrapper of the same text, the deeper over its parent.
  const ranked = rows
    .filter((row) => request.keepUnmatched || row.score > 0)
    .sort(
      (a, b) => b.score - a.score || Number(b.role !== '') - Number(a.role !== '') || a.text.length - b.text.length || b.depth - a.depth || a.order - b.order,
    );
  // Elements that hold one another say the same thing: one of them stands for all.
  const picked: typeof ranked = [];
  for (const row of ranked) {
    if (picked.length >= request.limit) break;
    if (!picked.some((other) => other.element.contains(row.element) || row.element.contains(other.element))) picked.push(row);
  }
  const first = picked[0];
  const tied = first
    ? ranked.filter((row) => row.score === first.score && !row.element.contains(first.element) && !first.element.contains(row.element)).length + 1
    : 0;
  return {
    best,
    tied,
    scored: picked.map((row) => ({
      description: `${row.role || row.element.tagName.toLowerCase()}${row.text ? ` ${JSON.stringify(row.text.slice(0, 80))}` : ''}`,
      score: row.score,
      css: finder(row.element, { timeoutMs: 1000 }),
      xpath: xpathOf(row.element),
    })),
  };
}

/** Where to look for the described element. */
export interface FindOptions {
  /** Only among these elements (the matches of a selector); default: the whole page. */
  readonly pool?: readonly JSHandle[];
  /** Never these elements. */
  readonly exclude?: readonly JSHandle[];
  /** How many elements to return, best first. */
  readonly limit: number;
  /** Return the pool's elements even when they match nothing of the description. */
  readonly keepUnmatched?: boolean;
}

/** The page's elements that best match `description`, best first, each with its selectors. */
export async function findElements(page: Page, description: Description, options: FindOptions): Promise<ElementMatch[]> {
  const finder = await page.evaluateHandle(await loadFinderScript());
  try {
    const request: ScoreRequest = { ...description, limit: options.limit, keepUnmatched: options.keepUnmatched ?? false };
    // The finder and the element handles arrive in the page as the function and the elements.
    const { scored, best, tied } = await page.evaluate<ScoreResult, unknown>(scoreElements as (args: unknown) => ScoreResult, {
      finder,
      request,
      pool: options.pool === undefined ? null : [...options.pool],
      excluded: [...(options.exclude ?? [])],
    });
    const matches: ElementMatch[] = [];
    for (const [position, row] of scored.entries()) {
      // Elements as good as the best one make the choice a guess: the confidence says so.
      const share = best === 0 ? 0 : Math.min(1, row.score / best);
      const confidence = position === 0 && tied > 1 ? share / tied : share;
      const generated = await page.locator(row.css).normalize();
      matches.push({
        description: row.description,
        confidence: Math.round(confidence * 1000) / 1000,
        css: row.css,
        xpath: row.xpath,
        playwright: selectorOf(generated),
        locator: generated.toString(),
      });
    }
    return matches;
  } finally {
    await finder.dispose();
  }
}

// Playwright's Locator keeps its selector in `_selector` (the form `page.locator()` takes back);
// `toString()` gives only code. Pinned with playwright-core ~1.65 and checked by the browser tests.
function selectorOf(locator: object): string {
  const selector = (locator as { _selector?: unknown })._selector;
  if (typeof selector !== 'string') throw new Error('playwright-core no longer exposes a Locator selector: update element-finder.ts');
  return selector;
}

/** How many elements of the page `selector` matches (0 for a selector the browser cannot parse, as v1 counted it). */
export async function countSelector(page: Page, selector: string): Promise<number> {
  try {
    return await page.locator(selector).count();
  } catch (error) {
    if (isBadSelector(error)) return 0;
    throw error;
  }
}

function isBadSelector(error: unknown): boolean {
  return error instanceof Error && /while parsing (css )?selector|is not a valid XPath expression/.test(error.message);
}

/** The selectors of `match`, each counted on the live page. */
export async function countedSelectors(page: Page, match: ElementMatch): Promise<CountedSelector[]> {
  const all: Array<[string, SelectorKind]> = [
    [match.playwright, 'playwright'],
    [match.css, 'css'],
    [match.xpath, 'xpath'],
  ];
  const counted: CountedSelector[] = [];
  for (const [selector, kind] of all) counted.push({ selector, selector_type: kind, match_count: await countSelector(page, selector) });
  return counted;
}

/** Handles of the elements `selector` matches (none for a selector the browser cannot parse). */
export async function elementsOf(page: Page, selector: string): Promise<JSHandle[]> {
  try {
    return await page.locator(selector).elementHandles();
  } catch (error) {
    if (isBadSelector(error)) return [];
    throw error;
  }
}
