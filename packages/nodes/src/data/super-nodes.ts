import type { NodeExecution } from '@casare-rpa/application';
import type { JsonObject, NodeOutcome, ValidationIssue, WorkflowNode } from '@casare-rpa/domain';
import { z } from 'zod';
import { configPath } from '../catalog/node-config-error.js';
import { CONFIG_INVALID, defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { dictNodeHandlers } from './dict-nodes.js';
import { listNodeHandlers } from './list-nodes.js';
import { textNodeHandlers } from './text-nodes.js';

// Super nodes (one node, an `action` field) dispatch to the single-purpose handler of the action,
// so each operation is written once. Where the super node named a field differently from the
// single-purpose node, `fields` renames it (super node name -> single node name) before dispatch.

interface SuperAction {
  /** The single-purpose node type that implements the action. */
  readonly type: string;
  /** Super-node field name -> single-purpose field name. */
  readonly fields?: Readonly<Record<string, string>>;
}

function renamed(values: JsonObject, fields: Readonly<Record<string, string>> | undefined): JsonObject {
  if (!fields) return values;
  const result: Record<string, JsonObject[string]> = { ...values };
  for (const [from, to] of Object.entries(fields)) {
    if (Object.hasOwn(values, from) && !Object.hasOwn(values, to)) result[to] = values[from] ?? null;
  }
  return result;
}

function superNode(
  type: string,
  fallback: string,
  actions: Readonly<Record<string, SuperAction>>,
  handlers: readonly CatalogNodeHandler[],
): CatalogNodeHandler {
  const names = Object.keys(actions) as [string, ...string[]];
  const byLower = new Map(names.map((name) => [name.toLowerCase(), name]));
  const targets = new Map<string, CatalogNodeHandler>();
  for (const [name, action] of Object.entries(actions)) {
    const handler = handlers.find((candidate) => candidate.types.includes(action.type));
    if (!handler) throw new Error(`${type}: action "${name}" names ${action.type}, which has no handler`);
    targets.set(name, handler);
  }
  const actionOf = (value: unknown): string | undefined =>
    typeof value === 'string' ? byLower.get(value.trim().toLowerCase()) : value === undefined || value === null || value === '' ? fallback : undefined;
  const inputs = [...new Set([...targets.values()].flatMap((handler) => handler.ports.inputs))];
  const outputs = [...new Set([...targets.values()].flatMap((handler) => handler.ports.outputs))];
  const base = defineNode({
    types: [type],
    effect: 'pure',
    config: z.looseObject({
      action: z.preprocess((value) => actionOf(value) ?? value, z.enum(names, { error: `expected one of: ${names.join(', ')}` })),
    }),
    ports: { inputs, outputs },
    run: (config, execution): Promise<NodeOutcome> => {
      const action = actions[config.action]!;
      const target = targets.get(config.action)!;
      const node: WorkflowNode = { ...execution.node, type: action.type, config: renamed(execution.node.config, action.fields) };
      const delegated: NodeExecution = {
        ...execution,
        node,
        config: renamed(execution.config, action.fields),
        inputs: renamed(execution.inputs, action.fields),
      };
      return target.execute(delegated);
    },
  });
  return {
    ...base,
    // The action's own handler checks the fields it uses, under the super node's id.
    validate(node: WorkflowNode, connectedInputs?: ReadonlySet<string>): readonly ValidationIssue[] {
      const issues = base.validate(node, connectedInputs);
      if (issues.length > 0) return issues;
      const raw = node.config.action;
      if (typeof raw === 'string' && raw.includes('{{')) return [];
      const name = actionOf(raw);
      if (!name) return [{ code: CONFIG_INVALID, path: configPath(node.id, 'action'), message: 'unknown action', nodeId: node.id }];
      const action = actions[name]!;
      return targets.get(name)!.validate({ ...node, type: action.type, config: renamed(node.config, action.fields) }, connectedInputs);
    },
  };
}

const textSuperNode = superNode(
  'TextSuperNode',
  'Contains',
  {
    Substring: { type: 'TextSubstringNode' },
    Contains: { type: 'TextContainsNode' },
    'Starts With': { type: 'TextStartsWithNode' },
    'Ends With': { type: 'TextEndsWithNode' },
    'Extract (Regex)': { type: 'TextExtractNode' },
    Split: { type: 'TextSplitNode' },
    Replace: { type: 'TextReplaceNode', fields: { old_value: 'old', new_value: 'new', replace_count: 'count' } },
    Trim: { type: 'TextTrimNode', fields: { trim_mode: 'mode', trim_characters: 'characters' } },
    Case: { type: 'TextCaseNode', fields: { case_transform: 'case' } },
    Pad: { type: 'TextPadNode', fields: { length: 'width', pad_mode: 'side', fill_char: 'pad_char' } },
    Reverse: { type: 'TextReverseNode' },
    Lines: { type: 'TextLinesNode' },
    Count: { type: 'TextCountNode', fields: { count_mode: 'mode' } },
    Join: { type: 'TextJoinNode' },
  },
  textNodeHandlers,
);

const listSuperNode = superNode(
  'ListSuperNode',
  'Create List',
  {
    'Create List': { type: 'CreateListNode', fields: { item1: 'item_1', item2: 'item_2', item3: 'item_3' } },
    'Get Item': { type: 'ListGetItemNode' },
    Length: { type: 'ListLengthNode' },
    Contains: { type: 'ListContainsNode' },
    Append: { type: 'ListAppendNode' },
    Slice: { type: 'ListSliceNode' },
    Sort: { type: 'ListSortNode' },
    Reverse: { type: 'ListReverseNode' },
    Unique: { type: 'ListUniqueNode' },
    Filter: { type: 'ListFilterNode' },
    Map: { type: 'ListMapNode' },
    Reduce: { type: 'ListReduceNode' },
    Flatten: { type: 'ListFlattenNode' },
    Join: { type: 'ListJoinNode' },
  },
  listNodeHandlers,
);

const dictSuperNode = superNode(
  'DictSuperNode',
  'Get Value',
  {
    'Create Dict': { type: 'CreateDictNode', fields: { key1: 'key_1', value1: 'value_1', key2: 'key_2', value2: 'value_2', key3: 'key_3', value3: 'value_3' } },
    'Get Value': { type: 'DictGetNode' },
    'Has Key': { type: 'DictHasKeyNode' },
    'Get Keys': { type: 'DictKeysNode' },
    'Get Values': { type: 'DictValuesNode' },
    'Get Items': { type: 'DictItemsNode' },
    'Set Value': { type: 'DictSetNode' },
    'Remove Key': { type: 'DictRemoveNode' },
    Merge: { type: 'DictMergeNode' },
    'Parse JSON': { type: 'JsonParseNode' },
    'To JSON': { type: 'DictToJsonNode' },
  },
  dictNodeHandlers,
);

/** TextSuperNode, ListSuperNode, DictSuperNode: `action` picks the single-purpose node that runs. */
export const superNodeHandlers: readonly CatalogNodeHandler[] = [textSuperNode, listSuperNode, dictSuperNode];
