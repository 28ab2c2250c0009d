/**
 * One incarnation of a contract scenario in its own process: `runIncarnation` from the testkit with a
 * `DbosDurableRunner` (configured from the environment the harness sets), dying by SIGKILL at the
 * scenario's crash point. What a killed process must leave behind is written as it happens: the
 * crash report before the kill, events one line at a time. Run on built `dist/`:
 * `node dist/testing/contract-child.js <request.json> <output prefix>`.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { incarnationFiles, runIncarnation, type IncarnationRequest } from '@casare-rpa/testkit';
import { DbosDurableRunner } from '../dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from '../dbos-runner-config.js';

const [requestPath, prefix] = process.argv.slice(2);
if (requestPath === undefined || prefix === undefined) throw new Error('usage: contract-child.js <request.json> <output prefix>');
const files = incarnationFiles(prefix);
const request = JSON.parse(readFileSync(requestPath, 'utf8')) as IncarnationRequest;

const report = await runIncarnation(request, {
  createRunner: () => new DbosDurableRunner(dbosRunnerConfigFromEnv()),
  crashSource: 'nodes',
  die: (crash) => {
    writeFileSync(files.crash, JSON.stringify(crash));
    process.kill(process.pid, 'SIGKILL');
  },
  onEvent: (event) => appendFileSync(files.events, `${JSON.stringify(event)}\n`),
});
writeFileSync(files.report, JSON.stringify(report));
