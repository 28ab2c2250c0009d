/**
 * Decides whether a test that needs a real external service (PostgreSQL, Chromium) runs. Under
 * `CI=true` a missing service is a failure, never a silent skip; elsewhere the test is skipped and
 * the reason printed. Returns true when the service is there.
 */
export function requireExternalService(name: string, available: boolean, reason: string): boolean {
  if (available) return true;
  if (process.env['CI'] === 'true' || process.env['CI'] === '1') {
    throw new Error(`${name} is required under CI but is not available: ${reason}`);
  }
  console.warn(`skipping ${name} tests: ${reason}`);
  return false;
}
