import { controlKindOf, DEFAULT_MAX_ITERATIONS, isParallelStart, type ControlKind } from './control-flow.js';
import { RoutingError } from './errors.js';
import type { ExecutionState, Frame, LoopFrame, ParallelFrame, RetryFrame, TryFrame } from './execution-state.js';
import { normalizeJson, type Json, type JsonObject } from './json.js';
import type { NodeError, NodeOutcome } from './node-outcome.js';
import { EXEC_OUTPUT_PORT, type Workflow } from './workflow.js';

/** What routing tells the executor about the node about to run. */
export interface ControlContext {
  /** For loop starts: the iteration an execution now would enter (0 on first entry). */
  readonly iteration: number;
  /** For Catch and Finally nodes: the error of the enclosing Try block, if any. */
  readonly handlingError: NodeError | undefined;
  /** For a Join node: what its Fork's branches left (`results`, `branch_count`), once they ended. */
  readonly joined?: JsonObject | undefined;
}

/** One parallel branch of a Fork (a `branch_N` port) or of a ParallelForEach (one item). */
export interface ParallelBranch {
  /** `branch_1`, `branch_2`... for a Fork; the item's index for a ParallelForEach. */
  readonly label: string;
  /** The state the branch starts from: the run's, with the cursor at the branch's first nodes. */
  readonly state: ExecutionState;
}

/** What a Fork or ParallelForEach waiting for its branches asks of the executor. */
export interface ParallelPlan {
  /** The Fork or ParallelForEach node. */
  readonly nodeId: string;
  /** Its branches, in their fixed order (port number, item index). */
  readonly branches: readonly ParallelBranch[];
  /** How many branches may run at once (ParallelForEach `batch_size`; every branch of a Fork). */
  readonly concurrency: number;
  /** Start no more steps once a branch failed (`fail_fast`). */
  readonly failFast: boolean;
  /** Stop once a branch reached the Join (its `merge_strategy` is `first`). */
  readonly firstWins: boolean;
}

/** How one branch ended, handed back to `joinBranches`. */
export interface BranchRun {
  /** The branch's state when it ended (at the Join, at a dead end, or failed). */
  readonly state: ExecutionState;
  /** Every node outcome the branch folded, in order. */
  readonly outcomes: readonly { readonly nodeId: string; readonly outcome: NodeOutcome }[];
}

/** The routing-relevant part of a state while `next` builds the following one. */
interface Draft {
  status: ExecutionState['status'];
  error: NodeError | null;
  readonly cursor: string[];
  readonly frames: Frame[];
  /** Outputs by node id once the outcome is applied: which nodes have run. */
  readonly ran: ExecutionState['outputs'];
}

/**
 * Pure, synchronous routing of a workflow: which node runs next given the outcomes so far.
 * No I/O, no clock, no randomness: the same graph and outcomes always give the same path.
 *
 * The cursor is a stack (its last entry runs next). A loop or Try frame remembers the cursor depth it
 * opened at; when the cursor shrinks back to that depth the frame's scope is exhausted: a loop goes
 * back to its start, a Try moves on to its Finally and then its `exec_out`.
 */
export class ExecutionOrchestrator {
  private readonly kinds = new Map<string, ControlKind>();
  private readonly catchOfTry = new Map<string, string>();
  private readonly finallyOfTry = new Map<string, string>();
  private readonly pairedToTry = new Set<string>();
  private readonly joinOfFork = new Map<string, string>();
  private readonly forkOfJoin = new Map<string, string>();

  constructor(readonly workflow: Workflow) {
    for (const node of workflow.nodes.values()) this.kinds.set(node.id, controlKindOf(node.type));
    this.pairTryBlocks();
    this.pairForks();
  }

  /**
   * The nodes a run starts at, in file order: the Start nodes, or else every node no exec wire enters
   * (except Catch/Finally paired to a Try, and loop ends).
   */
  startNodes(): readonly string[] {
    const ids = [...this.workflow.nodes.keys()];
    const starts = ids.filter((id) => this.kindOf(id) === 'start');
    if (starts.length > 0) return starts;
    // A paired Catch/Finally has no exec input by design: only its Try may run it. A loop end without
    // input belongs to a body that dead-ends; starting it would re-run its loop after the fact.
    return ids.filter((id) => !this.workflow.hasExecInput(id) && !this.pairedToTry.has(id) && this.kindOf(id) !== 'loop-end' && !this.isFinal(id));
  }

