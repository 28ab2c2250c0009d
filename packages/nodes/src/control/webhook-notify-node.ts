import type { JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { dict, integer, nonEmptyText, number, oneOf, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';
import { HttpRequestError, IDEMPOTENCY_KEY_HEADER } from '../http/http-nodes.js';

const FORMATS = ['generic', 'slack', 'discord', 'teams'] as const;

/** The v1 payload of each webhook format, with the error details as fields. */
function payloadOf(format: (typeof FORMATS)[number], message: string, details: JsonObject): JsonObject {
  const entries = Object.entries(details);
  switch (format) {
    case 'slack':
      return {
        text: message,
        attachments:
          entries.length > 0
            ? [{ color: 'danger', title: 'Error Details', fields: entries.map(([key, value]) => ({ title: key, value: textOf(value), short: true })) }]
            : [],
      };
    case 'discord':
      return {
        content: message,
        embeds:
          entries.length > 0
            ? [
                {
                  title: 'Error Details',
                  color: 15158332,
                  fields: entries.map(([key, value]) => ({ name: key, value: textOf(value).slice(0, 1024), inline: true })),
                },
              ]
            : [],
      };
    case 'teams':
      return {
        '@type': 'MessageCard',
        themeColor: 'FF0000',
        summary: message,
        sections: [{ activityTitle: message, facts: entries.map(([key, value]) => ({ name: key, value: textOf(value) })) }],
      };
    default:
      return { message, details, source: 'CasareRPA' };
  }
}

const webhookNotifyNode = defineNode({
  types: ['WebhookNotifyNode'],
  effect: 'world',
  config: z.looseObject({
    webhook_url: nonEmptyText(),
    message: text('Error notification from CasareRPA'),
    error_details: dict(),
    format: oneOf(FORMATS, 'generic'),
    timeout: integer(30).pipe(z.number().min(1, { error: 'at least 1 second' })),
    retry_count: integer(0).pipe(z.number().min(0, { error: 'at least 0' })),
    retry_delay: number(2).pipe(z.number().min(0, { error: 'at least 0 seconds' })),
  }),
  ports: { inputs: ['webhook_url', 'message', 'error_details'], outputs: ['success', 'response', 'status_code'], exec: ['exec_out'] },
  run: async (config, execution) => {
    let url: URL;
    try {
      url = new URL(config.webhook_url);
    } catch {
      throw new ConfigFieldError('webhook_url', 'not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigFieldError('webhook_url', 'must be an http or https URL');
    const body = JSON.stringify(payloadOf(config.format, config.message, config.error_details));
    // Rule 3: a notification in flight at a crash is sent again with the same key, so the receiver can drop the repeat.
    const headers = { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER]: execution.idempotencyKey };
    const timeout = AbortSignal.timeout(config.timeout * 1000);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.any([execution.signal, timeout]), redirect: 'follow' });
    } catch (error) {
      const where = `POST ${url.origin}${url.pathname}`;
      if (timeout.aborted) throw new HttpRequestError(execution.node.id, 'HTTP_TIMEOUT', `${where} timed out after ${config.timeout}s`, { cause: error });
      if (execution.signal.aborted) throw new HttpRequestError(execution.node.id, 'HTTP_ABORTED', `${where} was aborted`, { cause: error });
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new HttpRequestError(execution.node.id, 'HTTP_FAILED', `${where} failed: ${reason}`, { cause: error });
    }
    const text = await response.text();
    // v1: a receiver that answers >= 400 is reported, not thrown; the run goes on.
    return { outputs: { success: response.status < 400, response: text, status_code: response.status } };
  },
});

/** The WebhookNotify node (v1 error_handling_nodes): an HTTP POST of an error notification. */
export const webhookNotifyNodeHandlers: readonly CatalogNodeHandler[] = [webhookNotifyNode];
