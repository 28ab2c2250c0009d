/** Files one contract incarnation leaves behind, named from a prefix the harness chooses. */
export interface IncarnationFiles {
  /** The request the child reads. */
  readonly request: string;
  /** The crash report, written just before the SIGKILL. */
  readonly crash: string;
  /** Events, one JSON line each, appended as they are emitted. */
  readonly events: string;
  /** The whole report, written when the incarnation ended without a crash. */
  readonly report: string;
}

/** The files of the incarnation whose files start with `prefix`. */
export function incarnationFiles(prefix: string): IncarnationFiles {
  return { request: `${prefix}.request.json`, crash: `${prefix}.crash.json`, events: `${prefix}.events.jsonl`, report: `${prefix}.report.json` };
}