  /**
   * A SubflowOutputNode no exec wire enters (v1 made it data-only): it runs once the rest of the run
   * is done, so the values wired into it are there; it returns them to the caller as variables.
   */
  private isFinal(nodeId: string): boolean {
    return this.kindOf(nodeId) === 'subflow-output' && !this.workflow.hasExecInput(nodeId);
  }

  /** Final nodes that have not run yet, in file order. */
  private pendingFinals(outputs: ExecutionState['outputs']): readonly string[] {
    return [...this.workflow.nodes.keys()].filter((id) => this.isFinal(id) && !Object.hasOwn(outputs, id));
  }

  /** The Catch node of a Try, if paired. */
  catchOf(tryId: string): string | undefined {
    return this.catchOfTry.get(tryId);
  }

  /** The Finally node of a Try, if paired. */
  finallyOf(tryId: string): string | undefined {
    return this.finallyOfTry.get(tryId);
  }

  /** The initial state of a run: declared variable defaults overlaid with `inputs`, cursor at the start nodes. */
  start(runId: string, inputs: Readonly<Record<string, Json>> = {}): ExecutionState {
    const defaults = Object.fromEntries([...this.workflow.variables].map(([name, declaration]) => [name, declaration.defaultValue]));
    const starts = this.startNodes();
    const cursor = [...(starts.length > 0 ? starts : this.pendingFinals({}))].reverse();
    return {
      runId,
      status: cursor.length > 0 ? 'running' : 'completed',
      cursor,
      variables: normalizeJson({ ...defaults, ...inputs }),
      outputs: {},
      frames: [],
      stepCount: 0,
      resources: {},
      logs: [],
      error: null,
    };
  }

  /**
   * The node that runs next, or undefined when the run is over (see `state.status`) or a Fork or
   * ParallelForEach waits for its branches (see `awaitingBranches`).
   */
  current(state: ExecutionState): string | undefined {
    if (state.status !== 'running' || this.awaitingBranches(state) !== undefined) return undefined;
    return state.cursor.at(-1);
  }

  /** The Fork or ParallelForEach whose branches must run (`parallelPlan`, then `joinBranches`) before anything else. */
  awaitingBranches(state: ExecutionState): string | undefined {
    const top = state.frames.at(-1);
    if (state.status !== 'running' || top?.kind !== 'parallel' || state.cursor.length > top.depth) return undefined;
    return top.nodeId;
  }

  /** The Join a Fork's branches end at: `paired_join_id`, a Join naming it in `paired_fork_id`, else the first Join its branches reach. */
  joinOf(forkId: string): string | undefined {
    return this.joinOfFork.get(forkId);
  }

  /**
   * The branches of the Fork or ParallelForEach that `awaitingBranches` names, read from the state
   * its handler's outcome left: a Fork runs every connected `branch_N` port, a ParallelForEach its
   * `body` once per item of its `items` output, `batch_size` at a time.
   */
  parallelPlan(state: ExecutionState): ParallelPlan {
    const nodeId = this.awaitingBranches(state);
    if (nodeId === undefined) throw new RoutingError(`run ${state.runId} has no parallel branches to run`, state.cursor.at(-1) ?? '');
    const outputs = state.outputs[nodeId] ?? {};
    const failFast = outputs['fail_fast'] === true;
    const branchState = (cursor: readonly string[], ownOutputs: JsonObject): ExecutionState => ({
      ...state,
      cursor: [...cursor].reverse(),
      frames: [],
      outputs: { ...state.outputs, [nodeId]: ownOutputs },
    });
    if (this.kindOf(nodeId) === 'fork') {
      const ports = this.workflow
        .connectedExecPorts(nodeId)
        .filter((port) => /^branch_[1-9][0-9]*$/.test(port))
        .sort((a, b) => Number(a.slice('branch_'.length)) - Number(b.slice('branch_'.length)));
      const branches = ports.map((port) => ({ label: port, state: branchState(this.workflow.execTargets(nodeId, port), outputs) }));
      const joinId = this.joinOfFork.get(nodeId);
      const firstWins = joinId !== undefined && this.workflow.node(joinId).config.merge_strategy === 'first';
      return { nodeId, branches, concurrency: Math.max(1, branches.length), failFast, firstWins };
    }
    const rawItems = outputs['items'];
    const items: readonly Json[] = Array.isArray(rawItems) ? (rawItems as readonly Json[]) : [];
    const body = this.workflow.execTargets(nodeId, 'body');
    const batch = outputs['batch_size'];
    const concurrency = typeof batch === 'number' && Number.isInteger(batch) && batch >= 1 ? batch : 1;
    const branches =
      body.length === 0
        ? []
        : items.map((item, index) => ({ label: String(index), state: branchState(body, { ...outputs, current_item: item, current_index: index }) }));
    return { nodeId, branches, concurrency, failFast, firstWins: false };
  }

