import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, dict, integer, isJsonArray, isJsonObject, nonEmptyText, number, oneOf, text, tryParseJson } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { chatCompletion } from '../connectors/connector-nodes.js';
import { textOf } from '../data/values.js';
import { AnswerReader, checkAgainstSchema, LlmAnswerError } from './llm-answer.js';
import { askForJson, contextText, llmFieldsWith, wordList, wordsOf } from './llm-call.js';

// LLM nodes over the OpenAI-compatible endpoint: extraction, summary, classification, translation,
// the AI branches (condition, switch, decision table), a bounded agent loop and error-recovery
// advice (the model's, or a heuristic of the error's words when it is unsure or off-script). Each is a world node (one or more calls to the endpoint inside its step). Whatever
// steers the workflow or is extracted is asked for as JSON and checked (llm-answer.ts) first.

const COMMON_INPUTS = ['model', 'temperature', 'system_prompt', 'max_tokens'];

const llmExtractDataNode = defineNode({
  types: ['LLMExtractDataNode'],
  config: z.looseObject({ ...llmFieldsWith(0), text: nonEmptyText(), schema: dict() }),
  ports: { inputs: ['text', 'schema', ...COMMON_INPUTS], outputs: ['extracted_data', 'raw_response', 'tokens_used', 'success', 'error'] },
  run: async (config, execution) => {
    if (Object.keys(config.schema).length === 0) throw new ConfigFieldError('schema', 'required: a JSON object naming the fields to extract');
    const { reader, json, tokens_used, raw } = await askForJson(
      execution,
      config,
      'You extract structured data from text. Use exactly the fields of the schema; a field the text does not give is null.',
      `Schema:\n${JSON.stringify(config.schema, null, 2)}\n\nText:\n${config.text}`,
    );
    checkAgainstSchema(reader, json, config.schema);
    return { outputs: { extracted_data: json, raw_response: raw, tokens_used, success: true, error: '' } };
  },
});

const SUMMARY_STYLES = {
  paragraph: 'Summarise the text in one concise paragraph.',
  bullet_points: "Summarise the text as bullet points, one per line, each starting with '- '.",
  key_points: 'List the key points of the text, numbered 1., 2., 3. and so on.',
} as const;

const llmSummarizeNode = defineNode({
  types: ['LLMSummarizeNode'],
  config: z.looseObject({
    ...llmFieldsWith(0.5),
    text: nonEmptyText(),
    max_length: integer(200),
    style: oneOf(['paragraph', 'bullet_points', 'key_points'], 'paragraph'),
  }),
  ports: {
    inputs: ['text', 'max_length', 'style', ...COMMON_INPUTS],
    outputs: ['summary', 'original_length', 'summary_length', 'tokens_used', 'success', 'error'],
  },
  run: async (config, execution) => {
    if (config.max_length < 10) throw new ConfigFieldError('max_length', 'must be at least 10 words');
    const answer = await chatCompletion(execution, { ...config, max_tokens: config.max_length * 2 }, [
      { role: 'system', content: config.system_prompt || 'You write clear, faithful summaries.' },
      { role: 'user', content: `${SUMMARY_STYLES[config.style]} Use at most ${config.max_length} words.\n\nText:\n${config.text}` },
    ]);
    const summary = answer.response.trim();
    return {
      outputs: { summary, original_length: config.text.length, summary_length: summary.length, tokens_used: answer.tokens_used, success: true, error: '' },
    };
  },
});

