import { hasErrorCode } from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';
import { LlmAnswerError } from './llm-answer.js';
import { heuristicRecovery, switchPortOf } from './llm-nodes.js';
import { LLM_KEY, LlmStandIn } from './testing/llm-stand-in.js';

const catalog = createNodeCatalog();
let llm: LlmStandIn;

beforeAll(async () => {
  llm = await LlmStandIn.start();
});
afterAll(async () => {
  await llm.server.stop();
});
beforeEach(() => {
  llm.replies.length = 0;
  llm.server.received.length = 0;
});

const config = (extra: JsonObject): JsonObject => ({ api_key: LLM_KEY, base_url: llm.baseUrl, model: 'test-model', ...extra });
const run = (type: string, extra: JsonObject, id = 'n', connectedPorts: readonly string[] = ['exec_out']) =>
  catalog.execute(aNodeExecution(type).withId(id).withConfig(config(extra)).withConnectedPorts(connectedPorts).build());
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the node to fail');
    },
    (error: unknown) => error as Error,
  );

describe('LLMExtractDataNode', () => {
  const schema = { name: 'string', age: 'integer', email: 'string' };

  it('returns the fields the schema names, from a fenced JSON answer, with temperature 0', async () => {
    llm.replies.push('```json\n{"name": "Ada", "age": 36, "email": null}\n```');
    const { outputs } = await run('LLMExtractDataNode', { text: 'Ada, 36, no email', schema });
    expect(outputs).toMatchObject({ extracted_data: { name: 'Ada', age: 36, email: null }, tokens_used: 10, success: true });
    expect(llm.server.bodyOf(0)).toMatchObject({ model: 'test-model', temperature: 0 });
    expect(llm.messagesOf(0)[1]?.content).toContain('"age": "integer"');
  });

  it('refuses an answer that is not JSON, lacks a field or has the wrong type, naming the node', async () => {
    llm.replies.push('Sure! Her name is Ada.', '{"name": "Ada", "age": 36}', '{"name": "Ada", "age": "36", "email": null}');
    const notJson = await failureOf(run('LLMExtractDataNode', { text: 't', schema }, 'ex'));
    expect(notJson).toBeInstanceOf(LlmAnswerError);
    expect(hasErrorCode(notJson, 'LLM_ANSWER_INVALID')).toBe(true);
    expect(notJson.message).toMatch(/^nodes\.ex: the model's answer is not JSON/);
    await expect(run('LLMExtractDataNode', { text: 't', schema }, 'ex')).rejects.toThrow('nodes.ex: the model\'s answer has no field "email"');
    await expect(run('LLMExtractDataNode', { text: 't', schema }, 'ex')).rejects.toThrow('"age" that is not of type integer');
  });

  it('a schema that is not an object is a validation issue at its JSON path; an empty one fails the run naming the field', async () => {
    expect(catalog.validate([aWorkflowNode('LLMExtractDataNode', { text: 't', schema: 'not json' }, 'bad')])).toEqual([
      expect.objectContaining({ nodeId: 'bad', path: 'nodes.bad.config.schema' }),
    ]);
    await expect(run('LLMExtractDataNode', { text: 't' }, 'es')).rejects.toThrow('nodes.es.config.schema: required');
    expect(llm.server.received).toHaveLength(0);
  });
});

describe('summarise, classify and translate', () => {
  it('LLMSummarizeNode asks for the style and bounds the answer', async () => {
    llm.replies.push('  - paid\n- late  ');
    const { outputs } = await run('LLMSummarizeNode', { text: 'The invoice was paid late.', style: 'bullet_points', max_length: 50 });
    expect(outputs).toEqual({ summary: '- paid\n- late', original_length: 26, summary_length: 13, tokens_used: 10, success: true, error: '' });
    expect(llm.server.bodyOf(0)).toMatchObject({ max_tokens: 100, temperature: 0.5 });
    expect(llm.messagesOf(0)[1]?.content).toContain('bullet points');
    await expect(run('LLMSummarizeNode', { text: 'x', max_length: 5 }, 'sm')).rejects.toThrow('nodes.sm.config.max_length');
  });

  it('LLMClassifyNode keeps the category as offered and refuses one it did not offer', async () => {
    llm.replies.push('{"category": "NEGATIVE", "confidence": 0.9}', '{"category": "angry", "confidence": 0.9}');
    expect((await run('LLMClassifyNode', { text: 'awful', categories: 'positive, negative, neutral' })).outputs).toMatchObject({
      classification: 'negative',
      classifications: ['negative'],
      confidence: { primary: 0.9 },
    });
    await expect(run('LLMClassifyNode', { text: 'awful', categories: ['positive', 'negative'] }, 'cl')).rejects.toThrow(
      'nodes.cl: the model\'s answer picks "angry" as the category, which is not one of ["positive","negative"]',
    );
    await expect(run('LLMClassifyNode', { text: 'x', categories: '' }, 'ce')).rejects.toThrow('nodes.ce.config.categories');
  });

  it('LLMClassifyNode with multi_label returns every category picked', async () => {
    llm.replies.push('{"categories": ["billing", "urgent"], "confidence": {"billing": 0.8, "urgent": 0.6}}');
    expect((await run('LLMClassifyNode', { text: 'pay now', categories: ['billing', 'urgent', 'spam'], multi_label: true })).outputs).toMatchObject({
      classification: 'billing',
      classifications: ['billing', 'urgent'],
      confidence: { billing: 0.8, urgent: 0.6 },
    });
  });

  it('LLMTranslateNode returns the translation and the detected language', async () => {
    llm.replies.push('{"translated_text": "Hola", "detected_language": "English"}', '{"detected_language": "English"}');
    expect((await run('LLMTranslateNode', { text: 'Hello', target_language: 'Spanish' })).outputs).toMatchObject({
      translated_text: 'Hola',
      detected_language: 'English',
    });
    expect(llm.server.bodyOf(0)).toMatchObject({ temperature: 0.3 });
    await expect(run('LLMTranslateNode', { text: 'Hello', target_language: 'Spanish' }, 'tr')).rejects.toThrow('has no text "translated_text"');
  });
});

describe('AI branches', () => {
  it('AIConditionNode takes exec_true or exec_false from a boolean answer only', async () => {
    llm.replies.push('{"result": true, "confidence": 0.95, "reasoning": "it complains"}', '{"result": false}', '{"result": "yes"}');
    const context = { subject: 'Broken again', body: 'Third time this month' };
    const yes = await run('AIConditionNode', { condition: 'Is this a complaint?', context });
    expect(yes).toMatchObject({ outputs: { result: true, confidence: 0.95, reasoning: 'it complains' }, ports: ['exec_true'] });
    expect(llm.messagesOf(0)[1]?.content).toContain('"subject": "Broken again"');
    expect((await run('AIConditionNode', { condition: 'c?' })).ports).toEqual(['exec_false']);
    await expect(run('AIConditionNode', { condition: 'c?' }, 'ac')).rejects.toThrow('nodes.ac: the model\'s answer has no boolean "result"');
  });

  it('AISwitchNode routes to the chosen option when its port is wired, else to exec_default', async () => {
    llm.replies.push('{"selected": "Purchase Order", "confidence": 0.8, "scores": {"invoice": 0.1}}', '{"selected": "invoice"}', '{"selected": "memo"}');
    const wired = await run('AISwitchNode', { question: 'Which document?', options: 'invoice, Purchase Order, other' }, 'sw', [
      switchPortOf('Purchase Order'),
      'exec_default',
    ]);
    expect(wired).toMatchObject({ outputs: { selected_option: 'Purchase Order', all_scores: { invoice: 0.1 } }, ports: ['exec_purchase_order'] });
    expect((await run('AISwitchNode', { question: 'q', options: ['invoice', 'other'] }, 'sw', ['exec_default'])).ports).toEqual(['exec_default']);
    await expect(run('AISwitchNode', { question: 'q', options: ['invoice', 'other'] }, 'sw')).rejects.toThrow('picks "memo" as the option');
  });

  it('AIDecisionTableNode takes the action from the table for the rule the model picks', async () => {
    const decision_table: JsonObject = {
      rules: [
        { conditions: { amount: '> 1000' }, action: 'manager_approval', priority: 2 },
        { conditions: { vendor: 'known' }, action: 'auto_approve', priority: 1 },
      ],
      default_action: 'manual_review',
    };
    llm.replies.push(
      '{"matched_rule_index": 0, "confidence": 0.7}',
      '{"matched_rule_index": -1}',
      '{"matched_rule_index": 5}',
      '{"matched_rule_index": 1, "matched_action": "reject"}',
    );
    expect((await run('AIDecisionTableNode', { decision_table, context: { amount: 5000 } })).outputs).toMatchObject({
      matched_action: 'manager_approval',
      matched_rule_index: 0,
      confidence: 0.7,
    });
    expect((await run('AIDecisionTableNode', { decision_table })).outputs).toMatchObject({ matched_action: 'manual_review', matched_rule_index: -1 });
    await expect(run('AIDecisionTableNode', { decision_table }, 'dt')).rejects.toThrow('picks rule 5, and the table has rules 0 to 1');
    await expect(run('AIDecisionTableNode', { decision_table }, 'dt')).rejects.toThrow('names action "reject" for rule 1, whose action is "auto_approve"');
    await expect(run('AIDecisionTableNode', { decision_table: { rules: [{ conditions: {} }] } }, 'dt')).rejects.toThrow(
      'nodes.dt.config.decision_table.rules[0]',
    );
  });
});

describe('AIAgentNode (a bounded loop without tools)', () => {
  it('reasons turn by turn until a final answer, keeping each step', async () => {
    llm.replies.push('{"thought": "look at the order"}', 'The order shipped yesterday.', '{"thought": "done", "final_answer": {"status": "shipped"}}');
    const { outputs, ports } = await run('AIAgentNode', { goal: 'Find the order status', context: { order: 12345 }, max_steps: 5 });
    expect(ports).toEqual(['exec_out']);
    expect(outputs).toMatchObject({ result: { status: 'shipped' }, step_count: 3, total_tokens: 30, success: true, error: '' });
    expect(outputs['steps_taken']).toEqual([
      { step: 1, thought: 'look at the order' },
      { step: 2, thought: 'The order shipped yesterday.' },
      { step: 3, thought: 'done', final_answer: { status: 'shipped' } },
    ]);
    expect(llm.messagesOf(2).map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
  });

  it('stops at max_steps and takes exec_error; tools are refused at validation', async () => {
    llm.replies.push('{"thought": "one"}', '{"thought": "two"}', '{"thought": "never asked"}');
    const { outputs, ports } = await run('AIAgentNode', { goal: 'g', max_steps: 2 });
    expect(ports).toEqual(['exec_error']);
    expect(outputs).toMatchObject({ result: null, step_count: 2, success: false, error: 'no final answer within max_steps (2)' });
    expect(llm.server.received).toHaveLength(2);
    expect(catalog.validate([aWorkflowNode('AIAgentNode', { goal: 'g', available_tools: 'read_file, http_request' }, 'ag')])).toEqual([
      expect.objectContaining({ path: 'nodes.ag.config.available_tools', message: expect.stringContaining('tool calls are not supported') }),
    ]);
  });
});

describe('AIRecoveryNode', () => {
  it("gives the model's advice, or the heuristic when the advice is unusable or unsure", async () => {
    llm.replies.push(
      '{"strategy": "retry_with_modifications", "confidence": 0.9, "reasoning": "the selector moved", "suggested_fix": "wait longer", "retry_modifications": {"timeout": 60}, "alternatives": ["skip"]}',
      '{"strategy": "pray", "confidence": 0.9}',
      '{"strategy": "skip", "confidence": 0.2}',
    );
    const error = { error_message: 'Timeout 30000ms exceeded waiting for #submit', error_type: 'TimeoutError', error_node: 'click_1' };
    expect((await run('AIRecoveryNode', error)).outputs).toEqual({
      strategy: 'retry_with_modifications',
      confidence: 0.9,
      reasoning: 'the selector moved',
      suggested_fix: 'wait longer',
      retry_modifications: { timeout: 60 },
      alternatives: ['skip'],
    });
    expect(llm.messagesOf(0)[1]?.content).toContain('Failed node: click_1');
    expect((await run('AIRecoveryNode', error)).outputs).toMatchObject({ strategy: 'retry', alternatives: ['retry_with_modifications', 'escalate'] });
    expect((await run('AIRecoveryNode', error)).outputs).toMatchObject({ strategy: 'retry' });
  });

  it('without the heuristic fallback an off-script answer fails the node', async () => {
    llm.replies.push('{"strategy": "pray"}');
    await expect(run('AIRecoveryNode', { error_message: 'x', fallback_to_heuristic: false }, 'rc')).rejects.toThrow(
      'nodes.rc: the model\'s answer picks "pray" as the strategy',
    );
    expect(heuristicRecovery('403 Forbidden', 'HttpError').strategy).toBe('escalate');
    expect(heuristicRecovery('something odd', 'Error').strategy).toBe('abort');
  });
});

describe('the LLM nodes share the connector call', () => {
  it('a wrong key fails with CONNECTOR_AUTH_FAILED and the key never shows', async () => {
    const failure = await failureOf(run('LLMSummarizeNode', { text: 't', api_key: 'sk-wrong-key' }));
    expect(failure).toMatchObject({ code: 'CONNECTOR_AUTH_FAILED' });
    expect(failure.message).not.toContain('sk-wrong-key');
  });
});