  /**
   * The node a branch of `parallelId` runs next, or undefined when the branch has ended: its run
   * state ended, it reached its Fork's Join, or (ParallelForEach) it came back to its start.
   */
  branchCurrent(parallelId: string, branch: ExecutionState): string | undefined {
    const due = this.current(branch);
    if (due === undefined || this.endsBranch(parallelId, due)) return undefined;
    return due;
  }

  /** True when a branch ended at its Fork's Join (what a `first` Join waits for). */
  reachedJoin(parallelId: string, branch: ExecutionState): boolean {
    const due = branch.status === 'running' ? branch.cursor.at(-1) : undefined;
    return due !== undefined && due === this.joinOfFork.get(parallelId);
  }

  /**
   * Folds the branches' outcomes into the run's state in branch order (so a variable two branches
   * write keeps the later branch's value, whatever finished first), records what each left as the
   * parallel node's `results`, and routes on: a failed branch fails the parallel node (a Try around
   * it catches the error), else a Fork goes to its Join and a ParallelForEach to `completed`. Pure.
   */
  joinBranches(state: ExecutionState, runs: readonly BranchRun[]): ExecutionState {
    const nodeId = this.awaitingBranches(state);
    if (nodeId === undefined) throw new RoutingError(`run ${state.runId} has no parallel branches to join`, state.cursor.at(-1) ?? '');
    let folded = state;
    for (const run of runs) for (const { nodeId: ranId, outcome } of run.outcomes) folded = applyOutcome(folded, ranId, outcome);
    const isFork = this.kindOf(nodeId) === 'fork';
    const plan = this.parallelPlan(state);
    const results = runs.map((run) => branchResultOf(run));
    const ownOutputs = { ...(state.outputs[nodeId] ?? {}) };
    let joined: Json;
    if (isFork) {
      const winner = plan.firstWins ? runs.findIndex((run) => this.reachedJoin(nodeId, run.state)) : -1;
      const entries = runs.map((_, index) => [plan.branches[index]?.label ?? String(index), results[index] ?? null] as const);
      joined = Object.fromEntries(winner >= 0 ? [entries[winner]!] : entries);
    } else {
      joined = results;
    }
    const outputs = {
      ...folded.outputs,
      [nodeId]: normalizeJson({ ...ownOutputs, results: joined, branch_count: runs.filter((run) => run.state.status !== 'failed').length }),
    };
    const draft: Draft = {
      status: 'running',
      error: null,
      cursor: state.cursor.slice(0, (state.frames.at(-1) as ParallelFrame).depth),
      frames: state.frames.slice(0, -1),
      ran: outputs,
    };
    const failed = runs.find((run) => run.state.status === 'failed' && run.state.error !== null);
    if (failed?.state.error) this.fail(draft, nodeId, failed.state.error, false);
    else if (isFork) {
      const joinId = this.joinOfFork.get(nodeId);
      if (joinId !== undefined && runs.some((run) => this.reachedJoin(nodeId, run.state))) draft.cursor.push(joinId);
    } else this.follow(draft, nodeId, ['completed']);
    this.settle(draft);
    this.complete(draft);
    return { ...folded, outputs, status: draft.status, error: draft.error, cursor: draft.cursor, frames: draft.frames };
  }

