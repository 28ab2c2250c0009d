import { describe, expect, it } from 'vitest';
import { EnvSecretProvider } from './env-secret-provider.js';

describe('EnvSecretProvider', () => {
  it('reads CASARE_SECRET_<NAME> and nothing else', async () => {
    const secrets = new EnvSecretProvider({ CASARE_SECRET_API_KEY: 'k-123', API_KEY: 'not this one' });
    expect(await secrets.loadSecret('API_KEY')).toBe('k-123');
    expect(await secrets.loadSecret('MISSING')).toBeUndefined();
  });
});
