import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { boolean, dict, integer, isJsonArray, isJsonObject, list, nonEmptyText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { chatCompletion } from '../connectors/connector-nodes.js';
import { textOf } from '../data/values.js';
import { resolveInside } from '../files/working-directory.js';
import { embedTexts, embeddingFields, llmFieldsWith } from './llm-call.js';
import { hitJson, SqliteVectorStore, type StoredDocument } from './vector-store.js';

// Embeddings and the RAG nodes. Texts are embedded with the endpoint's /embeddings; documents live
// in the vector store file of the working directory (vector-store.ts). Adds and deletes are world
// writes recorded under the step's idempotency key, so a re-run after a crash neither adds twice
// nor reports a different count; searches read the store as it is when the step runs.

const EMBEDDING_MODEL = 'text-embedding-3-small';

const storeFields = {
  collection: text('default'),
  store_path: text('.casare/vector-store.db'),
  embedding_model: text(EMBEDDING_MODEL),
  allow_outside_working_dir: boolean(false),
};

/** Opens the node's store file (inside the working directory unless allowed out), runs `use`, closes it. */
async function withStore<T>(
  execution: NodeExecution,
  config: { store_path: string; allow_outside_working_dir: boolean },
  use: (store: SqliteVectorStore) => T | Promise<T>,
): Promise<T> {
  const file = await resolveInside(execution.workingDirectory, config.store_path, 'store_path', config.allow_outside_working_dir);
  const store = await SqliteVectorStore.openFile(file);
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

/** A list of numbers from `field`, or a config error naming it. */
function vectorOf(value: Json, field: string): number[] {
  if (!isJsonArray(value) || value.length === 0 || !value.every((item) => typeof item === 'number'))
    throw new ConfigFieldError(field, 'expected a list of numbers');
  return value as number[];
}

const embeddingNode = defineNode({
  types: ['EmbeddingNode'],
  config: z.looseObject({ ...embeddingFields, text: nonEmptyText(), model: text(EMBEDDING_MODEL) }),
  ports: { inputs: ['text', 'model', 'api_key'], outputs: ['embedding', 'dimensions', 'tokens_used', 'success', 'error'] },
  run: async (config, execution) => {
    const { vectors, tokens_used } = await embedTexts(execution, config, config.model, [config.text]);
    const embedding = vectors[0] ?? [];
    return { outputs: { embedding, dimensions: embedding.length, tokens_used, success: true, error: '' } };
  },
});

/** The documents of VectorStoreAddNode: text, or `{id, content|text, metadata}`; ids default to `doc_<i>`. */
function documentsOf(documents: readonly Json[]): Array<{ id: string; content: string; metadata: JsonObject }> {
  if (documents.length === 0) throw new ConfigFieldError('documents', 'required: a list of texts or {id, content, metadata} objects');
  return documents.map((document, index) => {
    if (typeof document === 'string') return { id: `doc_${index}`, content: document, metadata: {} };
    if (!isJsonObject(document)) throw new ConfigFieldError(`documents[${index}]`, 'expected a text or an {id, content, metadata} object');
    const content = document['content'] ?? document['text'];
    if (typeof content !== 'string' || content === '') throw new ConfigFieldError(`documents[${index}].content`, 'required: the document text');
    const metadata = document['metadata'] ?? {};
    if (!isJsonObject(metadata)) throw new ConfigFieldError(`documents[${index}].metadata`, 'expected an object');
    return { id: document['id'] === undefined ? `doc_${index}` : textOf(document['id']), content, metadata };
  });
}

const vectorStoreAddNode = defineNode({
  types: ['VectorStoreAddNode'],
  config: z.looseObject({
    ...embeddingFields,
    ...storeFields,
    documents: z.preprocess((value) => (typeof value === 'string' && !value.trim().startsWith('[') ? [value] : value), list()),
    embeddings: list(),
  }),
  ports: { inputs: ['documents', 'collection', 'embeddings'], outputs: ['count', 'collection_name', 'success', 'error'] },
  run: async (config, execution) => {
    const documents = documentsOf(config.documents);
    const given = config.embeddings.map((vector, index) => vectorOf(vector, `embeddings[${index}]`));
    const missing = documents.filter((_, index) => given[index] === undefined);
    const { vectors } = await embedTexts(
      execution,
      config,
      config.embedding_model,
      missing.map((document) => document.content),
    );
    let next = 0;
    const stored: StoredDocument[] = documents.map((document, index) => ({ ...document, embedding: given[index] ?? vectors[next++] ?? [] }));
    const outcome = await withStore(execution, config, (store) =>
      store.writeOnce(execution.idempotencyKey, () => ({ count: store.upsert(config.collection, stored), collection_name: config.collection })),
    );
    return { outputs: { ...outcome, success: true, error: '' } };
  },
});

/** The query vector of a search: the one given, or the query embedded. */
async function queryVector(
  execution: NodeExecution,
  config: Parameters<typeof embedTexts>[1] & { embedding_model: string },
  query: string,
  given: readonly Json[],
) {
  if (given.length > 0) return vectorOf(given, 'query_embedding');
  const { vectors } = await embedTexts(execution, config, config.embedding_model, [query]);
  return vectors[0] ?? [];
}

const vectorSearchNode = defineNode({
  types: ['VectorSearchNode'],
  config: z.looseObject({ ...embeddingFields, ...storeFields, query: nonEmptyText(), top_k: integer(5), filter: dict(), query_embedding: list() }),
  ports: { inputs: ['query', 'collection', 'top_k', 'filter', 'query_embedding'], outputs: ['results', 'top_result', 'result_count', 'success', 'error'] },
  run: async (config, execution) => {
    if (config.top_k < 1 || config.top_k > 100) throw new ConfigFieldError('top_k', 'must be between 1 and 100');
    const vector = await queryVector(execution, config, config.query, config.query_embedding);
    const results = (await withStore(execution, config, (store) => store.search(config.collection, vector, config.top_k, config.filter))).map(hitJson);
    return { outputs: { results, top_result: results[0] ?? {}, result_count: results.length, success: true, error: '' } };
  },
});

const RAG_TEMPLATE = `Answer the question from the context below. If the context does not hold the answer, say so.

Context:
{context}

Question: {question}

Answer:`;

const ragNode = defineNode({
  types: ['RAGNode'],
  config: z.looseObject({ ...llmFieldsWith(0.7), ...storeFields, question: nonEmptyText(), top_k: integer(3), prompt_template: text(RAG_TEMPLATE) }),
  ports: {
    inputs: ['question', 'collection', 'top_k', 'prompt_template', 'model', 'temperature', 'system_prompt', 'max_tokens'],
    outputs: ['answer', 'context', 'sources', 'tokens_used', 'success', 'error'],
  },
  run: async (config, execution) => {
    if (config.top_k < 1 || config.top_k > 20) throw new ConfigFieldError('top_k', 'must be between 1 and 20');
    if (!config.prompt_template.includes('{question}'))
      throw new ConfigFieldError('prompt_template', 'must contain {question} (and {context} for the documents found)');
    const vector = await queryVector(execution, config, config.question, []);
    const hits = await withStore(execution, config, (store) => store.search(config.collection, vector, config.top_k));
    const context = hits.length === 0 ? 'No relevant context found.' : hits.map((hit, index) => `[${index + 1}] ${hit.content}`).join('\n\n');
    const prompt = config.prompt_template.replaceAll('{context}', context).replaceAll('{question}', config.question);
    const answer = await chatCompletion(execution, config, [
      { role: 'system', content: config.system_prompt || 'You answer questions from the context you are given.' },
      { role: 'user', content: prompt },
    ]);
    const sources = hits.map((hit) => ({
      id: hit.id,
      content: hit.content.length > 200 ? `${hit.content.slice(0, 200)}...` : hit.content,
      score: hit.score,
      metadata: hit.metadata,
    }));
    return { outputs: { answer: answer.response, context, sources, tokens_used: answer.tokens_used, success: true, error: '' } };
  },
});

const vectorStoreDeleteNode = defineNode({
  types: ['VectorStoreDeleteNode'],
  config: z.looseObject({
    ...storeFields,
    document_ids: z.preprocess((value) => (typeof value === 'string' && !value.trim().startsWith('[') ? [value] : value), list()),
  }),
  ports: { inputs: ['document_ids', 'collection'], outputs: ['deleted_count', 'success', 'error'] },
  run: async (config, execution) => {
    const ids = config.document_ids.map(textOf).filter((id) => id !== '');
    if (ids.length === 0) throw new ConfigFieldError('document_ids', 'required: the ids of the documents to delete');
    const outcome = await withStore(execution, config, (store) =>
      store.writeOnce(execution.idempotencyKey, () => ({ deleted_count: store.delete(config.collection, ids) })),
    );
    return { outputs: { ...outcome, success: true, error: '' } };
  },
});

/** RAG nodes: EmbeddingNode, VectorStoreAddNode, VectorSearchNode, RAGNode, VectorStoreDeleteNode. */
export const ragNodeHandlers: readonly CatalogNodeHandler[] = [embeddingNode, vectorStoreAddNode, vectorSearchNode, ragNode, vectorStoreDeleteNode];