  /** What the node about to run needs from the routing state (loop iteration, handled error). */
  controlContext(state: ExecutionState, nodeId: string): ControlContext {
    const top = state.frames.at(-1);
    const kind = this.kindOf(nodeId);
    let iteration = top?.kind === 'loop' && top.nodeId === nodeId ? top.iteration + 1 : 0;
    let handlingError: NodeError | undefined;
    if (top?.kind === 'try' && top.error) {
      if (kind === 'catch' && this.catchOfTry.get(top.nodeId) === nodeId) handlingError = top.error;
      if (kind === 'finally' && this.finallyOfTry.get(top.nodeId) === nodeId) handlingError = top.error;
      if (kind === 'on-error' && top.nodeId === nodeId) handlingError = top.error;
    }
    // A Retry node learns the attempts made so far (its iteration) and why the last one failed.
    if (kind === 'retry' && top?.kind === 'retry' && top.nodeId === nodeId) {
      iteration = top.attempt;
      handlingError = top.error ?? undefined;
    }
    const forkId = kind === 'join' ? this.forkOfJoin.get(nodeId) : undefined;
    const forkOutputs = forkId === undefined ? undefined : state.outputs[forkId];
    const joined =
      forkOutputs && 'results' in forkOutputs ? { results: forkOutputs['results'] ?? null, branch_count: forkOutputs['branch_count'] ?? 0 } : undefined;
    return { iteration, handlingError, joined };
  }

  /** Folds `outcome` of `nodeId` into the state and routes to the next node. Pure. */
  next(state: ExecutionState, nodeId: string, outcome: NodeOutcome): ExecutionState {
    if (state.status !== 'running') throw new RoutingError(`run ${state.runId} is ${state.status}: no node may run`, nodeId);
    const due = state.cursor.at(-1);
    if (due !== nodeId) throw new RoutingError(`node "${nodeId}" reported, but "${String(due)}" is due to run`, nodeId);
    const applied = applyOutcome(state, nodeId, outcome);
    const draft: Draft = { status: 'running', error: null, cursor: state.cursor.slice(0, -1), frames: [...state.frames], ran: applied.outputs };
    if (outcome.error) {
      // A Retry node's own failure (attempts spent) ends its block: it is no failed attempt of its body.
      const top = draft.frames.at(-1);
      if (top?.kind === 'retry' && top.nodeId === nodeId) draft.frames.pop();
      this.fail(draft, nodeId, outcome.error, false);
    } else this.route(draft, nodeId, outcome);
    this.settle(draft);
    this.complete(draft);
    return { ...applied, status: draft.status, error: draft.error, cursor: draft.cursor, frames: draft.frames };
  }

  /** A run with nothing left to run completes, once its SubflowOutput nodes returned their values. */
  private complete(draft: Draft): void {
    if (draft.status !== 'running' || draft.cursor.length > 0 || draft.frames.length > 0) return;
    const finals = this.pendingFinals(draft.ran);
    if (finals.length > 0) this.push(draft, finals);
    else draft.status = 'completed';
  }

  private kindOf(nodeId: string): ControlKind {
    return this.kinds.get(nodeId) ?? 'action';
  }

  /** Try-side pairing first (`paired_catch_id`/`paired_finally_id`), then Catch/Finally-side `paired_try_id`. */
  private pairTryBlocks(): void {
    const nodes = this.workflow.nodes;
    const claim = (tryId: string, memberId: unknown, kind: 'catch' | 'finally'): void => {
      const pairs = kind === 'catch' ? this.catchOfTry : this.finallyOfTry;
      if (typeof memberId !== 'string' || this.kindOf(memberId) !== kind || this.kindOf(tryId) !== 'try') return;
      if (pairs.has(tryId) || this.pairedToTry.has(memberId)) return;
      pairs.set(tryId, memberId);
      this.pairedToTry.add(memberId);
    };
    for (const node of nodes.values()) {
      if (this.kindOf(node.id) !== 'try') continue;
      claim(node.id, node.config.paired_catch_id, 'catch');
      claim(node.id, node.config.paired_finally_id, 'finally');
    }
    // An OnError node is its own Catch (port `on_error`) and Finally (port `finally`).
    for (const node of nodes.values()) {
      if (this.kindOf(node.id) !== 'on-error') continue;
      if (this.workflow.hasExecOutput(node.id, 'on_error')) this.catchOfTry.set(node.id, node.id);
      if (this.workflow.hasExecOutput(node.id, 'finally')) this.finallyOfTry.set(node.id, node.id);
    }
    for (const node of nodes.values()) {
      const kind = this.kindOf(node.id);
      const tryId = node.config.paired_try_id;
      if ((kind === 'catch' || kind === 'finally') && typeof tryId === 'string') claim(tryId, node.id, kind);
    }
  }

