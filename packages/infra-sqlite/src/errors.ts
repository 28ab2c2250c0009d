import { CasareError, errorCodeOf } from '@casare-rpa/application';

/**
 * Why a SQLite journal could not be opened or written:
 * - `SQLITE_UNWRITABLE`: the file or its directory cannot be created or written;
 * - `SQLITE_LOCKED`: another process held the file locked past the busy timeout;
 * - `SQLITE_NOT_CASARE`: the file is a database (or some other file) that is not a casare journal;
 * - `SQLITE_CORRUPT`: the file is a casare journal whose content is damaged;
 * - `SQLITE_NEWER_SCHEMA`: the file was written by a newer casare with a schema this code does not know;
 * - `SQLITE_IO`: the disk failed or is full.
 */
export type SqliteJournalErrorCode = 'SQLITE_UNWRITABLE' | 'SQLITE_LOCKED' | 'SQLITE_NOT_CASARE' | 'SQLITE_CORRUPT' | 'SQLITE_NEWER_SCHEMA' | 'SQLITE_IO';

/** A SQLite journal file could not be used; names the file and the cause. Nothing in the file was changed. */
export class SqliteJournalError extends CasareError {
  constructor(
    /** Stable code. */
    readonly code: SqliteJournalErrorCode,
    /** Absolute path of the journal file. */
    readonly path: string,
    /** What went wrong, in words. */
    readonly reason: string,
    /** The underlying error, if any. */
    override readonly cause?: unknown,
  ) {
    super(`SQLite journal ${path}: ${reason}`);
    this.name = 'SqliteJournalError';
  }
}

/** The SQLite result code of a better-sqlite3 error (`SQLITE_BUSY`, `SQLITE_FULL`...), if it is one. */
export function sqliteCodeOf(error: unknown): string | undefined {
  const code = errorCodeOf(error);
  return code?.startsWith('SQLITE_') ? code : undefined;
}

/** A better-sqlite3 (or file system) error met while opening `path`, as a `SqliteJournalError`. */
export function openErrorOf(path: string, error: unknown, busyTimeoutMs: number): SqliteJournalError {
  if (error instanceof SqliteJournalError) return error;
  const code = sqliteCodeOf(error) ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new SqliteJournalError('SQLITE_LOCKED', path, `locked by another process for longer than the busy timeout (${busyTimeoutMs} ms): ${message}`, error);
  }
  if (code === 'SQLITE_NOTADB')
    return new SqliteJournalError(
      'SQLITE_NOT_CASARE',
      path,
      `not a casare journal: the file is not a SQLite database (${message}); choose another file with CASARE_SQLITE_PATH`,
      error,
    );
  if (code.startsWith('SQLITE_CORRUPT'))
    return new SqliteJournalError(
      'SQLITE_CORRUPT',
      path,
      `the file is corrupt (${message}); restore it from a backup or move it away to start a new journal`,
      error,
    );
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return new SqliteJournalError('SQLITE_UNWRITABLE', path, `cannot be opened for writing (${message})`, error);
  }
  const errno = errorCodeOf(error);
  if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS')
    return new SqliteJournalError('SQLITE_UNWRITABLE', path, `cannot be created or written (${message})`, error);
  return new SqliteJournalError('SQLITE_IO', path, message, error);
}