const llmClassifyNode = defineNode({
  types: ['LLMClassifyNode'],
  config: z.looseObject({ ...llmFieldsWith(0), text: nonEmptyText(), categories: wordList(), multi_label: boolean(false) }),
  ports: {
    inputs: ['text', 'categories', 'multi_label', ...COMMON_INPUTS],
    outputs: ['classification', 'classifications', 'confidence', 'tokens_used', 'success', 'error'],
  },
  run: async (config, execution) => {
    const categories = wordsOf(config.categories, 'categories', true);
    const shape = config.multi_label
      ? '{"categories": ["<one or more of the categories>"], "confidence": {"<category>": <0..1>}}'
      : '{"category": "<one of the categories>", "confidence": <0..1>}';
    const { reader, json, tokens_used } = await askForJson(
      execution,
      config,
      'You classify text into the given categories only.',
      `Categories: ${JSON.stringify(categories)}\nAnswer as ${shape}.\n\nText:\n${config.text}`,
    );
    if (config.multi_label) {
      const picked = reader.list(json, 'categories').map((value) => reader.choice(value, categories, 'a category'));
      if (picked.length === 0) reader.fail('picks no category');
      const confidence = reader.dict(json, 'confidence');
      return { outputs: { classification: picked[0] ?? '', classifications: picked, confidence, tokens_used, success: true, error: '' } };
    }
    const classification = reader.choice(json['category'], categories, 'the category');
    const confidence = { primary: reader.confidence(json) };
    return { outputs: { classification, classifications: [classification], confidence, tokens_used, success: true, error: '' } };
  },
});

const llmTranslateNode = defineNode({
  types: ['LLMTranslateNode'],
  config: z.looseObject({ ...llmFieldsWith(0.3), text: nonEmptyText(), target_language: nonEmptyText(), source_language: text('') }),
  ports: {
    inputs: ['text', 'target_language', 'source_language', ...COMMON_INPUTS],
    outputs: ['translated_text', 'detected_language', 'tokens_used', 'success', 'error'],
  },
  run: async (config, execution) => {
    const from = config.source_language ? `from ${config.source_language} ` : '';
    const { reader, json, tokens_used } = await askForJson(
      execution,
      { ...config, max_tokens: Math.max(config.max_tokens, config.text.length * 3) },
      'You are a careful translator.',
      `Translate the text ${from}to ${config.target_language}. Answer as {"translated_text": "...", "detected_language": "<the source language>"}.\n\nText:\n${config.text}`,
    );
    const translated = reader.text(json, 'translated_text');
    const detected = reader.text(json, 'detected_language', config.source_language || 'unknown');
    return { outputs: { translated_text: translated, detected_language: detected, tokens_used, success: true, error: '' } };
  },
});

const aiConditionNode = defineNode({
  types: ['AIConditionNode'],
  config: z.looseObject({ ...llmFieldsWith(0), condition: nonEmptyText(), context: anyValue() }),
  ports: {
    inputs: ['condition', 'context', ...COMMON_INPUTS],
    outputs: ['result', 'confidence', 'reasoning', 'success', 'error'],
    exec: ['exec_true', 'exec_false'],
  },
  run: async (config, execution) => {
    const { reader, json } = await askForJson(
      execution,
      config,
      'You decide whether a condition holds for the given context. Be precise and literal.',
      `Condition: ${config.condition}\n\nContext:\n${contextText(config.context)}\n\nAnswer as {"result": true|false, "confidence": <0..1>, "reasoning": "<one sentence>"}.`,
    );
    const result = reader.boolean(json, 'result');
    return {
      outputs: { result, confidence: reader.confidence(json), reasoning: reader.text(json, 'reasoning', ''), success: true, error: '' },
      ports: [result ? 'exec_true' : 'exec_false'],
    };
  },
});

/** The exec port of an AISwitchNode option (as the v1 editor named them: `exec_<option>`, lower case, `_` for spaces and dashes). */
export function switchPortOf(option: string): string {
  return `exec_${option.toLowerCase().replace(/[ -]/g, '_').slice(0, 20)}`;
}

const aiSwitchNode = defineNode({
  types: ['AISwitchNode'],
  config: z.looseObject({ ...llmFieldsWith(0), question: nonEmptyText(), options: wordList(), context: anyValue() }),
  ports: {
    inputs: ['question', 'options', 'context', ...COMMON_INPUTS],
    outputs: ['selected_option', 'confidence', 'reasoning', 'all_scores', 'success', 'error'],
    exec: ['exec_default'],
  },
  run: async (config, execution) => {
    const options = wordsOf(config.options, 'options', true);
    const { reader, json } = await askForJson(
      execution,
      config,
      'You pick the one option that best answers the question for the given context.',
      `Question: ${config.question}\nOptions: ${JSON.stringify(options)}\n\nContext:\n${contextText(config.context)}\n\nAnswer as {"selected": "<exactly one option>", "confidence": <0..1>, "reasoning": "<one sentence>", "scores": {"<option>": <0..1>}}.`,
    );
    const selected = reader.choice(json['selected'], options, 'the option');
    const port = switchPortOf(selected);
    return {
      outputs: {
        selected_option: selected,
        confidence: reader.confidence(json),
        reasoning: reader.text(json, 'reasoning', ''),
        all_scores: reader.dict(json, 'scores'),
        success: true,
        error: '',
      },
      ports: [execution.connectedPorts.includes(port) ? port : 'exec_default'],
    };
  },
});

