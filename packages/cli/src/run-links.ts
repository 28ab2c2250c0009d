import { CHILD_RUN_SUFFIX } from '@casare-rpa/nodes';

/** How a run relates to others: the parent that started it as a child, and the children it started. */
export interface RunLinks {
  /** The parent run and its step that started this run, when this run is a child. */
  readonly parent?: { readonly runId: string; readonly stepIndex: number };
  /** Children this run started, by run id. */
  readonly children: readonly string[];
}

const CHILD_ID = new RegExp(`^(.*):(\\d+)${CHILD_RUN_SUFFIX}$`);

/**
 * The links of `runId` among `knownRunIds`. A child's id is its parent step's idempotency key plus
 * `:child` (`<parent>:<step>:child`), so the ids alone carry the link, whatever the runner records.
 */
export function runLinksOf(runId: string, knownRunIds: readonly string[]): RunLinks {
  const match = CHILD_ID.exec(runId);
  const children = knownRunIds.filter((id) => CHILD_ID.exec(id)?.[1] === runId).sort();
  return match?.[1] === undefined ? { children } : { parent: { runId: match[1], stepIndex: Number(match[2]) }, children };
}
