import { builtTestingScript as builtScriptOf } from '@casare-rpa/testkit';

export { runNodeScript, type ChildExit } from '@casare-rpa/testkit';

/** Built script `name` of this package's `dist/testing/` (see the testkit's `builtTestingScript`). */
export function builtTestingScript(name: string): string {
  return builtScriptOf(import.meta.url, name);
}
