import fc from 'fast-check';
import { workflowDoc, type WorkflowDocBuilder } from '@casare-rpa/domain/testing';
import type { CheckpointMode, Json, JsonObject } from '@casare-rpa/domain';
import type { NodeEffect } from '@casare-rpa/application';
import { CRASH_PHASES, type CrashPoint, type Scenario } from './harness.js';

/*
 * Random valid workflows for the contract properties. A small structured program (blocks of
 * statements: actions, If/Merge, For and While loops with Break/Continue, Try/Catch/Finally, waits,
 * secret use) is generated first, then compiled into a v1 document with the domain's builder, so
 * every generated graph is well formed and terminates.
 */

/** A condition on the two counters every generated workflow declares. */
export interface Condition {
  readonly variable: 'a' | 'b';
  readonly operator: '<' | '>=' | 'odd';
  readonly value: number;
}

/** One statement of a generated program. */
export type Statement =
  | {
      readonly kind: 'add';
      readonly variable: 'a' | 'b';
      readonly add: number;
      readonly failTimes: number;
      readonly maxAttempts: number;
      readonly log: boolean;
      /** Also add the last add node's output: as a `{{node.value}}` template or through a data wire. */
      readonly previous?: 'template' | 'wire';
      /** What the node touches: `TestAddNode` (world, the default), `TestComputeNode` (pure) or `TestFillNode` (page). */
      readonly effect?: NodeEffect;
    }
  | { readonly kind: 'secret'; readonly source: 'secret' | 'sensitive'; readonly leak: 'output' | 'log' | 'variable' | 'error' }
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'if'; readonly condition: Condition; readonly then: readonly Statement[]; readonly else: readonly Statement[] }
  | { readonly kind: 'switch'; readonly variable: 'a' | 'b'; readonly cases: ReadonlyArray<readonly Statement[]>; readonly default: readonly Statement[] }
  | { readonly kind: 'for'; readonly count: number; readonly body: readonly Statement[] }
  | { readonly kind: 'while'; readonly limit: number; readonly body: readonly Statement[] }
  | { readonly kind: 'exit'; readonly type: 'break' | 'continue'; readonly condition: Condition }
  | {
      readonly kind: 'try';
      readonly body: readonly Statement[];
      readonly catch: readonly Statement[] | undefined;
      readonly finally: readonly Statement[] | undefined;
    };

/** A generated program and the workflow-wide settings it runs with. */
export interface Program {
  readonly body: readonly Statement[];
  readonly stopOnError: boolean;
  readonly retryCount: number;
  /** `settings.checkpoint`; undefined leaves it out of the document (the default mode). */
  readonly checkpoint?: CheckpointMode;
}

/** Size limits of generated programs. */
export interface ProgramScale {
  /** Statements per block (at least 1 at the top). */
  readonly maxStatements: number;
  /** Nesting depth of blocks. */
  readonly maxDepth: number;
  /** Iterations of a For loop and limit of a While loop. */
  readonly maxLoopCount: number;
  /** Crashes per scenario (incarnations that die). */
  readonly maxCrashes: number;
}

/** Default scale: runs of a few to a few hundred node executions. */
export const DEFAULT_SCALE: ProgramScale = { maxStatements: 4, maxDepth: 3, maxLoopCount: 3, maxCrashes: 3 };

/** Names of the secrets a generated workflow uses. */
export const SECRET_NAME = 'API_KEY';
/** Name of the sensitive variable of a generated workflow (its value comes from the SecretProvider). */
export const SENSITIVE_VARIABLE = 'password';

const conditionArb: fc.Arbitrary<Condition> = fc.record({
  variable: fc.constantFrom('a' as const, 'b' as const),
  operator: fc.constantFrom('<' as const, '>=' as const, 'odd' as const),
  value: fc.integer({ min: 0, max: 8 }),
});

const actionArb: fc.Arbitrary<Statement> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      variable: fc.constantFrom('a' as const, 'b' as const),
      add: fc.integer({ min: -2, max: 5 }),
      failTimes: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
      maxAttempts: fc.integer({ min: 1, max: 3 }),
      log: fc.boolean(),
      previous: fc.constantFrom(undefined, undefined, 'template' as const, 'wire' as const),
      effect: fc.constantFrom('world' as const, 'world' as const, 'pure' as const, 'pure' as const, 'page' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('secret' as const),
      source: fc.constantFrom('secret' as const, 'sensitive' as const),
      leak: fc.constantFrom('output' as const, 'log' as const, 'variable' as const, 'error' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 50 }) }) },
);

