import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { LedgerEntry } from './harness.js';

/** Where test nodes record their side effects; it must outlive the process that runs them. */
export interface Ledger {
  /** Records one effect durably before returning. */
  append(entry: LedgerEntry): void;
}

/**
 * A JSONL ledger file. Each append is one synchronous `appendFileSync` of one line, so the line is in
 * the file before the node returns and a SIGKILL right after cannot lose it.
 */
export class JsonlFileLedger implements Ledger {
  constructor(
    /** Absolute path of the file (created on first append). */
    readonly path: string,
  ) {}

  append(entry: LedgerEntry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}

/** A ledger in this process's memory, for runs nobody kills (reference runs, unit tests). */
export class MemoryLedger implements Ledger {
  /** Entries in append order. */
  readonly entries: LedgerEntry[] = [];

  append(entry: LedgerEntry): void {
    this.entries.push({ ...entry });
  }
}

/** Every entry of a JSONL ledger file, in order; a missing file is an empty ledger. */
export function readLedgerFile(path: string): LedgerEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LedgerEntry);
}
