/** A database node could not do its work: no connection, a lost transaction, a failed statement. */
export class DatabaseNodeError extends Error {
  constructor(
    /** Stable code: `DB_NOT_CONNECTED`, `DB_TRANSACTION_LOST`, `DB_CONNECT_FAILED`, `DB_STATEMENT_FAILED`, `DB_BATCH_FAILED`. */
    readonly code: 'DB_NOT_CONNECTED' | 'DB_TRANSACTION_LOST' | 'DB_CONNECT_FAILED' | 'DB_STATEMENT_FAILED' | 'DB_BATCH_FAILED',
    /** Node that failed. */
    readonly nodeId: string,
    /** Connection id (the DatabaseConnectNode's id) involved. */
    readonly connectionId: string,
    detail: string,
  ) {
    super(`nodes.${nodeId}: ${detail}`);
    this.name = 'DatabaseNodeError';
  }

  /** A lost transaction or a missing connection fails the same way on every retry. */
  get retryable(): boolean {
    return this.code !== 'DB_TRANSACTION_LOST' && this.code !== 'DB_NOT_CONNECTED';
  }
}