/** Arbitrary programs at `scale`. */
export function programArbitrary(scale: ProgramScale = DEFAULT_SCALE): fc.Arbitrary<Program> {
  const block = (depth: number, inLoop: boolean, min: number): fc.Arbitrary<readonly Statement[]> =>
    fc.array(statement(depth, inLoop), { minLength: min, maxLength: depth === 0 ? scale.maxStatements : Math.max(1, scale.maxStatements - 1) });
  const statement = (depth: number, inLoop: boolean): fc.Arbitrary<Statement> => {
    if (depth >= scale.maxDepth) return actionArb;
    const inner = depth + 1;
    const options: fc.WeightedArbitrary<Statement>[] = [
      { weight: 5, arbitrary: actionArb },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant('if' as const), condition: conditionArb, then: block(inner, inLoop, 0), else: block(inner, inLoop, 0) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('switch' as const),
          variable: fc.constantFrom('a' as const, 'b' as const),
          cases: fc.array(block(inner, inLoop, 0), { minLength: 1, maxLength: 3 }),
          default: block(inner, inLoop, 0),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('for' as const), count: fc.integer({ min: 0, max: scale.maxLoopCount }), body: block(inner, true, 0) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('while' as const), limit: fc.integer({ min: 0, max: scale.maxLoopCount }), body: block(inner, true, 0) }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('try' as const),
          body: block(inner, inLoop, 1),
          catch: fc.option(block(inner, inLoop, 0), { nil: undefined }),
          finally: fc.option(block(inner, inLoop, 0), { nil: undefined }),
        }),
      },
    ];
    if (inLoop)
      options.push({
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('exit' as const), type: fc.constantFrom('break' as const, 'continue' as const), condition: conditionArb }),
      });
    return fc.oneof(...options);
  };
  return fc.record({
    body: block(0, false, 1),
    stopOnError: fc.boolean(),
    retryCount: fc.integer({ min: 0, max: 1 }),
    checkpoint: fc.constantFrom(undefined, 'effects' as const, 'every-node' as const),
  });
}

/** Compiles a program into a v1 workflow document (plain JSON). */
export function compileProgram(program: Program): JsonObject {
  const builder = workflowDoc('generated')
    .variable('a', 0)
    .variable('b', 0)
    .variable(SENSITIVE_VARIABLE, null, { sensitive: true, type: 'String' })
    .settings({
      stop_on_error: program.stopOnError,
      retry_count: program.retryCount,
      timeout: null,
      ...(program.checkpoint === undefined ? {} : { checkpoint: program.checkpoint }),
    });
  new Compiler(builder).block(program.body, undefined);
  return builder.build() as unknown as JsonObject;
}

/** The test node type of an add statement, by what it touches. */
const ADD_TYPES: Readonly<Record<NodeEffect, string>> = { world: 'TestAddNode', pure: 'TestComputeNode', page: 'TestFillNode' };

/** A dangling exec output: connects to whatever comes next. */
interface Exit {
  readonly node: string;
  readonly port: string;
}

class Compiler {
  private counter = 0;
  /** The add node compiled last (not necessarily run last): a source of templates and data wires. */
  private lastAdd: string | undefined;

  constructor(private readonly builder: WorkflowDocBuilder) {}

  /** Compiles `statements` after `exits` (undefined = at the start); returns the block's exits. */
  block(statements: readonly Statement[], exits: readonly Exit[] | undefined): readonly Exit[] | undefined {
    let current = exits;
    for (const statement of statements) current = this.statement(statement, current);
    return current;
  }