  /** Fork-side pairing (`paired_join_id`), then Join-side `paired_fork_id`, then the first Join a Fork's branches reach. */
  private pairForks(): void {
    const nodes = this.workflow.nodes;
    const pair = (forkId: string, joinId: unknown): void => {
      if (typeof joinId !== 'string' || this.kindOf(joinId) !== 'join' || this.kindOf(forkId) !== 'fork') return;
      if (this.joinOfFork.has(forkId) || this.forkOfJoin.has(joinId)) return;
      this.joinOfFork.set(forkId, joinId);
      this.forkOfJoin.set(joinId, forkId);
    };
    for (const node of nodes.values()) if (this.kindOf(node.id) === 'fork') pair(node.id, node.config.paired_join_id);
    for (const node of nodes.values())
      if (this.kindOf(node.id) === 'join') pair(typeof node.config.paired_fork_id === 'string' ? node.config.paired_fork_id : '', node.id);
    for (const node of nodes.values()) if (this.kindOf(node.id) === 'fork' && !this.joinOfFork.has(node.id)) pair(node.id, this.firstJoinAfter(node.id));
  }

  /** The first Join reached from a Fork's branch ports, breadth first in port and file order. */
  private firstJoinAfter(forkId: string): string | undefined {
    const seen = new Set<string>([forkId]);
    const queue = this.workflow.connectedExecPorts(forkId).flatMap((port) => this.workflow.execTargets(forkId, port));
    for (let index = 0; index < queue.length; index++) {
      const id = queue[index]!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (this.kindOf(id) === 'join') return id;
      for (const port of this.workflow.connectedExecPorts(id)) queue.push(...this.workflow.execTargets(id, port));
    }
    return undefined;
  }

  private endsBranch(parallelId: string, due: string): boolean {
    if (this.kindOf(parallelId) === 'fork') return due === this.joinOfFork.get(parallelId);
    if (due === parallelId) return true;
    return this.kindOf(due) === 'loop-end' && this.workflow.node(due).config.paired_start_id === parallelId;
  }

