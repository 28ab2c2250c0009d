import { JsonStandIn, type ReceivedRequest, type StandInAnswer } from '../../testing/json-stand-in.js';

/** The key the OpenAI-compatible stand-in accepts. */
export const LLM_KEY = 'sk-llm-secret';

/** Words whose counts make the stand-in's embeddings: texts sharing words are close. */
const EMBEDDING_WORDS = ['invoice', 'payment', 'refund', 'cat', 'dog', 'weather', 'rain'];

/** The stand-in's embedding of a text: counts of a few words, plus a constant so no vector is zero. */
export function standInEmbedding(text: string): number[] {
  const words = text.toLowerCase().split(/[^a-z]+/);
  return [...EMBEDDING_WORDS.map((word) => words.filter((candidate) => candidate.startsWith(word)).length), 0.1];
}

/**
 * An OpenAI-compatible stand-in: `/v1/chat/completions` answers with the next scripted reply (or
 * `reply(request)`), `/v1/embeddings` with `standInEmbedding` of each input; a wrong key gets 401.
 */
export class LlmStandIn {
  private constructor(
    readonly server: JsonStandIn,
    /** Replies to give, in order, to chat completions. */
    readonly replies: string[],
  ) {}

  /** Starts the stand-in. */
  static async start(): Promise<LlmStandIn> {
    const replies: string[] = [];
    return new LlmStandIn(await JsonStandIn.start((request) => answerAsLlm(request, replies)), replies);
  }

  /** The base URL nodes take (`.../v1`). */
  get baseUrl(): string {
    return `${this.server.base}/v1`;
  }

  /** The chat messages of the `index`th request. */
  messagesOf(index: number): Array<{ role: string; content: string }> {
    return (JSON.parse(this.server.received[index]?.body ?? '{}') as { messages?: Array<{ role: string; content: string }> }).messages ?? [];
  }
}

/** How the stand-in answers: embeddings of each input, or the next scripted reply. */
function answerAsLlm(request: ReceivedRequest, replies: string[]): StandInAnswer {
  if (request.headers.authorization !== `Bearer ${LLM_KEY}`) return { status: 401, body: { error: { message: 'bad key' } } };
  const sent = JSON.parse(request.body) as { model?: string; input?: string[] };
  if (request.url === '/v1/embeddings') {
    const data = (sent.input ?? []).map((text, index) => ({ object: 'embedding', index, embedding: standInEmbedding(text) }));
    return { status: 200, body: { data, model: sent.model ?? '', usage: { total_tokens: data.length * 3 } } };
  }
  if (request.url === '/v1/chat/completions') {
    const content = replies.shift();
    if (content === undefined) return { status: 500, body: { error: { message: 'the test scripted no more replies' } } };
    return { status: 200, body: { model: sent.model ?? '', choices: [{ message: { role: 'assistant', content } }], usage: { total_tokens: 10 } } };
  }
  return { status: 404, body: { error: { message: 'no such endpoint' } } };
}