  private statement(statement: Statement, exits: readonly Exit[] | undefined): readonly Exit[] {
    switch (statement.kind) {
      case 'add': {
        const retry: Json = statement.maxAttempts > 1 ? { max_attempts: statement.maxAttempts, interval_seconds: 0.01, backoff_rate: 2 } : null;
        const previous = statement.previous ? this.lastAdd : undefined;
        const add = previous && statement.previous === 'template' ? `{{${previous}.value}}` : statement.add;
        const config: Record<string, Json> = { variable: statement.variable, add, fail_times: statement.failTimes, log: statement.log };
        if (retry !== null) config['retry'] = retry;
        const exitsOut = this.action(ADD_TYPES[statement.effect ?? 'world'], config, exits);
        const id = (exitsOut[0] as Exit).node;
        if (previous && statement.previous === 'wire') this.builder.data(previous, 'value', id, 'amount');
        this.lastAdd = id;
        return exitsOut;
      }
      case 'switch': {
        const id = this.node('SwitchNode', { value: `{{${statement.variable}}}` }, exits);
        const merge = this.id();
        this.builder.node(merge, 'MergeNode');
        const branches: Array<[string, readonly Statement[]]> = [
          ...statement.cases.map((branch, index): [string, readonly Statement[]] => [`case_${index}`, branch]),
          ['default', statement.default],
        ];
        for (const [port, branch] of branches) this.connect(this.block(branch, [{ node: id, port }]) ?? [], merge);
        return [{ node: merge, port: 'exec_out' }];
      }
      case 'secret':
        return this.action(
          'TestSecretNode',
          { value: statement.source === 'secret' ? `{{$secret:${SECRET_NAME}}}` : `{{${SENSITIVE_VARIABLE}}}`, leak: statement.leak },
          exits,
        );
      case 'wait':
        return this.action('TestWaitNode', { ms: statement.ms }, exits);
      case 'if': {
        const id = this.node('IfNode', { condition: conditionText(statement.condition) }, exits);
        const merge = this.id();
        this.builder.node(merge, 'MergeNode');
        for (const [port, branch] of [
          ['true', statement.then],
          ['false', statement.else],
        ] as const) {
          const branchExits = this.block(branch, [{ node: id, port }]) ?? [];
          this.connect(branchExits, merge);
        }
        return [{ node: merge, port: 'exec_out' }];
      }
      case 'for':
      case 'while': {
        const loopCounter = statement.kind === 'while' ? `w${this.counter}` : undefined;
        if (loopCounter) this.builder.variable(loopCounter, 0);
        const start =
          statement.kind === 'for'
            ? this.node('ForLoopStartNode', { count: statement.count }, exits)
            : this.node('WhileLoopStartNode', { condition: `{{${loopCounter}}} < ${statement.limit}`, max_iterations: statement.limit + 1 }, exits);
        const end = this.id();
        this.builder.node(end, statement.kind === 'for' ? 'ForLoopEndNode' : 'WhileLoopEndNode', { paired_start_id: start });
        // A While body first counts its iteration, so the loop always ends.
        const body: readonly Statement[] = loopCounter
          ? [{ kind: 'add', variable: loopCounter as 'a', add: 1, failTimes: 0, maxAttempts: 1, log: false }, ...statement.body]
          : statement.body;
        const bodyExits = this.block(body, [{ node: start, port: 'body' }]) ?? [];
        this.connect(bodyExits, end);
        return [{ node: start, port: 'completed' }];
      }
      case 'exit': {
        const id = this.node('IfNode', { condition: conditionText(statement.condition) }, exits);
        const jump = this.id();
        this.builder.node(jump, statement.type === 'break' ? 'BreakNode' : 'ContinueNode');
        this.builder.exec(id, jump, 'true');
        return [{ node: id, port: 'false' }];
      }
      case 'try': {
        const tryId = this.id();
        const catchId = statement.catch ? this.id() : undefined;
        const finallyId = statement.finally ? this.id() : undefined;
        this.builder.tryBlock(tryId, { ...(catchId ? { catchId } : {}), ...(finallyId ? { finallyId } : {}) });
        this.connect(exits ?? [], tryId);
        this.block(statement.body, [{ node: tryId, port: 'try_body' }]);
        if (catchId && statement.catch) this.block(statement.catch, [{ node: catchId, port: 'catch_body' }]);
        if (finallyId && statement.finally) this.block(statement.finally, [{ node: finallyId, port: 'finally_body' }]);
        return [{ node: tryId, port: 'exec_out' }];
      }
    }
  }

