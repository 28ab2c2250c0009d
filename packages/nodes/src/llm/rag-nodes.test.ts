import type { Json, JsonObject } from '@casare-rpa/domain';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';
import { BUILT_IN_TEMPLATES } from './prompt-template-nodes.js';
import { LLM_KEY, LlmStandIn, standInEmbedding } from './testing/llm-stand-in.js';
import { cosineSimilarity } from './vector-store.js';

const catalog = createNodeCatalog();
let llm: LlmStandIn;
let workdir: string;

beforeAll(async () => {
  llm = await LlmStandIn.start();
});
afterAll(async () => {
  await llm.server.stop();
});
beforeEach(async () => {
  llm.replies.length = 0;
  llm.server.received.length = 0;
  workdir = await mkdtemp(join(tmpdir(), 'casare-rag-'));
});
afterEach(async () => {
  await rm(workdir, { recursive: true, force: true });
});

const config = (extra: JsonObject): JsonObject => ({ api_key: LLM_KEY, base_url: llm.baseUrl, ...extra });
const run = (type: string, extra: JsonObject, step = 0, id = 'r') =>
  catalog.execute(aNodeExecution(type).withId(id).withConfig(config(extra)).inRun('run-rag', step).inDirectory(workdir).build());

const DOCUMENTS: Json[] = [
  { id: 'inv', content: 'Invoice 42 awaits payment', metadata: { kind: 'billing' } },
  { id: 'pet', content: 'The cat and the dog sleep', metadata: { kind: 'home' } },
  'Rain and more rain: the weather today',
];

describe('EmbeddingNode', () => {
  it('embeds a text with the /embeddings endpoint', async () => {
    const { outputs } = await run('EmbeddingNode', { text: 'invoice payment', model: 'embed-small' });
    expect(outputs).toEqual({ embedding: standInEmbedding('invoice payment'), dimensions: 8, tokens_used: 3, success: true, error: '' });
    expect(llm.server.bodyOf(0)).toEqual({ model: 'embed-small', input: ['invoice payment'] });
  });
});

describe('the vector store (a SQLite file in the working directory)', () => {
  it('adds documents, finds the nearest by cosine similarity, filters by metadata', async () => {
    expect((await run('VectorStoreAddNode', { documents: DOCUMENTS, collection: 'kb' })).outputs).toEqual({
      count: 3,
      collection_name: 'kb',
      success: true,
      error: '',
    });
    expect((await stat(join(workdir, '.casare/vector-store.db'))).isFile()).toBe(true);
    const { outputs } = await run('VectorSearchNode', { query: 'unpaid invoice', collection: 'kb', top_k: 2 }, 1);
    expect(outputs['result_count']).toBe(2);
    expect(outputs['top_result']).toMatchObject({ id: 'inv', content: 'Invoice 42 awaits payment', metadata: { kind: 'billing' } });
    const expected = cosineSimilarity(standInEmbedding('unpaid invoice'), standInEmbedding('Invoice 42 awaits payment'));
    expect((outputs['top_result'] as JsonObject)['score']).toBeCloseTo(expected, 10);
    const filtered = await run('VectorSearchNode', { query: 'unpaid invoice', collection: 'kb', filter: { kind: 'home' } }, 2);
    expect(filtered.outputs['results']).toEqual([expect.objectContaining({ id: 'pet' })]);
    const otherCollection = await run('VectorSearchNode', { query: 'invoice', collection: 'other' }, 3);
    expect(otherCollection.outputs).toMatchObject({ results: [], top_result: {}, result_count: 0 });
  });

  it('a re-run of the same step (same idempotency key) writes nothing new and reports what the first run did', async () => {
    await run('VectorStoreAddNode', { documents: DOCUMENTS }, 7);
    await run('VectorStoreAddNode', { documents: [{ id: 'inv', content: 'changed text' }] }, 7);
    const found = await run('VectorSearchNode', { query: 'invoice', top_k: 1 }, 8);
    expect(found.outputs['top_result']).toMatchObject({ id: 'inv', content: 'Invoice 42 awaits payment' });
    expect((await run('VectorStoreDeleteNode', { document_ids: ['inv', 'nope'] }, 9)).outputs).toEqual({ deleted_count: 1, success: true, error: '' });
    expect((await run('VectorStoreDeleteNode', { document_ids: ['inv', 'nope'] }, 9)).outputs).toEqual({ deleted_count: 1, success: true, error: '' });
    expect((await run('VectorStoreDeleteNode', { document_ids: 'pet' }, 10)).outputs['deleted_count']).toBe(1);
    const left = await run('VectorSearchNode', { query: 'invoice', top_k: 10 }, 11);
    expect((left.outputs['results'] as JsonObject[]).map((hit) => hit['id'])).toEqual(['doc_2']);
  });

  it('given embeddings are used as they are; a query embedding skips the endpoint', async () => {
    await run(
      'VectorStoreAddNode',
      {
        documents: ['north', 'east'],
        embeddings: [
          [1, 0],
          [0, 1],
        ],
      },
      1,
    );
    expect(llm.server.received).toHaveLength(0);
    const { outputs } = await run('VectorSearchNode', { query: 'ignored', query_embedding: [0.1, 0.9] }, 2);
    expect(outputs['top_result']).toMatchObject({ id: 'doc_1', content: 'east' });
    expect(llm.server.received).toHaveLength(0);
  });

  it('bad documents, ids, top_k or a store outside the working directory are config errors naming the field', async () => {
    await expect(run('VectorStoreAddNode', { documents: [] }, 0, 'va')).rejects.toThrow('nodes.va.config.documents: required');
    await expect(run('VectorStoreAddNode', { documents: [{ id: 'x' }] }, 0, 'va')).rejects.toThrow('nodes.va.config.documents[0].content');
    await expect(run('VectorStoreAddNode', { documents: ['a'], embeddings: [['x']] }, 0, 'va')).rejects.toThrow('nodes.va.config.embeddings[0]');
    await expect(run('VectorSearchNode', { query: 'q', top_k: 0 }, 0, 'vs')).rejects.toThrow('nodes.vs.config.top_k');
    await expect(run('VectorStoreDeleteNode', { document_ids: [] }, 0, 'vd')).rejects.toThrow('nodes.vd.config.document_ids');
    await expect(run('VectorSearchNode', { query: 'q', store_path: '../elsewhere.db' }, 0, 'vs')).rejects.toThrow('nodes.vs.config.store_path');
    expect(catalog.validate([aWorkflowNode('VectorSearchNode', { query: 'q', filter: 'not a dict' }, 'vf')])).toEqual([
      expect.objectContaining({ path: 'nodes.vf.config.filter' }),
    ]);
  });
});

