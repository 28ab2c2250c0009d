import type { Json, ValidationIssue, Workflow, WorkflowNode } from '@casare-rpa/domain';
import type { StepPolicy } from '../ports/durable-context.js';

/** Wait before the first retry when the workflow or the node does not say, in ms (DBOS's default too). */
export const DEFAULT_RETRY_INTERVAL_MS = 1000;
/** Multiplier of the retry wait when the workflow or the node does not say (DBOS's default too). */
export const DEFAULT_BACKOFF_RATE = 2;

/**
 * The step policy of one node. Retries: `config.retry` (a retry count, or `{ max_attempts,
 * interval_seconds, backoff_rate }`), else the workflow's `settings.retry_count`. Timeout of each
 * attempt: `nodeTimeoutMs`. Malformed values fall back to the workflow default; `policyIssues`
 * reports them before a run starts.
 */
export function stepPolicyOf(workflow: Workflow, node: WorkflowNode): StepPolicy {
  const retry = retryPolicyOf(workflow, node);
  const timeoutMs = nodeTimeoutMs(workflow, node);
  return timeoutMs === undefined ? retry : { ...retry, timeoutMs };
}

function retryPolicyOf(workflow: Workflow, node: WorkflowNode): StepPolicy {
  const fallback: StepPolicy = {
    maxAttempts: Math.max(0, Math.floor(workflow.settings.retryCount)) + 1,
    intervalMs: DEFAULT_RETRY_INTERVAL_MS,
    backoffRate: DEFAULT_BACKOFF_RATE,
  };
  const retry = node.config['retry'];
  if (isCount(retry)) return { ...fallback, maxAttempts: retry + 1 };
  if (!isRecord(retry)) return fallback;
  const maxAttempts = retry['max_attempts'];
  const interval = retry['interval_seconds'];
  const backoff = retry['backoff_rate'];
  return {
    maxAttempts: isCount(maxAttempts) && maxAttempts >= 1 ? maxAttempts : fallback.maxAttempts,
    intervalMs: isNonNegative(interval) ? interval * 1000 : fallback.intervalMs,
    backoffRate: isNonNegative(backoff) && backoff >= 1 ? backoff : fallback.backoffRate,
  };
}

/** Timeout of one attempt of `node` in ms: `config.timeout_seconds`, else `settings.timeout`; undefined for none. */
export function nodeTimeoutMs(workflow: Workflow, node: WorkflowNode): number | undefined {
  const own = node.config['timeout_seconds'];
  const seconds = isPositive(own) ? own : workflow.settings.timeoutSeconds;
  return seconds !== undefined && seconds > 0 ? seconds * 1000 : undefined;
}

/** Problems with a node's `retry` and `timeout_seconds` config, with their JSON paths. */
export function policyIssues(node: WorkflowNode): readonly ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const path = `nodes.${node.id}.config`;
  const retry = node.config['retry'];
  if (retry !== undefined && !isCount(retry)) {
    if (!isRecord(retry)) {
      issues.push({
        code: 'RETRY_INVALID',
        path: `${path}.retry`,
        nodeId: node.id,
        message: 'retry must be a retry count or { max_attempts, interval_seconds, backoff_rate }',
      });
    } else {
      const { max_attempts: maxAttempts, interval_seconds: interval, backoff_rate: backoff } = retry;
      if (maxAttempts !== undefined && !(isCount(maxAttempts) && maxAttempts >= 1)) {
        issues.push({ code: 'RETRY_INVALID', path: `${path}.retry.max_attempts`, nodeId: node.id, message: 'max_attempts must be an integer >= 1' });
      }
      if (interval !== undefined && !isNonNegative(interval)) {
        issues.push({ code: 'RETRY_INVALID', path: `${path}.retry.interval_seconds`, nodeId: node.id, message: 'interval_seconds must be a number >= 0' });
      }
      if (backoff !== undefined && !(isNonNegative(backoff) && backoff >= 1)) {
        issues.push({ code: 'RETRY_INVALID', path: `${path}.retry.backoff_rate`, nodeId: node.id, message: 'backoff_rate must be a number >= 1' });
      }
    }
  }
  const timeout = node.config['timeout_seconds'];
  if (timeout !== undefined && !isPositive(timeout)) {
    issues.push({ code: 'TIMEOUT_INVALID', path: `${path}.timeout_seconds`, nodeId: node.id, message: 'timeout_seconds must be a number > 0' });
  }
  return issues;
}

function isRecord(value: Json | undefined): value is { readonly [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isNonNegative(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isPositive(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
