import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExecuteWorkflowUseCase, type RunResult, type SecretProvider } from '@casare-rpa/application';
import { requireExternalService } from '@casare-rpa/testkit';
import type { Json } from '@casare-rpa/domain';
import { InMemoryDurableRunner, InMemoryJournal, type StepPhase } from '@casare-rpa/infra-memory';
import { DEFAULT_CHROMIUM_PATH, PlaywrightBrowserSessions, browserNodeHandlers, createNodeCatalog, parseCsv, readCsvNode } from '@casare-rpa/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startDemoSite, type DemoSite } from '../src/demo-site/index.js';

// The invoice robot in one process: the in-memory runner crashes at a chosen step point, the
// browser goes with it (as with a real crash), and a new runner over the same journal, with a new
// sessions object, recovers the run. Its pages come back from the recorded hints.

const here = dirname(fileURLToPath(import.meta.url));
const robotDir = join(here, '..', '..', '..', 'examples', 'invoice-robot');
const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

const secrets: SecretProvider = { loadSecret: (name) => Promise.resolve(name === 'DEMO_PASSWORD' ? DEMO_PASSWORD : undefined) };

/** Where the first process dies: the `nth` time step `node` reaches `phase`. */
interface CrashAt {
  readonly node: string;
  readonly phase: StepPhase;
  readonly nth: number;
}

/** One process of the robot: its own browser sessions, catalog, use case and runner over a shared journal. */
class RobotProcess {
  readonly sessions = new PlaywrightBrowserSessions({ secrets });
  readonly useCase: ExecuteWorkflowUseCase;
  readonly runner: InMemoryDurableRunner;

  constructor(journal: InMemoryJournal, crashAt?: CrashAt) {
    const catalog = createNodeCatalog([...browserNodeHandlers({ sessions: this.sessions, secrets }), readCsvNode], [this.sessions]);
    this.useCase = new ExecuteWorkflowUseCase(catalog, { emit: () => undefined }, secrets);
    let seen = 0;
    this.runner = new InMemoryDurableRunner({
      journal,
      onStepPoint: (point, runner) => {
        if (crashAt && point.name === crashAt.node && point.phase === crashAt.phase && ++seen === crashAt.nth) runner.crash();
      },
    });
    this.useCase.registerWith(this.runner);
  }

  /** The process dies: the runner stops dead and its Chromium is gone with it. */
  async die(): Promise<void> {
    await this.runner.stopped;
    await this.sessions.closeAll();
  }
}

describe.skipIf(!hasChromium)('invoice robot recovers its browser after a crash (in-memory runner)', () => {
  let site: DemoSite;
  let workDir: string;
  let document: Json;
  let rows: string[][];
  const processes: RobotProcess[] = [];

  beforeAll(async () => {
    site = await startDemoSite({ port: 0 });
    workDir = await mkdtemp(join(tmpdir(), 'casare-robot-'));
    await copyFile(join(robotDir, 'invoices.csv'), join(workDir, 'invoices.csv'));
    // A step per node, so a crash can fall between two field fills: the hints must restore the
    // fills recorded before it. Steps that end at effects are SIGKILLed in invoice-robot-crash.
    const robot = JSON.parse(await readFile(join(robotDir, 'invoice-robot.json'), 'utf8')) as { settings: Record<string, Json> };
    robot.settings['checkpoint'] = 'every-node';
    document = robot;
    rows = parseCsv(await readFile(join(robotDir, 'invoices.csv'), 'utf8')).slice(1);
  });
  afterAll(async () => {
    for (const process of processes) {
      await process.runner.shutdown().catch(() => undefined);
      await process.sessions.closeAll();
    }
    await site?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  function startProcess(journal: InMemoryJournal, crashAt?: CrashAt): RobotProcess {
    const robot = new RobotProcess(journal, crashAt);
    processes.push(robot);
    return robot;
  }

  /** Runs the robot, crashing at `crashAt`, then recovers it in a new process; returns the recovered result. */
  async function runCrashAndRecover(runId: string, crashAt: CrashAt): Promise<RunResult> {
    const journal = new InMemoryJournal();
    const first = startProcess(journal, crashAt);
    await first.runner.launch();
    await first.useCase.start(first.runner, { document, inputs: { base_url: site.url }, workingDirectory: workDir }, { runId });
    await first.die();

    const second = startProcess(journal);
    await second.runner.launch();
    const result = await second.runner.handle<RunResult>(runId).result();
    await second.runner.shutdown();
    return result;
  }

  /** The site saved every CSV row once for this run, with the row's data: form state survived the crash. */
  function expectEveryRowSavedOnce(runId: string): void {
    const report = site.submissions(`${runId}:`);
    expect(report.unique).toBe(rows.length);
    expect(
      report.invoices.map((invoice) => [
        invoice.submissionKey,
        invoice.invoiceNumber,
        invoice.customer,
        invoice.amount.toFixed(2),
        invoice.currency,
        invoice.paid,
      ]),
    ).toEqual(rows.map(([number, customer, amount, currency, paid], index) => [`${runId}:${index}`, number, customer, amount, currency, paid === 'yes']));
  }

  it('enters every invoice of the CSV without a crash', async () => {
    const journal = new InMemoryJournal();
    const robot = startProcess(journal);
    await robot.runner.launch();
    const handle = await robot.useCase.start(robot.runner, { document, inputs: { base_url: site.url }, workingDirectory: workDir }, { runId: 'robot-clean' });
    const result = await handle.result();
    await robot.runner.shutdown();

    expect(result.status).toBe('completed');
    expect(result.logs.at(-1)).toBe(`Entered ${rows.length} invoices from invoices.csv`);
    expect(site.submissions('robot-clean:')).toMatchObject({ raw: rows.length, unique: rows.length });
    expectEveryRowSavedOnce('robot-clean');
    // The password was typed from {{$secret:DEMO_PASSWORD}}: the journal never saw its value.
    expect(JSON.stringify(journal)).not.toContain(DEMO_PASSWORD);
  });

  it('restores a half-filled form after a crash between two fields, so the submit saves the same invoice', async () => {
    const result = await runCrashAndRecover('robot-mid-form', { node: 'fill_amount', phase: 'after-record', nth: 2 });

    expect(result.status).toBe('completed');
    expect(site.submissions('robot-mid-form:')).toMatchObject({ raw: rows.length, unique: rows.length });
    expectEveryRowSavedOnce('robot-mid-form');
  });

  it('signs in again from the recorded cookies after a crash right after signing in', async () => {
    const result = await runCrashAndRecover('robot-after-login', { node: 'click_sign_in', phase: 'after-record', nth: 1 });

    expect(result.status).toBe('completed');
    expectEveryRowSavedOnce('robot-after-login');
  });

  it('resubmits the same form after a crash inside the submit step; the site deduplicates it', async () => {
    const result = await runCrashAndRecover('robot-in-submit', { node: 'submit_invoice', phase: 'after-body', nth: 3 });

    expect(result.status).toBe('completed');
    const report = site.submissions('robot-in-submit:');
    expect(report.raw).toBe(rows.length + 1);
    expect(report.byKey['robot-in-submit:2']).toBe(2);
    expectEveryRowSavedOnce('robot-in-submit');
  });
});