describe('RAGNode', () => {
  it('puts the nearest documents into the prompt and answers from them', async () => {
    await run('VectorStoreAddNode', { documents: DOCUMENTS }, 1);
    llm.replies.push('Invoice 42 is unpaid.');
    const { outputs } = await run('RAGNode', { question: 'Which invoice awaits payment?', top_k: 1, model: 'm' }, 2);
    expect(outputs).toMatchObject({ answer: 'Invoice 42 is unpaid.', context: '[1] Invoice 42 awaits payment', tokens_used: 10, success: true });
    expect(outputs['sources']).toEqual([expect.objectContaining({ id: 'inv', metadata: { kind: 'billing' } })]);
    const prompt = llm.messagesOf(2)[1]?.content ?? '';
    expect(prompt).toContain('[1] Invoice 42 awaits payment');
    expect(prompt).toContain('Question: Which invoice awaits payment?');
    await expect(run('RAGNode', { question: 'q', prompt_template: 'no slots' }, 3, 'rg')).rejects.toThrow('nodes.rg.config.prompt_template');
  });
});

describe('prompt templates', () => {
  it('renders a built-in template without calling the model when execute is false (a pure node)', async () => {
    expect(catalog.effectOf(aWorkflowNode('PromptTemplateNode', { template_id: 'email_reply', execute: false }))).toBe('pure');
    expect(catalog.effectOf(aWorkflowNode('PromptTemplateNode', { template_id: 'email_reply', execute: '{{send}}' }))).toBe('world');
    expect(catalog.effectOf(aWorkflowNode('PromptTemplateNode', { template_id: 'email_reply' }))).toBe('world');
    const { outputs } = await run('PromptTemplateNode', {
      template_id: 'email_reply',
      execute: false,
      variables: { email: 'Where is my parcel?', sender: 'Bo' },
    });
    expect(outputs).toMatchObject({ response: '', tokens_used: 0, system_prompt: 'You write clear, polite business emails.' });
    expect(outputs['rendered_prompt']).toBe('Write a friendly reply to this email. Sign it as Bo.\n\nWhere is my parcel?');
    expect(llm.server.received).toHaveLength(0);
  });

  it('executes the rendered prompt and parses a JSON answer', async () => {
    llm.replies.push('{"sentiment": "negative", "score": -0.7}');
    const { outputs } = await run('PromptTemplateNode', { template_id: 'sentiment_analysis', variables: { text: 'Terrible.' } });
    expect(outputs).toMatchObject({ parsed_response: { sentiment: 'negative', score: -0.7 }, tokens_used: 10 });
    expect(llm.messagesOf(0)[1]?.content).toContain('Terrible.');
  });

  it('an unknown template or a missing required variable is a config error', async () => {
    await expect(run('PromptTemplateNode', { template_id: 'nope' }, 0, 'pt')).rejects.toThrow('nodes.pt.config.template_id: no template "nope"');
    await expect(run('PromptTemplateNode', { template_id: 'summarize_text', execute: false }, 0, 'pt')).rejects.toThrow(
      'nodes.pt.config.variables.text: required',
    );
  });

  it('lists and describes the built-in templates', async () => {
    expect((await run('ListTemplatesNode', {})).outputs['count']).toBe(BUILT_IN_TEMPLATES.length);
    const generation = await run('ListTemplatesNode', { category: 'generation' });
    expect((generation.outputs['templates'] as JsonObject[]).map((template) => template['id'])).toEqual(['summarize_text', 'email_reply']);
    expect((await run('ListTemplatesNode', { search: 'sentiment' })).outputs['count']).toBe(1);
    expect((await run('ListTemplatesNode', { include_builtin: false })).outputs['count']).toBe(0);
    const info = await run('GetTemplateInfoNode', { template_id: 'summarize_text' });
    expect(info.outputs).toMatchObject({ found: true, template_info: { id: 'summarize_text', category: 'generation' } });
    expect(info.outputs['variables']).toEqual([
      { name: 'text', description: 'The text to summarise', required: true },
      { name: 'sentences', description: 'Most sentences in the summary', required: false, default: '3' },
    ]);
    expect((await run('GetTemplateInfoNode', { template_id: 'nope' })).outputs).toMatchObject({ found: false, template_info: {} });
  });
});