  private route(draft: Draft, nodeId: string, outcome: NodeOutcome): void {
    const { cursor, frames } = draft;
    const top = frames.at(-1);
    const kind = this.kindOf(nodeId);
    if (isParallelStart(kind)) {
      // The branches run beside the cursor (the executor asks `parallelPlan`); `joinBranches` closes the frame.
      frames.push({ kind: 'parallel', nodeId, depth: cursor.length });
      return;
    }
    switch (kind) {
      case 'end': {
        cursor.length = 0;
        frames.length = 0;
        // The run ends here, once its SubflowOutput nodes returned their values.
        const finals = this.pendingFinals(draft.ran);
        if (finals.length > 0) this.push(draft, finals);
        else draft.status = 'completed';
        return;
      }
      case 'for-loop-start':
      case 'while-loop-start':
        return this.routeLoopStart(draft, nodeId, outcome);
      case 'loop-end': {
        // Inside its loop a loop end ends the iteration: the scope exhausts and loops back. Reached
        // from outside (no open frame) it jumps to its start.
        const startId = this.workflow.node(nodeId).config.paired_start_id;
        if (typeof startId !== 'string' || frames.some((frame) => frame.kind === 'loop' && frame.nodeId === startId)) return;
        if (this.workflow.nodes.has(startId)) cursor.push(startId);
        return;
      }
      case 'break': {
        const index = innermostLoop(frames);
        if (index < 0) return this.follow(draft, nodeId, outcome.ports);
        const loop = frames[index] as LoopFrame;
        cursor.length = loop.depth;
        frames.length = index;
        return this.push(draft, this.workflow.execTargets(loop.nodeId, 'completed'));
      }
      case 'continue': {
        const index = innermostLoop(frames);
        if (index < 0) return this.follow(draft, nodeId, outcome.ports);
        const loop = frames[index] as LoopFrame;
        cursor.length = loop.depth;
        frames.length = index + 1;
        cursor.push(loop.nodeId);
        return;
      }
      case 'on-error': {
        // Run again by its own frame: in the catch phase it routes to `on_error`, in the finally phase to `finally`.
        if (top?.kind === 'try' && top.nodeId === nodeId && top.phase !== 'body') {
          return this.push(draft, this.workflow.execTargets(nodeId, top.phase === 'catch' ? 'on_error' : 'finally'));
        }
        const body = this.workflow.hasExecOutput(nodeId, 'protected_body') ? 'protected_body' : EXEC_OUTPUT_PORT;
        frames.push({ kind: 'try', nodeId, phase: 'body', depth: cursor.length, error: null, handled: false });
        return this.push(draft, this.workflow.execTargets(nodeId, body));
      }
      case 'retry':
        return this.routeRetry(draft, nodeId, outcome);
      case 'retry-success':
      case 'retry-fail': {
        const index = frames.findLastIndex((frame) => frame.kind === 'retry');
        if (index < 0) return this.follow(draft, nodeId, outcome.ports);
        const frame = frames[index] as RetryFrame;
        cursor.length = frame.depth;
        if (this.kindOf(nodeId) === 'retry-success') {
          frames.length = index;
          return this.follow(draft, frame.nodeId, [...this.successPortsOf(frame.nodeId)]);
        }
        frames.length = index + 1;
        const message = typeof outcome.outputs['error_message'] === 'string' ? outcome.outputs['error_message'] : 'Operation failed';
        frames[index] = { ...frame, error: { nodeId, code: 'RETRY_FAILED', message, type: 'RetryFail', attempts: frame.attempt } };
        cursor.push(frame.nodeId);
        return;
      }
      case 'try': {
        const body = this.workflow.hasExecOutput(nodeId, 'try_body') ? 'try_body' : EXEC_OUTPUT_PORT;
        frames.push({ kind: 'try', nodeId, phase: 'body', depth: cursor.length, error: null, handled: false });
        return this.push(draft, this.workflow.execTargets(nodeId, body));
      }
      case 'catch':
        if (top?.kind === 'try' && top.phase === 'catch' && this.catchOfTry.get(top.nodeId) === nodeId) {
          return this.push(draft, this.blockBody(nodeId, 'catch_body'));
        }
        return this.follow(draft, nodeId, outcome.ports);
      case 'finally':
        if (top?.kind === 'try' && this.finallyOfTry.get(top.nodeId) === nodeId) {
          // Reached by plain flow (a v1 file chaining Try -> ... -> Finally) the finally phase starts
          // here, so the exhausted block does not run Finally a second time.
          if (top.phase !== 'finally') frames[frames.length - 1] = { ...top, phase: 'finally' };
          return this.push(draft, this.blockBody(nodeId, 'finally_body'));
        }
        return this.follow(draft, nodeId, outcome.ports);
      default:
        return this.follow(draft, nodeId, outcome.ports);
    }
  }

  /**
   * A Retry node's outcome chose `retry_body` (an attempt: its handler asked the runner for the
   * backoff sleep first) or `failed` (attempts used up). Without a connected body it succeeds at once.
   */
  private routeRetry(draft: Draft, nodeId: string, outcome: NodeOutcome): void {
    const { cursor, frames } = draft;
    const top = frames.at(-1);
    const open = top?.kind === 'retry' && top.nodeId === nodeId ? top : undefined;
    const ports = outcome.ports ?? [EXEC_OUTPUT_PORT];
    if (ports.includes('retry_body') && this.workflow.hasExecOutput(nodeId, 'retry_body')) {
      const attempt = outcome.iteration ?? (open ? open.attempt + 1 : 1);
      if (open) frames[frames.length - 1] = { ...open, attempt };
      else frames.push({ kind: 'retry', nodeId, attempt, depth: cursor.length, error: null });
      return this.push(draft, this.workflow.execTargets(nodeId, 'retry_body'));
    }
    if (open) frames.pop();
    this.follow(draft, nodeId, ports.includes('retry_body') ? [...this.successPortsOf(nodeId)] : ports);
  }