interface DecisionRule {
  readonly conditions: JsonObject;
  readonly action: string;
  readonly priority: Json;
}

/** The rules and default action of a decision table, checked; a bad table is a config error naming the rule. */
function decisionTableOf(table: JsonObject): { rules: DecisionRule[]; defaultAction: string } {
  const rules = table['rules'];
  if (!isJsonArray(rules) || rules.length === 0) throw new ConfigFieldError('decision_table.rules', 'required: a non-empty list of rules');
  return {
    rules: rules.map((rule, index) => {
      if (!isJsonObject(rule) || typeof rule['action'] !== 'string' || rule['action'] === '') {
        throw new ConfigFieldError(`decision_table.rules[${index}]`, 'expected {"conditions": {...}, "action": "<name>", "priority": <n>}');
      }
      return { conditions: isJsonObject(rule['conditions']) ? rule['conditions'] : {}, action: rule['action'], priority: rule['priority'] ?? 0 };
    }),
    defaultAction: typeof table['default_action'] === 'string' ? table['default_action'] : 'no_action',
  };
}

const aiDecisionTableNode = defineNode({
  types: ['AIDecisionTableNode'],
  config: z.looseObject({ ...llmFieldsWith(0), decision_table: dict(), context: anyValue() }),
  ports: {
    inputs: ['decision_table', 'context', ...COMMON_INPUTS],
    outputs: ['matched_action', 'matched_rule_index', 'confidence', 'reasoning', 'all_matches', 'success', 'error'],
  },
  run: async (config, execution) => {
    const { rules, defaultAction } = decisionTableOf(config.decision_table);
    const table = rules
      .map((rule, index) => `Rule ${index}: IF ${JSON.stringify(rule.conditions)} THEN "${rule.action}" (priority ${textOf(rule.priority)})`)
      .join('\n');
    const { reader, json } = await askForJson(
      execution,
      config,
      'You match a context against decision-table rules, allowing approximate (semantic) matches and preferring higher priority.',
      `Rules:\n${table}\nDefault action: "${defaultAction}"\n\nContext:\n${contextText(config.context)}\n\nAnswer as {"matched_rule_index": <rule index, or -1 for the default>, "confidence": <0..1>, "reasoning": "<one sentence>", "all_matches": [{"rule_index": <n>, "score": <0..1>}]}.`,
    );
    const index = reader.integer(json, 'matched_rule_index');
    if (index < -1 || index >= rules.length) reader.fail(`picks rule ${index}, and the table has rules 0 to ${rules.length - 1} (or -1 for the default)`);
    const action = index === -1 ? defaultAction : (rules[index]?.action ?? defaultAction);
    if (typeof json['matched_action'] === 'string' && json['matched_action'] !== action) {
      reader.fail(`names action "${json['matched_action']}" for rule ${index}, whose action is "${action}"`);
    }
    return {
      outputs: {
        matched_action: action,
        matched_rule_index: index,
        confidence: reader.confidence(json),
        reasoning: reader.text(json, 'reasoning', ''),
        all_matches: reader.list(json, 'all_matches'),
        success: true,
        error: '',
      },
    };
  },
});

const AGENT_SYSTEM = [
  'You work towards a goal step by step, reasoning only: you have no tools and cannot act outside this conversation.',
  'Answer each turn with one JSON object: {"thought": "<your reasoning for this step>"} to keep going,',
  'or {"thought": "...", "final_answer": <the result, any JSON value>} when the goal is reached.',
].join(' ');

