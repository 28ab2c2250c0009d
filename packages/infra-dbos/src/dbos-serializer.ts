import type { DBOSSerializer } from '@dbos-inc/dbos-sdk';

/**
 * How casare's runs are written to DBOS's tables: plain JSON. Everything the runner hands DBOS is
 * `Json` already (workflow inputs, step outputs, results, signals), so DBOS's default SuperJSON
 * (which walks every value for Dates, Maps and class instances, then again for function stubs)
 * buys nothing and costs a tenth of a step's CPU. Records carry the format's name, so runs written
 * before (`js_superjson`) still read back; every process that reads casare's records (runner,
 * clients, inspector) sets this serializer.
 */
export const CASARE_DBOS_SERIALIZER: DBOSSerializer = {
  name: () => 'casare_json',
  stringify: (value) => JSON.stringify(value ?? null),
  parse: (text) => (text === null || text === undefined ? null : (JSON.parse(text) as unknown)),
};