  /** Where a Retry goes on success: `success`, and `exec_out` too (v1 files chain it from there). */
  private successPortsOf(retryId: string): readonly string[] {
    return ['success', EXEC_OUTPUT_PORT].filter((port) => this.workflow.hasExecOutput(retryId, port));
  }

  private routeLoopStart(draft: Draft, nodeId: string, outcome: NodeOutcome): void {
    const { cursor, frames } = draft;
    const top = frames.at(-1);
    const open = top?.kind === 'loop' && top.nodeId === nodeId ? top : undefined;
    const ports = outcome.ports ?? [EXEC_OUTPUT_PORT];
    const iteration = outcome.iteration ?? (open ? open.iteration + 1 : 0);
    if (ports.includes('body') && iteration < this.iterationCap(nodeId)) {
      if (open) frames[frames.length - 1] = { ...open, iteration };
      else frames.push({ kind: 'loop', nodeId, iteration, depth: cursor.length });
      return this.push(draft, this.workflow.execTargets(nodeId, 'body'));
    }
    if (open) frames.pop();
    const exits = ports.includes('body') ? ['completed'] : ports;
    this.follow(draft, nodeId, exits);
  }

  /** A While loop stops at `max_iterations` (default 1,000) even if its handler asks for more. */
  private iterationCap(nodeId: string): number {
    if (this.kindOf(nodeId) !== 'while-loop-start') return Number.POSITIVE_INFINITY;
    const max = this.workflow.node(nodeId).config.max_iterations;
    if (max === undefined || max === null) return DEFAULT_MAX_ITERATIONS;
    // A template is resolved at run time: its handler enforces it.
    return typeof max === 'number' ? max : Number.POSITIVE_INFINITY;
  }

  /** Targets of a Catch/Finally body: its dedicated port when connected, else `exec_out`. */
  private blockBody(nodeId: string, port: string): readonly string[] {
    return this.workflow.execTargets(nodeId, this.workflow.hasExecOutput(nodeId, port) ? port : EXEC_OUTPUT_PORT);
  }

  /** Closes exhausted scopes: loops go back to their start, Try blocks move to Finally and beyond. */
  private settle(draft: Draft): void {
    const { cursor, frames } = draft;
    while (draft.status === 'running') {
      const top = frames.at(-1);
      if (!top || cursor.length > top.depth) return;
      // Waiting for its branches: `joinBranches` goes on from here.
      if (top.kind === 'parallel') return;
      // A retry body that ran out without RetrySuccess or RetryFail succeeded.
      if (top.kind === 'retry') {
        frames.pop();
        this.follow(draft, top.nodeId, [...this.successPortsOf(top.nodeId)]);
        continue;
      }
      if (top.kind === 'loop') {
        cursor.push(top.nodeId);
        return;
      }
      const finallyId = this.finallyOfTry.get(top.nodeId);
      if (top.phase !== 'finally' && finallyId) {
        frames[frames.length - 1] = { ...top, phase: 'finally' };
        cursor.push(finallyId);
        return;
      }
      frames.pop();
      if (top.error && !top.handled) {
        this.fail(draft, top.nodeId, top.error, true);
        continue;
      }
      const bodyPort = this.kindOf(top.nodeId) === 'on-error' ? 'protected_body' : 'try_body';
      if (this.workflow.hasExecOutput(top.nodeId, bodyPort)) this.push(draft, this.workflow.execTargets(top.nodeId, EXEC_OUTPUT_PORT));
    }
  }

