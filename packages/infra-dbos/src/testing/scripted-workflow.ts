import { appendFileSync } from 'node:fs';
import type { DurableContext, DurableRunner } from '@casare-rpa/application';

/** Name the scripted workflow registers under. */
export const SCRIPTED_WORKFLOW = 'casare.test.scripted';

/** Where a scripted child process kills itself with SIGKILL. */
export interface ScriptedKill {
  /** Index in `nodes` of the node concerned. */
  readonly node: number;
  /**
   * `before-step`: in the body, before the node's step starts; `after-effect`: inside the step,
   * after its side effect (the ledger line), before DBOS records it; `after-step`: after DBOS
   * recorded the step, before the next one starts.
   */
  readonly phase: 'before-step' | 'after-effect' | 'after-step';
}

/** Input of the scripted workflow: a straight line of nodes, each one durable step. */
export type ScriptedInput = {
  /** Node ids, in order; each becomes one step named by it. */
  readonly nodes: readonly string[];
  /** Extra bytes carried in the input (shows that checkpoints do not copy it). */
  readonly payload?: string;
};

/** The state the body folds from outcomes: what "state restored exactly" compares. */
export type ScriptedState = {
  readonly visited: readonly string[];
  readonly total: number;
  readonly keys: readonly string[];
  readonly payloadLength: number;
};

/** One line of the ledger a scripted step appends before it returns. */
export interface ScriptedLedgerEntry {
  readonly key: string;
  readonly node: string;
  readonly index: number;
  readonly attempt: number;
  readonly pid: number;
  /** ms since the epoch when the step body ran. */
  readonly at: number;
  /** ms since the epoch when the process that ran it started. */
  readonly processStartedAt: number;
}

/** Process-level hooks of the scripted workflow (where to log effects, where to die). */
export interface ScriptedHooks {
  readonly ledgerPath: string;
  readonly kill: ScriptedKill | undefined;
  /** Rename of `nodes[1]` to simulate a changed workflow, for nondeterminism tests. */
  readonly renameSecondNodeTo: string | undefined;
}

/**
 * Registers a workflow that runs each node as one step whose outcome is a small delta, folds the
 * outcomes into its state, and can kill its process at a chosen point: the crash tests' subject.
 */
export function registerScriptedWorkflow(runner: DurableRunner, hooks: ScriptedHooks): void {
  const die = (): never => {
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable: SIGKILL was sent');
  };
  runner.register<ScriptedInput, ScriptedState>(SCRIPTED_WORKFLOW, async (ctx: DurableContext, input) => {
    let state: ScriptedState = { visited: [], total: 0, keys: [], payloadLength: input.payload?.length ?? 0 };
    for (const [position, declared] of input.nodes.entries()) {
      const node = position === 1 && hooks.renameSecondNodeTo !== undefined ? hooks.renameSecondNodeTo : declared;
      const killHere = hooks.kill?.node === position ? hooks.kill.phase : undefined;
      if (killHere === 'before-step') die();
      const outcome = await ctx.step(node, (attempt) => {
        const key = `${ctx.runId}:${attempt.index}`;
        const entry: ScriptedLedgerEntry = {
          key,
          node,
          index: attempt.index,
          attempt: attempt.attempt,
          pid: process.pid,
          at: Date.now(),
          processStartedAt: Math.round(performance.timeOrigin),
        };
        appendFileSync(hooks.ledgerPath, `${JSON.stringify(entry)}\n`);
        if (killHere === 'after-effect') die();
        return Promise.resolve({ node, add: position + 1, key });
      });
      if (killHere === 'after-step') die();
      state = { ...state, visited: [...state.visited, outcome.node], total: state.total + outcome.add, keys: [...state.keys, outcome.key] };
    }
    return state;
  });
}
