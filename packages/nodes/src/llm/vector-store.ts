import type { Json, JsonObject } from '@casare-rpa/domain';
import type BetterSqlite3 from 'better-sqlite3';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

// The vector store of the RAG nodes: one SQLite file in the run's working directory (a collection
// is a column, a document an upserted row, its embedding a JSON list). Search is an exact cosine
// scan of one collection, which is what a workflow's few thousand documents need. It is world state:
// every write records its outcome under the step's idempotency key in the same transaction, so the
// step that re-runs after a crash gets the outcome of the write it already made instead of a second one.

/** A document as the store keeps it. */
export interface StoredDocument {
  readonly id: string;
  readonly content: string;
  readonly metadata: JsonObject;
  readonly embedding: readonly number[];
}

/** One search hit: the document, its cosine similarity and distance (1 - similarity). */
export interface SearchHit {
  readonly id: string;
  readonly content: string;
  readonly metadata: JsonObject;
  readonly score: number;
  readonly distance: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS casare_vector_documents (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  content TEXT NOT NULL,
  metadata TEXT NOT NULL,
  embedding TEXT NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS casare_vector_writes (
  idempotency_key TEXT PRIMARY KEY,
  outcome TEXT NOT NULL
);`;

/** Cosine similarity of two vectors of the same length; 0 when either is all zeros. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/** True when every key of `filter` is in `metadata` with an equal (JSON) value. */
function matches(metadata: JsonObject, filter: JsonObject): boolean {
  return Object.entries(filter).every(([key, value]) => Object.hasOwn(metadata, key) && JSON.stringify(metadata[key]) === JSON.stringify(value));
}

/** An open store file; close it when the node is done. */
export class SqliteVectorStore {
  private readonly db: BetterSqlite3.Database;

  private constructor(db: BetterSqlite3.Database) {
    this.db = db;
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  /** Opens (creating it when absent) the store file at `file`; better-sqlite3 loads on first use. */
  static async openFile(file: string): Promise<SqliteVectorStore> {
    const { default: Sqlite } = await import('better-sqlite3');
    await mkdir(dirname(file), { recursive: true });
    return new SqliteVectorStore(new Sqlite(file, { timeout: 5000 }));
  }

  /**
   * Runs `write` once per idempotency key: a key already recorded returns the outcome recorded for
   * it and writes nothing; otherwise the write and its outcome commit together.
   */
  writeOnce(idempotencyKey: string, write: () => JsonObject): JsonObject {
    const recorded = this.db.prepare('SELECT outcome FROM casare_vector_writes WHERE idempotency_key = ?').get(idempotencyKey) as
      { outcome: string } | undefined;
    if (recorded) return JSON.parse(recorded.outcome) as JsonObject;
    return this.db.transaction(() => {
      const outcome = write();
      this.db.prepare('INSERT INTO casare_vector_writes (idempotency_key, outcome) VALUES (?, ?)').run(idempotencyKey, JSON.stringify(outcome));
      return outcome;
    })();
  }

  /** Inserts or replaces documents of a collection (same id: the new version wins). */
  upsert(collection: string, documents: readonly StoredDocument[]): number {
    const statement = this.db.prepare(
      'INSERT INTO casare_vector_documents (collection, id, content, metadata, embedding) VALUES (?, ?, ?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET content = excluded.content, metadata = excluded.metadata, embedding = excluded.embedding',
    );
    for (const document of documents) {
      statement.run(collection, document.id, document.content, JSON.stringify(document.metadata), JSON.stringify(document.embedding));
    }
    return documents.length;
  }

  /** Deletes documents of a collection by id; returns how many existed. */
  delete(collection: string, ids: readonly string[]): number {
    const statement = this.db.prepare('DELETE FROM casare_vector_documents WHERE collection = ? AND id = ?');
    return ids.reduce((count, id) => count + statement.run(collection, id).changes, 0);
  }

  /** The `topK` documents of a collection most similar to `query` whose metadata matches `filter`. */
  search(collection: string, query: readonly number[], topK: number, filter: JsonObject = {}): SearchHit[] {
    const rows = this.db.prepare('SELECT id, content, metadata, embedding FROM casare_vector_documents WHERE collection = ?').all(collection) as Array<{
      id: string;
      content: string;
      metadata: string;
      embedding: string;
    }>;
    return rows
      .map((row) => ({ row, metadata: JSON.parse(row.metadata) as JsonObject }))
      .filter(({ metadata }) => matches(metadata, filter))
      .map(({ row, metadata }) => {
        const score = cosineSimilarity(query, JSON.parse(row.embedding) as number[]);
        return { id: row.id, content: row.content, metadata, score, distance: 1 - score };
      })
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, topK);
  }

  /** Closes the file. */
  close(): void {
    this.db.close();
  }
}

/** A search hit as a node outputs it. */
export function hitJson(hit: SearchHit): JsonObject {
  return { id: hit.id, content: hit.content, metadata: hit.metadata, score: hit.score, distance: hit.distance } satisfies Record<string, Json>;
}
