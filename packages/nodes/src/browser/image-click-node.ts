import { z } from 'zod';
import { anyValue, integer, isJsonObject, number, oneOf, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import type { Json } from '@casare-rpa/domain';
import { milliseconds, pageFields, pageOf } from './browser-config.js';
import { runOnPage, type BrowserNodeDependencies } from './browser-step.js';
import { decodeTemplate, matchTemplate, type TemplateMatch } from './template-matching.js';

/** The template image did not appear on the page, within the timeout, as similar as required. */
export class TemplateNotFoundError extends Error {
  /** Stable code. */
  readonly code = 'IMAGE_TEMPLATE_NOT_FOUND';
  constructor(
    /** The node. */
    readonly nodeId: string,
    /** The similarity required. */
    readonly threshold: number,
    /** The best similarity seen. */
    readonly bestSimilarity: number,
  ) {
    super(`nodes.${nodeId}: template not found on the page (threshold ${threshold}, best similarity ${bestSimilarity.toFixed(3)})`);
    this.name = 'TemplateNotFoundError';
  }
}

/** The base64 image of `image_template` (plain or a `data:` URL), else of v1's `selector_healing_context.cv_template.image_base64`. */
function templateBase64(imageTemplate: string, healing: Json): { base64: string; field: string } | undefined {
  if (imageTemplate.trim() !== '') return { base64: imageTemplate.trim().replace(/^data:[^,]*,/, ''), field: 'image_template' };
  const cv = isJsonObject(healing) ? healing['cv_template'] : undefined;
  const image = isJsonObject(cv) ? cv['image_base64'] : undefined;
  return typeof image === 'string' && image !== '' ? { base64: image, field: 'selector_healing_context.cv_template.image_base64' } : undefined;
}

const POLL_MS = 250;

/**
 * ImageClickNode: finds `image_template` (a base64 image) on a screenshot of the page's viewport and
 * clicks the centre of the best match (plus `click_offset_x/y`) when its similarity reaches
 * `similarity_threshold`; screenshots are taken again until `timeout`. Template matching is OpenCV's
 * (template-matching.ts).
 */
export function imageClickNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['ImageClickNode'],
    config: z
      .looseObject({
        image_template: text(''),
        selector_healing_context: anyValue(),
        similarity_threshold: number(0.8).refine((value) => value >= 0.5 && value <= 1, { error: 'expected 0.5 to 1.0' }),
        button: oneOf(['left', 'right', 'middle'], 'left'),
        click_count: integer(1).refine((count) => count >= 1, { error: 'must be at least 1' }),
        click_offset_x: integer(0),
        click_offset_y: integer(0),
        timeout: milliseconds(30_000),
        ...pageFields,
      })
      .refine((config) => templateBase64(config.image_template, config.selector_healing_context) !== undefined, {
        // Plain `required`: a data connection to image_template may bring it (see defineNode's validate).
        error: 'required',
        path: ['image_template'],
      }),
    ports: {
      inputs: ['image_template'],
      outputs: ['click_x', 'click_y', 'match_x', 'match_y', 'match_width', 'match_height', 'similarity'],
    },
    // retry_count / retry_interval of v1 are the runner's step retries here.
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const source = templateBase64(config.image_template, config.selector_healing_context);
        if (source === undefined) throw new ConfigFieldError('image_template', 'required');
        const bytes = Buffer.from(source.base64, 'base64');
        const template = await decodeTemplate(bytes).catch((error: Error) => {
          throw new ConfigFieldError(source.field, error.message);
        });
        const deadline = Date.now() + config.timeout;
        let bestSimilarity = -1;
        let found: TemplateMatch;
        for (;;) {
          execution.signal.throwIfAborted();
          // CSS pixels, the viewport only: the coordinates the mouse takes.
          const shot = await page.screenshot({ type: 'png', scale: 'css' });
          const match = await matchTemplate(shot, template).catch((error: Error & { code?: string }) => {
            throw error.code === 'TEMPLATE_IMAGE_INVALID' ? new ConfigFieldError(source.field, error.message) : error;
          });
          bestSimilarity = Math.max(bestSimilarity, match.similarity);
          if (match.similarity >= config.similarity_threshold) {
            found = match;
            break;
          }
          if (Date.now() + POLL_MS > deadline) throw new TemplateNotFoundError(execution.node.id, config.similarity_threshold, bestSimilarity);
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
        const clickX = found.x + Math.floor(found.width / 2) + config.click_offset_x;
        const clickY = found.y + Math.floor(found.height / 2) + config.click_offset_y;
        await page.mouse.click(clickX, clickY, { button: config.button, clickCount: config.click_count });
        return {
          outputs: {
            click_x: clickX,
            click_y: clickY,
            match_x: found.x,
            match_y: found.y,
            match_width: found.width,
            match_height: found.height,
            similarity: Math.round(found.similarity * 10_000) / 10_000,
          },
        };
      }),
  });
}
