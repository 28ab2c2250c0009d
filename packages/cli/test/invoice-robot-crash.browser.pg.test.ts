import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { requireExternalService } from '@casare-rpa/testkit';
import { dropSystemDatabase } from '@casare-rpa/infra-dbos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startDemoSite, type DemoSite, type RawSubmission } from '../src/demo-site/index.js';

// The invoice robot, killed with SIGKILL at every step boundary and inside its submit step, then
// recovered by `casare recover` (DBOS on PostgreSQL) in a new process that reopens Chromium from
// the page hints. The demo site runs in this process and counts what each run id submitted.

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const bin = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
const robotDir = join(repoRoot, 'examples', 'invoice-robot');
const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const hasPostgres = requireExternalService(
  'PostgreSQL',
  spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']).status === 0,
  'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)',
);
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

/** Invoices of the test CSV: few rows, so killing at every boundary stays affordable. */
const INVOICES = [
  { invoice_number: 'INV-7001', customer: 'Acme, Inc.', amount: '120.50', currency: 'USD', paid: 'yes' },
  { invoice_number: 'INV-7002', customer: 'Globex', amount: '99.00', currency: 'GBP', paid: 'no' },
];

function csvOf(rows: ReadonlyArray<Record<string, string>>): string {
  const header = Object.keys(rows[0] ?? {});
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return [header.join(','), ...rows.map((row) => header.map((name) => quote(row[name] ?? '')).join(','))].join('\n') + '\n';
}

/**
 * After which completed nodes (1-based counts) to kill. `CASARE_CRASH_SWEEP=full`: after every one.
 * Default: after each node's first completion and after every loop entry (the boundaries that
 * differ; the second invoice repeats the first one's), which keeps the sweep to minutes.
 */
