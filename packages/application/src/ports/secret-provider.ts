/** Source of secret values, read inside steps only (docs/architecture.md, rule 9). */
export interface SecretProvider {
  /** The secret's value, or undefined when it is not set. */
  loadSecret(name: string): Promise<string | undefined>;
}

/** Injection token of `SecretProvider`. */
export const SECRET_PROVIDER = Symbol.for('@casare-rpa/SecretProvider');
