import type { NodeExecution } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { isJsonArray, isJsonObject, list, number, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';
import { callLlmEndpoint, chatCompletion, llmFields, type LlmConfig } from '../connectors/connector-nodes.js';
import { AnswerReader } from './llm-answer.js';

// What the LLM, RAG and document-AI nodes share on top of the chat completion of the connector
// nodes: their config fields (with each node's own default temperature), one JSON question to the
// model, embeddings, and the v1 habit of giving lists as comma-separated text.

/** The shared LLM config fields with a node's default temperature (and model). */
export function llmFieldsWith(temperature: number, model = 'gpt-4o-mini') {
  return { ...llmFields, temperature: number(temperature), model: text(model) };
}

/** A list given as a list, as JSON text or as comma-separated text (`"invoice, receipt"`). */
export function wordList() {
  return z.preprocess(
    (value) =>
      typeof value === 'string' && !value.trim().startsWith('[')
        ? value
            .split(',')
            .map((word) => word.trim())
            .filter((word) => word !== '')
        : value,
    list(),
  );
}

/** The words of a `wordList()` field as text; empty is a config error on `field` when `required`. */
export function wordsOf(values: readonly Json[], field: string, required: boolean): string[] {
  const words = values.map((value) => textOf(value).trim()).filter((word) => word !== '');
  if (required && words.length === 0) throw new ConfigFieldError(field, 'must name at least one choice');
  return [...new Set(words)];
}

/** Context data as the prompt shows it: JSON for objects and lists. */
export function contextText(value: Json): string {
  if (value === null || value === '') return 'No context provided.';
  return isJsonObject(value) || isJsonArray(value) ? JSON.stringify(value, null, 2) : textOf(value);
}

/** Asks the model for a JSON object; returns a reader over the answer, the object and tokens used. */
export async function askForJson(execution: NodeExecution, config: LlmConfig, system: string, prompt: string) {
  const answer = await chatCompletion(execution, config, [
    { role: 'system', content: `${config.system_prompt ? `${config.system_prompt}\n\n` : ''}${system} Answer with one JSON object and nothing else.` },
    { role: 'user', content: prompt },
  ]);
  const reader = new AnswerReader(execution, answer.response);
  return { reader, json: reader.object(), tokens_used: answer.tokens_used, raw: answer.response };
}

/** The embedding fields: key, endpoint, model, timeout. */
export const embeddingFields = {
  api_key: llmFields.api_key,
  base_url: llmFields.base_url,
  timeout: llmFields.timeout,
};

/** Embeds texts with the endpoint's `/embeddings`; returns one vector per text, in order, and the tokens used. */
export async function embedTexts(
  execution: NodeExecution,
  config: { api_key?: string | undefined; base_url: string; timeout: number },
  model: string,
  texts: readonly string[],
): Promise<{ vectors: number[][]; tokens_used: Json }> {
  if (texts.length === 0) return { vectors: [], tokens_used: 0 };
  const answer = await callLlmEndpoint(execution, config, 'embeddings', { model, input: [...texts] });
  const data = isJsonArray(answer['data']) ? answer['data'] : [];
  const reader = new AnswerReader(execution, JSON.stringify(answer).slice(0, 500));
  const vectors = texts.map((_, position) => {
    const entry = data.find((item) => isJsonObject(item) && item['index'] === position) ?? data[position];
    const embedding = isJsonObject(entry) ? entry['embedding'] : undefined;
    if (!isJsonArray(embedding) || embedding.length === 0 || !embedding.every((value) => typeof value === 'number')) {
      return reader.fail(`has no embedding (a list of numbers) for input ${position}`);
    }
    return embedding as number[];
  });
  const usage = isJsonObject(answer['usage']) ? answer['usage'] : {};
  return { vectors, tokens_used: usage['total_tokens'] ?? 0 };
}
