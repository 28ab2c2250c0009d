import { CRASH_PHASES, type CrashPoint } from './harness.js';
import { compileProgram, SECRET_NAME, SENSITIVE_VARIABLE, type GeneratedScenario, type Program, type Statement } from './workflow-arbitrary.js';

/*
 * Named scenarios every adapter runs with the five properties: crash placements that are easy to
 * get wrong, and any counterexample the generated cases ever find (add it here, with its story).
 */

const add = (variable: 'a' | 'b', amount: number, extra: Partial<Extract<Statement, { kind: 'add' }>> = {}): Statement => ({
  kind: 'add',
  variable,
  add: amount,
  failTimes: 0,
  maxAttempts: 1,
  log: true,
  ...extra,
});

const crash = (atNodeExecution: number, phase: CrashPoint['phase']): CrashPoint => ({ atNodeExecution, phase });

let counter = 0;
function scenario(
  name: string,
  body: readonly Statement[],
  crashes: readonly CrashPoint[],
  settings: Partial<Omit<Program, 'body'>> = {},
): GeneratedScenario & { readonly name: string } {
  counter += 1;
  const program: Program = {
    body,
    stopOnError: settings.stopOnError ?? true,
    retryCount: settings.retryCount ?? 0,
    ...(settings.checkpoint === undefined ? {} : { checkpoint: settings.checkpoint }),
  };
  return {
    name,
    program,
    runId: `regression-${Date.now().toString(36)}-${counter}`,
    input: { document: compileProgram(program), source: `${name}.json` },
    secrets: { [SECRET_NAME]: `sk-REGRESSION-${counter}-key`, [SENSITIVE_VARIABLE]: `pw-REGRESSION-${counter}-pass` },
    crashes,
  };
}

/** The named regression scenarios (built fresh on each call: run ids are unique per call). */
export function regressionScenarios(): ReadonlyArray<GeneratedScenario & { readonly name: string }> {
  return [
    scenario('crash after the last step is recorded, before the run is', [add('a', 1), add('a', 2)], [crash(1, 'after-record')]),
    ...CRASH_PHASES.map((phase) => scenario(`crash at ${phase} of the first node`, [add('a', 1), add('b', 1)], [crash(0, phase)])),
    scenario('crash between two failing attempts of a retried node', [add('a', 1, { failTimes: 2, maxAttempts: 3 }), add('b', 1)], [crash(1, 'after-effect')]),
    scenario(
      'the in-flight step crashes again during its recovery',
      [add('a', 1), add('a', 1), add('a', 1)],
      [crash(1, 'after-effect'), crash(0, 'after-effect'), crash(0, 'before-effect')],
    ),
    scenario(
      'a failure routed to Catch is replayed from the journal, not run again',
      [{ kind: 'try', body: [add('a', 1, { failTimes: 9 })], catch: [add('b', 1)], finally: [add('b', 10)] }, add('a', 100)],
      [crash(1, 'after-record'), crash(1, 'after-effect')],
    ),
    scenario(
      'a failure outside any Try with stop_on_error false continues after recovery',
      [add('a', 1, { failTimes: 1 }), add('b', 1)],
      [crash(0, 'after-record')],
      { stopOnError: false },
    ),
    scenario('a crash right after a durable sleep', [{ kind: 'wait', ms: 20 }, add('a', 1)], [crash(1, 'before-effect'), crash(0, 'after-record')]),
    scenario(
      'loop iterations survive crashes inside nested loops',
      [
        {
          kind: 'for',
          count: 2,
          body: [
            {
              kind: 'while',
              limit: 2,
              body: [add('a', 1), { kind: 'exit', type: 'continue', condition: { variable: 'a', operator: 'odd', value: 0 } }, add('b', 1)],
            },
          ],
        },
      ],
      [crash(4, 'after-record'), crash(2, 'before-effect'), crash(3, 'after-effect')],
    ),
    scenario(
      'secrets stay out of the journal when every attempt fails with the secret in its message',
      [
        { kind: 'secret', source: 'secret', leak: 'error' },
        { kind: 'secret', source: 'sensitive', leak: 'variable' },
      ],
      [crash(0, 'after-effect'), crash(1, 'after-record')],
      { stopOnError: false, retryCount: 1 },
    ),
    // Effect boundaries: a step is a stretch of pure and page nodes ending at its world node.
    scenario(
      'a crash between two pure nodes of one step re-runs the stretch, its world node once',
      [add('a', 1, { effect: 'pure' }), add('a', 2, { effect: 'page' }), add('b', 1), add('a', 3, { effect: 'pure' }), add('b', 2)],
      [crash(1, 'after-effect'), crash(2, 'before-effect'), crash(4, 'after-record')],
    ),
    scenario(
      'a crash after the world effect that ends a stretch repeats only that effect, with its key',
      [add('a', 1, { effect: 'pure' }), add('b', 1), add('a', 1, { effect: 'page' }), add('b', 1)],
      [crash(1, 'after-effect'), crash(3, 'after-effect')],
    ),
    scenario(
      'a retried world node re-runs the pure nodes of its stretch, never a completed step',
      [add('b', 5), add('a', 1, { effect: 'pure' }), add('b', 1, { failTimes: 1 })],
      [crash(3, 'after-effect')],
      { retryCount: 1 },
    ),
    scenario(
      'a loop of pure nodes fits in one step and replays whole',
      [{ kind: 'for', count: 3, body: [add('a', 1, { effect: 'pure' })] }, add('b', 1)],
      [crash(5, 'before-effect'), crash(0, 'after-record')],
    ),
    scenario(
      'every-node mode: one step per node, crashes anywhere',
      [add('a', 1, { effect: 'pure' }), add('b', 1), add('a', 1, { effect: 'page' })],
      [crash(0, 'after-effect'), crash(1, 'after-record')],
      { checkpoint: 'every-node' },
    ),
    scenario(
      'data wires and output templates read outputs replayed from the journal',
      [
        add('a', 2),
        add('b', 0, { previous: 'wire' }),
        add('a', 0, { previous: 'template' }),
        { kind: 'switch', variable: 'a', cases: [[add('b', 1)], [add('b', 2)]], default: [add('b', 3)] },
      ],
      [crash(2, 'before-effect'), crash(0, 'after-effect')],
    ),
  ];
}
