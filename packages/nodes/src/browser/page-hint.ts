import type { Json, JsonObject } from '@casare-rpa/domain';
import type { SecretProvider } from '@casare-rpa/application';
import { z } from 'zod';

// What the state remembers of a live page (docs/architecture.md, rule 7): enough to open a new page where the
// old one was, in the same form state, after the process that held it died. Pages themselves are
// never checkpointed.

/** Name of the page a browser node uses when its config names none. */
export const DEFAULT_PAGE_NAME = 'default';

/** Resource key of a page's hint in `ExecutionState.resources`. */
export function pageHintKey(pageName: string): string {
  return `browser:${pageName}`;
}

// Set when the value is a template whose `{{$secret:NAME}}` references are resolved on replay.
const secretFlag = z.boolean().optional();

/** Zod schema of one page-local action: form state a navigation would wipe and recovery must redo. */
export const pageActionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('type'),
    selector: z.string(),
    value: z.string(),
    /** `fill` replaces the field's value; `append` types after what is there. */
    mode: z.enum(['fill', 'append']),
    secret: secretFlag,
  }),
  z.object({
    kind: z.literal('select'),
    selector: z.string(),
    value: z.string(),
    by: z.enum(['value', 'label', 'index']),
    secret: secretFlag,
  }),
  z.object({ kind: z.literal('check'), selector: z.string(), checked: z.boolean() }),
]);

/** One page-local action, as recorded in a page hint. */
export type PageAction = z.infer<typeof pageActionSchema>;

/** Zod schema of a cookie as Playwright reads and writes it. */
export const hintCookieSchema = z.object({
  name: z.string(),
  value: z.string(),
  domain: z.string(),
  path: z.string(),
  expires: z.number(),
  httpOnly: z.boolean(),
  secure: z.boolean(),
  sameSite: z.enum(['Strict', 'Lax', 'None']),
});

/** A cookie the page's URL sends, restored before the page is reopened. */
export type HintCookie = z.infer<typeof hintCookieSchema>;

/** Zod schema of a page hint. */
export const pageHintSchema = z.object({
  /** URL of the page after the step. */
  url: z.string(),
  /** Page-local actions since the last navigation, in order. */
  actions: z.array(pageActionSchema),
  /**
   * Cookies the URL sends. Without them a logged-in page reopens as the login page; they are
   * session state of the site, not workflow secrets (those never appear here).
   */
  cookies: z.array(hintCookieSchema).optional(),
});

/** The recorded state of one named page. */
export type PageHint = z.infer<typeof pageHintSchema>;

/**
 * Fields of a page hint that hold the site's session state: the payload codec encrypts them at rest
 * (docs/architecture.md, "Secrets at rest"). The URL and the page-local actions stay readable; their
 * secret values are already `{{$secret:NAME}}` references.
 */
export const PAGE_HINT_SESSION_FIELDS: readonly string[] = ['cookies'];

/** The hint of `pageName` among a state's resources, or undefined when none is recorded. */
export function readPageHint(resources: JsonObject, pageName: string): PageHint | undefined {
  const raw = resources[pageHintKey(pageName)];
  if (raw === undefined || raw === null) return undefined;
  const parsed = pageHintSchema.safeParse(raw);
  if (!parsed.success) throw new PageHintInvalidError(pageName, parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
}

/** A page hint in the state does not have the recorded shape (a state written by another version). */
export class PageHintInvalidError extends Error {
  /** Stable code. */
  readonly code = 'BROWSER_HINT_INVALID';
  /** The state will not change by retrying. */
  readonly retryable = false;
  constructor(
    readonly pageName: string,
    detail: string,
  ) {
    super(`the recorded state of browser page "${pageName}" cannot be read (${detail}); start a new run`);
    this.name = 'PageHintInvalidError';
  }
}

/** A page hint as a JSON value for `outcome.resources`. */
export function pageHintJson(hint: PageHint): Json {
  return hint;
}

const SECRET_REFERENCE = /\{\{\s*\$secret:([A-Za-z0-9_.-]+)\s*\}\}/g;

/** Names of the secrets a raw config value refers to. */
export function secretNamesIn(raw: Json | undefined): readonly string[] {
  if (typeof raw !== 'string') return [];
  return [...new Set([...raw.matchAll(SECRET_REFERENCE)].map((match) => match[1] ?? ''))].filter(Boolean);
}

/** A value ready to go into a hint: either plain, or a template that hides every secret value it holds. */
export interface RecordedValue {
  readonly value: string;
  readonly secret: boolean;
}

const VARIABLE_REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Secrets a raw config value draws on: its `{{$secret:NAME}}` references, and the variables it names
 * that hold a secret's value (a `sensitive` variable is read from the SecretProvider under its name).
 */
async function secretsIn(raw: Json | undefined, variables: Readonly<Record<string, Json>>, secrets: SecretProvider | undefined) {
  const found = new Map<string, string | undefined>();
  for (const name of secretNamesIn(raw)) found.set(name, await secrets?.loadSecret(name));
  if (typeof raw === 'string' && secrets) {
    for (const [, name = ''] of raw.matchAll(VARIABLE_REFERENCE)) {
      const value = variables[name];
      if (typeof value !== 'string' || value === '' || found.has(name)) continue;
      if ((await secrets.loadSecret(name)) === value) found.set(name, value);
    }
  }
  return found;
}

/**
 * Turns the resolved value of a field into what a hint may hold (docs/architecture.md, rule 9). `raw` is the field's
 * config before template resolution: every occurrence in `resolved` of a secret it draws on is
 * replaced by a `{{$secret:NAME}}` reference, so the hint can be replayed later (`replayValue`)
 * without ever holding the value.
 */
export async function recordValue(
  raw: Json | undefined,
  resolved: string,
  secrets: SecretProvider | undefined,
  variables: Readonly<Record<string, Json>> = {},
): Promise<RecordedValue> {
  const found = await secretsIn(raw, variables, secrets);
  if (found.size === 0) return { value: resolved, secret: false };
  const names = [...found.keys()];
  if (typeof raw === 'string' && names.length === 1 && raw.trim() === `{{$secret:${names[0]}}}`) {
    return { value: `{{$secret:${names[0]}}}`, secret: true };
  }
  // Longest first, so a secret that contains another is replaced whole.
  const known = [...found].filter((entry): entry is [string, string] => Boolean(entry[1])).sort((a, b) => b[1].length - a[1].length);
  let template = resolved;
  for (const [name, value] of known) template = template.split(value).join(`{{$secret:${name}}}`);
  return { value: template, secret: true };
}

/** A secret a hint refers to is not set where the run is recovered. */
export class HintSecretMissingError extends Error {
  /** Stable code. */
  readonly code = 'SECRET_MISSING';
  /** Setting a secret takes an operator, not a retry. */
  readonly retryable = false;
  constructor(readonly secretName: string) {
    super(`secret "${secretName}" is not set, so the browser page cannot be restored; set it and recover the run again`);
    this.name = 'HintSecretMissingError';
  }
}

/** Resolves the `{{$secret:NAME}}` references of a recorded value (replay side of `recordValue`). */
export async function replayValue(value: string, secret: boolean | undefined, secrets: SecretProvider | undefined): Promise<string> {
  if (!secret) return value;
  const resolved = new Map<string, string>();
  for (const name of secretNamesIn(value)) {
    const found = await secrets?.loadSecret(name);
    if (found === undefined) throw new HintSecretMissingError(name);
    resolved.set(name, found);
  }
  return value.replace(SECRET_REFERENCE, (_match, name: string) => resolved.get(name) ?? '');
}
