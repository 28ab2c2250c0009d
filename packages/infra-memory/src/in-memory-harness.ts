import { runIncarnation } from '@casare-rpa/testkit';
import type { DurableRunnerHarness, IncarnationReport, IncarnationRequest, RunnerSession, StoreSnapshot } from '@casare-rpa/testkit';
import { stepRecordOf, type DurableRunner } from '@casare-rpa/application';
import { VirtualClock } from './clock.js';
import { InMemoryDurableRunner } from './in-memory-durable-runner.js';
import { InMemoryJournal } from './in-memory-journal.js';

interface Store {
  readonly journal: InMemoryJournal;
  readonly clock: VirtualClock;
}

/**
 * Runs the durable-runner contract on `InMemoryDurableRunner`. An incarnation is a runner over the
 * scenario's journal; a crash drops it dead where the test nodes say (before or after a node's
 * effect, after its step's record), and the next incarnation is a new runner over the same journal. Time is virtual,
 * so hour-long sleeps and retry backoff cost nothing.
 */
export class InMemoryHarness implements DurableRunnerHarness {
  readonly timing = { retryIntervalMs: 1000, sleepMs: 3_600_000 };
  readonly defaultNumRuns = 300;
  private readonly stores = new Map<string, Store>();

  runIncarnation(request: IncarnationRequest): Promise<IncarnationReport> {
    const store = this.storeOf(request.storeId);
    let runner: InMemoryDurableRunner | undefined;
    return runIncarnation(request, {
      // The test nodes count attempts and stop once dead, as in a real process: a crash can fall
      // between two nodes of one step, not only between steps.
      crashSource: 'nodes',
      createRunner: () => (runner = new InMemoryDurableRunner({ journal: store.journal, clock: store.clock })),
      die: () => runner?.crash(),
    });
  }

  inspect(storeId: string, runId: string): Promise<StoreSnapshot> {
    const { journal } = this.storeOf(storeId);
    return Promise.resolve({ steps: journal.steps(runId).map(stepRecordOf), persistedText: journal.dump(runId) });
  }

  disposeStore(storeId: string): Promise<void> {
    this.stores.delete(storeId);
    return Promise.resolve();
  }

  async openSession(setup: (runner: DurableRunner) => void): Promise<RunnerSession> {
    const session = new InMemorySession(setup);
    await session.launch();
    return session;
  }

  private storeOf(storeId: string): Store {
    let store = this.stores.get(storeId);
    if (!store) this.stores.set(storeId, (store = { journal: new InMemoryJournal(), clock: new VirtualClock() }));
    return store;
  }
}

/** A session on a manual virtual clock: time moves when a test settles a promise or restarts. */
class InMemorySession implements RunnerSession {
  private readonly journal = new InMemoryJournal();
  private readonly clock = new VirtualClock({ autoAdvance: false });
  private current: InMemoryDurableRunner;

  constructor(private readonly setup: (runner: DurableRunner) => void) {
    this.current = this.build();
  }

  get runner(): DurableRunner {
    return this.current;
  }

  launch(): Promise<void> {
    return this.current.launch();
  }

  now(): number {
    return this.clock.now();
  }

  async settle<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    // Let queued work run; only when nothing is left and the promise still waits does time jump
    // to the next wake-up.
    for (let turns = 0; !done; turns++) {
      if (turns > 1_000_000) throw new Error('settle: the promise never settled and nothing is sleeping');
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.clock.nextWakeAt();
      if (!done && next !== undefined) this.clock.advanceTo(next);
    }
    return promise;
  }

  async restart(options: { readonly downtimeMs?: number } = {}): Promise<void> {
    this.current.crash();
    this.clock.advance(options.downtimeMs ?? 0);
    this.current = this.build();
    await this.current.launch();
  }

  close(): Promise<void> {
    return this.current.shutdown();
  }

  private build(): InMemoryDurableRunner {
    const runner = new InMemoryDurableRunner({ journal: this.journal, clock: this.clock });
    this.setup(runner);
    return runner;
  }
}