const aiAgentNode = defineNode({
  types: ['AIAgentNode'],
  config: z.looseObject({
    ...llmFieldsWith(0.7),
    goal: nonEmptyText(),
    context: anyValue(),
    available_tools: wordList().refine((tools) => tools.length === 0, {
      error: 'tool calls are not supported: the agent reasons in a bounded loop without tools (leave available_tools empty)',
    }),
    max_steps: integer(10),
    timeout: number(300),
  }),
  ports: {
    inputs: ['goal', 'context', 'available_tools', 'max_steps', 'timeout', ...COMMON_INPUTS],
    outputs: ['result', 'steps_taken', 'step_count', 'total_tokens', 'execution_time', 'success', 'error'],
    exec: ['exec_out', 'exec_error'],
  },
  run: async (config, execution) => {
    if (config.max_steps < 1 || config.max_steps > 50) throw new ConfigFieldError('max_steps', 'must be between 1 and 50');
    const started = Date.now();
    const deadline = started + config.timeout * 1000;
    const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [
      { role: 'system', content: config.system_prompt ? `${config.system_prompt}\n\n${AGENT_SYSTEM}` : AGENT_SYSTEM },
      { role: 'user', content: `Goal: ${config.goal}\n\nContext:\n${contextText(config.context)}` },
    ];
    const steps: JsonObject[] = [];
    let tokens = 0;
    const finish = (result: Json, error: string) => ({
      outputs: {
        result,
        steps_taken: steps,
        step_count: steps.length,
        total_tokens: tokens,
        execution_time: (Date.now() - started) / 1000,
        success: error === '',
        error,
      },
      ports: [error === '' ? 'exec_out' : 'exec_error'],
    });
    for (let step = 1; step <= config.max_steps; step++) {
      const remaining = (deadline - Date.now()) / 1000;
      if (remaining <= 0) return finish(null, `no final answer within the timeout of ${config.timeout}s (${steps.length} steps)`);
      const answer = await chatCompletion(execution, { ...config, timeout: Math.min(config.timeout, remaining) }, messages);
      tokens += typeof answer.tokens_used === 'number' ? answer.tokens_used : 0;
      const { reader, json } = parseAgentTurn(execution, answer.response);
      const thought = reader.text(json, 'thought', '');
      steps.push({ step, thought, ...(Object.hasOwn(json, 'final_answer') ? { final_answer: json['final_answer'] ?? null } : {}) });
      if (Object.hasOwn(json, 'final_answer')) return finish(json['final_answer'] ?? null, '');
      messages.push({ role: 'assistant', content: answer.response }, { role: 'user', content: 'Continue with the next step.' });
    }
    return finish(null, `no final answer within max_steps (${config.max_steps})`);
  },
});

const RECOVERY_STRATEGIES = ['retry', 'retry_with_modifications', 'skip', 'fallback', 'escalate', 'abort'] as const;

/** Advice from the error's words alone: what AIRecoveryNode falls back to when the model's advice is weak or unusable. */
export function heuristicRecovery(
  errorMessage: string,
  errorType: string,
): { strategy: string; confidence: number; reasoning: string; alternatives: string[] } {
  const words = `${errorType} ${errorMessage}`.toLowerCase();
  const advise = (strategy: string, reasoning: string, alternatives: string[]) => ({ strategy, confidence: 0.6, reasoning, alternatives });
  if (/timeout|timed out|econnreset|econnrefused|unreachable|temporar|429|503|rate limit/.test(words))
    return advise('retry', 'the error looks transient (a timeout, a refused or reset connection, a rate limit)', ['retry_with_modifications', 'escalate']);
  if (/not found|no such element|selector|stale|not visible|detached/.test(words))
    return advise('retry_with_modifications', 'the error looks like a page or element that was not where the node expected it', ['skip', 'escalate']);
  if (/permission|unauthori[sz]ed|forbidden|401|403|auth|credential/.test(words))
    return advise('escalate', 'the error is about access rights, which a retry cannot fix', ['abort']);
  if (/invalid|config|validation|required/.test(words))
    return advise('abort', 'the error is about the workflow or its data, which a retry cannot fix', ['escalate']);
  return { strategy: 'abort', confidence: 0.3, reasoning: 'nothing in the error suggests a retry would help', alternatives: ['escalate', 'retry'] };
}

