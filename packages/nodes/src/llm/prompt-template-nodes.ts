import type { Json, JsonObject, WorkflowNode } from '@casare-rpa/domain';
import { z } from 'zod';
import { boolean, dict, nonEmptyText, text, tryParseJson } from '../catalog/config-schema.js';
import { literalConfig } from '../catalog/effects.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { chatCompletion } from '../connectors/connector-nodes.js';
import { textOf } from '../data/values.js';
import { llmFieldsWith } from './llm-call.js';

// Prompt templates: a fixed set of built-in templates (this catalog's own), rendered with the
// node's variables and, unless `execute` is false, sent to the endpoint. Listing and describing
// templates reads only that fixed set, so those nodes are pure.

/** A variable a template expects. */
interface TemplateVariable {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly default?: string;
}

/** A built-in prompt template. */
interface PromptTemplate {
  readonly id: string;
  readonly name: string;
  readonly category: 'extraction' | 'generation' | 'analysis' | 'transformation';
  readonly description: string;
  readonly version: string;
  readonly tags: readonly string[];
  readonly output_format: 'text' | 'json';
  readonly system_prompt: string;
  readonly user_prompt: string;
  readonly variables: readonly TemplateVariable[];
}

/** The built-in templates; `{name}` in a prompt is replaced by the variable `name`. */
export const BUILT_IN_TEMPLATES: readonly PromptTemplate[] = [
  {
    id: 'summarize_text',
    name: 'Summarise text',
    category: 'generation',
    description: 'A short summary of a text, in a given number of sentences.',
    version: '1.0',
    tags: ['summary', 'text'],
    output_format: 'text',
    system_prompt: 'You write faithful, concise summaries.',
    user_prompt: 'Summarise the following text in at most {sentences} sentences.\n\n{text}',
    variables: [
      { name: 'text', description: 'The text to summarise', required: true },
      { name: 'sentences', description: 'Most sentences in the summary', required: false, default: '3' },
    ],
  },
  {
    id: 'extract_entities',
    name: 'Extract entities',
    category: 'extraction',
    description: 'People, organisations, places and dates named in a text, as JSON.',
    version: '1.0',
    tags: ['extraction', 'entities', 'json'],
    output_format: 'json',
    system_prompt: 'You extract named entities and answer with JSON only.',
    user_prompt: 'List the entities in the text as {"people": [], "organisations": [], "places": [], "dates": []}.\n\n{text}',
    variables: [{ name: 'text', description: 'The text to read', required: true }],
  },
  {
    id: 'sentiment_analysis',
    name: 'Sentiment analysis',
    category: 'analysis',
    description: 'Whether a text is positive, negative or neutral, with a score, as JSON.',
    version: '1.0',
    tags: ['sentiment', 'classification', 'json'],
    output_format: 'json',
    system_prompt: 'You judge the sentiment of texts and answer with JSON only.',
    user_prompt: 'Judge the sentiment of the text as {"sentiment": "positive"|"negative"|"neutral", "score": <-1..1>}.\n\n{text}',
    variables: [{ name: 'text', description: 'The text to judge', required: true }],
  },
  {
    id: 'email_reply',
    name: 'Reply to an email',
    category: 'generation',
    description: 'A reply to an email in a given tone.',
    version: '1.0',
    tags: ['email', 'writing'],
    output_format: 'text',
    system_prompt: 'You write clear, polite business emails.',
    user_prompt: 'Write a {tone} reply to this email. Sign it as {sender}.\n\n{email}',
    variables: [
      { name: 'email', description: 'The email to answer', required: true },
      { name: 'tone', description: 'Tone of the reply', required: false, default: 'friendly' },
      { name: 'sender', description: 'Name to sign with', required: false, default: 'the team' },
    ],
  },
  {
    id: 'rewrite_text',
    name: 'Rewrite text',
    category: 'transformation',
    description: 'A text rewritten in another style or for another audience.',
    version: '1.0',
    tags: ['rewrite', 'style'],
    output_format: 'text',
    system_prompt: 'You rewrite texts, keeping their meaning.',
    user_prompt: 'Rewrite the text in a {style} style.\n\n{text}',
    variables: [
      { name: 'text', description: 'The text to rewrite', required: true },
      { name: 'style', description: 'The style to write in', required: false, default: 'plain, simple' },
    ],
  },
];

function isLiterallyFalse(value: Json | undefined): boolean {
  return value === false || value === 0 || (typeof value === 'string' && ['false', 'no', 'off', '0'].includes(value.trim().toLowerCase()));
}

function templateInfo(template: PromptTemplate): JsonObject {
  return {
    id: template.id,
    name: template.name,
    category: template.category,
    description: template.description,
    version: template.version,
    tags: [...template.tags],
    output_format: template.output_format,
  };
}

