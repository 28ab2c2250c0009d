import type { Json, JsonObject } from '@casare-rpa/domain';

/** What replaces a secret value in outcomes, events, logs and results. */
export const REDACTED = '***';

// Same reference syntax as the domain's templates: `{{$secret:NAME}}`, spaces allowed inside braces.
const SECRET_REFERENCE = /\{\{\s*\$secret:([^}\s]+)\s*\}\}/g;

/** Names of the secrets a raw value refers to with `{{$secret:NAME}}`, in order of first use. */
export function secretReferences(value: Json): readonly string[] {
  const names = new Set<string>();
  const visit = (item: Json): void => {
    if (typeof item === 'string') {
      for (const match of item.matchAll(SECRET_REFERENCE)) names.add(match[1] as string);
    } else if (Array.isArray(item)) {
      for (const element of item as readonly Json[]) visit(element);
    } else if (item !== null && typeof item === 'object') {
      for (const element of Object.values(item)) visit(element);
    }
  };
  visit(value);
  return [...names];
}

/**
 * Replaces every occurrence of a secret value in `text` by the marker. Longer secrets go first so a
 * secret that contains another is hidden whole.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of bySizeDescending(secrets)) {
    if (redacted.includes(secret)) redacted = redacted.split(secret).join(REDACTED);
  }
  return redacted;
}

/** `value` with every secret value replaced by the marker, in strings and object keys, deeply. */
export function redactJson<T extends Json>(value: T, secrets: readonly string[]): T {
  const sorted = bySizeDescending(secrets);
  if (sorted.length === 0) return value;
  const visit = (item: Json): Json => {
    if (typeof item === 'string') return redactText(item, sorted);
    if (Array.isArray(item)) return (item as readonly Json[]).map(visit);
    if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item as JsonObject).map(([key, element]) => [redactText(key, sorted), visit(element)] as const);
      return Object.fromEntries<Json>(entries);
    }
    return item;
  };
  return visit(value) as T;
}

function bySizeDescending(secrets: readonly string[]): readonly string[] {
  return [...new Set(secrets)].filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length);
}