function killPoints(nodes: readonly string[]): number[] {
  const points: number[] = [];
  for (let count = 1; count < nodes.length; count += 1) {
    const node = nodes[count - 1] ?? '';
    const first = nodes.indexOf(node) === count - 1;
    if (process.env['CASARE_CRASH_SWEEP'] === 'full' || first || node === 'for_each_invoice') points.push(count);
  }
  return points;
}

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Both checkpoint modes: a step per stretch ending at an effect (the default), and a step per node.
describe.skipIf(!hasPostgres || !hasChromium).each(['effects', 'every-node'] as const)(
  'invoice robot survives SIGKILL (casare run / casare recover, DBOS), checkpoint %s',
  (checkpoint) => {
    let site: DemoSite;
    let workDir: string;
    /** Called with every POST the site receives; a scenario sets it to kill its child there. */
    let onSubmission: (submission: RawSubmission) => void = () => undefined;
    // A database of its own (casare creates it), dropped at the end.
    const databaseUrl = `postgres://postgres@127.0.0.1:5432/casare_test_browser_crash_${process.pid}_${checkpoint.replace('-', '_')}`;
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      CASARE_DATABASE_URL: databaseUrl,
      // An executor of its own: `casare recover` must only pick up this file's runs.
      CASARE_EXECUTOR_ID: `browser-crash-${randomUUID().slice(0, 8)}`,
      CASARE_SECRET_DEMO_PASSWORD: DEMO_PASSWORD,
      CASARE_CHROMIUM_PATH: chromiumPath,
      CASARE_DBOS_LOG_LEVEL: 'error',
    };

    function casare(args: readonly string[]): ChildProcess {
      return spawn(process.execPath, [bin, ...args], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    }

    function ended(child: ChildProcess, timeoutMs = 120_000): Promise<Ended> {
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`casare did not end within ${timeoutMs} ms:\n${stderr}`));
        }, timeoutMs);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout, stderr });
        });
      });
    }

    /** Starts the robot as run `runId` and SIGKILLs it when its `killAfter`-th node completes (or when `onSubmission` says). */
    async function runAndKill(runId: string, killAfter: number | undefined): Promise<{ completedBeforeKill: string[] }> {
      const child = casare(['run', 'invoice-robot.json', '--durability', 'dbos', '--run-id', runId, '--var', `base_url=${site.url}`, '--json']);
      const completed: string[] = [];
      const done = ended(child);
      // Progress goes to stderr with --json: one plain line per finished node.
      createInterface({ input: child.stderr! }).on('line', (line) => {
        const match = /^✓ (\S+)\s+\S+\s+completed/.exec(line);
        if (!match || child.killed) return;
        completed.push(match[1] ?? '');
        if (completed.length === killAfter) child.kill('SIGKILL');
      });
      onSubmission = () => {
        if (killAfter === undefined) child.kill('SIGKILL');
      };
      const exit = await done;
      onSubmission = () => undefined;
      expect(exit.signal, `the run ended by itself instead of being killed:\n${exit.stderr}`).toBe('SIGKILL');
      return { completedBeforeKill: completed };
    }

    async function recover(): Promise<Array<{ runId: string; status: string; error: unknown }>> {
      const exit = await ended(casare(['recover', '--json']));
      expect(exit.code, exit.stderr).toBe(0);
      return (JSON.parse(exit.stdout) as { recovered: Array<{ runId: string; status: string; error: unknown }> }).recovered;
    }

    /**
     * Every row saved once for this run id, with the CSV's data. A raw resubmission is allowed only for
     * `inFlight` keys: those whose submit step was running when the process died.
     */
    function expectSubmittedOnce(runId: string, inFlight: ReadonlySet<string>): void {
      const report = site.submissions(`${runId}:`);
      expect(report.unique).toBe(INVOICES.length);
      for (const [key, count] of Object.entries(report.byKey)) {
        if (inFlight.has(key)) expect(count, `POSTs of ${key}`).toBeLessThanOrEqual(2);
        else expect(count, `POSTs of ${key}`).toBe(1);
      }
      expect(
        report.invoices.map(({ submissionKey, invoiceNumber, customer, amount, currency, paid }) => ({
          submissionKey,
          invoiceNumber,
          customer,
          amount,
          currency,
          paid,
        })),
      ).toEqual(
        INVOICES.map((row, index) => ({
          submissionKey: `${runId}:${index}`,
          invoiceNumber: row.invoice_number,
          customer: row.customer,
          amount: Number(row.amount),
          currency: row.currency,
          paid: row.paid === 'yes',
        })),
      );
    }

    beforeAll(async () => {
      if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npm test builds; or npx tsc -b packages/cli)`);
      site = await startDemoSite({ port: 0, saveDelayMs: 200, onSubmission: (submission) => onSubmission(submission) });
      workDir = await mkdtemp(join(tmpdir(), 'casare-robot-crash-'));
      const robot = JSON.parse(await readFile(join(robotDir, 'invoice-robot.json'), 'utf8')) as { settings: Record<string, unknown> };
      robot.settings['checkpoint'] = checkpoint;
      await writeFile(join(workDir, 'invoice-robot.json'), JSON.stringify(robot));
      await writeFile(join(workDir, 'invoices.csv'), csvOf(INVOICES));
    });
    afterAll(async () => {
      await site?.close();
      if (workDir) await rm(workDir, { recursive: true, force: true });
      await dropSystemDatabase(databaseUrl).catch((error: unknown) => console.warn(`could not drop ${databaseUrl}: ${String(error)}`));
    });

    it('runs to completion without a crash, each invoice submitted once', { timeout: 180_000 }, async () => {
      const runId = `clean-${randomUUID()}`;
      const exit = await ended(casare(['run', 'invoice-robot.json', '--durability', 'dbos', '--run-id', runId, '--var', `base_url=${site.url}`, '--json']));
      expect(exit.code, exit.stderr).toBe(0);
      expect(JSON.parse(exit.stdout)).toMatchObject({ runId, status: 'succeeded' });
      expectSubmittedOnce(runId, new Set());
    });

    it('recovers after SIGKILL at every step boundary: each invoice submitted once per run id', { timeout: 60 * 60_000 }, async () => {
      const clean = `count-${randomUUID()}`;
      const exit = await ended(casare(['run', 'invoice-robot.json', '--durability', 'dbos', '--run-id', clean, '--var', `base_url=${site.url}`]));
      expect(exit.code, exit.stderr).toBe(0);
      const nodes = exit.stdout.split('\n').flatMap((line) => /^✓ (\S+)\s+\S+\s+completed/.exec(line)?.[1] ?? []);
      expect(nodes.length).toBeGreaterThan(20);
      // The run's steps: one per node, or about four per invoice when steps end at effects.
      const show = await ended(casare(['runs', 'show', clean, '--json']));
      const steps = (JSON.parse(show.stdout) as { steps: Array<{ kind: string }> }).steps.filter((step) => step.kind === 'step');
      if (checkpoint === 'every-node') expect(steps.length).toBe(nodes.length);
      else expect(steps.length).toBeLessThanOrEqual(6 + 5 * INVOICES.length);

      for (const killAfter of killPoints(nodes)) {
        const runId = `boundary-${killAfter}-${randomUUID()}`;
        const { completedBeforeKill } = await runAndKill(runId, killAfter);
        // The kill can land after the next step started: a submit then in flight may have posted already.
        const submittedBefore = completedBeforeKill.filter((node) => node === 'submit_invoice').length;
        const inFlight = new Set(Object.keys(site.submissions(`${runId}:`).byKey).filter((key) => Number(key.split(':').at(-1)) >= submittedBefore));

        const recovered = await recover();
        const status = recovered.find((run) => run.runId === runId)?.status ?? 'not pending';
        expect(status, `run killed after ${killAfter} nodes (${nodes[killAfter - 1]})`).toMatch(/succeeded|completed|not pending/);
        expectSubmittedOnce(runId, inFlight);
      }
    });

    it('recovers after SIGKILL inside the submit step: the resubmission reaches the site and is deduplicated', { timeout: 180_000 }, async () => {
      const runId = `submit-${randomUUID()}`;
      // No node count: the kill comes from the site, as the first invoice's POST arrives.
      await runAndKill(runId, undefined);
      expect(site.submissions(`${runId}:`)).toMatchObject({ raw: 1, unique: 1 });

      const recovered = await recover();
      expect(recovered.find((run) => run.runId === runId)?.status).toMatch(/succeeded|completed/);
      expectSubmittedOnce(runId, new Set([`${runId}:0`]));
      expect(site.submissions(`${runId}:`).byKey[`${runId}:0`]).toBe(2);
    });
  },
);
