import type { SecretProvider } from '@casare-rpa/application';

/** Prefix of the environment variables that hold secrets: `{{$secret:API_KEY}}` reads `CASARE_SECRET_API_KEY`. */
export const SECRET_ENV_PREFIX = 'CASARE_SECRET_';

/**
 * Secrets from the environment of the `casare` process. Read only inside the step that needs one
 * (the use case calls it there), so a value never reaches a checkpoint, an event or a log.
 */
export class EnvSecretProvider implements SecretProvider {
  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  /** The value of `CASARE_SECRET_<name>`, or undefined when it is not set. */
  loadSecret(name: string): Promise<string | undefined> {
    const key = `${SECRET_ENV_PREFIX}${name}`;
    return Promise.resolve(Object.hasOwn(this.env, key) ? this.env[key] : undefined);
  }
}