const aiRecoveryNode = defineNode({
  types: ['AIRecoveryNode'],
  config: z.looseObject({
    ...llmFieldsWith(0, 'gpt-4o'),
    error_message: text('Unknown error'),
    error_type: text('Exception'),
    error_node: text(''),
    stack_trace: text(''),
    execution_history: anyValue(),
    node_context: anyValue(),
    use_screenshot: boolean(true),
    fallback_to_heuristic: boolean(true),
    min_confidence: number(0.5),
  }),
  ports: {
    inputs: ['error_message', 'error_type', 'error_node', 'stack_trace', 'execution_history', 'node_context', ...COMMON_INPUTS],
    outputs: ['strategy', 'confidence', 'reasoning', 'suggested_fix', 'retry_modifications', 'alternatives'],
  },
  run: async (config, execution) => {
    if (config.min_confidence < 0 || config.min_confidence > 1) throw new ConfigFieldError('min_confidence', 'must be between 0 and 1');
    const heuristic = () => {
      const advice = heuristicRecovery(config.error_message, config.error_type);
      return { outputs: { ...advice, suggested_fix: '', retry_modifications: {} } };
    };
    const facts = [
      `Error type: ${config.error_type}`,
      `Error message: ${config.error_message}`,
      config.error_node ? `Failed node: ${config.error_node}` : '',
      config.stack_trace ? `Stack trace:\n${config.stack_trace.slice(0, 4000)}` : '',
      config.node_context !== null ? `Node context:\n${contextText(config.node_context)}` : '',
      config.execution_history !== null ? `Recent history:\n${contextText(config.execution_history).slice(0, 4000)}` : '',
    ].filter((line) => line !== '');
    try {
      const { reader, json } = await askForJson(
        execution,
        config,
        'You advise an RPA engine how to recover from a failed step.',
        `${facts.join('\n')}\n\nAnswer as {"strategy": one of ${JSON.stringify(RECOVERY_STRATEGIES)}, "confidence": <0..1>, "reasoning": "<one sentence>", "suggested_fix": "<text or empty>", "retry_modifications": {<config changes for a retry>}, "alternatives": [<other strategies>]}.`,
      );
      const strategy = reader.choice(json['strategy'], RECOVERY_STRATEGIES, 'the strategy');
      const confidence = reader.confidence(json);
      if (confidence < config.min_confidence && config.fallback_to_heuristic) return heuristic();
      return {
        outputs: {
          strategy,
          confidence,
          reasoning: reader.text(json, 'reasoning', ''),
          suggested_fix: reader.text(json, 'suggested_fix', ''),
          retry_modifications: reader.dict(json, 'retry_modifications'),
          alternatives: reader.list(json, 'alternatives').map((value) => reader.choice(value, RECOVERY_STRATEGIES, 'an alternative')),
        },
      };
    } catch (error) {
      if (config.fallback_to_heuristic && error instanceof LlmAnswerError) return heuristic();
      throw error;
    }
  },
});

/** One agent turn: its JSON object, or (a model that answers in prose is still reasoning) its words as the thought. */
function parseAgentTurn(execution: NodeExecution, raw: string): { reader: AnswerReader; json: JsonObject } {
  const reader = new AnswerReader(execution, raw);
  const parsed = tryParseJson(raw.trim().replace(/^```[a-zA-Z]*\s*\n?|\n?```$/g, ''));
  return { reader, json: isJsonObject(parsed) ? parsed : { thought: raw } };
}

/** LLM nodes: extract, summarise, classify, translate; AI condition, switch and decision table; the agent loop. */
export const llmNodeHandlers: readonly CatalogNodeHandler[] = [
  llmExtractDataNode,
  llmSummarizeNode,
  llmClassifyNode,
  llmTranslateNode,
  aiConditionNode,
  aiSwitchNode,
  aiDecisionTableNode,
  aiAgentNode,
  aiRecoveryNode,
];