function variablesOf(template: PromptTemplate): JsonObject[] {
  return template.variables.map((variable) => ({ ...variable }));
}

function templateNamed(id: string): PromptTemplate | undefined {
  return BUILT_IN_TEMPLATES.find((template) => template.id === id);
}

/** The user prompt with its variables filled in; a required variable left out is a config error. */
function render(template: PromptTemplate, variables: JsonObject): string {
  const values = new Map<string, string>();
  for (const variable of template.variables) {
    const given = variables[variable.name];
    if (given !== undefined && given !== null && given !== '') values.set(variable.name, textOf(given));
    else if (variable.default !== undefined) values.set(variable.name, variable.default);
    else if (variable.required) throw new ConfigFieldError(`variables.${variable.name}`, `required by template "${template.id}" (${variable.description})`);
  }
  return template.user_prompt.replace(/\{([a-z_]+)\}/g, (whole, name: string) => values.get(name) ?? whole);
}

const promptTemplateNode = defineNode({
  types: ['PromptTemplateNode'],
  // Rendering alone reads only the built-in templates: pure. Sending it to the model is world. So
  // that the effect is known from the file, `execute` is a config field only, not a data input.
  effect: (node: WorkflowNode) => (isLiterallyFalse(literalConfig(node, 'execute')) ? 'pure' : 'world'),
  config: z.looseObject({ ...llmFieldsWith(0.7), template_id: nonEmptyText(), variables: dict(), execute: boolean(true) }),
  ports: {
    inputs: ['template_id', 'variables', 'model', 'temperature', 'max_tokens'],
    outputs: ['rendered_prompt', 'system_prompt', 'response', 'parsed_response', 'tokens_used', 'success', 'error'],
  },
  run: async (config, execution) => {
    const template = templateNamed(config.template_id);
    if (!template)
      throw new ConfigFieldError(
        'template_id',
        `no template "${config.template_id}"; the templates are ${BUILT_IN_TEMPLATES.map((entry) => entry.id).join(', ')}`,
      );
    const rendered = render(template, config.variables);
    if (!config.execute) {
      return {
        outputs: {
          rendered_prompt: rendered,
          system_prompt: template.system_prompt,
          response: '',
          parsed_response: {},
          tokens_used: 0,
          success: true,
          error: '',
        },
      };
    }
    const answer = await chatCompletion(execution, config, [
      { role: 'system', content: template.system_prompt },
      { role: 'user', content: rendered },
    ]);
    const parsed = tryParseJson(answer.response.trim().replace(/^```[a-zA-Z]*\s*\n?|\n?```$/g, ''));
    return {
      outputs: {
        rendered_prompt: rendered,
        system_prompt: template.system_prompt,
        response: answer.response,
        parsed_response: parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {},
        tokens_used: answer.tokens_used,
        success: true,
        error: '',
      },
    };
  },
});

const listTemplatesNode = defineNode({
  types: ['ListTemplatesNode'],
  effect: 'pure',
  config: z.looseObject({ category: text(''), search: text(''), include_builtin: boolean(true) }),
  ports: { inputs: ['category', 'search', 'include_builtin'], outputs: ['templates', 'count', 'success', 'error'] },
  run: (config) => {
    const search = config.search.trim().toLowerCase();
    const templates = (config.include_builtin ? BUILT_IN_TEMPLATES : [])
      .filter((template) => config.category === '' || template.category === config.category.trim().toLowerCase())
      .filter(
        (template) => search === '' || `${template.id} ${template.name} ${template.description} ${template.tags.join(' ')}`.toLowerCase().includes(search),
      )
      .map(templateInfo);
    return { outputs: { templates, count: templates.length, success: true, error: '' } };
  },
});

const getTemplateInfoNode = defineNode({
  types: ['GetTemplateInfoNode'],
  effect: 'pure',
  config: z.looseObject({ template_id: nonEmptyText() }),
  ports: { inputs: ['template_id'], outputs: ['template_info', 'variables', 'system_prompt', 'found', 'success', 'error'] },
  run: (config) => {
    const template = templateNamed(config.template_id);
    if (!template) return { outputs: { template_info: {}, variables: [], system_prompt: '', found: false, success: true, error: '' } };
    return {
      outputs: {
        template_info: templateInfo(template),
        variables: variablesOf(template),
        system_prompt: template.system_prompt,
        found: true,
        success: true,
        error: '',
      },
    };
  },
});

/** Prompt template nodes: PromptTemplateNode, ListTemplatesNode, GetTemplateInfoNode. */
export const promptTemplateNodeHandlers: readonly CatalogNodeHandler[] = [promptTemplateNode, listTemplatesNode, getTemplateInfoNode];