  private action(type: string, config: JsonObject, exits: readonly Exit[] | undefined): readonly Exit[] {
    return [{ node: this.node(type, config, exits), port: 'exec_out' }];
  }

  private node(type: string, config: JsonObject, exits: readonly Exit[] | undefined): string {
    const id = this.id();
    this.builder.node(id, type, config);
    this.connect(exits ?? [], id);
    return id;
  }

  private connect(exits: readonly Exit[], target: string): void {
    for (const exit of exits) this.builder.exec(exit.node, target, exit.port);
  }

  private id(): string {
    this.counter += 1;
    return `n${this.counter}`;
  }
}

function conditionText(condition: Condition): string {
  if (condition.operator === 'odd') return `{{${condition.variable}}} % 2 != 0`;
  return `{{${condition.variable}}} ${condition.operator} ${condition.value}`;
}

/** A rough upper bound of the node attempts a program makes, to place crash points where they can hit. */
export function estimateAttempts(statements: readonly Statement[]): number {
  let total = 0;
  for (const statement of statements) {
    switch (statement.kind) {
      case 'add':
        total += Math.min(statement.failTimes, statement.maxAttempts - 1) + 1;
        break;
      case 'secret':
      case 'wait':
        total += 1;
        break;
      case 'exit':
        total += 2;
        break;
      case 'if':
        total += 2 + Math.max(estimateAttempts(statement.then), estimateAttempts(statement.else));
        break;
      case 'switch':
        total += 2 + Math.max(estimateAttempts(statement.default), ...statement.cases.map(estimateAttempts));
        break;
      case 'for':
      case 'while':
        total += 1 + (statement.kind === 'for' ? statement.count : statement.limit) * (3 + estimateAttempts(statement.body));
        break;
      case 'try':
        total += 1 + estimateAttempts(statement.body) + 1 + estimateAttempts(statement.catch ?? []) + 1 + estimateAttempts(statement.finally ?? []);
        break;
    }
  }
  return total;
}

/** Arbitrary crash lists for a program: up to `maxCrashes` points within its estimated attempts. */
export function crashesArbitrary(program: Program, maxCrashes: number): fc.Arbitrary<readonly CrashPoint[]> {
  const attempts = Math.max(1, estimateAttempts(program.body));
  const point = fc.record({ atNodeExecution: fc.integer({ min: 0, max: attempts - 1 }), phase: fc.constantFrom(...CRASH_PHASES) });
  return fc.array(point, { minLength: 0, maxLength: maxCrashes });
}

// Run ids must be unique within a store shared by a whole suite (one database per test file), yet
// the same for the same generated case, so properties replaying one seed share observations.
const SUITE_SALT = Date.now().toString(36);

/** A scenario generated from a program. */
export type GeneratedScenario = Scenario & { readonly program: Program };

/** Arbitrary scenarios: a program compiled to a document, secrets with unique values, and crashes. */
export function scenarioArbitrary(scale: ProgramScale = DEFAULT_SCALE): fc.Arbitrary<GeneratedScenario> {
  return programArbitrary(scale).chain((program) =>
    fc
      .record({
        crashes: crashesArbitrary(program, scale.maxCrashes),
        secretSeed: fc.integer({ min: 0, max: 0xffffff }),
      })
      .map(({ crashes, secretSeed }) => {
        const suffix = secretSeed.toString(36).padStart(5, '0');
        return {
          program,
          runId: `run-${SUITE_SALT}-${hashText(JSON.stringify({ program, crashes, secretSeed }))}`,
          input: { document: compileProgram(program), source: 'generated.json' },
          secrets: { [SECRET_NAME]: `sk-LIVE-${suffix}-api`, [SENSITIVE_VARIABLE]: `pw-HUNTER-${suffix}-2` },
          crashes,
        };
      }),
  );
}

/** FNV-1a over UTF-16 code units, 52 bits, base 36: a short stable id for a generated case. */
function hashText(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let index = 0; index < text.length; index++) {
    hash ^= BigInt(text.charCodeAt(index));
    hash = (hash * 0x100000001b3n) & 0xfffffffffffffn;
  }
  return hash.toString(36);
}
