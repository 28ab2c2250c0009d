/**
 * The role a node type plays in routing. Everything not listed here is an `action`: it runs and
 * continues on the port its outcome chose.
 */
export type ControlKind =
  | 'start'
  | 'end'
  | 'if'
  | 'switch'
  | 'merge'
  | 'for-loop-start'
  | 'while-loop-start'
  | 'loop-end'
  | 'break'
  | 'continue'
  | 'try'
  | 'catch'
  | 'finally'
  | 'fork'
  | 'join'
  | 'parallel-for-each'
  | 'retry'
  | 'retry-success'
  | 'retry-fail'
  | 'on-error'
  | 'subflow-output'
  | 'action';

const KINDS: Readonly<Record<string, ControlKind>> = {
  StartNode: 'start',
  EndNode: 'end',
  IfNode: 'if',
  SwitchNode: 'switch',
  MergeNode: 'merge',
  ForLoopStartNode: 'for-loop-start',
  ForLoopNode: 'for-loop-start',
  WhileLoopStartNode: 'while-loop-start',
  WhileLoopNode: 'while-loop-start',
  ForLoopEndNode: 'loop-end',
  WhileLoopEndNode: 'loop-end',
  BreakNode: 'break',
  ContinueNode: 'continue',
  TryNode: 'try',
  CatchNode: 'catch',
  FinallyNode: 'finally',
  ForkNode: 'fork',
  JoinNode: 'join',
  ParallelForEachNode: 'parallel-for-each',
  RetryNode: 'retry',
  RetrySuccessNode: 'retry-success',
  RetryFailNode: 'retry-fail',
  OnErrorNode: 'on-error',
  SubflowOutputNode: 'subflow-output',
};

/** The routing role of a v1 node type. */
export function controlKindOf(nodeType: string): ControlKind {
  return Object.hasOwn(KINDS, nodeType) ? (KINDS[nodeType] as ControlKind) : 'action';
}

/** True for loop start kinds. */
export function isLoopStart(kind: ControlKind): boolean {
  return kind === 'for-loop-start' || kind === 'while-loop-start';
}

/** True for the kinds that start parallel branches (Fork, ParallelForEach). */
export function isParallelStart(kind: ControlKind): boolean {
  return kind === 'fork' || kind === 'parallel-for-each';
}

/** Default cap on WhileLoop iterations when the node sets no `max_iterations`. */
export const DEFAULT_MAX_ITERATIONS = 1000;
