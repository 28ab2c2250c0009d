import { parseCommandArgs } from '../cli-args.js';
import { DEMO_PASSWORD, DEMO_SITE_PORT, DEMO_USERNAME, startDemoSite } from '../demo-site/index.js';
import { ExitCode, UsageError } from '../errors.js';
import { HELP } from '../help.js';
import type { CliEnvironment } from '../cli-environment.js';

/** `casare demo-site [--port P]`: serves the demo invoicing site until Ctrl-C. */
export async function demoSiteCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('demo-site', argv, { port: { type: 'string' } }, { names: [], required: 0 });
  if (args.help) {
    cli.stdout.write(HELP['demo-site']);
    return ExitCode.success;
  }
  const portText = args.string('port') ?? String(DEMO_SITE_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a TCP port number (0-65535), not "${portText}"`, 'demo-site');
  const site = await startDemoSite({ port });
  cli.stdout.write(`Demo site on ${site.url} (user ${DEMO_USERNAME}, password ${DEMO_PASSWORD}); Ctrl-C stops it.\n`);
  await cli.interrupted;
  await site.close();
  cli.stdout.write('Demo site stopped.\n');
  return ExitCode.success;
}