  /**
   * Routes a failure: to the innermost Try that can still handle it (Catch, else Finally then
   * rethrow), else the run fails, unless `stop_on_error` is false.
   */
  private fail(draft: Draft, nodeId: string, error: NodeError, rethrown: boolean): void {
    const { cursor, frames } = draft;
    let unwound = rethrown;
    for (let index = innermostHandler(frames); index >= 0; index = innermostHandler(frames)) {
      const handler = frames[index] as TryFrame | RetryFrame;
      cursor.length = handler.depth;
      frames.length = index + 1;
      unwound = true;
      if (handler.kind === 'retry') {
        // A failure inside a retry body is a failed attempt: the Retry node decides what follows.
        frames[index] = { ...handler, error };
        cursor.push(handler.nodeId);
        return;
      }
      const frame = handler;
      const catchId = this.catchOfTry.get(frame.nodeId);
      const finallyId = this.finallyOfTry.get(frame.nodeId);
      if (frame.phase === 'body' && catchId) {
        frames[index] = { ...frame, phase: 'catch', error, handled: true };
        cursor.push(catchId);
        return;
      }
      if (frame.phase !== 'finally' && finallyId) {
        frames[index] = { ...frame, phase: 'finally', error, handled: false };
        cursor.push(finallyId);
        return;
      }
      frames.length = index;
    }
    if (this.workflow.settings.stopOnError) {
      draft.status = 'failed';
      draft.error = error;
      cursor.length = 0;
      frames.length = 0;
      return;
    }
    // stop_on_error false: a failure outside any Try continues on the node's exec_out; one that
    // escaped a Try block lets the enclosing scope go on.
    if (!unwound) this.follow(draft, nodeId, [EXEC_OUTPUT_PORT]);
  }

  /** Pushes the targets of every chosen port (default `exec_out`), first target running first. */
  private follow(draft: Draft, nodeId: string, ports: readonly string[] | undefined): void {
    this.push(
      draft,
      (ports ?? [EXEC_OUTPUT_PORT]).flatMap((port) => this.workflow.execTargets(nodeId, port)),
    );
  }

  private push(draft: Draft, targets: readonly string[]): void {
    for (let index = targets.length - 1; index >= 0; index--) draft.cursor.push(targets[index]!);
  }
}

function innermostLoop(frames: readonly Frame[]): number {
  return frames.findLastIndex((frame) => frame.kind === 'loop');
}

/** The innermost frame that handles a failure: a Try (or OnError) block or a Retry block. */
function innermostHandler(frames: readonly Frame[]): number {
  return frames.findLastIndex((frame) => frame.kind === 'try' || frame.kind === 'retry');
}

/** What one branch left: the variables it wrote, the outputs of its last node, its error message. */
function branchResultOf(run: BranchRun): JsonObject {
  // A Map, then Object.fromEntries: any key (even `__proto__`) stays a plain own key.
  const variables = new Map<string, Json>();
  for (const { outcome } of run.outcomes) for (const [name, value] of Object.entries(outcome.variables ?? {})) variables.set(name, value);
  const last = run.outcomes.at(-1);
  const result: JsonObject = { variables: Object.fromEntries(variables), outputs: last?.outcome.outputs ?? {}, error: run.state.error?.message ?? null };
  return normalizeJson(result);
}

/** Folds what one node changed into the state (outputs, variables, resources, logs, step count). Pure. */
export function applyOutcome(state: ExecutionState, nodeId: string, outcome: NodeOutcome): ExecutionState {
  return {
    ...state,
    outputs: { ...state.outputs, [nodeId]: normalizeJson(outcome.outputs) },
    variables: outcome.variables ? { ...state.variables, ...normalizeJson(outcome.variables) } : state.variables,
    resources: outcome.resources ? mergeResources(state.resources, normalizeJson(outcome.resources)) : state.resources,
    logs: outcome.logs && outcome.logs.length > 0 ? [...state.logs, ...outcome.logs] : state.logs,
    stepCount: state.stepCount + 1,
  };
}

function mergeResources(current: JsonObject, changes: JsonObject): JsonObject {
  // Object.fromEntries defines properties (no setter runs), so any key stays a plain own key.
  const merged = new Map(Object.entries(current));
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) merged.delete(key);
    else merged.set(key, value);
  }
  return Object.fromEntries(merged);
}
